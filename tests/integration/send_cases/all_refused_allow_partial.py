"""--allow-partial pipelines DATA; both recipients refused, DATA gets 554
(RFC 2920 3.1): 67 and no message byte sent."""
from harness.send_cases import *

SCRIPT = mail_session(rcpt=[b"550 5.1.1 no\r\n", b"550 5.1.1 no\r\n"])
ARGS = [*TWO, "--allow-partial"]
EXIT = 67
CAUSE = "recipients-refused"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"DATA"]


def CHECK(r, srv):
    assert srv.messages == [] and MARKER.encode() not in srv.plain, "message bytes sent"
