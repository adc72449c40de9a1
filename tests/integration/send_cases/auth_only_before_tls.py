"""AUTH advertised only in the clear, STARTTLS offered with a good
certificate: the client upgrades, finds no AUTH inside TLS (what it learned
before TLS is forgotten, RFC 3207 4.2) and stops with 69 -- no AUTH, no MAIL,
no password anywhere on the wire."""
from harness.send_cases import *

EHLO_CLEAR = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n"
              b"250-STARTTLS\r\n250 8BITMIME\r\n")


def ehlo(srv):
    return EHLO_PIPELINING if srv.tls else EHLO_CLEAR


SCRIPT = [send(GREETING), serve([
    (b"EHLO", ehlo),
    (b"STARTTLS", [send(b"220 2.0.0 Ready to start TLS\r\n"), starttls("good")]),
    (b"AUTH", b"235 2.7.0 ok\r\n"),
    *mail_rules(),
])]
ARGS = [*ONE, "--user", "alice", *CA]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw"}
EXIT = 69
CAUSE = "unsupported"
STAGE = "ehlo"
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"STARTTLS"]
MUST_RECEIVE_TLS = [b"EHLO"]
MUST_NOT_RECEIVE = [b"AUTH", b"MAIL"]


def CHECK(r, srv):
    for secret in (b"s3cret-pw", b"czNjcmV0LXB3"):     # and base64 of it
        assert secret not in srv.plain + srv.in_tls
    assert "smtpkit: ehlo: the server does not offer AUTH" in r.err.splitlines(), r.err
