"""PIPELINING offered, but nothing is pipelined yet when the EHLO reply
ends: replies to MAIL, RCPT and DATA sent ahead of them answer nothing and
would be taken for the real ones.  76; MAIL is never sent."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_PIPELINING + OK_MAIL + OK_RCPT + GO_AHEAD)
ARGS = ONE
EXIT = 76
CAUSE = "protocol"
STAGE = "mail"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"DATA"]
NO_MESSAGE = True
