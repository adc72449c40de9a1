"""A lone CR in --data: bad input (65), refused before any connection."""
from harness.send_cases import *

DATA = (HEADERS_FIXED % "cr" + "Subject: cr\n\nbefore\rMAIL FROM:<x@y>\nafter\n").encode()
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 65
CAUSE = "input"
STAGE = "message"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
MUST_NOT_RECEIVE = [b"MAIL"]
