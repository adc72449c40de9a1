"""A CRAM-MD5 challenge is a nonce: though its base64 decodes to printable
text, the 334's explanation line keeps the general meaning (only AUTH
LOGIN's prompts are shown decoded); delivered (0)."""
from harness.send_cases import *

# RFC 2195 2: "<1896.697170952@postoffice.reston.mci.net>"
CHALLENGE = b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
SCRIPT = clear_auth_session(
    "CRAM-MD5",
    (b"AUTH CRAM-MD5", b"334 " + CHALLENGE + b"\r\n"),
    (b"dS", b"235 2.7.0 Accepted\r\n"),          # base64("u ...")
    pipelining=True)
ARGS = [*ONE, "--tls", "none", "--user", "u", "--auth", "CRAM-MD5"]
ENV = {"SMTPKIT_PASSWORD": "secret"}
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"AUTH CRAM-MD5"]


def CHECK(r, srv):
    lines = r.out.splitlines()
    i = lines.index("<-  334 " + CHALLENGE.decode())
    assert lines[i + 1] == "    = 334 authentication continues; server challenge follows", lines[i:i + 2]
    assert "postoffice" not in r.out


def JSON_CHECK(doc, srv):
    (m,) = [x["meaning"] for x in doc["replies"] if x["code"] == 334]
    assert "postoffice" not in m and "asks" not in m, m
