"""STARTTLS 220, then the server answers the ClientHello in plaintext: a
handshake with a non-TLS peer (76); no command follows in the clear."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_STARTTLS),
    (b"STARTTLS", [send(b"220 2.0.0 go ahead\r\n"), sleep(0.3),
                   send(b"500 what\r\n"), wait_eof()]),
])]
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "tls"
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    after = srv.after_line(b"STARTTLS")
    assert after is not None and after.startswith(b"\x16"), "expected a ClientHello: %r" % after
    for cmd in (b"EHLO", b"HELO", b"MAIL"):
        assert cmd not in after, "%r sent in the clear after STARTTLS" % cmd
