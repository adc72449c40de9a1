"""Two recipients, the second refused (550), PIPELINING: the data waits for
the RCPT replies, so nothing is delivered; RSET ends the transaction; 69."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[OK_RCPT, b"550 5.1.1 no such user\r\n"])
ARGS = TWO
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:<" + RCPT1.encode(), b"RCPT TO:<" + RCPT2.encode(), b"RSET"]
NO_MESSAGE = True
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]


def CHECK(r, srv):
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs.index(b"RSET") > max(i for i, v in enumerate(verbs) if v == b"RCPT"), verbs
    assert "recipient <%s>: accepted" % RCPT1 in r.out and "recipient <%s>: refused" % RCPT2 in r.out


def JSON_CHECK(doc, srv):
    got = [(x["address"], x["code"], x["accepted"]) for x in doc["recipients"]]
    assert got == [(RCPT1, 250, True), (RCPT2, 550, False)], got
    assert doc["delivered"] is False and doc["maybe_delivered"] is False
