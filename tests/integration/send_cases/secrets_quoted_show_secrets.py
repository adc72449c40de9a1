"""The server of secrets_quoted_in_reply, with --show-secrets: what the server
said is shown as it said it, and what smtpkit sent during AUTH too."""
import json

from harness.send_cases import *

REFUSAL = (b"535-5.7.8 AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw== refused\r\n"
           b"535 5.7.8 s3cret-pw is not the password of alice\r\n")
SCRIPT = clear_auth_session("PLAIN", (b"AUTH PLAIN", REFUSAL))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "PLAIN", "--show-secrets"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["server said: 535 5.7.8 s3cret-pw is not the password of alice"]


def CHECK(r, srv):
    assert " -> AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw==" in r.out, r.out
    assert "<-  535-5.7.8 AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw== refused" in r.out, r.out
    assert "hidden" not in r.out + r.err


def JSON_CHECK(doc, srv):
    assert "hidden" not in json.dumps(doc)
    assert doc["error"]["reply"] == "535 5.7.8 s3cret-pw is not the password of alice", doc["error"]
