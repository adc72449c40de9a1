"""--data with CRLF endings mixed with bare LFs, "\r\n.\r\n" and "\n.\n"
inside the body: every one becomes a stuffed ".." line; the server sees one
message ending with exactly one CRLF.CRLF and no bare CR or LF."""
from harness.send_cases import *

DATA = ((HEADERS_FIXED % "dots-crlf").replace("\n", "\r\n") + "Subject: dots\r\n\r\n"
        "first\r\n.\r\nQUIT\r\nsecond\n.\nRSET\r\n..\r\n...\r\n. dot space\r\nend\r\n").encode()
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.messages == [data_form(DATA)], "wire:\n%r\nexpected:\n%r" % (
        srv.messages, data_form(DATA))
    m = srv.messages[0]
    assert m.count(b"\r\n.\r\n") == 1 and m.endswith(b"\r\nend\r\n.\r\n")
    assert m.count(b"\n") == m.count(b"\r\n") and m.count(b"\r") == m.count(b"\r\n"), \
        "bare CR or LF on the wire"
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert b"RSET" not in verbs and verbs.count(b"QUIT") == 1, verbs
