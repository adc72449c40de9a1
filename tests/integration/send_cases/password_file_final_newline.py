"""--password-file with one final newline: the newline is not part of the
password.  AUTH PLAIN carries exactly "\\0alice\\0s3cret-pw"; delivered (0)."""
import base64

from harness.send_cases import *

SCRIPT = clear_auth_session("PLAIN", (b"AUTH", b"235 2.7.0 Accepted\r\n"))
DATA = b"s3cret-pw\n"
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "PLAIN", "--password-file", "{data}"]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    auth = [c for c in commands(srv) if c.upper().startswith(b"AUTH")]
    assert auth == [b"AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret-pw") + b"\r\n"], auth
