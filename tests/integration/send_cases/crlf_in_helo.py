"""CR/LF in --helo: usage error (64, invariant 5); nothing is sent -- the
client does not even connect."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_PIPELINING[:-len(b"250 8BITMIME\r\n")] + b"250-DSN\r\n250 8BITMIME\r\n")
ARGS = [*ONE, "--helo", "client.example\r\nMAIL FROM:<evil@example.com>"]
EXIT = 64
CAUSE = "usage"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"EHLO"]
