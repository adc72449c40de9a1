"""The queue id of Exim's "250 OK id=1abc-00" is reported."""
from harness.send_cases import *

SCRIPT = mail_session(final=b"250 OK id=1abc-00\r\n")
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert "1abc-00" in r.out.splitlines()[-1], r.out.splitlines()[-1]


def JSON_CHECK(doc, srv):
    assert doc["queue_id"] == "1abc-00", doc["queue_id"]
