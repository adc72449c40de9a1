"""A multiline greeting in several packets, one line split across two: all
of it is the greeting (RFC 5321 4.2), nothing after it -- EHLO follows, and
strictness about unasked bytes must not mistake the later lines for them."""
from harness.cases import *

SCRIPT = [send_parts([b"220-mx.scripted.test ESMTP\r\n220-second li", b"ne\r\n", b"220 ready\r\n"], 0.15),
          serve([(b"EHLO", EHLO_PLAIN), (b"HELO", b"250 mx.scripted.test\r\n")])]
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO"]
