"""--dry-run prints the envelope and the message and never connects."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--dry-run"]
EXIT = 0
MAX_SECONDS = DEADLINE
NO_CONNECTION = True


def CHECK(r, srv):
    assert "<%s>" % SENDER in r.out and "<%s>" % RCPT1 in r.out
    assert MARKER in r.out
