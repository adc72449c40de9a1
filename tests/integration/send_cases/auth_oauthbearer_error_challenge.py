"""OAUTHBEARER with a token the server rejects: the error challenge (RFC 7628
3.2.2) is answered with the dummy response ^A, "AQ==" in base64 (RFC 7628
3.2.3), and the server's final 535 is a refused login: exit 77."""
import base64

from harness.send_cases import *

ERROR = base64.b64encode(b'{"status":"invalid_token","scope":"mail","openid-configuration":'
                         b'"https://auth.example/.well-known/openid-configuration"}')
SCRIPT = clear_auth_session(
    "OAUTHBEARER",
    (b"AUTH OAUTHBEARER", [send(b"334 " + ERROR + b"\r\n"), expect(b"AQ==\r\n"),
                           send(b"535 5.7.8 Authentication failed\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "OAUTHBEARER",
        "--oauth-token-command", "echo tok-3x4mpl3"]
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL", b"*"]
NO_MESSAGE = True
STDERR = ["535 5.7.8"]


def CHECK(r, srv):
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert len(lines) == 3 and lines[0].startswith(b"AUTH OAUTHBEARER ") and \
        lines[1:] == [b"AQ==", b"QUIT"], lines
