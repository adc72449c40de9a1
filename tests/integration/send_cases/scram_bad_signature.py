"""SCRAM-SHA-256 where the server's signature is forged (it does not know the
password): authentication fails on our side (77), no MAIL follows."""
from harness.send_cases import *

SCRIPT = auth_session("SCRAM-SHA-256", scram_auth("alice", "pencil", bad_signature=True))
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "pencil"}
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_RECEIVE_TLS = [b"AUTH SCRAM-SHA-256"]
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT"]
NO_MESSAGE = True
