"""Two recipients, the second refused temporarily (451): nothing delivered,
and since no refusal was permanent the exit is 75."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[OK_RCPT, b"451 4.3.0 greylisted\r\n"])
ARGS = TWO
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RSET"]
NO_MESSAGE = True
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
