"""Malformed greeting "220OK" (no space or hyphen after the code): protocol violation (76), parsed strictly, no guess."""
from harness.cases import *

SCRIPT = [send(b"220OK\r\n"), wait_eof()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]
