"""No reply after the final dot: the end-of-data deadline (--timeout 2) fires,
75, and the user is told the message may have been delivered."""
from harness.send_cases import *

SCRIPT = mail_session(final=[wait_eof()])
ARGS = ONE
EXIT = 75
CAUSE = "timeout"
STAGE = "end-of-data"
MAX_SECONDS = 2 + 2.5
STDERR = ["may have been delivered"]


def CHECK(r, srv):
    assert len(srv.messages) == 1, "the whole message was to be sent"
    assert r.secs >= 1.5, "gave up before the deadline: %.2fs" % r.secs


def JSON_CHECK(doc, srv):
    assert doc["maybe_delivered"] is True and doc["delivered"] is False
