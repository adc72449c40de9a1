"""--tls implicit to a plain SMTP server: the 220 greeting is no TLS record,
so the handshake fails on a non-TLS peer (76); no falling back to plain EHLO."""
from harness.cases import *

# The server greets at once and takes what comes: the ClientHello is no command.
SCRIPT = [send(GREETING), wait_eof()]
ARGS = ["ehlo", "{server}", "--tls", "implicit", *CA, *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "tls"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]


def CHECK(r, srv):
    assert srv.plain.startswith(b"\x16"), "expected a ClientHello first: %r" % srv.plain[:16]
