"""--quit-after rcpt to a PIPELINING+CHUNKING server: the BDAT flight must
not go out; exit 0, nothing delivered."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING)
ARGS = [*ONE, "--quit-after", "rcpt"]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:", b"QUIT"]
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
NO_MESSAGE = True
