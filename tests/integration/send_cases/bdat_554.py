"""BDAT LAST answered 554: permanent (69), not delivered."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING, final=b"554 5.7.1 rejected\r\n")
ARGS = ONE
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "bdat"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"BDAT"]
MUST_NOT_RECEIVE = [b"DATA"]
STDERR = ["554"]


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False
