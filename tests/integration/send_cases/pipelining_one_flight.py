"""PIPELINING, one recipient: MAIL, RCPT and DATA arrive together before the
server answers MAIL; the message waits for the 354."""
from harness.send_cases import *

SCRIPT = mail_session(mail=[sleep(0.3), mark("mail"), send(OK_MAIL)],
                      data=b"354 go ahead\r\n")
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    pending = srv.marks["mail"]
    assert pending == b"RCPT TO:<%s>\r\nDATA\r\n" % RCPT1.encode(), \
        "unanswered after MAIL: %r (RCPT and DATA expected, nothing more)" % pending
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]
