"""OAUTHBEARER: after the error challenge and the dummy "AQ==" (RFC 7628
3.2.3) the server must fail the exchange; a second 334 instead is past the
last step: cancelled with "*", exit 76."""
import base64

from harness.send_cases import *

ERROR = base64.b64encode(b'{"status":"invalid_token"}')
SCRIPT = clear_auth_session(
    "OAUTHBEARER",
    (b"AUTH OAUTHBEARER", [send(b"334 " + ERROR + b"\r\n"), expect(b"AQ==\r\n"),
                           send(b"334 " + ERROR + b"\r\n"), expect(b"*\r\n"),
                           send(b"501 5.7.0 Authentication cancelled\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "OAUTHBEARER",
        "--oauth-token-command", "echo tok-3x4mpl3"]
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["OAUTHBEARER: a challenge after the last step of the exchange"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert len(lines) == 4 and lines[1:] == [b"AQ==", b"*", b"QUIT"], lines
