"""AUTH LOGIN's challenges are base64 prompts: the explanation line of a
334 shows the prompt decoded ("Username:"), escaped, when it is printable
ASCII; a prompt that decodes to control bytes gets the general meaning.
The client answers by position either way; delivered (0)."""
from harness.send_cases import *

SCRIPT = clear_auth_session(
    "LOGIN",
    (b"AUTH LOGIN", b"334 VXNlcm5hbWU6\r\n"),       # "Username:"
    (b"dQ==", b"334 UGFzcwF3b3JkOg==\r\n"),         # "Pass\x01word:"
    (b"c2VjcmV0", b"235 2.7.0 Accepted\r\n"),
    pipelining=True)
ARGS = [*ONE, "--tls", "none", "--user", "u", "--auth", "LOGIN"]
ENV = {"SMTPKIT_PASSWORD": "secret"}
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"AUTH LOGIN", b"dQ==", b"c2VjcmV0"]


def CHECK(r, srv):
    lines = r.out.splitlines()
    i = lines.index("<-  334 VXNlcm5hbWU6")
    assert lines[i + 1] == '    = 334 server challenge, AUTH LOGIN asks "Username:" ' \
                           '(base64-decoded; RFC 4954 4)', lines[i:i + 2]
    i = lines.index("<-  334 UGFzcwF3b3JkOg==")
    assert "asks" not in lines[i + 1] and lines[i + 1].startswith("    = 334 "), lines[i:i + 2]
    assert "Pass" not in r.out, r.out


def JSON_CHECK(doc, srv):
    meanings = [x["meaning"] for x in doc["replies"] if x["code"] == 334]
    assert len(meanings) == 2, doc["replies"]
    assert meanings[0] == '334 server challenge, AUTH LOGIN asks "Username:" (base64-decoded; RFC 4954 4)'
    assert "asks" not in meanings[1] and "Pass" not in meanings[1], meanings
