"""A certificate the CA vouches for, name localhost: EHLO again inside TLS, ok."""
from harness.cases import *

SCRIPT = starttls_session("good")
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO", b"STARTTLS"]
MUST_RECEIVE_TLS = [b"EHLO", b"QUIT"]
MUST_NOT_RECEIVE = [b"MAIL"]


def CHECK(r, srv):
    lines = r.out.splitlines()
    assert any(l.startswith(" ~> EHLO") for l in lines), "no EHLO marked as inside TLS"
    assert any(l.startswith("<~  250") for l in lines), "no reply marked as inside TLS"
    assert any(l.startswith(" -> STARTTLS") for l in lines)
