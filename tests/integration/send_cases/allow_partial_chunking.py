"""--allow-partial, PIPELINING+CHUNKING, one of two refused: BDAT goes in
the same flight, the message is delivered to the other; exit 0."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING, rcpt=[OK_RCPT, b"550 5.1.1 no such user\r\n"])
ARGS = [*TWO, "--allow-partial"]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"BDAT"]
MUST_NOT_RECEIVE = [b"DATA", b"RSET"]
STDERR = [RCPT2]


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0], srv.messages
