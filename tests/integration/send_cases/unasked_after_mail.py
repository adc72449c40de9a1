"""Without PIPELINING, MAIL's reply comes with a second "250" the client did
not ask for: it would be read as RCPT's reply.  76; RCPT is never sent."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING, mail=OK_MAIL + OK_RCPT)
ARGS = ONE
EXIT = 76
CAUSE = "protocol"
STAGE = "rcpt"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"MAIL"]
MUST_NOT_RECEIVE = [b"RCPT", b"DATA"]
NO_MESSAGE = True
