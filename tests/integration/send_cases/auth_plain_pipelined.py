"""PIPELINING and AUTH PLAIN with its initial response: RFC 4954 4 lets the
transaction follow AUTH in the same group (PLAIN completes in one round
trip), so AUTH, MAIL, RCPT and DATA leave in one write; delivered (0)."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "PLAIN LOGIN",
    (b"AUTH", [sleep(0.3), mark("auth"), send(b"235 2.7.0 Accepted\r\n")]), pipelining=True)
ARGS = [*ONE, "--tls", "none", "--user", "u", "--auth", "PLAIN"]
ENV = {"SMTPKIT_PASSWORD": "secret"}
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    pending = srv.marks["auth"]
    assert pending == b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (SENDER.encode(), RCPT1.encode()), \
        "written behind AUTH before its reply: %r" % pending
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs == [b"EHLO", b"AUTH", b"MAIL", b"RCPT", b"DATA", b"QUIT"], verbs
    assert len(srv.messages) == 1
