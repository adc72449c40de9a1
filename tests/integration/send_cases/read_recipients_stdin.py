"""send -t without --data reads the message from standard input, as
sendmail -t does: recipients from its To/Cc/Bcc, the Bcc header removed,
and the message on the wire is the one given on stdin."""
from harness.send_cases import *

STDIN = ("From: %s\nTo: %s\nBcc: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
         "Message-ID: <stdin@smtpkit.test>\nSubject: stdin\n\n%s\n" % (SENDER, RCPT1, RCPT2, MARKER)).encode()
SCRIPT = mail_session()
ARGS = ["send", "-s", "{server}", *T, "-t"]
EXIT = 0
MAX_SECONDS = DEADLINE
MUST_RECEIVE = [b"MAIL FROM:<%s>" % SENDER.encode(), b"RCPT TO:<%s>" % RCPT1.encode(),
                b"RCPT TO:<%s>" % RCPT2.encode()]


def CHECK(r, srv):
    assert len(srv.messages) == 1, srv.messages
    expected = data_form(STDIN.replace(b"Bcc: %s\n" % RCPT2.encode(), b""))
    assert srv.messages[0] == expected, srv.messages[0]


def JSON_CHECK(doc, srv):
    CHECK(None, srv)
    assert doc["envelope"]["recipients"] == [RCPT1, RCPT2], doc["envelope"]
