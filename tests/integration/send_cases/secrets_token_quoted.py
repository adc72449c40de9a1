"""XOAUTH2: the server's refusal quotes the token and the initial response
that carried it.  Exit 77; neither is printed anywhere (SPEC 10.11)."""
import base64
import json

from harness.send_cases import *

MARK = "<secret hidden; --show-secrets shows it>"
TOKEN = "ya29.tok-3x4mpl3-Qq"
INITIAL = base64.b64encode(("user=u@example.test\x01auth=Bearer %s\x01\x01" % TOKEN).encode())
REFUSAL = (b"535-5.7.8 " + INITIAL + b"\r\n"
           b"535 5.7.8 token " + TOKEN.encode() + b" expired\r\n")
SCRIPT = clear_auth_session("XOAUTH2", (b"AUTH XOAUTH2", REFUSAL))
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "XOAUTH2",
        "--oauth-token-command", "echo " + TOKEN]
EXIT = 77
CAUSE = "auth"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"AUTH XOAUTH2 " + INITIAL]
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["server said: 535 5.7.8 token " + MARK + " expired"]


def CHECK(r, srv):
    for s in (TOKEN, INITIAL.decode()):
        assert s not in r.out and s not in r.err, "secret %r printed" % s


def JSON_CHECK(doc, srv):
    text = json.dumps(doc)
    for s in (TOKEN, INITIAL.decode()):
        assert s not in text, "secret %r in JSON" % s
