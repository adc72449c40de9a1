"""After the EHLO reply a ready-made "220" to STARTTLS arrives before the
client has asked: read as the answer to STARTTLS it would start TLS on the
server's word.  76; STARTTLS is never sent."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", EHLO_STARTTLS + b"220 2.0.0 Ready to start TLS\r\n"),
    (b"STARTTLS", [send(b"220 2.0.0 Ready to start TLS\r\n"), starttls("good")]),
])]
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "starttls"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"STARTTLS"]


def CHECK(r, srv):
    assert "before STARTTLS" in r.err, r.err
