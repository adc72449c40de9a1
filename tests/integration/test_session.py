"""`smtpkit session` read from a script (standard input not a terminal):
against the private Postfix (STARTTLS, AUTH through Dovecot, delivery to a
maildir), aiosmtpd (AUTH recorded), and scripted servers for faults.  What
the server received is asserted: the delivered message byte for byte,
Postfix's count of commands, the raw bytes a scripted server read.  The
terminal side (prompts, Ctrl-C, no echo) is test_session_terminal.py."""
import base64
import re
import uuid

import pytest

from harness.aiosmtpd_server import auth_server
from harness.cases import CA, T
from harness.scripted import (EHLO_AFTER_TLS, EHLO_PLAIN, EHLO_STARTTLS, GREETING, close, drip,
                              expect, mark, read_bdat, read_data, send, serve, sleep, starttls)
from test_send_real import TO1, delivered, strip_trace

SENDER = "sender@example.org"
USER, PASSWORD = "hand@example.org", "typed-Secret 42"


def ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


def script(*lines):
    return ("\n".join(lines) + "\n").encode()


def counts(line):
    return dict(re.findall(r"\b([a-z]+)=(\d+(?:/\d+)?)", line.split("disconnect from", 1)[1]))


def msg_lines(tag):
    msgid = "%s-%s@smtpkit.test" % (tag, uuid.uuid4().hex[:12])
    head = ["From: <%s>" % SENDER, "To: <%s>" % TO1, "Subject: %s" % tag,
            "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-ID: <%s>" % msgid, ""]
    return msgid, head


# Lines that begin with a dot: each must arrive as typed (dot-stuffed on
# the wire, unstuffed by the server), and only "." alone ends the message.
DOTTED = [".foo", "..", "...", " .", "middle", ".MAIL FROM:<evil@example.com>"]


# --- Postfix: the whole routine by hand ---------------------------------------

@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"])
def test_postfix_starttls_auth_dots_delivered_byte_for_byte(smtpkit, postfix, pki, mech):
    """STARTTLS and AUTH typed (no argument: smtpkit runs the mechanism with
    --user and SMTPKIT_PASSWORD), MAIL/RCPT/DATA with lines beginning with a
    dot, '.' alone, QUIT: delivered as typed, Postfix counted each command,
    and the password appears nowhere in the output."""
    msgid, head = msg_lines("session-" + mech.lower())
    before = postfix.log_mark()
    r = smtpkit("session", postfix.submission_hostport, "--at", "ehlo", *ca(pki), *T,
                "--user", postfix.user,
                input=script("STARTTLS", "AUTH " + mech, "MAIL FROM:<%s>" % SENDER,
                             "RCPT TO:<%s>" % TO1, "DATA", *head, *DOTTED, ".", "QUIT"),
                env={"SMTPKIT_PASSWORD": postfix.password})
    assert r.rc == 0, "%s\n--- maillog\n%s" % (r, postfix.maillog[-3000:])
    got = strip_trace(delivered(postfix, msgid)[0])
    assert got == ("\n".join(head + DOTTED) + "\n").encode(), got
    c = counts(postfix.disconnect_line(before))
    assert c.get("ehlo") == "2" and c.get("starttls") == "1" and c.get("auth") == "1", c
    assert c.get("mail") == "1" and c.get("rcpt") == "1" and c.get("data") == "1", c
    assert c.get("quit") == "1", c
    out = r.out + r.err
    assert postfix.password not in out
    plain = base64.b64encode(b"\0" + postfix.user.encode() + b"\0" + postfix.password.encode()).decode()
    assert plain not in out and base64.b64encode(postfix.password.encode()).decode() not in out
    assert " ~| ..foo" in r.out, r            # shown as it went on the wire
    assert "smtp/tls>" not in r.out           # no prompt in script mode
    assert r.out.rstrip().splitlines()[-1].startswith("result: ok"), r


def test_postfix_relay_refusal_explained_exit_69(smtpkit, postfix):
    """The worked example of smtpkit-session(1): a 554 5.7.1 to RCPT is
    explained; the script goes on; the exit is 69 because the last reply
    before QUIT was the refusal; Postfix saw no DATA."""
    before = postfix.log_mark()
    r = smtpkit("session", postfix.hostport, "--tls", "none", *T, "--json",
                input=script("MAIL FROM:<%s>" % SENDER, "RCPT TO:<someone@elsewhere.example>", "QUIT"))
    assert r.rc == 69, r
    doc = r.json()
    assert doc["command"] == "session" and doc["ok"] is False and doc["exit_code"] == 69
    assert doc["error"]["stage"] == "rcpt" and doc["error"]["cause"] == "reply-permanent", doc["error"]
    assert doc["error"]["reply"].startswith("554 5.7.1"), doc["error"]
    assert doc["last_code"] == 554 and doc["ended_with_quit"] is True
    rcpt = [x for x in doc["replies"] if x["stage"] == "rcpt"]
    assert rcpt and "delivery not authorized" in rcpt[0]["meaning"], rcpt
    c = counts(postfix.disconnect_line(before))
    assert c.get("rcpt") == "0/1" and "data" not in c and c.get("quit") == "1", c


def test_refusal_then_recovery_exits_0(smtpkit, postfix):
    """A refusal the script recovers from (RSET, then a good transaction):
    the last reply before QUIT is positive, so 0."""
    msgid, head = msg_lines("recovered")
    r = smtpkit("session", postfix.hostport, "--tls", "none", *T,
                input=script("MAIL FROM:<%s>" % SENDER, "RCPT TO:<x@elsewhere.example>", "RSET",
                             "MAIL FROM:<%s>" % SENDER, "RCPT TO:<%s>" % TO1, "DATA", *head,
                             "body", ".", "QUIT"))
    assert r.rc == 0, r
    delivered(postfix, msgid)


def test_postfix_pipeline_groups(smtpkit, postfix):
    """--pipeline against a server that offers PIPELINING: the message is
    delivered and Postfix did not complain of improper pipelining."""
    msgid, head = msg_lines("pipelined")
    before = postfix.log_mark()
    r = smtpkit("session", postfix.hostport, "--tls", "none", "--pipeline", *T,
                input=script("MAIL FROM:<%s>" % SENDER, "RCPT TO:<%s>" % TO1, "DATA", *head, "x",
                             ".", "QUIT"))
    assert r.rc == 0, r
    delivered(postfix, msgid)
    assert "improper command pipelining" not in postfix.maillog
    c = counts(postfix.disconnect_line(before))
    assert c.get("mail") == "1" and c.get("data") == "1", c


# --- aiosmtpd: AUTH recorded -----------------------------------------------------

@pytest.fixture
def aio_auth(pki):
    s = auth_server(pki, USER, PASSWORD)
    yield s
    s.stop()


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_typed_auth_runs_the_mechanism(smtpkit, aio_auth, pki, mech):
    """--user with --at tls: AUTH is not automatic; typed, it is run with the
    password from --password-file, inside TLS; the server checked it."""
    r = smtpkit("session", aio_auth.hostport, *ca(pki), *T, "--user", USER, "--at", "tls",
                "--password-file", _pwfile(pki), input=script("AUTH " + mech, "QUIT"))
    assert r.rc == 0, r
    assert aio_auth.auth.attempts == [(mech, True, True)], aio_auth.auth.attempts
    assert PASSWORD not in r.out + r.err


def _pwfile(pki):
    p = pki.dir / "session-password"
    p.write_text(PASSWORD + "\n")
    return str(p)


def test_wrong_password_is_a_refusal_the_session_goes_on_after(smtpkit, aio_auth, pki):
    """535 to AUTH: the session stays (NOOP is still answered) and the
    refusal is said; the last reply before QUIT decides: NOOP's 250 gives 0,
    the 535 itself gives 77."""
    r = smtpkit("session", aio_auth.hostport, *ca(pki), *T, "--user", USER, "--at", "tls",
                input=script("AUTH PLAIN", "NOOP", "QUIT"), env={"SMTPKIT_PASSWORD": "wrong"})
    assert r.rc == 0, r
    assert aio_auth.auth.attempts == [("PLAIN", False, True)]
    assert "*** authentication with PLAIN refused" in r.out, r
    assert "-> NOOP" in r.out.replace("~>", "->"), r
    r = smtpkit("session", aio_auth.hostport, *ca(pki), *T, "--user", USER, "--at", "tls",
                input=script("AUTH PLAIN", "QUIT"), env={"SMTPKIT_PASSWORD": "wrong"})
    assert r.rc == 77, r


def test_automatic_auth_with_user(smtpkit, aio_auth, pki):
    """With --user the automatic part logs in (default --at auth)."""
    r = smtpkit("session", aio_auth.hostport, *ca(pki), *T, "--user", USER, "--json",
                input=script("QUIT"), env={"SMTPKIT_PASSWORD": PASSWORD})
    assert r.rc == 0, r
    doc = r.json()
    assert doc["authenticated"] is True and doc["tls"]["verified"] is True
    assert aio_auth.auth.attempts and aio_auth.auth.attempts[0][1:] == (True, True)


def test_hand_typed_auth_argument_hidden(smtpkit, aio_auth, pki):
    """AUTH PLAIN with its own argument is sent as typed, and shown hidden."""
    arg = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()
    r = smtpkit("session", aio_auth.hostport, *ca(pki), *T, input=script("AUTH PLAIN " + arg, "QUIT"))
    assert r.rc == 0, r
    assert aio_auth.auth.attempts == [("PLAIN", True, True)]
    assert arg not in r.out and "AUTH PLAIN <secret hidden" in r.out, r


# --- scripted servers: local refusals, faults, attacks --------------------------

def plain(rules):
    return [send(GREETING), serve([(b"EHLO", EHLO_PLAIN)] + rules)]


@pytest.mark.parametrize("bad", [b"NOOP\x00x", b"NOOP\rRSET", b"NOOP \x1b[2J"],
                         ids=["nul", "cr", "escape"])
def test_control_characters_refused_locally(smtpkit, scripted, bad):
    """A line SMTP cannot carry is never sent; a script stops there (65) and
    QUITs."""
    srv = scripted(plain([(b"NOOP", b"250 ok\r\n")]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=b"NOOP\n" + bad + b"\nNOOP\n")
    assert r.rc == 65, r
    srv.finish()
    assert srv.plain.count(b"NOOP") == 1 and b"QUIT\r\n" in srv.plain, srv.report()
    assert b"\x00" not in srv.plain and b"\x1b" not in srv.plain and b"RSET" not in srv.plain


def test_auth_without_tls_refused(smtpkit, scripted):
    """AUTH typed on a connection without TLS: refused before a password is
    read or anything sent, unless --tls none."""
    ehlo = b"250-mx.scripted.test\r\n250 AUTH PLAIN LOGIN\r\n"
    srv = scripted([send(GREETING), serve([(b"EHLO", ehlo), (b"AUTH", b"235 ok\r\n")])])
    r = smtpkit("session", srv.hostport, *T, "--user", USER, "--at", "ehlo",
                input=script("AUTH PLAIN", "QUIT"), env={"SMTPKIT_PASSWORD": PASSWORD})
    assert r.rc == 69, r
    assert "refusing to send credentials without TLS" in r.out, r
    srv.finish()
    assert b"AUTH" not in srv.plain, srv.report()

    srv = scripted([send(GREETING), serve([(b"EHLO", ehlo), (b"AUTH", b"235 ok\r\n")])])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, "--user", USER, "--at", "ehlo",
                input=script("AUTH PLAIN", "QUIT"), env={"SMTPKIT_PASSWORD": PASSWORD})
    assert r.rc == 0, r
    srv.finish()
    want = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode())
    assert b"AUTH PLAIN " + want in srv.plain, srv.report()


def test_server_closes_mid_session(smtpkit, scripted):
    srv = scripted(plain([(b"NOOP", [close()])]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("NOOP", "NOOP"))
    assert r.rc == 74, r
    assert "smtpkit: noop:" in r.err, r


def test_slow_drip_reply_ends_at_the_deadline(smtpkit, scripted):
    srv = scripted(plain([(b"NOOP", [drip(b"250 ok", 0.5, forever=True)])]))
    r = smtpkit("session", srv.hostport, "--tls", "none", "--timeout", "2", input=script("NOOP", "QUIT"))
    assert r.rc == 75, r
    assert r.secs < 5, r


def test_421_ends_the_session(smtpkit, scripted):
    srv = scripted(plain([(b"MAIL", [send(b"421 4.3.2 shutting down\r\n"), close()])]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("MAIL FROM:<a@b.example>", "NOOP"))
    assert r.rc == 75, r
    srv.finish()
    assert b"NOOP" not in srv.plain, srv.report()


def test_unasked_bytes_before_a_command_are_a_protocol_violation(smtpkit, scripted):
    """The server talks after its reply: taken for the next reply it would
    lie about the command; 76, the command is not sent."""
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN),
                                           (b"NOOP", b"250 ok\r\n250 surprise\r\n")])])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("NOOP", "RSET"))
    assert r.rc == 76, r
    srv.finish()
    assert b"RSET" not in srv.plain, srv.report()


def test_injection_after_typed_starttls_220(smtpkit, scripted, pki):
    """Bytes after the 220 to a typed STARTTLS, before the handshake: 76,
    no handshake, nothing more sent."""
    srv = scripted([send(GREETING), serve([
        (b"EHLO", EHLO_STARTTLS),
        (b"STARTTLS", [send(b"220 2.0.0 go ahead\r\n250 injected\r\n"), sleep(3)]),
    ])])
    r = smtpkit("session", srv.hostport, *ca(pki), *T, "--at", "ehlo", input=script("STARTTLS", "NOOP"))
    assert r.rc == 76, r
    srv.finish()
    assert srv.in_tls == b"" and b"NOOP" not in srv.plain, srv.report()


def test_typed_starttls_upgrades_and_says_ehlo_again(smtpkit, scripted, pki):
    srv = scripted([send(GREETING), serve([
        (b"EHLO", lambda s: EHLO_AFTER_TLS if s.tls else EHLO_STARTTLS),
        (b"STARTTLS", [send(b"220 2.0.0 go ahead\r\n"), starttls()]),
        (b"NOOP", b"250 ok\r\n"),
    ])])
    r = smtpkit("session", srv.hostport, *ca(pki), *T, "--at", "ehlo", "--json",
                input=script("STARTTLS", "NOOP", "QUIT"))
    assert r.rc == 0, r
    doc = r.json()
    assert doc["tls"]["verified"] is True
    assert [c["keyword"] for c in doc["capabilities"]["after_tls"]].count("AUTH") == 1
    srv.finish()
    assert srv.in_tls.startswith(b"EHLO ") and b"NOOP\r\n" in srv.in_tls, srv.report()


def test_untrusted_certificate_on_typed_starttls_ends_the_session(smtpkit, scripted, pki):
    srv = scripted([send(GREETING), serve([
        (b"EHLO", EHLO_STARTTLS),
        (b"STARTTLS", [send(b"220 2.0.0 go ahead\r\n"), starttls("selfsigned")]),
    ])])
    r = smtpkit("session", srv.hostport, *ca(pki), *T, "--at", "ehlo", input=script("STARTTLS", "NOOP"))
    assert r.rc == 69, r
    srv.finish()
    assert b"NOOP" not in srv.in_tls + srv.plain, srv.report()


def test_pipeline_writes_a_group_before_any_reply(smtpkit, scripted):
    """--pipeline: MAIL, RCPT, RCPT and DATA leave in one group (RFC 2920):
    the server saw them all before it answered MAIL."""
    srv = scripted([send(GREETING), expect(b"EHLO"), send(EHLO_PLAIN), expect(b"MAIL"), sleep(0.5),
                    mark("after-mail"), send(b"250 ok\r\n"), expect(b"RCPT"), send(b"250 ok\r\n"),
                    expect(b"RCPT"), send(b"250 ok\r\n"), expect(b"DATA"), send(b"354 go\r\n"),
                    read_data(), send(b"250 queued as P1\r\n"), expect(b"QUIT"), send(b"221 bye\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", "--pipeline", *T,
                input=script("MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "RCPT TO:<e@f.example>",
                             "DATA", "Subject: p", "", "x", ".", "QUIT"))
    assert r.rc == 0, r
    srv.finish()
    assert srv.marks["after-mail"].count(b"RCPT") == 2 and b"DATA\r\n" in srv.marks["after-mail"], \
        srv.report()
    assert srv.messages == [b"Subject: p\r\n\r\nx\r\n.\r\n"], srv.report()


def test_without_pipeline_each_command_waits(smtpkit, scripted):
    srv = scripted([send(GREETING), expect(b"EHLO"), send(EHLO_PLAIN), expect(b"MAIL"), sleep(0.5),
                    mark("after-mail"), send(b"250 ok\r\n"), expect(b"RCPT"), send(b"250 ok\r\n"),
                    expect(b"QUIT"), send(b"221 bye\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T,
                input=script("MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "QUIT"))
    assert r.rc == 0, r
    srv.finish()
    assert srv.marks["after-mail"] == b"", srv.report()


def test_data_and_bdat_files(smtpkit, scripted, tmp_path):
    """/data sends a file dot-stuffed after the 354; /bdat with BDAT n LAST
    when CHUNKING is offered, and is refused locally when it is not."""
    f = tmp_path / "m.eml"
    f.write_bytes(b"Subject: file\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <f@x>\n\n.dot\nend\n")
    ehlo = b"250-mx.scripted.test\r\n250-CHUNKING\r\n250 8BITMIME\r\n"
    srv = scripted([send(GREETING), expect(b"EHLO"), send(ehlo), expect(b"DATA"), send(b"354 go\r\n"),
                    read_data(), send(b"250 queued as D1\r\n"), expect(b"BDAT"), read_bdat(),
                    send(b"250 queued as B1\r\n"), expect(b"QUIT"), send(b"221 bye\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("/data %s" % f, "/bdat %s" % f, "QUIT"))
    assert r.rc == 0, r
    srv.finish()
    body = b"Subject: file\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <f@x>\r\n\r\n"
    assert srv.messages == [body + b"..dot\r\nend\r\n.\r\n", body + b".dot\r\nend\r\n"], srv.report()
    assert b"BDAT %d LAST\r\n" % len(body + b".dot\r\nend\r\n") in srv.plain
    assert "queued as D1" in r.out and "queued as B1" in r.out

    srv = scripted(plain([(b"NOOP", b"250 ok\r\n")]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("/bdat %s" % f, "QUIT"))
    assert r.rc == 69, r            # refused locally, the last thing before QUIT
    assert "does not offer CHUNKING" in r.out
    srv.finish()
    assert b"BDAT" not in srv.plain


def test_end_of_input_ends_the_message_and_quits(smtpkit, scripted):
    srv = scripted([send(GREETING), expect(b"EHLO"), send(EHLO_PLAIN), expect(b"DATA"), send(b"354 go\r\n"),
                    read_data(), send(b"250 ok\r\n"), expect(b"QUIT"), send(b"221 bye\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=b"DATA\nSubject: eof\n\nlast")
    assert r.rc == 0, r
    srv.finish()
    assert srv.messages == [b"Subject: eof\r\n\r\nlast\r\n.\r\n"], srv.report()


def test_bad_message_line_in_a_script_is_never_delivered(smtpkit, scripted):
    """A NUL in a message line: the script stops, and the connection closes
    without the final dot, so the server cannot deliver half a message."""
    srv = scripted([send(GREETING), expect(b"EHLO"), send(EHLO_PLAIN), expect(b"DATA"), send(b"354 go\r\n"),
                    read_data(), send(b"250 ok\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=b"DATA\nSubject: x\n\nbad\x00line\nmore\n.\n")
    assert r.rc == 65, r
    srv.finish()
    assert srv.messages == [] and b"\r\n.\r\n" not in srv.plain and b"bad" not in srv.plain, srv.report()


def test_typed_bdat_and_unknown_local_command_refused(smtpkit, scripted):
    srv = scripted(plain([(b"NOOP", b"250 ok\r\n")]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("BDAT 5 LAST", "NOOP"))
    assert r.rc == 64 and "/bdat FILE" in r.out, r
    srv.finish()
    assert b"BDAT" not in srv.plain and b"NOOP" not in srv.plain
    srv = scripted(plain([]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("/nonsense"))
    assert r.rc == 64 and "unknown local command /nonsense" in r.out, r


def test_at_connect_sends_nothing_by_itself(smtpkit, scripted):
    """--at connect: the greeting is shown and the person says EHLO; the
    EHLO reply is then the capability list /caps shows."""
    srv = scripted([send(GREETING), expect(b"EHLO me.example"), send(EHLO_PLAIN), expect(b"QUIT"),
                    send(b"221 bye\r\n")])
    r = smtpkit("session", srv.hostport, "--tls", "none", "--at", "connect", *T,
                input=script("EHLO me.example", "/caps", "QUIT"))
    assert r.rc == 0, r
    srv.finish()
    assert srv.errors == [] and srv.plain.count(b"EHLO") == 1, srv.report()
    assert "capabilities before TLS" in r.out and "PIPELINING" in r.out, r


def test_explain_and_help_send_nothing(smtpkit, scripted):
    srv = scripted(plain([]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, input=script("/explain 550 5.7.1", "/help"))
    assert r.rc == 0, r
    assert "5.7.1 permanent failure: delivery not authorized" in r.out, r
    assert "/data FILE" in r.out and "/explain CODE" in r.out, r
    srv.finish()
    assert srv.plain.split(b"\r\n")[1:] == [b"QUIT", b""], srv.report()


@pytest.mark.parametrize("args,why", [
    (["--at", "auth"], "--at auth needs --user"),
    (["--at", "mail"], "invalid --at"),
])
def test_usage_errors(smtpkit, args, why):
    r = smtpkit("session", "127.0.0.1:1", *args, *T)
    assert r.rc == 64 and why in r.err, r


def test_json_document(smtpkit, scripted):
    srv = scripted(plain([(b"NOOP", b"250 2.0.0 ok\r\n")]))
    r = smtpkit("session", srv.hostport, "--tls", "none", *T, "--json", input=script("NOOP", "QUIT"))
    assert r.rc == 0, r
    doc = r.json()
    assert doc["ok"] is True and doc["error"] is None and doc["ended_with_quit"] is True
    assert doc["greeting"]["code"] == 220 and doc["last_code"] == 250
    sent = [t["text"] for t in doc["transcript"] if t["dir"] == "C"]
    assert sent[1:] == ["NOOP", "QUIT"], sent
    noop = [x for x in doc["replies"] if x["stage"] == "noop"]
    assert noop and noop[0]["enhanced"] == "2.0.0", doc["replies"]
