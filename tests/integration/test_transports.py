"""Every way to reach a server (issue 15), against real servers where one
exists: Dovecot's LMTP on a UNIX socket and a loopback port (one recipient
over quota), Postfix behind a PROXY header (smtpd_upstream_proxy_protocol)
and trusting XCLIENT/XFORWARD, Postfix's `sendmail -bs` over a pipe,
microsocks as a SOCKS5 proxy with and without a password; scripted servers
for the faults.  Each test asserts what the server received or delivered
(maildirs, Postfix's and Dovecot's logs, raw bytes), not only the report."""
import os
import re
import socket
import uuid

import pytest

from harness.cases import CA, T
from harness.dovecot_lmtp import DovecotLmtp
from harness.exim_pipe import EximPipe
from harness.postfix_server import PostfixServer
from harness.scripted import GREETING, close, expect, read_data, send, sleep
from harness.socks_proxy import Microsocks

SENDER = "sender@example.org"
TO = "inbox@smtpkit.test"


def ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


@pytest.fixture(scope="module")
def lmtp():
    try:
        s = DovecotLmtp()
    except Exception as e:          # fail with the log, never skip
        pytest.fail("Dovecot LMTP fixture: %s" % e, pytrace=False)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pfx(pki):
    """Postfix with a PROXY-protocol listener and an XCLIENT/XFORWARD one."""
    try:
        s = PostfixServer(pki, haproxy=True, xclient=True)
    except Exception as e:
        pytest.fail("Postfix fixture: %s" % e, pytrace=False)
    yield s
    s.stop()


@pytest.fixture
def socks():
    proxies = []

    def start(user=None, password=None):
        p = Microsocks(user, password)
        proxies.append(p)
        return p
    yield start
    for p in proxies:
        p.stop()


def message(tmp_path, tag, body_octets=200, to=TO):
    msgid = "%s-%s@smtpkit.test" % (tag, uuid.uuid4().hex[:12])
    body = "\n".join("line %04d %s" % (i, "x" * 60) for i in range(body_octets // 70 + 1))
    text = ("From: <%s>\nTo: <%s>\nSubject: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
            "Message-ID: <%s>\n\n%s\n" % (SENDER, to, tag, msgid, body))
    path = tmp_path / ("%s.eml" % tag)
    path.write_text(text)
    return path, msgid


def holding(messages, msgid):
    return [m for m in messages if ("<%s>" % msgid).encode() in m]


def maildir_holding(postfix, msgid, timeout=15):
    return postfix.messages(("<%s>" % msgid).encode(), 1, timeout)


def postfix_lines(postfix, since, word):
    return [l for l in postfix.maillog.splitlines()[since:] if word in l]


# --- LMTP: Dovecot ------------------------------------------------------------

def test_lmtp_unix_socket_one_recipient_over_quota(smtpkit, lmtp, tmp_path):
    """Two recipients accepted at RCPT; after the same data Dovecot says 250
    for one and 552 (quota) for the other: each recipient's result is its
    own reply, the exit is 69 (a permanent refusal, no --allow-partial), and
    Dovecot stored exactly one copy, in the right mailbox."""
    path, msgid = message(tmp_path, "lmtp-quota", body_octets=3000)
    r = smtpkit("send", "--socket", lmtp.socket, "--protocol", "lmtp", "--from", SENDER,
                "--to", lmtp.user, "--to", lmtp.full_user, "--data", path, "--json", *T)
    assert r.rc == 69, r
    j = r.json()
    rc = {x["address"]: x for x in j["deliveries"][0]["recipients"]} if "deliveries" in j else \
        {x["address"]: x for x in j["recipients"]}
    assert rc[lmtp.user]["code"] == 250 and rc[lmtp.user]["accepted"] is True
    assert rc[lmtp.full_user]["code"] == 552 and rc[lmtp.full_user]["accepted"] is False
    sent = [e["text"] for e in j["transcript"] if e["dir"] == "C"]
    assert any(t.startswith("LHLO ") for t in sent) and not any(t.startswith("EHLO") for t in sent)
    assert any(t.startswith("BDAT ") and t.endswith(" LAST") for t in sent)     # Dovecot offers CHUNKING
    assert len(holding(lmtp.delivered(lmtp.user), msgid)) == 1
    assert holding(lmtp.delivered(lmtp.full_user), msgid) == []
    assert "Quota exceeded" in lmtp.log


def test_lmtp_loopback_port_allow_partial(smtpkit, lmtp, tmp_path):
    """The same over the loopback port with --allow-partial: exit 0, the
    refused recipient named on stderr, the transcript marks the transport."""
    path, msgid = message(tmp_path, "lmtp-partial", body_octets=3000)
    r = smtpkit("send", "--server", "127.0.0.1:%d" % lmtp.port, "--protocol", "lmtp", "--tls", "none",
                "--from", SENDER, "--to", lmtp.user, "--to", lmtp.full_user, "--data", path,
                "--allow-partial", *T)
    assert r.rc == 0, r
    assert "over TCP" in r.out and "speaking LMTP" in r.out
    assert lmtp.full_user in r.err and "552" in r.err
    assert len(holding(lmtp.delivered(lmtp.user), msgid)) == 1
    assert holding(lmtp.delivered(lmtp.full_user), msgid) == []


def test_lmtp_data_without_chunking_delivered(smtpkit, lmtp, tmp_path):
    """DATA instead of BDAT: one reply after the dot for the one recipient."""
    path, msgid = message(tmp_path, "lmtp-data")
    r = smtpkit("send", "--socket", lmtp.socket, "--protocol", "lmtp", "--no-chunking",
                "--from", SENDER, "--to", lmtp.user, "--data", path, *T)
    assert r.rc == 0, r
    assert "-> DATA" in r.out and "UNIX socket %s" % lmtp.socket in r.out
    assert len(holding(lmtp.delivered(lmtp.user), msgid)) == 1


def test_lmtp_unknown_recipient_refused_at_rcpt_nothing_delivered(smtpkit, lmtp, tmp_path):
    path, msgid = message(tmp_path, "lmtp-unknown")
    r = smtpkit("send", "--socket", lmtp.socket, "--protocol", "lmtp", "--from", SENDER,
                "--to", lmtp.user, "--to", "nobody@lmtp.smtpkit.test", "--data", path, *T)
    assert r.rc == 69, r
    assert "nothing sent" in r.err
    assert holding(lmtp.delivered(lmtp.user), msgid) == []


def test_ehlo_lmtp_socket_shows_lhlo(smtpkit, lmtp):
    r = smtpkit("ehlo", "--socket", lmtp.socket, "--protocol", "lmtp", "--json", *T)
    assert r.rc == 0, r
    j = r.json()
    assert j["server"]["transport"] == "unix" and lmtp.socket.name in j["server"]["via"]
    assert any(e["text"].startswith("LHLO ") for e in j["transcript"] if e["dir"] == "C")
    assert {c["keyword"] for c in j["capabilities"]["before_tls"]} >= {"PIPELINING", "8BITMIME"}


def test_session_lmtp_reads_one_reply_per_recipient(smtpkit, lmtp):
    """By hand: after the '.', both recipients' replies are read (250 and
    552), so QUIT gets its own 221 and nothing is left unread."""
    body = "\n".join("x" * 70 for _ in range(40))
    msgid = "hand-%s@smtpkit.test" % uuid.uuid4().hex[:12]
    lines = ["MAIL FROM:<%s>" % SENDER, "RCPT TO:<%s>" % lmtp.user, "RCPT TO:<%s>" % lmtp.full_user,
             "DATA", "Message-ID: <%s>" % msgid, "Subject: hand", "", body, ".", "QUIT"]
    r = smtpkit("session", "--socket", lmtp.socket, "--protocol", "lmtp", *T,
                input=("\n".join(lines) + "\n").encode())
    assert r.rc == 69, r
    assert re.search(r"<-  250 2\.0\.0 <%s>" % re.escape(lmtp.user), r.out)
    assert re.search(r"<-  552 5\.2\.2 <%s>" % re.escape(lmtp.full_user), r.out)
    assert "<-  221" in r.out
    assert "bytes before" not in r.err
    assert len(holding(lmtp.delivered(lmtp.user), msgid)) == 1


# --- PROXY protocol: Postfix smtpd_upstream_proxy_protocol = haproxy -----------

@pytest.mark.parametrize("version,source,dest,logged", [
    ("v1", "192.0.2.7:4242", None, "unknown[192.0.2.7]"),
    ("v2", "192.0.2.8:4243", None, "unknown[192.0.2.8]"),
    ("v2", "[2001:db8::7]:1234", "[2001:db8::25]:25", "unknown[2001:db8::7]"),
])
def test_proxy_header_postfix_logs_proxied_client(smtpkit, pfx, version, source, dest, logged):
    since = pfx.log_mark()
    args = ["ehlo", "127.0.0.1:%d" % pfx.haproxy_port, "--tls", "none", "--proxy-protocol", version,
            "--proxy-source", source, *T]
    if dest:
        args += ["--proxy-dest", dest]
    r = smtpkit(*args)
    assert r.rc == 0, r
    assert "PROXY protocol %s header" % version in r.out
    line = pfx.disconnect_line(since)
    assert logged in line and "ehlo=1" in line, line


def test_proxy_v2_default_addresses_message_delivered(smtpkit, pfx, pki, tmp_path):
    """Without --proxy-source the header carries this end of the socket;
    the message goes through STARTTLS behind the header and is delivered."""
    path, msgid = message(tmp_path, "proxy-v2")
    since = pfx.log_mark()
    r = smtpkit("send", "--server", "127.0.0.1:%d" % pfx.haproxy_port, "--proxy-protocol", "v2",
                *ca(pki), "--from", SENDER, "--to", TO, "--data", path, *T)
    assert r.rc == 0, r
    assert maildir_holding(pfx, msgid)
    assert "localhost[127.0.0.1]" in pfx.disconnect_line(since)


def test_proxy_listener_without_header_gets_nothing_to_parse(smtpkit, pfx):
    """Postfix waits for the header: without --proxy-protocol no greeting
    comes, and the step deadline ends the session (75)."""
    r = smtpkit("ehlo", "127.0.0.1:%d" % pfx.haproxy_port, "--tls", "none", "--timeout", "1")
    assert r.rc == 75, r
    assert r.secs < 5


# --- XCLIENT / XFORWARD: Postfix smtpd_authorized_xclient_hosts ---------------

def test_xclient_and_xforward_seen_by_postfix(smtpkit, pfx, pki, tmp_path):
    path, msgid = message(tmp_path, "xclient")
    since = pfx.log_mark()
    r = smtpkit("send", "--server", "127.0.0.1:%d" % pfx.xclient_port, *ca(pki),
                "--xclient", "NAME=client.example,ADDR=192.0.2.9",
                "--xforward", "NAME=fwd.example,ADDR=198.51.100.3,HELO=fwd-helo.example",
                "--from", SENDER, "--to", TO, "--data", path, *T)
    assert r.rc == 0, r
    sent = [l for l in r.out.splitlines() if l.startswith(" ~> ") or l.startswith(" -> ")]
    # XCLIENT after the EHLO inside TLS, then EHLO again, then XFORWARD, then MAIL.
    verbs = [l.split()[1] for l in sent if l.split()[1] in ("EHLO", "XCLIENT", "XFORWARD", "MAIL", "STARTTLS")]
    assert verbs == ["EHLO", "STARTTLS", "EHLO", "XCLIENT", "EHLO", "XFORWARD", "MAIL"], r.out
    assert maildir_holding(pfx, msgid)
    line = pfx.disconnect_line(since)
    assert "disconnect from client.example[192.0.2.9]" in line and "xforward=1" in line, line
    assert postfix_lines(pfx, since, "client=client.example[192.0.2.9], orig_client=fwd.example[198.51.100.3]")


def test_xclient_attribute_not_listed_is_not_sent(smtpkit, pfx):
    since = pfx.log_mark()
    r = smtpkit("ehlo", "127.0.0.1:%d" % pfx.xclient_port, "--tls", "none", "--xclient",
                "NAME=client.example,FAVOURITE_COLOUR=blue", *T)
    assert r.rc == 69, r
    assert "FAVOURITE_COLOUR" in r.err and "-> XCLIENT" not in r.out
    line = pfx.disconnect_line(since)
    assert "xclient=" not in line and "ehlo=1 quit=1 commands=2" in line, line


def test_xclient_not_offered_to_an_unauthorized_client(smtpkit, pfx):
    """The plain listener does not trust us: no XCLIENT keyword, 69, nothing sent."""
    since = pfx.log_mark()
    r = smtpkit("ehlo", pfx.hostport, "--tls", "none", "--xclient", "NAME=client.example", *T)
    assert r.rc == 69, r
    assert "does not offer XCLIENT" in r.err
    assert "xclient=" not in pfx.disconnect_line(since)


# --- --pipe: a local program's stdin and stdout ---------------------------------

def test_pipe_postfix_sendmail_bs_delivered(smtpkit, pfx, tmp_path):
    path, msgid = message(tmp_path, "pipe")
    cmd = "/usr/sbin/sendmail -C %s -bs" % pfx.config_dir
    r = smtpkit("send", "--pipe", cmd, "--from", SENDER, "--to", TO, "--data", path, "--json", *T)
    assert r.rc == 0, r
    j = r.json()
    server = j["deliveries"][0]["server"] if "deliveries" in j else j["server"]
    assert server["transport"] == "pipe" and "/usr/sbin/sendmail" in server["via"]
    texts = [e["text"] for e in j["transcript"] if e["dir"] == "I"]
    assert any("exited with status 0" in t for t in texts), texts
    assert not any("no-starttls" in f["id"] for f in j.get("findings", []))
    assert maildir_holding(pfx, msgid)


def test_pipe_exim_bs_delivered(smtpkit, tmp_path):
    """An unpacked Exim's -bs over --pipe: the message delivered, the queue
    id taken from Exim's "id=" form, the program reaped."""
    try:
        exim = EximPipe()
    except Exception as e:
        pytest.fail("Exim fixture: %s" % e, pytrace=False)
    try:
        path, msgid = message(tmp_path, "exim-pipe")
        r = smtpkit("send", "--pipe", exim.command, "--from", SENDER, "--to", TO, "--data", path, "--json", *T)
        assert r.rc == 0, str(r) + exim.log
        j = r.json()
        qid = j["queue_id"] if "queue_id" in j else j["deliveries"][0]["queue_id"]
        assert qid and qid in exim.log
        assert len(holding(exim.delivered(), msgid)) == 1, exim.log
        assert any("exited with status 0" in e["text"] for e in j["transcript"] if e["dir"] == "I")
    finally:
        exim.stop()


def test_pipe_stderr_in_transcript_shell_when_asked(smtpkit, pfx, tmp_path):
    """No shell unless asked: here the command is sh -c itself.  What the
    program writes on stderr is shown, escaped, in the transcript."""
    path, msgid = message(tmp_path, "pipe-stderr")
    cmd = "sh -c 'printf \"warning from the program\\033[31m\\n\" >&2; exec /usr/sbin/sendmail -C %s -bs'" \
        % pfx.config_dir
    r = smtpkit("send", "--pipe", cmd, "--from", SENDER, "--to", TO, "--data", path, *T)
    assert r.rc == 0, r
    assert "sh stderr: warning from the program\\x1b[31m" in r.out, r.out
    assert "\x1b" not in r.out
    assert maildir_holding(pfx, msgid)


def test_pipe_no_shell(smtpkit, tmp_path):
    """Shell syntax is not interpreted: ';' and '>' are arguments of echo."""
    out = tmp_path / "created"
    r = smtpkit("ehlo", "--pipe", "echo 220 hi ; touch %s > x" % out, *T)
    assert r.rc == 76, r    # echo's one line is a greeting, then it ends
    assert not out.exists()


@pytest.mark.parametrize("cmd,rc,why", [
    ("true", 76, "ended without a reply"),
    ("printf 'garbage\\r\\n'", 76, "malformed reply"),
    ("no-such-program-smtpkit -bs", 66, "cannot run"),
])
def test_pipe_bad_programs(smtpkit, cmd, rc, why):
    r = smtpkit("ehlo", "--pipe", cmd, *T)
    assert r.rc == rc, r
    assert why in r.err
    assert r.secs < 5


def test_pipe_silent_program_deadline_and_reaped(smtpkit):
    r = smtpkit("ehlo", "--pipe", "sleep 30", "--timeout", "1", timeout=10)
    assert r.rc == 75, r
    assert r.secs < 3.5, r
    pid = int(re.search(r"\(pid (\d+)\)", r.out).group(1))
    assert not os.path.exists("/proc/%d" % pid) or "zombie" in open("/proc/%d/status" % pid).read().lower()
    assert "program sleep ended by signal" in r.out


# --- --socket ---------------------------------------------------------------------

def test_socket_missing_is_66(smtpkit, tmp_path):
    r = smtpkit("ehlo", "--socket", tmp_path / "nope.sock", *T)
    assert r.rc == 66, r
    assert "No such file" in r.err


def test_socket_nobody_listening_is_75(smtpkit, tmp_path):
    path = tmp_path / "dead.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))           # bound, never listening
    try:
        r = smtpkit("ehlo", "--socket", path, *T)
    finally:
        s.close()
    assert r.rc == 75, r
    assert "refused" in r.err


# --- SOCKS5: microsocks -------------------------------------------------------

def test_socks_no_auth_delivers_through_tls(smtpkit, pfx, pki, socks, tmp_path):
    p = socks()
    path, msgid = message(tmp_path, "socks")
    r = smtpkit("send", "--server", pfx.hostport, "--socks", p.hostport, *ca(pki),
                "--from", SENDER, "--to", TO, "--data", path, *T)
    assert r.rc == 0, r
    assert "through the SOCKS5 proxy 127.0.0.1 port %d" % p.port in r.out
    assert maildir_holding(pfx, msgid)


def test_socks_user_password_delivers(smtpkit, pfx, pki, socks, tmp_path):
    p = socks("relay-user", "socks Pass 7")
    pw = tmp_path / "socks-pw"
    pw.write_text("socks Pass 7\n")
    path, msgid = message(tmp_path, "socks-auth")
    r = smtpkit("send", "--server", pfx.hostport, "--socks", p.hostport, "--socks-user", "relay-user",
                "--socks-password-file", pw, *ca(pki), "--from", SENDER, "--to", TO, "--data", path, *T)
    assert r.rc == 0, r
    assert "socks Pass 7" not in r.out + r.err
    assert maildir_holding(pfx, msgid)
    # The password from the environment instead of a file.
    r = smtpkit("ehlo", pfx.hostport, "--socks", p.hostport, "--socks-user", "relay-user", "--tls", "none",
                *T, env={"SMTPKIT_SOCKS_PASSWORD": "socks Pass 7"})
    assert r.rc == 0, r


def test_socks_wrong_password_and_missing_user(smtpkit, pfx, socks, tmp_path):
    p = socks("relay-user", "right")
    pw = tmp_path / "pw"
    pw.write_text("wrong\n")
    r = smtpkit("ehlo", pfx.hostport, "--socks", p.hostport, "--socks-user", "relay-user",
                "--socks-password-file", pw, "--tls", "none", *T)
    assert r.rc == 77, r
    r = smtpkit("ehlo", pfx.hostport, "--socks", p.hostport, "--tls", "none", *T)
    assert r.rc == 69, r
    assert "--socks-user" in r.err


def test_socks_remote_dns(smtpkit, pfx, socks):
    p = socks()
    r = smtpkit("ehlo", "localhost:%d" % pfx.port, "--socks", p.hostport, "--socks-remote-dns",
                "--tls", "none", "--json", *T)
    assert r.rc == 0, r
    j = r.json()
    assert j["server"]["transport"] == "socks5" and "name resolved by the proxy" in j["server"]["via"]


def test_socks_proxy_cannot_connect_is_75(smtpkit, socks):
    p = socks()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]     # nobody listens once it is closed
    r = smtpkit("ehlo", "127.0.0.1:%d" % closed, "--socks", p.hostport, *T)
    assert r.rc == 75, r
    assert "the SOCKS proxy could not connect to 127.0.0.1 port %d: connection refused" % closed in r.err


def test_socks_proxy_not_listening_is_75(smtpkit):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    r = smtpkit("ehlo", "127.0.0.1:25", "--socks", "127.0.0.1:%d" % closed, *T)
    assert r.rc == 75, r
    assert "SOCKS proxy" in r.err


# --- scripted: SOCKS faults, protocol variants, LMTP replies ------------------

def socks_reply(rep=0):
    return b"\x05" + bytes([rep]) + b"\x00\x01\x7f\x00\x00\x01\x00\x19"


def test_socks_scripted_request_bytes_and_greeting(smtpkit, scripted):
    # The SOCKS bytes have no line end: the first line read is them + EHLO.
    srv = scripted([sleep(0.3), send(b"\x05\x00"), sleep(0.3), send(socks_reply(0) + GREETING),
                    expect(b""), send(b"250 ok\r\n"), expect(b"QUIT"), send(b"221 bye\r\n"), close()])
    r = smtpkit("ehlo", "192.0.2.55:2525", "--socks", "127.0.0.1:%d" % srv.port, "--tls", "none", *T)
    assert r.rc == 0, r
    # RFC 1928: greeting (no authentication only), then CONNECT 192.0.2.55:2525.
    assert srv.plain.startswith(b"\x05\x01\x00" + b"\x05\x01\x00\x01" + bytes([192, 0, 2, 55]) + b"\x09\xddEHLO "), \
        srv.plain


@pytest.mark.parametrize("reply,rc,why", [
    (b"\x05\x00\x00\x09\x00\x00", 76, "unknown address type"),
    (b"\x04\x5a\x00\x00\x00\x00\x00\x00", 76, "not a SOCKS version 5 reply"),
    (socks_reply(2), 75, "not allowed by ruleset"),
    (socks_reply(8), 69, "address type not supported"),
])
def test_socks_scripted_bad_replies(smtpkit, scripted, reply, rc, why):
    srv = scripted([sleep(0.3), send(b"\x05\x00"), sleep(0.3), send(reply), sleep(2)])
    r = smtpkit("ehlo", "192.0.2.55", "--socks", "127.0.0.1:%d" % srv.port, *T)
    assert r.rc == rc, r
    assert why in r.err
    assert b"EHLO" not in srv.plain


def test_socks_scripted_stall_is_bounded_by_the_connect_deadline(smtpkit, scripted):
    srv = scripted([sleep(10)])
    r = smtpkit("ehlo", "192.0.2.55", "--socks", "127.0.0.1:%d" % srv.port, "--connect-timeout", "1",
                "--timeout", "1")
    assert r.rc == 75, r
    assert r.secs < 3, r


def test_protocol_helo_sends_helo_only(smtpkit, scripted):
    srv = scripted([send(GREETING), expect(b"HELO"), send(b"250 mx.scripted.test\r\n"),
                    expect(b"QUIT"), send(b"221 bye\r\n"), close()])
    r = smtpkit("ehlo", "127.0.0.1:%d" % srv.port, "--protocol", "helo", *T)
    assert r.rc == 0, r
    assert b"EHLO" not in srv.plain and srv.plain.startswith(b"HELO ")


def test_protocol_esmtp_refused_ehlo_is_69_without_helo(smtpkit, scripted):
    srv = scripted([send(GREETING), expect(b"EHLO"), send(b"502 5.5.1 no EHLO here\r\n"), sleep(2)])
    r = smtpkit("ehlo", "127.0.0.1:%d" % srv.port, "--protocol", "esmtp", *T)
    assert r.rc == 69, r
    assert b"HELO" not in srv.plain


def test_lmtp_scripted_temporary_refusal_after_data(smtpkit, scripted, tmp_path):
    """One 250 and one 452 after the data: 75 (temporary), each recipient's
    result is its reply; the server got LHLO and one message."""
    srv = scripted([send(GREETING), expect(b"LHLO"), send(b"250-lmtp.test\r\n250 8BITMIME\r\n"),
                    expect(b"MAIL"), send(b"250 ok\r\n"), expect(b"RCPT"), send(b"250 ok\r\n"),
                    expect(b"RCPT"), send(b"250 ok\r\n"), expect(b"DATA"), send(b"354 go\r\n"),
                    read_data(), send(b"250 2.0.0 a ok\r\n452 4.2.2 b over quota\r\n"),
                    expect(b"QUIT"), send(b"221 bye\r\n"), close()])
    path, _ = message(tmp_path, "lmtp-scripted")
    r = smtpkit("send", "--server", "127.0.0.1:%d" % srv.port, "--protocol", "lmtp", "--from", SENDER,
                "--to", "a@lmtp.test", "--to", "b@lmtp.test", "--data", path, "--json", *T)
    assert r.rc == 75, r
    j = r.json()
    recips = j["deliveries"][0]["recipients"] if "deliveries" in j else j["recipients"]
    assert [(x["code"], x["accepted"]) for x in recips] == [(250, True), (452, False)]
    assert srv.plain.startswith(b"LHLO ") and len(srv.messages) == 1


# --- usage --------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["ehlo", "127.0.0.1", "--proxy-source", "192.0.2.1:1"],
    ["ehlo", "127.0.0.1", "--proxy-protocol", "v3"],
    ["ehlo", "127.0.0.1", "--proxy-protocol", "v1", "--proxy-source", "192.0.2.1"],
    ["ehlo", "127.0.0.1", "--proxy-protocol", "v1", "--proxy-source", "192.0.2.1:1",
     "--proxy-dest", "[2001:db8::1]:25"],
    ["ehlo", "--socket", "/tmp/x", "--pipe", "cat"],
    ["ehlo", "127.0.0.1", "--protocol", "lmtpx"],
    ["ehlo", "127.0.0.1", "--protocol", "helo", "--tls", "starttls"],
    ["ehlo", "127.0.0.1", "--socks-user", "u"],
    ["ehlo", "127.0.0.1", "--socks", "127.0.0.1"],
    ["ehlo", "--socket", "/tmp/x", "--socks", "127.0.0.1:1080"],
    ["ehlo", "--socket", "/tmp/x", "--source", "127.0.0.1"],
    ["ehlo", "127.0.0.1", "--xclient", "NAME"],
    ["ehlo", "127.0.0.1", "--xclient", "NAME=a\rb"],
    ["ehlo", "127.0.0.1", "--xforward", "NAME=a,NAME=b"],
    ["ehlo", "--pipe", ""],
    ["probe", "--socket", "/tmp/x"],
    ["tls-check", "--pipe", "cat"],
])
def test_usage_errors(smtpkit, args):
    r = smtpkit(*args, *T)
    assert r.rc == 64, r
    assert r.err.startswith("smtpkit: ")


# --- the proxy options in probe and tls-check; XCLIENT in session --------------

def test_probe_and_tls_check_through_socks(smtpkit, pfx, pki, socks):
    p = socks()
    r = smtpkit("probe", "127.0.0.1", "--ports", str(pfx.port), "--socks", p.hostport, *ca(pki), "--json", *T)
    assert r.rc in (0, 1), r
    port = r.json()["ports"][0]
    assert port["state"] == "open" and port["transport"] == "socks5"
    r = smtpkit("tls-check", pfx.hostport, "--socks", p.hostport, *ca(pki), "--json", *T)
    assert r.rc in (0, 1), r
    j = r.json()
    assert j["tls"]["verified"] is True and j["server"]["transport"] == "socks5"


def test_session_xclient_before_hand_over(smtpkit, pfx, pki):
    """session runs XCLIENT (and EHLO again) in its automatic part; what is
    typed afterwards is sent as the client XCLIENT named."""
    since = pfx.log_mark()
    r = smtpkit("session", "127.0.0.1:%d" % pfx.xclient_port, *ca(pki), "--xclient", "NAME=typed.example,ADDR=192.0.2.44",
                *T, input=b"MAIL FROM:<sender@example.org>\nRSET\nQUIT\n")
    assert r.rc == 0, r
    line = pfx.disconnect_line(since)
    assert "disconnect from typed.example[192.0.2.44]" in line and "mail=1" in line, line


def test_pipe_program_does_not_inherit_the_secrets(smtpkit, tmp_path):
    """SMTPKIT_PASSWORD and SMTPKIT_SOCKS_PASSWORD are withheld from the
    program's environment; the rest of it is passed on."""
    seen = tmp_path / "env"
    cmd = "sh -c 'env > %s; printf \"220 hi\\r\\n\"; read l; printf \"250 ok\\r\\n\"; read l; printf \"221 bye\\r\\n\"'" % seen
    r = smtpkit("ehlo", "--pipe", cmd, *T,
                env={"SMTPKIT_PASSWORD": "pw-one", "SMTPKIT_SOCKS_PASSWORD": "pw-two", "SMTPKIT_KEEP": "kept"})
    assert r.rc == 0, r
    env = seen.read_text()
    assert "SMTPKIT_KEEP=kept" in env
    assert "pw-one" not in env and "pw-two" not in env
