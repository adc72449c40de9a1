"""Credentials given, the server offers AUTH but no STARTTLS (stripped):
refuse to authenticate in the clear (69, invariant 4); no AUTH, no MAIL."""
from harness.send_cases import *

EHLO_CLEAR = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n"
              b"250 8BITMIME\r\n")
SCRIPT = [send(GREETING), serve([(b"EHLO", EHLO_CLEAR), (b"AUTH", b"235 2.7.0 ok\r\n"),
                                 *mail_rules()])]
ARGS = [*ONE, "--user", "alice"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 69
CAUSE = "unsupported"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"AUTH", b"MAIL", b"STARTTLS"]


def CHECK(r, srv):
    assert b"s3cret-pw" not in srv.plain and b"czNjcmV0LXB3" not in srv.plain
