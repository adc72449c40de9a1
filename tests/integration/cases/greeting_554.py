"""554 greeting: permanent refusal (69); the client says QUIT, nothing else."""
from harness.cases import *

SCRIPT = [send(b"554 5.7.1 mx.scripted.test no SMTP service here\r\n"), serve([])]
ARGS = ["ehlo", "{server}", *T]
EXIT = 69
CAUSE = "reply-permanent"
STAGE = "greeting"
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.plain == b"QUIT\r\n", "client sent other than QUIT: %r" % srv.plain
    assert "554" in r.err
