"""STARTTLS with the 'wrongname' test certificate and --cafile: not verified, so the
session stops before EHLO is repeated inside TLS (69)."""
from harness.cases import *

SCRIPT = starttls_session("wrongname")
ARGS = ["ehlo", "{server}", *CA, *T]
EXIT = 69
CAUSE = "verify"
STAGE = "tls"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"STARTTLS"]
MUST_NOT_RECEIVE_TLS = [b"EHLO", b"HELO", b"MAIL"]
MUST_NOT_RECEIVE = [b"MAIL"]
