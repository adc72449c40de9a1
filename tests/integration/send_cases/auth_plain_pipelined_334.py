"""PIPELINING and AUTH PLAIN with its initial response, MAIL, RCPT and DATA
written behind it (RFC 4954 4), answered by a 334 challenge: the lines that
follow are already on their way, so no "*" can be the answer; exit 76 at
once, no message byte, and nothing carrying the password after the AUTH
line."""
from harness.send_cases import *

EHLO_AUTH = b"250-mx.scripted.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_AUTH),
    (b"AUTH", b"334 \r\n"),
    (b"MAIL", b"501 5.5.2 Cannot decode response\r\n"),
    (b"RCPT", b"503 5.5.1 need MAIL\r\n"),
    (b"DATA", b"503 5.5.1 need RCPT\r\n"),
])]
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "PLAIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
NO_MESSAGE = True
STDERR = ["a 334 challenge to AUTH PLAIN with its initial response"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert lines[0] == b"AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw==", lines
    for line in lines[1:]:
        assert b"AGFsaWNlAHMzY3JldC1wdw==" not in line and b"czNjcmV0LXB3" not in line, lines
