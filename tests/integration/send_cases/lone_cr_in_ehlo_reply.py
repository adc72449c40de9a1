"""A CR not followed by LF inside a line of the EHLO reply: malformed
(RFC 5321 4.2, textstring), 76; MAIL is never sent."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=b"250-mx.scripted.test\r\n250-PIPELINING\rCHUNKING\r\n250 8BITMIME\r\n")
ARGS = ONE
EXIT = 76
CAUSE = "protocol"
STAGE = "ehlo"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"DATA"]
NO_MESSAGE = True
