"""TCP RST instead of a reply to EHLO: I/O error (74), no crash on EPIPE."""
from harness.cases import *

SCRIPT = [send(GREETING), expect(b"EHLO"), reset()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 74
CAUSE = "closed"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
