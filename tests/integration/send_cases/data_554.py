"""DATA answered 554 (recipient accepted): permanent (69); no message sent."""
from harness.send_cases import *

SCRIPT = mail_session(data=b"554 5.3.0 no data today\r\n")
ARGS = ONE
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "data"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"DATA"]
STDERR = ["554"]


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
