"""--password-file holding a NUL octet: the password would be cut short at
it.  Refused with 78 before any connection."""
from harness.send_cases import *

SCRIPT = mail_session()
DATA = b"s3cret\x00-pw\n"
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--password-file", "{data}"]
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["message.eml holds a NUL octet"]
