"""A server whose 535 quotes the credentials: the base64 of the PLAIN initial
response, of the user name and of the password, and the password itself.
Exit 77 as for any refusal, and none of them is printed -- transcript
(human and JSON), the stderr error line, JSON error.reply -- each occurrence
shows as the secret mark instead (SPEC 10.11)."""
import json

from harness.send_cases import *

MARK = "<secret hidden; --show-secrets shows it>"
SECRETS = ["AGFsaWNlAHMzY3JldC1wdw==", "YWxpY2U=", "czNjcmV0LXB3", "s3cret-pw"]
REFUSAL = (b"535-5.7.8 AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw== refused\r\n"
           b"535-5.7.8 user YWxpY2U= password czNjcmV0LXB3\r\n"
           b"535 5.7.8 s3cret-pw is not the password of alice\r\n")
SCRIPT = clear_auth_session("PLAIN", (b"AUTH PLAIN", REFUSAL))
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--auth", "PLAIN"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"AUTH PLAIN AGFsaWNlAHMzY3JldC1wdw=="]
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["server said: 535 5.7.8 " + MARK + " is not the password of alice"]


def CHECK(r, srv):
    for s in SECRETS:
        assert s not in r.out and s not in r.err, "secret %r printed" % s
    assert "<-  535-5.7.8 AUTH PLAIN %s refused" % MARK in r.out, r.out
    assert "<-  535-5.7.8 user %s password %s" % (MARK, MARK) in r.out, r.out
    assert " -> AUTH PLAIN " + MARK in r.out, r.out


def JSON_CHECK(doc, srv):
    text = json.dumps(doc, ensure_ascii=False)
    for s in SECRETS:
        assert s not in text, "secret %r in JSON" % s
    assert doc["error"]["reply"] == "535 5.7.8 " + MARK + " is not the password of alice", doc["error"]
    lines = [t["text"] for t in doc["transcript"] if t["dir"] == "S"]
    assert "535-5.7.8 user %s password %s" % (MARK, MARK) in lines, lines
    replies = [x for x in doc["replies"] if x["code"] == 535]
    assert replies and replies[0]["lines"][1] == "5.7.8 user %s password %s" % (MARK, MARK), replies
