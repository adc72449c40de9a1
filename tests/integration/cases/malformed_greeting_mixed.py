"""Malformed greeting "220-a / 250 b" (codes differ within one reply): protocol violation (76), parsed strictly, no guess."""
from harness.cases import *

SCRIPT = [send(b"220-a\r\n250 b\r\n"), wait_eof()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]
