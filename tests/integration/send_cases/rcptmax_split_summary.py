"""LIMITS RCPTMAX=2 (RFC 9422) and three recipients: two transactions, the
first with two recipients, the second with one.  The result line and JSON
count all three and say how they were split."""
from harness.send_cases import *

RCPT3 = "rcpt3@example.net"
EHLO_LIMITS = b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-LIMITS RCPTMAX=2\r\n250 8BITMIME\r\n"
SCRIPT = mail_session(ehlo=EHLO_LIMITS)
ARGS = [*TWO, "--to", RCPT3]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs == [b"EHLO", b"MAIL", b"RCPT", b"RCPT", b"DATA", b"MAIL", b"RCPT", b"DATA", b"QUIT"], verbs
    assert len(srv.messages) == 2
    last = r.out.rstrip("\n").splitlines()[-1]
    assert "delivered to 3 of 3 recipients" in last, last
    assert "2 transactions" in last and "RCPTMAX=2" in last, last
    assert "(LIMITS RCPTMAX=2: 2+1 recipients)" in last, last


def JSON_CHECK(doc, srv):
    assert len(srv.messages) == 2
    assert doc["transactions"] == 2 and doc["rcptmax"] == 2, doc
    assert doc["envelope"]["recipients"] == [RCPT1, RCPT2, RCPT3]
    assert [x["transaction"] for x in doc["recipients"]] == [1, 1, 2], doc["recipients"]
    assert all(x["accepted"] and x["queue_id"] == "ABC123" for x in doc["recipients"]), doc["recipients"]
