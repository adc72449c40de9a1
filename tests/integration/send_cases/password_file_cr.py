"""--password-file with a CR inside the password (a final CRLF would be the
line ending, removed like a final LF): the CR would end the AUTH line early.
Refused with 78 before any connection."""
from harness.send_cases import *

SCRIPT = mail_session()
DATA = b"s3cret\rRSET\r\n"
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--password-file", "{data}"]
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["message.eml holds a carriage return (CR)"]
