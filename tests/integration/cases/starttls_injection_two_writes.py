"""Injected reply arriving 50 ms after the STARTTLS 220: the client may already
have sent its ClientHello, but must then fail the handshake (76) and never send
another command in the clear."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_STARTTLS),
    # What follows (a ClientHello, or nothing) is recorded, not read as commands.
    (b"STARTTLS", [send_parts([b"220 2.0.0 go ahead\r\n", b"250 injected\r\n"], 0.05),
                   wait_eof()]),
])]
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 76
CAUSE = "protocol"
STAGE = ("starttls", "tls")   # "tls" unless the client is 50 ms late
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    after = srv.after_line(b"STARTTLS")
    assert after is not None, "client never sent STARTTLS"
    for cmd in (b"EHLO", b"HELO", b"MAIL", b"AUTH"):
        assert cmd not in after.upper(), "%r sent after STARTTLS: %r" % (cmd, after)
