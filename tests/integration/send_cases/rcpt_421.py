"""421 to RCPT and the server closes: temporary (75), nothing sent after."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[send(b"421 4.3.2 shutting down\r\n"), close()])
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
STDERR = ["421"]


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
