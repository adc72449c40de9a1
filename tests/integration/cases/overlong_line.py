"""100 KB without a line end: the line length is bounded (76), not buffered
until the timeout."""
from harness.cases import *

SCRIPT = [send(b"220 " + b"x" * 100000), sleep(10)]
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO"]
