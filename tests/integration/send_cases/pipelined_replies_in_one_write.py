"""PIPELINING: the server reads MAIL, RCPT and DATA, then answers all three
in one write.  The replies queue up legitimately -- each answers a command
already sent -- so strictness about unasked bytes must not fire: delivered."""
from harness.send_cases import *

SCRIPT = mail_session(mail=[expect(b"RCPT"), expect(b"DATA"), send(OK_MAIL + OK_RCPT + GO_AHEAD),
                            read_data(), send(QUEUED)])
ARGS = ONE
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]
