"""The 'expired' certificate with --insecure: reported, but the session goes on (0)."""
from harness.cases import *

SCRIPT = starttls_session("expired")
ARGS = ["ehlo", "{server}", "--insecure", *CA, *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE_TLS = [b"EHLO"]
MUST_NOT_RECEIVE = [b"MAIL"]
