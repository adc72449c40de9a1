"""Terminal escape sequences in the EHLO reply (a later line, the AUTH
mechanisms): control bytes are not reply text (RFC 5321 4.2), so the reply
is malformed (76) and nothing follows EHLO but QUIT; the line is shown
escaped, on stdout and in the error, never raw."""
from harness.cases import *

EHLO = (b"250-te\x1b]0;X\x07st\r\n250-AUTH PLAIN \x1b]0;PWNED\x07\x1b[2J\r\n"
        b"250-STARTTLS\r\n250 8BITMIME\r\n")
SCRIPT = plain_session(ehlo=EHLO)
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "ehlo"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"STARTTLS", b"HELO", b"AUTH"]


def CHECK(r, srv):
    assert "\x1b" not in r.err and "\x07" not in r.err, "raw control character on stderr"
    assert "<-  250-te\\x1b]0;X\\x07st" in r.out.splitlines(), r.out
    assert "te\\x1b]0;X\\x07st" in r.err, r.err
