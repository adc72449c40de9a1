"""--data with LF line endings and lines ".", "..", ".foo", a would-be
"\n.\n" end of data followed by smuggled commands, and a last line without
newline: the server receives CRLF lines, dot-stuffed, ending in exactly one
CRLF.CRLF -- byte for byte."""
from harness.send_cases import *

DATA = (HEADERS_FIXED % "dots-lf" + "Subject: dots\n\n"
        ".\n..\n.foo\nsmuggle below\n.\nMAIL FROM:<evil@example.com>\nRCPT TO:<victim@example.com>\n"
        "DATA\n" + MARKER + "\n.\nlast line without newline").encode()
SCRIPT = mail_session()
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.messages == [data_form(DATA)], "wire:\n%r\nexpected:\n%r" % (
        srv.messages, data_form(DATA))
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs.count(b"MAIL") == 1 and verbs.count(b"RCPT") == 1, verbs
    assert srv.messages[0].endswith(b"\r\nlast line without newline\r\n.\r\n")
