"""IPv6 literal destination [::1]:PORT."""
from harness.cases import *

HOST = "::1"
SCRIPT = plain_session()
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO", b"QUIT"]
