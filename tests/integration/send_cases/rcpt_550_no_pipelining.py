"""The only recipient refused with 550 by a server without PIPELINING (so no
DATA follows the RCPT): 67, no DATA, and the refusal is quoted on stderr
("server said: 550 ...", as for a refused MAIL FROM) and in JSON error.reply."""
from harness.send_cases import *

REFUSAL = b"550 5.1.1 no such user here\r\n"
SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING, rcpt=REFUSAL)
ARGS = ONE
EXIT = 67
CAUSE = "recipients-refused"
STAGE = "rcpt"
MAX_SECONDS = DEADLINE
NO_MESSAGE = True
MUST_RECEIVE = [b"RCPT TO:<" + RCPT1.encode() + b">", b"RSET", b"QUIT"]
MUST_NOT_RECEIVE = [b"DATA", b"BDAT"]
STDERR = ["server said: 550 5.1.1 no such user here"]


def JSON_CHECK(doc, srv):
    assert doc["error"]["reply"] == "550 5.1.1 no such user here", doc["error"]
    assert [(x["code"], x["accepted"]) for x in doc["recipients"]] == [(550, False)], doc["recipients"]
