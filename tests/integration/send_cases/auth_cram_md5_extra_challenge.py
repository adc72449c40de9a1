"""AUTH CRAM-MD5 where a second challenge follows the response (RFC 2195 has
one): cancelled with "*", exit 76; nothing else is answered."""
from harness.send_cases import *

# base64 of "<1896.697170952@postoffice.example>"
CHALLENGE = b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZT4="
SCRIPT = clear_auth_session(
    "CRAM-MD5",
    (b"AUTH CRAM-MD5", [send(b"334 " + CHALLENGE + b"\r\n"), expect(b"YWxpY2Ug"),
                        send(b"334 " + CHALLENGE + b"\r\n"), expect(b"*\r\n"),
                        send(b"501 5.7.0 Authentication cancelled\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "CRAM-MD5"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["CRAM-MD5: a challenge after the last step of the exchange"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert len(lines) == 4 and lines[0] == b"AUTH CRAM-MD5" and lines[2:] == [b"*", b"QUIT"], lines
