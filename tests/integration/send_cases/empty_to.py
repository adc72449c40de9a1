"""An empty --to is a usage error (64), as an empty --from is: not a
message without recipients (65).  Nothing is sent -- the client does not
even connect (issue 11; test_cli.py has --cc, --bcc and RECIPIENT)."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*BASE, "--body", MARKER, "--to", ""]
EXIT = 64
CAUSE = "usage"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"EHLO"]
STDERR = ['bad address "" (--to): empty address']
