"""No --tls-name: the name to match is the IP literal 127.0.0.1, which the
good leaf carries as an IP SAN: verified, ok."""
from harness.cases import *

SCRIPT = starttls_session("good")
ARGS = ["ehlo", "{server}", "--cafile", "{ca}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE_TLS = [b"EHLO"]
