"""--allow-partial, both recipients refused, and the server still answers
the pipelined DATA with 354: the client must end the data at once with the
dot alone (no message byte), and the final refusal makes it 67."""
from harness.send_cases import *


def rules():
    r = mail_rules(rcpt=[b"550 5.1.1 no\r\n", b"550 5.1.1 no\r\n"])
    # This server answers 354 whatever the recipients were.
    data = [send(GO_AHEAD), read_data(), send(NO_RCPT)]
    return [(p, data if p == b"DATA" else v) for p, v in r]


SCRIPT = [send(GREETING), serve([(b"EHLO", EHLO_PIPELINING), *rules()])]
ARGS = [*TWO, "--allow-partial"]
EXIT = 67
CAUSE = "recipients-refused"
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert srv.messages == [b".\r\n"], "expected the dot alone, got %r" % srv.messages
