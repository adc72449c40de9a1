"""Server accepts and never greets: the greeting step times out (75)."""
from harness.cases import *

SCRIPT = [sleep(30)]
ARGS = ["ehlo", "{server}", *T]
EXIT = 75
CAUSE = "timeout"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]
