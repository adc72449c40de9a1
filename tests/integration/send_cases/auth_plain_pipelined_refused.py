"""AUTH PLAIN refused (535) with MAIL, RCPT and DATA already written behind
it: exit 77, and no message byte reaches the server (the data waits for
354, and BDAT is never queued behind AUTH)."""
from harness.send_cases import *

EHLO_AUTH = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
             b"250 AUTH PLAIN LOGIN\r\n")
SCRIPT = [send(GREETING), serve([(b"EHLO", EHLO_AUTH),
                                 (b"AUTH", b"535 5.7.8 Authentication credentials invalid\r\n"),
                                 (b"MAIL", b"530 5.7.0 Authentication required\r\n"),
                                 (b"RCPT", b"503 5.5.1 need MAIL\r\n"),
                                 (b"DATA", b"503 5.5.1 need RCPT\r\n")])]
ARGS = [*ONE, "--tls", "none", "--user", "u", "--auth", "PLAIN"]
ENV = {"SMTPKIT_PASSWORD": "wrong"}
EXIT = 77
CAUSE = "auth"
MAX_SECONDS = DEADLINE
NO_MESSAGE = True
STAGE = ["auth"]
STDERR = ["535 5.7.8"]


def CHECK(r, srv):
    verbs = [c.split()[0].upper() for c in commands(srv)]
    assert b"BDAT" not in verbs, verbs
