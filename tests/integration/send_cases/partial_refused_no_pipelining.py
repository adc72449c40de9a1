"""Two recipients, the second refused, server without PIPELINING: RCPTs one
by one, then RSET and no DATA; 69."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING, rcpt=[OK_RCPT, b"550 5.1.1 no such user\r\n"])
ARGS = TWO
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:<" + RCPT2.encode(), b"RSET"]
NO_MESSAGE = True
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
