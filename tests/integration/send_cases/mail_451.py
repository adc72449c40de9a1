"""MAIL FROM answered 451: temporary (75); the pipelined RCPT/DATA replies
are not waited for, and no message byte is sent."""
from harness.send_cases import *

SCRIPT = mail_session(mail=b"451 4.3.0 try again later\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "mail"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"MAIL FROM:<" + SENDER.encode() + b">"]
NO_MESSAGE = True
STDERR = ["451"]
