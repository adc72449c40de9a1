"""SCRAM-SHA-1 (RFC 5802) chosen over PLAIN when it is the strongest offered;
delivered."""
from harness.send_cases import *

SCRIPT = auth_session("PLAIN SCRAM-SHA-1 LOGIN", scram_auth("alice", "pencil-1"))
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "pencil-1"}
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE_TLS = [b"AUTH SCRAM-SHA-1", b"MAIL FROM:"]


def CHECK(r, srv):
    assert srv.scram.authenticated and srv.scram.mechanism == "SCRAM-SHA-1"
    assert len(srv.messages) == 1


def JSON_CHECK(doc, srv):
    assert doc["authenticated"] is True and doc["delivered"] is True
