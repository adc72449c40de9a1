"""Data injected behind the STARTTLS 220 in the same segment (the CVE-2011-0411
pattern seen from the client side): abort before any handshake (76, invariant 2)."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_STARTTLS),
    (b"STARTTLS", b"220 2.0.0 go ahead\r\n250 injected\r\n"),
])]
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "starttls"
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    after = srv.after_line(b"STARTTLS")
    assert after is not None, "client never sent STARTTLS"
    assert not after.startswith(b"\x16"), "client started a TLS handshake anyway"
    assert after == b"QUIT\r\n", "after STARTTLS only QUIT follows: %r" % after
