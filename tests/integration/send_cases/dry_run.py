"""--dry-run prints the envelope and the message and never connects; with
--json, one document with the envelope and the message text."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--subject", "dry", "--dry-run"]
EXIT = 0
MAX_SECONDS = DEADLINE
NO_CONNECTION = True


def CHECK(r, srv):
    assert "<%s>" % SENDER in r.out and "<%s>" % RCPT1 in r.out
    assert MARKER in r.out


def JSON_CHECK(doc, srv):
    assert doc["dry_run"] is True, doc
    assert doc["envelope"] == {"from": SENDER, "recipients": [RCPT1]}, doc
    text = doc["message"]["text"]
    assert text.endswith(MARKER + "\r\n") and "\r\nSubject: dry\r\n" in text, text
    assert doc["message"]["size"] == len(text.encode()), doc["message"]
