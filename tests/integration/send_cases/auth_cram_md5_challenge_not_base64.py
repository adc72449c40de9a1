"""AUTH CRAM-MD5 whose challenge is not base64: cancelled with "*" (RFC 4954
4), exit 76 (a protocol violation, not a refused login); no response and
no MAIL follow."""
from harness.send_cases import *

EHLO_AUTH = b"250-mx.scripted.test\r\n250-8BITMIME\r\n250 AUTH CRAM-MD5\r\n"
SCRIPT = [send(GREETING), serve([
    (b"AUTH CRAM-MD5", [send(b"334 <1896.697170952@postoffice.example>\r\n"), expect(b"*\r\n"),
                        send(b"501 5.7.0 Authentication cancelled\r\n")]),
    (b"EHLO", EHLO_AUTH),
    *mail_rules(),
])]
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "CRAM-MD5"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["CRAM-MD5: the server's challenge is not valid base64"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert lines == [b"AUTH CRAM-MD5", b"*", b"QUIT"], lines
