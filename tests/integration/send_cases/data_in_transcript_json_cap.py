"""--show-data all keeps every line in the human transcript, but the JSON
document, which holds what it shows, stops at 10000 message lines and
counts the rest (memory stays flat, SPEC 10.10).  The server gets the
whole message either way."""
from harness.send_cases import *

BODY = ["line %05d %s" % (i, MARKER) for i in range(10100)]
DATA = (HEADERS_FIXED % "cap" + "Subject: cap\n\n" + "\n".join(BODY) + "\n").encode()
SCRIPT = mail_session(ehlo=EHLO_CHUNKING)
ARGS = [*BASE, "--data", "{data}", RCPT1, "--show-data", "all"]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.messages == [crlf_form(DATA)], srv.messages
    shown = [l for l in r.out.splitlines() if l.startswith(" -| ")]
    assert len(shown) == len(crlf_form(DATA).decode().split("\r\n")) - 1, len(shown)
    assert "more line" not in r.out


def JSON_CHECK(doc, srv):
    assert srv.messages == [crlf_form(DATA)], srv.messages
    total = len(crlf_form(DATA).decode().split("\r\n")) - 1
    data = [t["text"] for t in doc["transcript"] if t.get("data")]
    assert len(data) == 10000, len(data)
    assert data == crlf_form(DATA).decode().split("\r\n")[:10000]
    notes = [t["text"] for t in doc["transcript"] if t["dir"] == "I" and "more line" in t["text"]]
    assert notes and ("%d more lines" % (total - 10000)) in notes[0], notes
