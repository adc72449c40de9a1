"""A multiline reply that never ends: the line count is bounded (76), well
within the deadline, and memory does not grow with it."""
from harness.cases import *

SCRIPT = [send(GREETING), expect(b"EHLO"), flood(b"250-x\r\n", secs=15)]
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
