"""A composed message (--body) whose text has ".", "..", ".foo" lines and no
final newline: stuffed on the wire, ending with exactly one CRLF.CRLF."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*BASE, "--to", RCPT1, "--body", ".\n..\n.foo\n" + MARKER + "\n.\nend"]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert len(srv.messages) == 1
    m = srv.messages[0]
    body = m.split(b"\r\n\r\n", 1)[1]
    assert body == b"..\r\n...\r\n..foo\r\n" + MARKER.encode() + b"\r\n..\r\nend\r\n.\r\n", body
    assert m.count(b"\n") == m.count(b"\r\n") and m.count(b"\r") == m.count(b"\r\n")
