"""421 greeting: service not available, temporary (75)."""
from harness.cases import *

SCRIPT = [send(b"421 4.3.2 mx.scripted.test busy, try later\r\n"), wait_eof()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "greeting"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]


def CHECK(r, srv):
    assert "421" in r.err, "stderr must quote the server's reply"
