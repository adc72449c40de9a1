"""After the EHLO reply (no PIPELINING) a "250" arrives before MAIL is
written: it would be read as MAIL's reply.  76; MAIL is never sent."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING + OK_MAIL)
ARGS = ONE
EXIT = 76
CAUSE = "protocol"
STAGE = "mail"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"DATA"]
NO_MESSAGE = True


def CHECK(r, srv):
    assert "before MAIL" in r.err, r.err
