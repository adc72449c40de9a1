"""XOAUTH2 with a 3,000-octet token (real OAuth tokens run to thousands of
octets): the initial response is one AUTH line of about 4 KB (RFC 4954 allows
12288), sent whole; the message is then delivered.  --tls none makes the
scripted server's plain session acceptable for AUTH (with a warning)."""
import base64

from harness.send_cases import *

TOKEN = "t" * 3000
SCRIPT = clear_auth_session("XOAUTH2", (b"AUTH", b"235 2.7.0 Accepted\r\n"), pipelining=True)
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "XOAUTH2",
        "--oauth-token-command", "printf %s " + TOKEN]
EXIT = 0
MAX_SECONDS = DEADLINE
EXPECTED = base64.b64encode(("user=u@example.test\x01auth=Bearer %s\x01\x01" % TOKEN).encode())


def CHECK(r, srv):
    auth = [c for c in commands(srv) if c.upper().startswith(b"AUTH")]
    assert auth == [b"AUTH XOAUTH2 " + EXPECTED + b"\r\n"], auth[:1]
    assert len(srv.messages) == 1
    assert TOKEN not in r.out, "the token must not be in the transcript without --show-secrets"
