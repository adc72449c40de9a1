"""--no-pipelining to a server offering PIPELINING and CHUNKING: MAIL and
RCPT each wait for their reply."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_CHUNKING,
                      mail=[sleep(0.3), mark("mail"), send(OK_MAIL)],
                      rcpt=[sleep(0.3), mark("rcpt"), send(OK_RCPT)])
ARGS = [*ONE, "--no-pipelining"]
EXIT = 0
MAX_SECONDS = DEADLINE + 1


def CHECK(r, srv):
    assert srv.marks["mail"] == b"", "sent before MAIL's reply: %r" % srv.marks["mail"]
    assert srv.marks["rcpt"] == b"", "sent before RCPT's reply: %r" % srv.marks["rcpt"]
    assert len(srv.messages) == 1
