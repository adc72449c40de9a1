"""PIPELINING, two recipients, no --allow-partial: MAIL and both RCPTs in one
flight, DATA only after the RCPT replies; delivered (0)."""
from harness.send_cases import *

SCRIPT = mail_session(mail=[sleep(0.3), mark("mail"), send(OK_MAIL)])
ARGS = TWO
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    pending = srv.marks["mail"]
    assert pending == b"RCPT TO:<%s>\r\nRCPT TO:<%s>\r\n" % (RCPT1.encode(), RCPT2.encode()), \
        "unanswered after MAIL: %r (both RCPTs and no DATA expected)" % pending
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs == [b"EHLO", b"MAIL", b"RCPT", b"RCPT", b"DATA", b"QUIT"], verbs
    assert len(srv.messages) == 1


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is True
    assert [x["accepted"] for x in doc["recipients"]] == [True, True]
    assert doc["envelope"] == {"from": SENDER, "recipients": [RCPT1, RCPT2]}, doc["envelope"]
