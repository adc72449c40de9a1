"""The only recipient refused with 450: temporary, 75; no message byte sent."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=b"450 4.2.0 mailbox busy\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:"]


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"


def JSON_CHECK(doc, srv):
    assert [(x["code"], x["accepted"]) for x in doc["recipients"]] == [(450, False)], doc["recipients"]
