"""Two recipients, one refused, server with PIPELINING and CHUNKING: BDAT
must not be pipelined behind the RCPTs (it cannot be taken back); 69."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING, rcpt=[b"550 5.1.1 no such user\r\n", OK_RCPT])
ARGS = TWO
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RSET"]
NO_MESSAGE = True
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
