"""`smtpkit session` on a real terminal (tmux): the prompt that follows the
state, AUTH typed with the password asked without echo, message lines
typed at data>, Ctrl-C during a slow reply and at data>, Ctrl-D, the
history file, /help.  What the server received is checked each time
(aiosmtpd's record of commands, credentials and messages; the scripted
server's bytes), not only what the terminal shows."""
import base64
import os
import stat
import time

import pytest

from harness.aiosmtpd_server import AioServer, auth_server
from harness.scripted import EHLO_AFTER_TLS, EHLO_PLAIN, EHLO_STARTTLS, GREETING, mark, read_data, send, serve, \
    sleep, starttls

USER, PASSWORD = "tmux-user", "Pw-typed-7f3q!"
SENDER, RCPT = "from@example.org", "to@example.org"


def ca(pki):
    return ["--cafile", pki.ca, "--tls-name", "localhost"]



@pytest.fixture
def aio(pki):
    s = AioServer(pki)
    yield s
    s.stop()


@pytest.fixture
def aio_auth(pki):
    s = auth_server(pki, USER, PASSWORD)
    yield s
    s.stop()


def after(screen, text):
    """SCREEN from the last TEXT on."""
    i = screen.rfind(text)
    assert i >= 0, "%r not on the terminal\n%s" % (text, screen)
    return screen[i:]


def auth_asked(t, mech, password, enter=True):
    """Type AUTH MECH with no argument and answer smtpkit's two questions:
    the user name, then PASSWORD at the no-echo prompt (ENTER: pressed
    after it)."""
    t.type("AUTH " + mech)
    t.wait_prompt("Username: ")
    t.type(USER)
    t.wait_prompt("Password for %s: " % USER)
    t.type(password, enter=enter)


# --- the prompt follows the state -------------------------------------------

def test_prompt_changes_after_starttls(terminal, aio, pki):
    t = terminal(["session", "--at", "ehlo", *ca(pki), aio.hostport])
    t.wait_prompt("smtp> ")
    assert aio.commands == [("EHLO", False)], aio.commands
    t.type("STARTTLS")
    s = t.wait_prompt("smtp/tls> ")
    assert "Verified" in after(s, "smtp> STARTTLS"), t.report(s)
    # The server saw the upgrade and a new EHLO inside TLS (RFC 3207 4.2).
    assert aio.commands == [("EHLO", False), ("STARTTLS", False), ("EHLO", True)], aio.commands
    t.type("QUIT")
    assert t.exit_status() == 0, t.report()


# --- AUTH typed without an argument: asked, never shown ----------------------

@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_auth_typed_password_not_echoed(terminal, aio_auth, pki, mech):
    t = terminal(["session", *ca(pki), aio_auth.hostport])
    t.wait_prompt("smtp/tls> ")
    auth_asked(t, mech, PASSWORD)
    s = t.wait_for("authenticated as %s" % USER)
    t.wait_prompt("smtp/tls> ")
    assert aio_auth.auth.logins == [(mech, USER, PASSWORD, True)], aio_auth.auth.logins
    t.type("QUIT")
    assert t.exit_status() == 0, t.report()
    # The password, and any encoding of it, never reached the terminal:
    # not the screen, not one byte written to it.
    secrets = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
               base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()]
    s, raw = t.screen(), t.raw()
    for secret in secrets:
        assert secret not in s, t.report(s)
        assert secret.encode() not in raw, raw
    # The user name typed is echoed, as any login prompt does.
    assert "Username: %s" % USER in s, t.report(s)


# --- message lines typed at data> --------------------------------------------

def test_data_typed_dot_lines_arrive_unstuffed(terminal, aio, pki):
    lines = ["Subject: typed at a terminal", "", ".a line beginning with a dot", "..two dots",
             ". dot space", "...", "Gr\u00fc\u00dfe, caf\u00e9", "last line"]
    t = terminal(["session", *ca(pki), aio.hostport])
    t.wait_prompt("smtp/tls> ")
    for cmd in ("MAIL FROM:<%s>" % SENDER, "RCPT TO:<%s>" % RCPT):
        t.type(cmd)
        t.wait_prompt("smtp/tls> ")
    t.type("DATA")
    t.wait_prompt("data> ")
    for n, line in enumerate(lines, 1):
        t.type(line)
        t.wait_for("data> ", count=n + 1)
    t.type(".")
    s = t.wait_for("queued as AIO1")
    t.wait_prompt("smtp/tls> ")
    assert len(aio.messages) == 1, t.report(s)
    m = aio.messages[0]
    assert m.mail_from == SENDER and m.rcpt_tos == [RCPT], (m.mail_from, m.rcpt_tos)
    # aiosmtpd undoes the dot-stuffing (RFC 5321 4.5.2): what arrives is
    # exactly what was typed, with CRLF endings.
    want = "".join(line + "\r\n" for line in lines).encode()
    assert m.original_content == want, (m.original_content, want)
    t.key("C-d")
    assert t.exit_status() == 0, t.report()


# --- Ctrl-C during a slow reply ------------------------------------------------

def test_ctrl_c_stops_waiting_late_reply_shown_first(terminal, scripted):
    srv = scripted([send(GREETING), serve([
        (b"EHLO", EHLO_PLAIN),
        # mark: what had arrived when the late reply goes out (nothing, if
        # smtpkit waited for it before sending the next command).
        (b"NOOP", [sleep(5), mark("at late reply"), send(b"250 2.0.0 late NOOP reply\r\n")]),
        (b"RSET", b"250 2.0.0 reset done\r\n"),
    ])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    t.type("NOOP")
    t.wait_for("-> NOOP")
    t0 = time.monotonic()
    t.key("C-c")
    s = t.wait_prompt("smtp> ", timeout=2)
    waited = time.monotonic() - t0
    assert waited < 1.5, "Ctrl-C took %.2fs to give the prompt back" % waited
    assert "stopped waiting (Ctrl-C): 1 reply still to come" in s, t.report(s)
    assert "late NOOP reply" not in s, t.report(s)
    # The next command waits for the late reply, shown before it is sent.
    t.type("RSET")
    s = t.wait_for("reset done", timeout=8)
    t.wait_prompt("smtp> ")
    late, rset = s.find("late NOOP reply"), s.find("-> RSET")
    assert 0 <= late < rset, t.report(s)
    assert srv.marks["at late reply"] == b"", srv.report()
    assert b"RSET\r\n" in srv.after_line(b"NOOP"), srv.report()
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    assert srv.errors == [], srv.report()


def test_ctrl_c_during_typed_starttls_says_it_waits(terminal, scripted, pki):
    """A typed STARTTLS is never stopped half-way: Ctrl-C while its 220 is
    late says so at once, the wait goes on, and the session continues
    inside TLS (nothing abandoned, nothing owed)."""
    srv = scripted([send(GREETING), serve([
        (b"EHLO", lambda srv: EHLO_AFTER_TLS if srv.tls else EHLO_STARTTLS),
        (b"STARTTLS", [sleep(3), send(b"220 2.0.0 Ready to start TLS\r\n"), starttls("good")]),
    ])])
    t = terminal(["session", "--at", "ehlo", *ca(pki), srv.hostport])
    t.wait_prompt("smtp> ")
    t.type("STARTTLS")
    t.wait_for("-> STARTTLS")
    t.key("C-c")
    s = t.wait_for("not stopped half-way", timeout=2)
    assert "Ready to start TLS" not in s, t.report(s)
    s = t.wait_prompt("smtp/tls> ", timeout=10)
    assert "stopped waiting" not in s and "Verified" in after(s, "-> STARTTLS"), t.report(s)
    t.type("QUIT")
    assert t.exit_status() == 0, t.report()
    assert srv.errors == [], srv.report()


# --- Ctrl-C at data> ------------------------------------------------------------

def test_ctrl_c_twice_at_data_closes_without_delivering(terminal, scripted):
    srv = scripted([send(GREETING), serve([
        (b"EHLO", EHLO_PLAIN),
        (b"MAIL", b"250 2.1.0 ok\r\n"),
        (b"RCPT", b"250 2.1.5 ok\r\n"),
        (b"DATA", [send(b"354 go ahead\r\n"), read_data(), send(b"250 2.0.0 queued as BAD\r\n")]),
    ])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    for cmd in ("MAIL FROM:<%s>" % SENDER, "RCPT TO:<%s>" % RCPT, "DATA"):
        t.type(cmd)
        t.wait_for("-> " + cmd)
    t.wait_prompt("data> ")
    t.type("Subject: never delivered")
    t.wait_for("data> ", count=2)
    t.key("C-c")
    s = t.wait_for("press Ctrl-C again")
    t.wait_prompt("data> ")
    assert srv.messages == [], srv.report()
    t.key("C-c")
    rc = t.exit_status()
    s = t.screen()
    assert rc == 75, t.report(s)
    assert "nothing delivered" in s, t.report(s)
    assert "queued as BAD" not in s, t.report(s)
    # The server got no message end, and no QUIT (inside DATA it would be
    # a line of the message): only the connection closing.
    srv.finish()
    assert srv.messages == [], srv.report()
    data = srv.after_line(b"DATA")
    assert b"\r\n.\r\n" not in b"\r\n" + data and b"QUIT" not in data, srv.report()
    assert any(what == "eof" for _, what in srv.events), srv.report()


def test_ctrl_c_after_lmtp_data_owes_a_reply_per_recipient(terminal, scripted):
    """LMTP, two recipients accepted: Ctrl-C while the replies after the data
    are late leaves both owed (RFC 2033 4.2), and both are read and shown
    before the next command, not taken for its reply."""
    srv = scripted([send(GREETING), serve([
        (b"LHLO", EHLO_PLAIN), (b"MAIL", b"250 2.1.0 ok\r\n"), (b"RCPT", b"250 2.1.5 ok\r\n"),
        (b"DATA", [send(b"354 go\r\n"), read_data(), sleep(3),
                   send(b"250 2.0.0 <a@example.org> delivered\r\n452 4.2.2 <b@example.org> over quota\r\n")]),
        (b"NOOP", b"250 2.0.0 noop done\r\n"),
    ])])
    t = terminal(["session", "--protocol", "lmtp", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    for line, reply in (("MAIL FROM:<%s>" % SENDER, "2.1.0 ok"), ("RCPT TO:<a@example.org>", "2.1.5 ok"),
                        ("RCPT TO:<b@example.org>", "2.1.5 ok")):
        t.type(line)
        t.wait_for(reply, count=2 if line.startswith("RCPT TO:<b") else 1)
        t.wait_prompt("smtp> ")
    t.type("DATA")
    t.wait_for("354 go")
    t.wait_prompt("data> ")
    t.type("Subject: two copies")
    t.wait_for("data> ", count=2)
    t.type(".")
    t.wait_for("-> .")
    t.key("C-c")
    s = t.wait_for("stopped waiting (Ctrl-C): 2 replies still to come", timeout=2)
    assert "delivered" not in after(s, "-> ."), t.report(s)
    t.wait_prompt("smtp> ")
    t.type("NOOP")
    s = t.wait_for("noop done", timeout=8)
    late1, late2, noop = s.rfind("<a@example.org> delivered"), s.rfind("over quota"), s.rfind("-> NOOP")
    assert 0 <= late1 < late2 < noop, t.report(s)
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    assert srv.errors == [] and len(srv.messages) == 1, srv.report()


# --- Ctrl-C drops a line being typed; Ctrl-D sends QUIT ---------------------------

def test_ctrl_c_drops_line_ctrl_d_sends_quit(terminal, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN)])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    t.type("MAIL FROM:<dropped@example.org>", enter=False)
    t.wait_for("smtp> MAIL FROM:<dropped@example.org>")
    t.key("C-c")
    t.wait_for("^C")
    t.wait_prompt("smtp> ")
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    s = t.screen()
    assert "-> QUIT" in s and "221" in after(s, "-> QUIT"), t.report(s)
    srv.finish()
    assert b"MAIL" not in srv.plain, srv.report()
    assert srv.plain.endswith(b"QUIT\r\n"), srv.report()
    assert srv.errors == [], srv.report()


# --- control characters typed are not sent -----------------------------------------

def test_typed_control_character_refused(terminal, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"NOOP", b"250 2.0.0 ok\r\n")])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    # Ctrl-V Ctrl-M: readline's quoted insert puts a real CR in the line,
    # which would end the command early on the wire (RFC 5321 2.3.8).
    t.type("NOOP", enter=False)
    t.key("C-v", "C-m")
    t.type("RSET")
    s = t.wait_for("not sent")
    assert "control character" in after(s, "not sent"), t.report(s)
    t.wait_prompt("smtp> ")
    t.type("NOOP")
    t.wait_for("-> NOOP")
    t.wait_prompt("smtp> ")
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    srv.finish()
    assert srv.plain.count(b"NOOP") == 1 and b"RSET" not in srv.plain, srv.report()
    assert srv.errors == [], srv.report()


# --- history ---------------------------------------------------------------------

def test_history_private_and_without_credentials(terminal, aio_auth, pki):
    wrong = "Wrong-pw-0x81"
    token = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()
    t = terminal(["session", *ca(pki), aio_auth.hostport])
    t.wait_prompt("smtp/tls> ")
    # AUTH run by smtpkit, with a wrong password: refused.
    auth_asked(t, "PLAIN", wrong)
    t.wait_for("535")
    t.wait_prompt("smtp/tls> ")
    # AUTH typed with its own initial response: sent as typed.
    t.type("AUTH PLAIN " + token)
    t.wait_for("235")
    t.wait_prompt("smtp/tls> ")
    for cmd in ("NOOP", "MAIL FROM:<%s>" % SENDER, "RSET"):
        t.type(cmd)
        t.wait_for(" ~> " + cmd)      # ~>: sent inside TLS
        t.wait_prompt("smtp/tls> ")
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    assert [a[1:] for a in aio_auth.auth.logins] == [(USER, wrong, True), (USER, PASSWORD, True)], \
        aio_auth.auth.logins

    d = t.state / "smtpkit"
    h = d / "history"
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, oct(os.stat(d).st_mode)
    assert stat.S_IMODE(os.stat(h).st_mode) == 0o600, oct(os.stat(h).st_mode)
    text = h.read_text()
    assert text.splitlines() == ["AUTH PLAIN", "NOOP", "MAIL FROM:<%s>" % SENDER, "RSET"], text
    for secret in (token, PASSWORD, wrong, USER):
        assert secret not in text, text

    # A new session in the same state directory: Up recalls the last line.
    t2 = terminal(["session", *ca(pki), aio_auth.hostport], env={"XDG_STATE_HOME": str(t.state)},
                  name="again")
    t2.wait_prompt("smtp/tls> ")
    t2.key("Up")
    t2.wait_for("smtp/tls> RSET")
    t2.key("C-c")
    t2.wait_prompt("smtp/tls> ")
    t2.key("C-d")
    assert t2.exit_status() == 0, t2.report()


# --- local commands ----------------------------------------------------------------

def test_help_lists_local_commands_sends_nothing(terminal, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN)])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    t.type("/help")
    s = t.wait_for("/quit")
    t.wait_prompt("smtp> ")
    shown = after(s, "smtp> /help")
    for cmd in ("/help", "/data FILE", "/bdat FILE", "/caps", "/tls", "/explain CODE", "/quit"):
        assert "\n  " + cmd in shown, t.report(s)
    t.type("/quit")
    assert t.exit_status() == 0, t.report()
    srv.finish()
    # /help went nowhere; /quit is QUIT.
    assert b"/" not in srv.plain and srv.plain.endswith(b"QUIT\r\n"), srv.report()
    assert srv.errors == [], srv.report()


# --- Ctrl-C where no reply is being waited for by hand ------------------------------

def test_ctrl_c_at_password_prompt_abandons_auth(terminal, aio_auth, pki):
    """Ctrl-C at "Password for": the AUTH is given up, nothing of it is
    sent, the terminal echoes again and the session goes on."""
    t = terminal(["session", *ca(pki), aio_auth.hostport])
    t.wait_prompt("smtp/tls> ")
    auth_asked(t, "PLAIN", "half-typed", enter=False)
    t.key("C-c")
    t.wait_prompt("smtp/tls> ")
    t.type("NOOP")                      # echoed again: the terminal is back
    t.wait_for("smtp/tls> NOOP")
    t.wait_for(" ~> NOOP")
    t.wait_prompt("smtp/tls> ")
    assert aio_auth.auth.attempts == [], aio_auth.auth.attempts
    assert "AUTH" not in [v for v, _ in aio_auth.commands], aio_auth.commands
    t.type("QUIT")
    assert t.exit_status() == 0, t.report()
    assert b"half-typed" not in t.raw()


def test_ctrl_c_before_the_prompt_ends_smtpkit(terminal, scripted):
    """Before smtpkit hands over (a server slow to greet), Ctrl-C ends it at
    once, as it ends every other subcommand: there is no dialogue yet to
    go back to."""
    srv = scripted([sleep(10), send(GREETING), serve([(b"EHLO", EHLO_PLAIN)])])
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_for("Connected to")
    t0 = time.monotonic()
    t.key("C-c")
    rc = t.exit_status(timeout=3)
    assert time.monotonic() - t0 < 1.5, t.report()
    assert rc == 130, t.report()           # 128 + SIGINT, as the shell reports it
    srv.finish()
    assert srv.plain == b"", srv.report()


def test_auth_typed_with_tabs_hidden_and_not_remembered(terminal, scripted):
    """AUTH<TAB>PLAIN<TAB>token (Ctrl-V TAB at the prompt): sent as typed,
    its argument hidden in the transcript, the line kept out of the
    history, as with spaces.  (The ASan build once read past its end.)"""
    token = base64.b64encode(b"\0tab-user\0tab-secret-pw").decode()
    srv = scripted([send(GREETING), serve([
        (b"EHLO", EHLO_PLAIN),
        (b"AUTH", b"235 2.7.0 ok\r\n"),
        (b"NOOP", b"250 2.0.0 ok\r\n"),
    ])])
    # --tls none: the line is typed by hand, so no TLS is needed here.
    t = terminal(["session", "--tls", "none", srv.hostport])
    t.wait_prompt("smtp> ")
    t.type("AUTH", enter=False)
    t.key("C-v", "Tab")
    t.type("PLAIN", enter=False)
    t.key("C-v", "Tab")
    t.type(token)
    t.wait_for("235 2.7.0 ok")
    t.wait_prompt("smtp> ")
    t.type("NOOP")
    t.wait_for("-> NOOP")
    t.wait_prompt("smtp> ")
    t.key("C-d")
    assert t.exit_status() == 0, t.report()
    s = t.screen()
    sent = [ln for ln in s.splitlines() if ln.startswith(" -> ")]
    assert any(ln.startswith(" -> AUTH") and "hidden" in ln for ln in sent), t.report(s)
    assert not any(token in ln for ln in sent), t.report(s)
    srv.finish()
    assert b"AUTH\tPLAIN\t%s\r\n" % token.encode() in srv.plain, srv.report()
    text = (t.state / "smtpkit" / "history").read_text()
    assert text.splitlines() == ["NOOP"], text
