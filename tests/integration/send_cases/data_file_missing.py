"""--data naming a file that does not exist: no input (66), refused before
any connection."""
from harness.send_cases import *

MISSING = "/nonexistent/smtpkit-test/message.eml"
SCRIPT = mail_session()
ARGS = [*BASE, "--data", MISSING, RCPT1]
EXIT = 66
CAUSE = "noinput"
STAGE = "message"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["cannot open %s" % MISSING]
