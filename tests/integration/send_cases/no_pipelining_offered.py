"""Server without PIPELINING: each command waits for the previous reply --
MAIL is alone on the wire until answered, so are RCPT and DATA."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING,
                      mail=[sleep(0.3), mark("mail"), send(OK_MAIL)],
                      rcpt=[sleep(0.3), mark("rcpt"), send(OK_RCPT)])
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE + 1


def CHECK(r, srv):
    assert srv.marks["mail"] == b"", "sent before MAIL's reply: %r" % srv.marks["mail"]
    assert srv.marks["rcpt"] == b"", "sent before RCPT's reply: %r" % srv.marks["rcpt"]
    assert len(srv.messages) == 1
