"""--tls implicit to a plain SMTP server: the 220 greeting is no TLS record,
so the handshake fails on a non-TLS peer (76); no falling back to plain EHLO."""
from harness.cases import *

SCRIPT = plain_session()
ARGS = ["ehlo", "{server}", "--tls", "implicit", *CA, *T]
EXIT = 76
STAGE = "tls"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"EHLO", b"HELO", b"MAIL"]
