"""The same dotted message through BDAT: no dot-stuffing (RFC 3030), CRLF
lines, the BDAT count equal to the octets sent, nothing after them but QUIT."""
from harness.send_cases import *

DATA = (HEADERS_FIXED % "dots-bdat" + "Subject: dots\n\n"
        ".\n..\n.foo\n" + MARKER + "\n.\nlast line without newline").encode()
SCRIPT = mail_session(ehlo=EHLO_CHUNKING)
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"DATA"]


def CHECK(r, srv):
    assert srv.messages == [crlf_form(DATA)], "wire:\n%r\nexpected:\n%r" % (
        srv.messages, crlf_form(DATA))
    bdat = [c for c in commands(srv) if c.upper().startswith(b"BDAT")]
    assert bdat == [b"BDAT %d LAST\r\n" % len(crlf_form(DATA))], bdat
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert verbs == [b"EHLO", b"MAIL", b"RCPT", b"BDAT", b"QUIT"], verbs
