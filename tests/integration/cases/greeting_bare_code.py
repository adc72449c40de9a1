"""A bare "220" greeting is valid (RFC 5321 4.2: the text is optional):
strict parsing must not reject it."""
from harness.cases import *

SCRIPT = plain_session(greeting=b"220\r\n")
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO"]
