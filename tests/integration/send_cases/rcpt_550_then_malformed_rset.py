"""The only recipient refused with 550, then the RSET that follows answered
with a malformed line: the refusal is the cause (67, stage rcpt), and it is
what stderr and JSON error.reply quote, not the malformed RSET reply (a
later, secondary failure)."""
from harness.send_cases import *

REFUSAL = b"550 5.1.1 no such user here\r\n"
SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING, rcpt=REFUSAL, rset=b"2x0 not a reply\r\n")
ARGS = ONE
EXIT = 67
CAUSE = "recipients-refused"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
NO_MESSAGE = True
MUST_RECEIVE = [b"RCPT TO:<" + RCPT1.encode() + b">", b"RSET"]
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
STDERR = ["server said: 550 5.1.1 no such user here"]


def CHECK(r, srv):
    assert "not a reply" not in r.err, "stderr quotes the malformed RSET reply"
    # Whatever stderr quotes is the refusal.
    for line in r.err.splitlines():
        if "server said:" in line:
            assert "550 5.1.1 no such user here" in line, line
    assert "recipient <%s>: refused" % RCPT1 in r.out and "no such user here" in r.out, r.out


def JSON_CHECK(doc, srv):
    err = doc["error"]
    assert (err["stage"], err["class"]) == ("rcpt", "refused"), err
    assert err["reply"] == "550 5.1.1 no such user here", err
    assert [(x["code"], x["accepted"]) for x in doc["recipients"]] == [(550, False)], doc["recipients"]
