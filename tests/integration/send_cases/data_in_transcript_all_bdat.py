"""--show-data all with BDAT: every line of the message is shown as is (no
dot-stuffing with BDAT, RFC 3030), and no "more lines" note.  The server
gets it whole."""
from harness.send_cases import *

BODY = [".dot-first line"] + ["line %02d %s" % (i, MARKER) for i in range(1, 30)]
DATA = (HEADERS_FIXED % "all" + "Subject: all\n\n" + "\n".join(BODY) + "\n").encode()
SCRIPT = mail_session(ehlo=EHLO_CHUNKING)
ARGS = [*BASE, "--data", "{data}", RCPT1, "--show-data", "all"]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.messages == [crlf_form(DATA)], srv.messages
    shown = [l[4:] for l in r.out.splitlines() if l.startswith(" -| ")]
    assert shown == crlf_form(DATA).decode().split("\r\n")[:-1], shown
    assert "more line" not in r.out


def JSON_CHECK(doc, srv):
    assert srv.messages == [crlf_form(DATA)], srv.messages
    data = [t["text"] for t in doc["transcript"] if t.get("data")]
    assert data == crlf_form(DATA).decode().split("\r\n")[:-1], data
