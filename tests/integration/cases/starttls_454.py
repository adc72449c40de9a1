"""STARTTLS refused with 454 while TLS is required: temporary (75); nothing but
QUIT after it (invariant 1)."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_STARTTLS),
    (b"STARTTLS", b"454 4.7.0 TLS not available due to local problem\r\n"),
])]
ARGS = ["ehlo", "{server}", "--tls", "starttls", *T]
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "starttls"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]


def CHECK(r, srv):
    after = srv.after_line(b"STARTTLS")
    assert after == b"QUIT\r\n", "after a refused STARTTLS only QUIT: %r" % after
    assert "454" in r.err
