"""--tls starttls to a server without STARTTLS: required feature missing (69),
and neither STARTTLS nor MAIL is sent."""
from harness.cases import *

SCRIPT = plain_session()
ARGS = ["ehlo", "{server}", "--tls", "starttls", *T]
EXIT = 69
CAUSE = "unsupported"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"STARTTLS", b"MAIL"]
