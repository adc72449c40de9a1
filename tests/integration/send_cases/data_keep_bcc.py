"""--keep-bcc: the --data message's Bcc header goes out as it is."""
from harness.send_cases import *

BCC = b"Bcc: hidden@example.net,\n  other-hidden@example.net\n"
DATA = (HEADERS_FIXED % "keepbcc").encode() + BCC + ("Subject: bcc\n\n%s\n" % MARKER).encode()
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", "--keep-bcc", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert len(srv.messages) == 1, srv.messages
    assert srv.messages[0] == data_form(DATA), srv.messages[0]


JSON_CHECK = CHECK
