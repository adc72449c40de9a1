"""The message is refused at its end with 452: temporary (75), not delivered."""
from harness.send_cases import *

SCRIPT = mail_session(final=b"452 4.3.1 insufficient storage\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "end-of-data"
MAX_SECONDS = DEADLINE
STDERR = ["452"]


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False and doc["maybe_delivered"] is False
    assert doc["queue_id"] is None
    assert doc["error"]["reply"] and "452" in doc["error"]["reply"], doc["error"]
