"""SCRAM-SHA-256 (RFC 7677) inside TLS against lib/scram_server.py: the
strongest offered mechanism is chosen, the server is proved to know the
password, and the message is delivered."""
from harness.send_cases import *

SCRIPT = auth_session("PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256", scram_auth("alice", "pencil-256"))
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "pencil-256"}
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE_TLS = [b"AUTH SCRAM-SHA-256", b"MAIL FROM:"]
MUST_NOT_RECEIVE = [b"AUTH PLAIN", b"AUTH LOGIN"]


def CHECK(r, srv):
    assert srv.scram.authenticated and srv.scram.mechanism == "SCRAM-SHA-256"
    assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0]
    assert b"AUTH" not in srv.plain, "AUTH sent before TLS"
    # The transcript hides the AUTH payloads (SPEC 8).
    words = [l for _, l in srv.lines if l.upper().startswith(b"AUTH")][0].split()
    if len(words) > 2:
        assert words[2].decode() not in r.out, "initial response shown without --show-secrets"


def JSON_CHECK(doc, srv):
    assert doc["authenticated"] is True and doc["delivered"] is True
