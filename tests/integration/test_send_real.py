"""`smtpkit send` against real servers: the private Postfix (PIPELINING,
CHUNKING, 8BITMIME, STARTTLS; delivers to a maildir) and aiosmtpd with AUTH
inside TLS.  What the server received is checked: the delivered message byte
for byte, Postfix's own count of commands in its maillog, aiosmtpd's record
of which command came inside TLS.  Neither fixture may be skipped."""
import base64
import os
import re
import time
import uuid

import pytest

from harness.aiosmtpd_server import AioServer, AuthRecorder, auth_server
from harness.cases import CA, T

# Postfix's virtual_mailbox_domains: everything @smtpkit.test lands in its maildir.
TO1, TO2 = "alice@smtpkit.test", "bob@smtpkit.test"
SENDER = "sender@example.org"
# Headers Postfix puts on top of a delivered message (virtual(8), smtpd(8)).
TRACE = ("Return-Path:", "Delivered-To:", "X-Original-To:", "Received:")


def _ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


def message(tmp_path, tag, body, extra=""):
    """A complete --data message with a unique Message-ID; returns (path, msgid)."""
    msgid = "%s-%s@smtpkit.test" % (tag, uuid.uuid4().hex[:12])
    text = ("From: Sender <%s>\nTo: %s\nSubject: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
            "Message-ID: <%s>\n%s\n" % (SENDER, TO1, tag, msgid, extra))
    data = text.encode() + (body if isinstance(body, bytes) else body.encode())
    path = tmp_path / (tag + ".eml")
    path.write_bytes(data)
    return str(path), msgid


def dry_run_message(smtpkit, *args):
    """The message part of `smtpkit send --dry-run ARGS`: the N octets after
    the "=== message: N octets" line."""
    r = smtpkit("send", "--dry-run", *args)
    assert r.rc == 0, r
    m = re.search(rb"^=== message: (\d+) octets[^\n]*\n", r.raw_out, re.M)
    assert m, r
    return r.raw_out[m.end():m.end() + int(m.group(1))]


def delivered(postfix, msgid, count=1, timeout=15):
    """The maildir files holding MSGID, once COUNT of them are there."""
    found = postfix.messages(("<%s>" % msgid).encode(), count, timeout)
    if len(found) >= count:
        return found
    raise AssertionError("%d message(s) with <%s> in the maildir, expected %d\n--- maillog\n%s"
                         % (len(found), msgid, count, postfix.maillog[-3000:]))


def strip_trace(data):
    """Drop the trace headers Postfix adds on top (with their folded lines)."""
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and lines[i].startswith(tuple(t.encode() for t in TRACE)):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\n".join(lines[i:])


def trace_headers(data):
    return data[:len(data) - len(strip_trace(data))]


def as_stored(wire_message):
    """A maildir file has LF line endings: the message as sent, CRLF -> LF."""
    return wire_message.replace(b"\r\n", b"\n")


def counts(line):
    """'ehlo=2 starttls=1 mail=1 rcpt=1 bdat=1 quit=1 commands=7' -> dict."""
    return dict(re.findall(r"\b([a-z]+)=(\d+(?:/\d+)?)", line.split("disconnect from", 1)[1]))


DOTTED = ".\n..\n.foo\nmiddle\n.\nMAIL FROM:<evil@example.com>\n...\nlast line without newline"


# --- Postfix ----------------------------------------------------------------

@pytest.mark.parametrize("chunking", [True, False], ids=["bdat", "data"])
def test_postfix_plain_dots_byte_for_byte(smtpkit, postfix, tmp_path, chunking):
    """Plain TCP, a raw --data message full of dot lines: BDAT by default,
    DATA with --no-chunking (Postfix counts them in its maillog); either way
    the delivered message is the one --dry-run shows, byte for byte."""
    path, msgid = message(tmp_path, "dots", DOTTED)
    before = postfix.log_mark()
    extra = [] if chunking else ["--no-chunking"]
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", "--data", path, TO1, *T, *extra,
                "--json")
    assert r.rc == 0, "%s\n--- maillog\n%s" % (r, postfix.maillog[-3000:])
    doc = r.json()
    assert doc["delivered"] is True and doc["queue_id"], doc
    got = delivered(postfix, msgid)[0]
    want = dry_run_message(smtpkit, "--data", path, TO1)
    assert strip_trace(got) == as_stored(want)
    # The body as written, the final line given its line end.
    assert strip_trace(got).endswith(DOTTED.encode() + b"\n")
    c = counts(postfix.disconnect_line(before))
    if chunking:
        assert c.get("bdat") == "1" and "data" not in c, c
    else:
        assert c.get("data") == "1" and "bdat" not in c, c
    assert c.get("mail") == "1" and c.get("rcpt") == "1" and c.get("quit") == "1", c
    assert doc["queue_id"] in postfix.maillog, "queue id %r not Postfix's" % doc["queue_id"]


def test_postfix_starttls(smtpkit, postfix, pki, tmp_path):
    """STARTTLS verified with the test CA, then the message: Postfix saw
    STARTTLS and EHLO twice, and the Received header says TLS was used."""
    path, msgid = message(tmp_path, "starttls", "over TLS\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.hostport, *_ca(pki), "--data", path, TO1, *T, "--json")
    assert r.rc == 0, "%s\n--- maillog\n%s" % (r, postfix.maillog[-3000:])
    doc = r.json()
    assert doc["tls"]["verified"] is True and doc["delivered"] is True, doc["tls"]
    assert doc["capabilities"]["after_tls"] is not None
    got = delivered(postfix, msgid)[0]
    assert strip_trace(got) == as_stored(dry_run_message(smtpkit, "--data", path, TO1))
    # RFC 3848: "with ESMTPS" is ESMTP under STARTTLS.
    assert re.search(rb"\bwith ESMTPS\b", trace_headers(got)), trace_headers(got)
    c = counts(postfix.disconnect_line(before))
    assert c.get("starttls") == "1" and c.get("ehlo") == "2" and c.get("bdat") == "1", c


def test_postfix_composed_message(smtpkit, postfix, tmp_path):
    """A composed message (--subject/--body) is delivered exactly as
    --dry-run printed it, apart from the Date and Message-ID made per run."""
    tag = "composed-" + uuid.uuid4().hex[:8]
    args = ["--from", SENDER, "--to", TO1, "--subject", tag, "--body", "hello\n.\nbye"]
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", *args, *T)
    assert r.rc == 0, r
    end = time.monotonic() + 15
    got = None
    while got is None and time.monotonic() < end:
        for f in (postfix.maildir / "new").glob("*") if (postfix.maildir / "new").is_dir() else []:
            if ("Subject: %s\n" % tag).encode() in f.read_bytes():
                got = f.read_bytes()
        time.sleep(0.1)
    assert got, postfix.maillog[-3000:]
    want = as_stored(dry_run_message(smtpkit, *args))

    def volatile(m):
        return re.sub(rb"^(Date|Message-ID): [^\n]*\n", b"", m, flags=re.M | re.I)
    assert volatile(strip_trace(got)) == volatile(want)
    assert strip_trace(got).endswith(b"\n\nhello\n.\nbye\n")


def test_postfix_two_recipients(smtpkit, postfix, tmp_path):
    """Two recipients in one transaction: Postfix counts rcpt=2 and delivers
    one copy to each."""
    path, msgid = message(tmp_path, "two", "for two\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", "--data", path, TO1, TO2, *T,
                "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert [(x["address"], x["code"], x["accepted"]) for x in doc["recipients"]] == \
        [(TO1, 250, True), (TO2, 250, True)], doc["recipients"]
    copies = delivered(postfix, msgid, count=2)
    assert sorted(re.search(rb"^Delivered-To: (\S+)", c, re.M).group(1) for c in copies) == \
        [TO1.encode(), TO2.encode()]
    c = counts(postfix.disconnect_line(before))
    assert c.get("mail") == "1" and c.get("rcpt") == "2", c


def test_postfix_partial_refusal_delivers_nothing(smtpkit, postfix, tmp_path):
    """One recipient Postfix will not relay for: 69, Postfix saw no data at
    all (its counts: rcpt 1 of 2, an RSET, no BDAT/DATA), nothing delivered."""
    path, msgid = message(tmp_path, "partial", "must not arrive\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", "--data", path, TO1,
                "outside@example.com", *T)
    assert r.rc == 69, r
    c = counts(postfix.disconnect_line(before))
    assert c.get("rcpt") == "1/2" and "bdat" not in c and "data" not in c, c
    assert c.get("rset") == "1", c
    time.sleep(1)
    new = postfix.maildir / "new"
    assert not any(msgid.encode() in f.read_bytes() for f in (new.glob("*") if new.is_dir() else []))


def test_postfix_allow_partial(smtpkit, postfix, tmp_path):
    """--allow-partial: the accepted recipient gets it, the refused one is on
    stderr, exit 0."""
    path, msgid = message(tmp_path, "allowpartial", "for alice only\n")
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", "--data", path, TO1,
                "outside@example.com", "--allow-partial", *T)
    assert r.rc == 0, r
    assert "outside@example.com" in r.err, r
    copies = delivered(postfix, msgid)
    assert len(copies) == 1 and re.search(rb"^Delivered-To: alice@smtpkit.test$", copies[0], re.M)


def test_postfix_8bit(smtpkit, postfix, tmp_path):
    """Raw 8-bit --data (Postfix offers 8BITMIME): declared BODY=8BITMIME and
    delivered unchanged, byte for byte."""
    body = "Gr\u00fc\u00dfe aus K\u00f6ln \u2014 8-bit\n\u00e9t\u00e9\n".encode("utf-8") + b"\xe9 latin-1 too\n"
    path, msgid = message(tmp_path, "eightbit", body,
                          extra="Content-Type: text/plain; charset=utf-8\n"
                                "Content-Transfer-Encoding: 8bit\n")
    r = smtpkit("send", "-s", postfix.hostport, "--tls", "none", "--data", path, TO1, *T, "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["message"]["eightbit"] is True
    mail = [t["text"] for t in doc["transcript"] if t["dir"] == "C" and t["text"].startswith("MAIL")]
    assert mail and "BODY=8BITMIME" in mail[0], mail
    got = delivered(postfix, msgid)[0]
    assert strip_trace(got) == as_stored(dry_run_message(smtpkit, "--data", path, TO1))
    assert body in got


# --- aiosmtpd with AUTH inside TLS -----------------------------------------

USER, PASSWORD = "alice", "pw-aio \u00e9!"


@pytest.fixture
def aio_auth(pki):
    s = auth_server(pki, USER, PASSWORD)
    yield s
    s.stop()


def send_auth(smtpkit, srv, pki, *extra, env=None):
    return smtpkit("send", "-s", srv.hostport, *_ca(pki), "--from", SENDER, "--to", TO1,
                   "--body", "authenticated mail", "--user", USER, *T, *extra, env=env)


def assert_auth_inside_tls_only(srv):
    verbs = [v for v, _ in srv.commands]
    assert "STARTTLS" in verbs, srv.commands
    assert not any(v == "AUTH" and not tls for v, tls in srv.commands), \
        "AUTH before TLS: %r" % srv.commands
    if "AUTH" in verbs:
        assert verbs.index("AUTH") > verbs.index("STARTTLS"), srv.commands


def secrets_of(password=PASSWORD):
    plain = base64.b64encode(b"\0" + USER.encode() + b"\0" + password.encode()).decode()
    return [password, plain, base64.b64encode(password.encode()).decode()]


def test_aiosmtpd_auth_plain_env(smtpkit, aio_auth, pki):
    r = send_auth(smtpkit, aio_auth, pki, "--json", env={"SMTPKIT_PASSWORD": PASSWORD})
    assert r.rc == 0, r
    doc = r.json()
    assert doc["authenticated"] is True and doc["delivered"] is True
    assert aio_auth.auth.attempts == [("PLAIN", True, True)], aio_auth.auth.attempts
    assert len(aio_auth.messages) == 1 and aio_auth.messages[0].rcpt_tos == [TO1]
    assert_auth_inside_tls_only(aio_auth)
    # Redacted unless --show-secrets (SPEC 8).
    for s in secrets_of():
        assert s not in r.out, "secret %r in the transcript" % s


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b""], ids=["lf", "crlf", "no-eol"])
def test_aiosmtpd_auth_login_password_file(smtpkit, aio_auth, pki, tmp_path, eol):
    """SPEC 3/9: the file's one line, without its line ending."""
    pw = tmp_path / "pw"
    pw.write_bytes(PASSWORD.encode() + eol)
    r = send_auth(smtpkit, aio_auth, pki, "--auth", "LOGIN", "--password-file", str(pw))
    assert r.rc == 0, r
    assert aio_auth.auth.attempts == [("LOGIN", True, True)], aio_auth.auth.attempts
    assert len(aio_auth.messages) == 1
    assert_auth_inside_tls_only(aio_auth)
    for s in secrets_of():
        assert s not in r.out


def test_aiosmtpd_auth_password_command(smtpkit, aio_auth, pki):
    cmd = "printf '%s\\n'" % PASSWORD
    r = send_auth(smtpkit, aio_auth, pki, "--password-command", cmd)
    assert r.rc == 0, r
    assert aio_auth.auth.attempts == [("PLAIN", True, True)], aio_auth.auth.attempts
    assert len(aio_auth.messages) == 1


@pytest.mark.parametrize("source", ["file", "command"])
def test_aiosmtpd_password_two_lines_refused(smtpkit, aio_auth, pki, tmp_path, source):
    """SPEC 10.11: a second line is not silently dropped: 78, no connection."""
    pw = tmp_path / "pw"
    pw.write_bytes(PASSWORD.encode() + b"\nnot this\n")
    opt = ["--password-file", str(pw)] if source == "file" else \
        ["--password-command", "printf '%s\\nnot this\\n'" % PASSWORD]
    r = send_auth(smtpkit, aio_auth, pki, *opt)
    assert r.rc == 78, r
    assert "more than one line" in r.err, r
    assert aio_auth.commands == [] and aio_auth.auth.attempts == []


def test_aiosmtpd_auth_show_secrets(smtpkit, aio_auth, pki):
    r = send_auth(smtpkit, aio_auth, pki, "--show-secrets", env={"SMTPKIT_PASSWORD": PASSWORD})
    assert r.rc == 0, r
    assert secrets_of()[1] in r.out, "--show-secrets must show the AUTH PLAIN response"


def test_aiosmtpd_auth_wrong_password(smtpkit, aio_auth, pki):
    r = send_auth(smtpkit, aio_auth, pki, env={"SMTPKIT_PASSWORD": "not-it"})
    assert r.rc == 77, r
    assert [a[1] for a in aio_auth.auth.attempts] == [False], aio_auth.auth.attempts
    assert "MAIL" not in [v for v, _ in aio_auth.commands], aio_auth.commands
    assert aio_auth.messages == []
    assert "535" in r.err, r
    assert_auth_inside_tls_only(aio_auth)


def test_aiosmtpd_password_command_fails(smtpkit, aio_auth, pki):
    r = send_auth(smtpkit, aio_auth, pki, "--password-command", "echo partial; exit 3")
    assert r.rc == 78, r
    assert r.err.startswith("smtpkit: "), r
    assert aio_auth.commands == [] and aio_auth.auth.attempts == []


def test_aiosmtpd_password_file_missing(smtpkit, aio_auth, pki, tmp_path):
    r = send_auth(smtpkit, aio_auth, pki, "--password-file", str(tmp_path / "absent"))
    assert r.rc == 66, r
    assert aio_auth.commands == [] and aio_auth.auth.attempts == []


def test_aiosmtpd_auth_in_clear_with_tls_none(smtpkit, pki):
    """--tls none said explicitly: AUTH in the clear is allowed, with a warning."""
    auth = AuthRecorder(USER, PASSWORD)
    srv = AioServer(pki, authenticator=auth, auth_require_tls=False)
    try:
        r = smtpkit("send", "-s", srv.hostport, "--tls", "none", "--from", SENDER, "--to", TO1,
                    "--body", "clear", "--user", USER, *T, env={"SMTPKIT_PASSWORD": PASSWORD})
    finally:
        srv.stop()
    assert r.rc == 0, r
    assert auth.attempts == [("PLAIN", True, False)], auth.attempts
    assert "STARTTLS" not in [v for v, _ in srv.commands]
    assert "without TLS" in r.out + r.err, "no warning about AUTH in the clear"
    assert len(srv.messages) == 1


def _prompt_run(args, typed, timeout=10):
    """Run smtpkit ARGS with a terminal of its own (a pty); answer its
    password prompt with TYPED.  Returns (exit status, all it wrote)."""
    import pty
    import select
    from harness.run import binary
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ)
        env.pop("SMTPKIT_PASSWORD", None)
        os.execve(binary(), [binary(), *args], env)
    out, sent, end = b"", False, time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"Password for" in out:
            os.write(fd, typed)
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_aiosmtpd_password_prompt_nul_refused(aio_auth, pki):
    """SPEC 10.11: a NUL typed at the prompt (^@ reaches the program as is)
    would cut the password short: 78 naming the prompt, no connection."""
    args = ["send", "-s", aio_auth.hostport, *[a.replace("{ca}", pki.ca) for a in CA],
            "--from", SENDER, "--to", TO1, "--body", "x", "--user", USER, *T]
    rc, out = _prompt_run(args, PASSWORD.encode() + b"\x00tail\n")
    assert rc == 78, out
    assert "the password typed at the terminal holds a NUL octet" in out, out
    assert aio_auth.commands == [] and aio_auth.auth.attempts == []


def test_aiosmtpd_password_prompt(aio_auth, pki):
    """The prompt's line is the password, without the newline typed."""
    args = ["send", "-s", aio_auth.hostport, *[a.replace("{ca}", pki.ca) for a in CA],
            "--from", SENDER, "--to", TO1, "--body", "x", "--user", USER, *T]
    rc, out = _prompt_run(args, PASSWORD.encode() + b"\n")
    assert rc == 0, out
    assert aio_auth.auth.attempts == [("PLAIN", True, True)], aio_auth.auth.attempts
    for s in secrets_of():
        assert s not in out
