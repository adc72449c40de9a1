"""PIPELINING+CHUNKING, one recipient: MAIL, RCPT, BDAT n LAST, the n message
octets and QUIT in one flight; no DATA."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING, mail=[sleep(0.3), mark("mail"), send(OK_MAIL)])
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"DATA"]


def CHECK(r, srv):
    pending = srv.marks["mail"]
    head = b"RCPT TO:<%s>\r\nBDAT " % RCPT1.encode()
    assert pending.startswith(head), "unanswered after MAIL: %r" % pending[:200]
    line, rest = pending[len(head) - 5:].split(b"\r\n", 1)
    words = line.split()
    assert len(words) == 3 and words[2].upper() == b"LAST", line
    n = int(words[1])
    assert len(rest) == n + len(b"QUIT\r\n") and rest.endswith(b"QUIT\r\n"), \
        "BDAT %d: %d octets follow, then %r" % (n, len(rest), rest[-20:])
    assert srv.messages == [rest[:n]] and MARKER.encode() in rest
    # BDAT sends the message as is: CRLF lines, no dot-stuffing, no final dot.
    assert not rest[:n].endswith(b"\r\n.\r\n")


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is True and doc["queue_id"] == "ABC123"
    assert doc["message"]["size"] == len(srv.messages[0]), doc["message"]
