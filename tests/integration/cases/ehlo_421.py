"""421 in reply to EHLO: the server is closing, temporary (75); no HELO retry."""
from harness.cases import *

SCRIPT = [send(GREETING), expect(b"EHLO "), send(b"421 4.7.0 too busy\r\n"), wait_eof()]
ARGS = ["ehlo", "{server}", *T]
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"HELO", b"MAIL", b"STARTTLS"]
