"""EHLO refused with 502: fall back to HELO (RFC 5321 4.1.4), success."""
from harness.cases import *

SCRIPT = [send(GREETING), serve([
    (b"EHLO", b"502 5.5.1 command not implemented\r\n"),
    (b"HELO", b"250 mx.scripted.test\r\n"),
])]
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO", b"HELO", b"QUIT"]
MUST_NOT_RECEIVE = [b"MAIL", b"STARTTLS"]
