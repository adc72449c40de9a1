"""Both recipients refused permanently under PIPELINING: 67, no DATA."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[b"550 5.1.1 no\r\n", b"553 5.1.3 bad\r\n"])
ARGS = TWO
EXIT = 67
CAUSE = "recipients-refused"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
NO_MESSAGE = True
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
