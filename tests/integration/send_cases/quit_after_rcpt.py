"""--quit-after rcpt: MAIL and RCPT, then QUIT; no DATA, nothing delivered, 0."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--quit-after", "rcpt"]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"MAIL FROM:", b"RCPT TO:", b"QUIT"]
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
NO_MESSAGE = True


def CHECK(r, srv):
    verbs = [c.split()[0].upper() for c in commands(srv)]
    # The transaction left open is reset before the QUIT.
    assert verbs == [b"EHLO", b"MAIL", b"RCPT", b"RSET", b"QUIT"], verbs


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False
    assert [(x["code"], x["accepted"]) for x in doc["recipients"]] == [(250, True)]
