"""--password-file whose file holds two lines: one final newline is not part
of the password, but a line break inside it would end the AUTH line early.
Refused with 78, naming the file, before any connection."""
from harness.send_cases import *

SCRIPT = mail_session()
DATA = b"s3cret-pw\nsecond line\n"
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--password-file", "{data}"]
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["password file ", "message.eml holds more than one line"]


def CHECK(r, srv):
    assert "s3cret-pw" not in r.out + r.err
