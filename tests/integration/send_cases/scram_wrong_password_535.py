"""SCRAM-SHA-1 with the wrong password, the server answering the proof with
535 at once: 77, the server's reply quoted, no MAIL."""
from harness.send_cases import *

SCRIPT = auth_session("SCRAM-SHA-1", scram_auth("alice", "right-password", direct_535=True))
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "wrong-password"}
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["535"]
