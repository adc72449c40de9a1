"""--allow-partial with one of two recipients refused: the message goes to
the other (exit 0), the refused one is listed on stderr and in JSON."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[b"550 5.1.1 no such user\r\n", OK_RCPT])
ARGS = [*TWO, "--allow-partial"]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"DATA"]
MUST_NOT_RECEIVE = [b"RSET"]
STDERR = [RCPT1]


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0], srv.messages
    assert RCPT2 not in r.err, "the accepted recipient is not a refusal"


def JSON_CHECK(doc, srv):
    assert len(srv.messages) == 1
    got = [(x["address"], x["code"], x["accepted"]) for x in doc["recipients"]]
    assert got == [(RCPT1, 550, False), (RCPT2, 250, True)], got
    assert doc["delivered"] is True and doc["queue_id"] == "ABC123"
