"""AUTH PLAIN with its initial response (no PIPELINING, so nothing is
written behind it), answered by a 334 challenge: PLAIN has no step after
the initial response, so the server broke the exchange.  Cancelled with "*",
exit 76 (not 77: nobody refused the login); no MAIL."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "PLAIN",
    (b"AUTH PLAIN", [send(b"334 \r\n"), expect(b"*\r\n"),
                     send(b"501 5.7.0 Authentication cancelled\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "PLAIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["PLAIN: a challenge after the last step of the exchange"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert lines == [b"AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw==", b"*", b"QUIT"], lines
