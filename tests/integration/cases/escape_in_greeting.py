"""Terminal escape sequences in the greeting: control bytes are not reply
text (RFC 5321 4.2), so the greeting is malformed (76) and EHLO is never
sent; the line is still shown, escaped, never raw (the no-raw-control-character
check runs for every case)."""
from harness.cases import *

SCRIPT = plain_session(greeting=b"220 \x1b[31mred\x1b[0m host\x07\r\n")
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "greeting"
MAX_SECONDS = 1.5
MUST_NOT_RECEIVE = [b"EHLO", b"HELO"]


def CHECK(r, srv):
    assert "<-  220 \\x1b[31mred\\x1b[0m host\\x07" in r.out.splitlines(), \
        "the greeting is not shown with ESC and BEL escaped as \\x1b and \\x07"
    assert "control character" in r.err, r.err


def JSON_CHECK(doc, srv):
    assert doc["error"]["reply"] == "220 \\x1b[31mred\\x1b[0m host\\x07", doc["error"]
