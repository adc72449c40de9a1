"""--data with explicit recipients (no -t): the message's Bcc header, folded
continuation included, is removed before it goes out (RFC 5322 3.6.3, as
msmtp does); the envelope still has the recipients given."""
from harness.send_cases import *

BCC = b"Bcc: hidden@example.net,\n  other-hidden@example.net\n"
DATA = (HEADERS_FIXED % "bcc").encode() + BCC + ("Subject: bcc\n\n%s\n" % MARKER).encode()
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"RCPT TO:<%s>" % RCPT1.encode()]
MUST_NOT_RECEIVE = [b"RCPT TO:<hidden"]


def CHECK(r, srv):
    assert len(srv.messages) == 1, srv.messages
    assert srv.messages[0] == data_form(DATA.replace(BCC, b"")), srv.messages[0]
    assert b"hidden" not in srv.messages[0]


JSON_CHECK = CHECK
