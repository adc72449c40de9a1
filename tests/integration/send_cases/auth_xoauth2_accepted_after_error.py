"""XOAUTH2: the server sends an error challenge, gets the empty answer, then
says 235.  After an error challenge the exchange can only fail (RFC 7628
3.2.3); a success then is the server breaking the protocol: exit 76, and
no mail is sent on a login the server itself called failed."""
import base64

from harness.send_cases import *

ERROR = base64.b64encode(b'{"status":"401","schemes":"Bearer"}')
SCRIPT = clear_auth_session(
    "XOAUTH2",
    (b"AUTH XOAUTH2", [send(b"334 " + ERROR + b"\r\n"), expect(b"\r\n"),
                       send(b"235 2.7.0 Accepted\r\n")]))
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "XOAUTH2",
        "--oauth-token-command", "echo tok-3x4mpl3"]
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["after an error challenge"]
