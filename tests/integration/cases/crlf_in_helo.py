"""CR/LF in --helo: usage error (64, invariant 5), refused before any
connection, so the injected command can never reach a server."""
from harness.cases import *

SCRIPT = plain_session()
ARGS = ["ehlo", "{server}", "--helo", "a.test\r\nMAIL FROM:<x@y>", *T]
EXIT = 64
CAUSE = "usage"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["--helo contains a control character"]
