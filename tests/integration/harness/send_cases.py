"""What a case file under send_cases/ imports: everything harness.cases gives
(steps, T, DEADLINE, CA) plus a scripted mail server and the send argv bits.

A send case file defines what an ehlo case does (SCRIPT, ARGS, EXIT,
MAX_SECONDS, STAGE, MUST_RECEIVE...), and optionally:
  DATA              bytes written to a file; "{data}" in ARGS is its path
  ENV               extra environment for smtpkit
  NO_MESSAGE        True: no message byte on the wire (no BDAT, no 354-then-data;
                    a pipelined DATA line alone is allowed: say MUST_NOT_RECEIVE)
  NO_CONNECTION     True: smtpkit never connected
  STDERR            substrings stderr must contain
  CHECK(r, srv)     more asserts on the human run
  JSON_CHECK(doc, srv)  more asserts on the --json run
"""
from .cases import *             # noqa: F401,F403
from .cases import __all__ as _cases_all
from .scripted import ScriptedServer  # noqa: F401

# A word that appears in the message and nowhere else: finding it on the wire
# means message bytes were sent.
MARKER = "BODY-MARKER-q7Zk"
SENDER = "sender@example.org"
RCPT1 = "rcpt1@example.net"
RCPT2 = "rcpt2@example.net"
# The usual command line: one recipient, a composed message carrying MARKER.
BASE = ["send", "-s", "{server}", "--from", SENDER, *T]
ONE = [*BASE, "--to", RCPT1, "--body", MARKER]
TWO = [*BASE, "--to", RCPT1, "--to", RCPT2, "--body", MARKER]

EHLO_PIPELINING = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                   b"250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
EHLO_NO_PIPELINING = (b"250-mx.scripted.test\r\n250-SIZE 10240000\r\n"
                      b"250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
EHLO_CHUNKING = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                 b"250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 8BITMIME\r\n")

OK_MAIL = b"250 2.1.0 Ok\r\n"
OK_RCPT = b"250 2.1.5 Ok\r\n"
GO_AHEAD = b"354 End data with <CR><LF>.<CR><LF>\r\n"
QUEUED = b"250 2.0.0 Ok: queued as ABC123\r\n"
NO_RCPT = b"554 5.5.1 Error: no valid recipients\r\n"


def mail_rules(mail=OK_MAIL, rcpt=OK_RCPT, data=GO_AHEAD, final=QUEUED, bdat=None,
               rset=b"250 2.0.0 Ok\r\n"):
    """serve() rules for a mail transaction.

    mail, rset: bytes or steps.  rcpt: bytes or steps, or a list with one
    entry per RCPT in order.  data: the reply to DATA; when it is a 354 the
    message is read (read_data) and FINAL answers it.  A server behaves as
    RFC 2920 3.1 asks: DATA after no accepted recipient gets 554.  bdat: the
    reply to BDAT after its octets are read (default FINAL)."""
    state = {"rcpt": 0, "accepted": 0}

    def on_rcpt(srv):
        i = state["rcpt"]
        state["rcpt"] += 1
        resp = rcpt[min(i, len(rcpt) - 1)] if isinstance(rcpt, list) and rcpt and \
            not isinstance(rcpt[0], tuple) else rcpt
        if isinstance(resp, bytes) and resp[:1] == b"2":
            state["accepted"] += 1
        return resp

    def on_data(srv):
        if state["rcpt"] and not state["accepted"]:
            return NO_RCPT
        if isinstance(data, bytes) and data.startswith(b"354"):
            return [send(data), read_data()] + ([send(final)] if isinstance(final, bytes) else final)
        return data

    def on_bdat(srv):
        resp = final if bdat is None else bdat
        return [read_bdat()] + ([send(resp)] if isinstance(resp, bytes) else resp)

    return [(b"MAIL", mail), (b"RCPT", on_rcpt), (b"DATA", on_data), (b"BDAT", on_bdat),
            (b"RSET", rset)]


def mail_session(ehlo=EHLO_PIPELINING, **kw):
    """Greeting, EHLO, and a mail transaction answered by mail_rules(**kw)."""
    return [send(GREETING), serve([(b"EHLO", ehlo), *mail_rules(**kw)])]


def commands(srv):
    """The command lines the server read, in order (message lines read by
    read_data are not among them)."""
    return [line for _, line in srv.lines]


__all__ = list(_cases_all) + [
    "MARKER", "SENDER", "RCPT1", "RCPT2", "BASE", "ONE", "TWO",
    "EHLO_PIPELINING", "EHLO_NO_PIPELINING", "EHLO_CHUNKING",
    "OK_MAIL", "OK_RCPT", "GO_AHEAD", "QUEUED", "NO_RCPT",
    "mail_rules", "mail_session", "commands",
]
