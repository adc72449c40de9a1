"""Terminal escape sequences in server text are shown escaped, never raw
(the no-raw-control-character check runs for every case; this one proves the
text is still shown)."""
from harness.cases import *

SCRIPT = plain_session(greeting=b"220 \x1b[31mred\x1b[0m host\x07\r\n")
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert "<-  220 \\x1b[31mred\\x1b[0m host\\x07" in r.out.splitlines(), \
        "the greeting is not shown with ESC and BEL escaped as \\x1b and \\x07"
