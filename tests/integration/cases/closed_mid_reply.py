"""Connection closed in the middle of a multiline reply: I/O error (74)."""
from harness.cases import *

SCRIPT = [send(GREETING), expect(b"EHLO"), send(b"250-first\r\n"), close()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 74
CAUSE = "closed"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
