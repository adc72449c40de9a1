"""BDAT LAST answered 452: temporary (75), not delivered."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING, final=b"452 4.3.1 full\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "bdat"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"BDAT"]
STDERR = ["452"]
