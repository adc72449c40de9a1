"""Bytes after the complete greeting, before EHLO is written, answer nothing:
read as the reply to EHLO they would be taken for it (here a ready-made
"250", as a server that pre-answers would send).  A protocol violation (76);
EHLO is never sent."""
from harness.cases import *

SCRIPT = plain_session(greeting=GREETING + b"250 mx.scripted.test pre-answered\r\n")
ARGS = ["ehlo", "{server}", *T]
EXIT = 76
CAUSE = "protocol"
STAGE = "ehlo"
MAX_SECONDS = 1.5              # found at once, no deadline waited for
MUST_NOT_RECEIVE = [b"EHLO", b"HELO"]


def CHECK(r, srv):
    assert "before EHLO" in r.err and "250 mx.scripted.test pre-answered" in r.err, r.err


def JSON_CHECK(doc, srv):
    assert doc["error"]["reply"] == "250 mx.scripted.test pre-answered", doc["error"]
