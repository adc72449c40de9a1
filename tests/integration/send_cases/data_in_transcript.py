"""The transcript shows the message as sent: the header block and the
first 20 body lines, dot-stuffed and marked as data (" -| "; JSON entries
dir "C" with "data": true), then "... N more lines"; the server gets the
whole message."""
from harness.send_cases import *

BODY = [".dot-first line"] + ["line %02d %s" % (i, MARKER) for i in range(1, 30)]
DATA = (HEADERS_FIXED % "shown" + "Subject: shown\n\n" + "\n".join(BODY) + "\n").encode()
HEADER_LINES = (HEADERS_FIXED % "shown" + "Subject: shown").split("\n")
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE
# What the transcript must show: every header line, the empty line, 20 body
# lines as on the wire (the first dot doubled).
SHOWN = HEADER_LINES + [""] + [".." + BODY[0][1:]] + BODY[1:20]


def CHECK(r, srv):
    assert srv.messages == [data_form(DATA)], srv.messages
    shown = [l[4:] for l in r.out.splitlines() if l.startswith(" -| ")]
    assert shown == SHOWN, shown
    assert "=== ... 10 more lines of the message not shown (--show-data)" in r.out, r.out
    # Commands keep their own marker, distinct from message lines.
    assert " -> DATA" in r.out and " -> ." in r.out


def JSON_CHECK(doc, srv):
    assert srv.messages == [data_form(DATA)], srv.messages
    data = [t for t in doc["transcript"] if t.get("data")]
    assert all(t["dir"] == "C" and t["data"] is True for t in data)
    assert [t["text"] for t in data] == SHOWN, data
    cmds = [t["text"] for t in doc["transcript"] if t["dir"] == "C" and not t.get("data")]
    assert "DATA" in cmds and "." in cmds, cmds
    assert any("10 more lines" in t["text"] for t in doc["transcript"] if t["dir"] == "I")
