"""MAIL FROM answered 550: permanent refusal (69), no message byte sent."""
from harness.send_cases import *

SCRIPT = mail_session(mail=b"550 5.7.1 sender rejected\r\n")
ARGS = ONE
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "mail"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"MAIL FROM:"]
NO_MESSAGE = True
STDERR = ["550"]
