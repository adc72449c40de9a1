"""Malformed greeting "22 x" (two digits): protocol violation (76), parsed strictly, no guess."""
from harness.cases import *

SCRIPT = [send(b"22 x\r\n"), wait_eof()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]
