"""SCRAM-SHA-256 with the wrong password: the server answers e=invalid-proof
and refuses; 77 and no MAIL."""
from harness.send_cases import *

SCRIPT = auth_session("SCRAM-SHA-256", scram_auth("alice", "right-password"))
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "wrong-password"}
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True


def CHECK(r, srv):
    assert srv.scram.authenticated is False
