"""AUTH LOGIN with a prompt that is not base64, and a server that never
answers the "*" that cancels it: the reply to "*" is read under the step's
deadline like any other, then QUIT; exit 76 (the cause is the broken
challenge, not the timeout), within the deadline, and no password."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "LOGIN",
    (b"AUTH LOGIN", [send(b"334 Username:\r\n"), expect(b"*\r\n"), sleep(6)]))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "LOGIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"*"]
MUST_NOT_RECEIVE = [b"MAIL", b"YWxpY2U=", b"czNjcmV0LXB3"]
NO_MESSAGE = True
STDERR = ["LOGIN: the server's challenge is not valid base64"]


def CHECK(r, srv):
    assert r.secs >= 1.5, "gave up on the reply to '*' before its deadline: %.2fs" % r.secs
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert lines[:2] == [b"AUTH LOGIN", b"*"], lines
