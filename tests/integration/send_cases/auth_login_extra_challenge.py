"""AUTH LOGIN where the server asks a third time after the password: past the
mechanism's last step, so cancelled with "*" and exit 76; the password is
sent once only (for the one prompt that asked for it)."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "LOGIN",
    (b"AUTH LOGIN", [send(b"334 VXNlcm5hbWU6\r\n"), expect(b"YWxpY2U=\r\n"),
                     send(b"334 UGFzc3dvcmQ6\r\n"), expect(b"czNjcmV0LXB3\r\n"),
                     send(b"334 UGFzc3dvcmQ6\r\n"), expect(b"*\r\n"),
                     send(b"501 5.7.0 Authentication cancelled\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "LOGIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["LOGIN: a challenge after the last step of the exchange"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert lines == [b"AUTH LOGIN", b"YWxpY2U=", b"czNjcmV0LXB3", b"*", b"QUIT"], lines
