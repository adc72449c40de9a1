"""AUTH LOGIN where the password prompt is not base64 ("334 Password:"):
the challenge cannot be answered (RFC 4954 4), so smtpkit cancels with "*"
and exits 76 -- the server broke the protocol -- and the password, in any
form, never reaches the server."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "LOGIN",
    (b"AUTH LOGIN", [send(b"334 VXNlcm5hbWU6\r\n"), expect(b"YWxpY2U=\r\n"),
                     send(b"334 Password:\r\n"), expect(b"*\r\n"),
                     send(b"501 5.7.0 Authentication cancelled\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "LOGIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"AUTH LOGIN", b"*"]
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["not valid base64"]


def CHECK(r, srv):
    verbs = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert verbs == [b"AUTH LOGIN", b"YWxpY2U=", b"*", b"QUIT"], verbs
    for secret in (b"s3cret-pw", b"czNjcmV0LXB3"):
        assert secret not in srv.plain
