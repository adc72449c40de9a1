"""LIMITS RCPTMAX=1 (RFC 9422): two recipients go in two transactions.  The
first is delivered; the second's only recipient is refused, so that
transaction sends nothing and ends with RSET.  Exit 67 (every recipient of
that transaction refused), and the error says the earlier one was delivered."""
from harness.send_cases import *

EHLO_LIMITS = b"250-mx.scripted.test\r\n250-LIMITS RCPTMAX=1\r\n250 8BITMIME\r\n"
SCRIPT = mail_session(ehlo=EHLO_LIMITS, rcpt=[OK_RCPT, b"550 5.1.1 <%s>: no such user\r\n" % RCPT2.encode()])
ARGS = TWO
EXIT = 67
CAUSE = "recipients-refused"
MAX_SECONDS = DEADLINE
STAGE = ["rcpt"]
STDERR = ["earlier ones were delivered: 1 of 2 recipients", "(2 of 2, LIMITS RCPTMAX=1)", "550 5.1.1"]


def CHECK(r, srv):
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs == [b"EHLO", b"MAIL", b"RCPT", b"DATA", b"MAIL", b"RCPT", b"RSET", b"QUIT"], verbs
    assert len(srv.messages) == 1


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is True
    assert [x["accepted"] for x in doc["recipients"]] == [True, False]
    assert [x["transaction"] for x in doc["recipients"]] == [1, 2], doc["recipients"]
    assert doc["transactions"] == 2 and doc["rcptmax"] == 1, doc
    assert "earlier ones were delivered" in doc["error"]["message"], doc["error"]
