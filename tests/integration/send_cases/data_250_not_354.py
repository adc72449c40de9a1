"""DATA answered 250 instead of 354: a reply that makes no sense (76), and
the message must not follow it."""
from harness.send_cases import *

SCRIPT = mail_session(data=b"250 2.0.0 whatever\r\n")
ARGS = ONE
EXIT = 76
CAUSE = "protocol"
STAGE = "data"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"DATA"]


def CHECK(r, srv):
    assert MARKER.encode() not in srv.plain, "message bytes sent after a 250 to DATA"
    after = srv.after_line(b"DATA")
    assert after == b"QUIT\r\n", "after DATA only QUIT follows: %r" % after
