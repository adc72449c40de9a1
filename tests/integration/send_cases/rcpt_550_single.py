"""The only recipient refused with 550 (the pipelined DATA then gets 554, as
RFC 2920 3.1 has servers do): every recipient refused permanently, 67."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=b"550 5.1.1 no such user\r\n")
ARGS = ONE
EXIT = 67
CAUSE = "recipients-refused"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:<" + RCPT1.encode() + b">"]
STDERR = ["server said: 550 5.1.1 no such user"]     # the refusal, quoted


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
    assert "recipient <%s>: refused" % RCPT1 in r.out, "the report lists each recipient's reply"


def JSON_CHECK(doc, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
    rc = doc["recipients"]
    assert [(x["address"], x["code"], x["accepted"]) for x in rc] == [(RCPT1, 550, False)], rc
    assert rc[0]["enhanced"] == "5.1.1", rc
    assert doc["delivered"] is False
    assert doc["error"]["reply"] == "550 5.1.1 no such user", doc["error"]
