"""TCP RST while a 5 MB message is being written (the server reads nothing
after its 354, so the client's writes back up): 74, no SIGPIPE death, and the
user is told it was not delivered."""
from harness.send_cases import *

HEADERS = (b"From: " + SENDER.encode() + b"\nTo: " + RCPT1.encode() + b"\nSubject: big\n"
           b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <big@smtpkit.test>\n\n")
DATA = HEADERS + b"".join(b"line %07d of a large message, padding padding padding pad\n" % i
                          for i in range(80000))
SCRIPT = mail_session(data=[send(GO_AHEAD), pause(0.5), reset(drain=False)])
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 74
CAUSE = "closed"
STAGE = "end-of-data"
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert r.rc != -13, "killed by SIGPIPE"
    assert "not delivered" in r.err, "stderr must say the message was not delivered"
    assert len(DATA) > 4_000_000


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False
