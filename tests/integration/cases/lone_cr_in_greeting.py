"""A CR not followed by LF inside the greeting: not reply text (RFC 5321 4.2,
textstring), so the reply is malformed (76), and EHLO is never sent."""
from harness.cases import *

SCRIPT = plain_session(greeting=b"220 mx.scripted.test\r250 hidden ESMTP\r\n")
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = 1.5
MUST_NOT_RECEIVE = [b"EHLO", b"HELO"]


def CHECK(r, srv):
    assert "CR without LF" in r.err, r.err
    # The line is still shown, escaped.
    assert "<-  220 mx.scripted.test\\x0d250 hidden ESMTP" in r.out.splitlines(), r.out
