"""Raw 8-bit --data to a server without 8BITMIME: refused with 69 before
MAIL (RFC 6152: not converted)."""
from harness.send_cases import *

DATA = ("From: %s\nTo: %s\nSubject: 8bit\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
        "Message-ID: <8bit@smtpkit.test>\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\nGr\u00fc\u00dfe %s\n" % (SENDER, RCPT1, MARKER)).encode()
SCRIPT = mail_session(ehlo=b"250-mx.scripted.test\r\n250 PIPELINING\r\n")
ARGS = [*BASE, "--data", "{data}", RCPT1]
EXIT = 69
CAUSE = "unsupported"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
