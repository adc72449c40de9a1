"""XOAUTH2 with a token the server rejects: it sends its base64 JSON error
as a 334 challenge; smtpkit answers with an empty line (as Google's and
Microsoft's XOAUTH2 documentation say) and the server's 535 is a refused
login: exit 77.  The token is sent once, on the AUTH line."""
import base64

from harness.send_cases import *

ERROR = base64.b64encode(b'{"status":"401","schemes":"Bearer","scope":"https://mail.example/"}')
SCRIPT = clear_auth_session(
    "XOAUTH2",
    (b"AUTH XOAUTH2", [send(b"334 " + ERROR + b"\r\n"), expect(b"\r\n"),
                       send(b"535 5.7.8 Username and Password not accepted\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "XOAUTH2",
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
    assert len(lines) == 3 and lines[0].startswith(b"AUTH XOAUTH2 ") and lines[1:] == [b"", b"QUIT"], lines
