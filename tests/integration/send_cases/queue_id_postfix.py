"""The queue id of "250 2.0.0 Ok: queued as ABC123" is reported."""
from harness.send_cases import *

SCRIPT = mail_session(final=b"250 2.0.0 Ok: queued as ABC123\r\n")
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert "ABC123" in r.out.splitlines()[-1], r.out.splitlines()[-1]


def JSON_CHECK(doc, srv):
    assert doc["queue_id"] == "ABC123", doc["queue_id"]
    assert doc["delivered"] is True
