"""Greeting dripped one byte per 0.5 s forever: every byte arrives before any
per-read timeout, so only a deadline for the whole step ends it (invariant 7)."""
from harness.cases import *

SCRIPT = [send(b"220 "), drip(b"slowly.example ", 0.5, forever=True)]
ARGS = ["ehlo", "{server}", *T]
EXIT = 75
CAUSE = "timeout"
STAGE = "greeting"
MAX_SECONDS = 2 + 2.0
MUST_NOT_RECEIVE = [b"EHLO", b"MAIL"]
