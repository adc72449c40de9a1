"""DATA answered 451: temporary (75); the message is not sent."""
from harness.send_cases import *

SCRIPT = mail_session(data=b"451 4.3.0 try later\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "data"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"DATA"]
STDERR = ["451"]


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
