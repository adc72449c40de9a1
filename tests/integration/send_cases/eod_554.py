"""The message is refused at its end with 554: permanent (69), not delivered."""
from harness.send_cases import *

SCRIPT = mail_session(final=b"554 5.7.1 spam\r\n")
ARGS = ONE
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "end-of-data"
MAX_SECONDS = DEADLINE
STDERR = ["554"]


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False
