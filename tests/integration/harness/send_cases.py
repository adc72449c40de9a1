"""What a case file under send_cases/ imports: everything harness.cases gives
(steps, T, DEADLINE, CA) plus a scripted mail server and the send argv bits.
A send case file defines what any case does (see harness/cases.py).
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
    states = {}         # per server: a case's SCRIPT serves several runs

    def on_rcpt(srv):
        state = states.setdefault(srv, {"rcpt": 0, "accepted": 0})
        i = state["rcpt"]
        state["rcpt"] += 1
        resp = rcpt[min(i, len(rcpt) - 1)] if isinstance(rcpt, list) and rcpt and \
            not isinstance(rcpt[0], tuple) else rcpt
        sent = [resp] if isinstance(resp, bytes) else [st[1] for st in resp if st[0] == "send"]
        if any(b[:1] == b"2" for b in sent):
            state["accepted"] += 1
        return resp

    def on_data(srv):
        state = states.setdefault(srv, {"rcpt": 0, "accepted": 0})
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


# --- what the wire must carry, computed here independently of the client -----

HEADERS_FIXED = ("From: %s\nTo: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
                 "Message-ID: <%%s@smtpkit.test>\n" % (SENDER, RCPT1))


def crlf_form(data):
    """DATA with every line ending (LF or CRLF) made CRLF, and a final CRLF
    when the last line has none: what BDAT carries (RFC 3030: no stuffing)."""
    text = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    return text


def data_form(data):
    """What DATA carries for the message DATA: CRLF lines, a dot doubled at
    the start of a line (RFC 5321 4.5.2), then the lone dot line."""
    lines = crlf_form(data)[:-2].split(b"\r\n")
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b".\r\n"


__all__ += ["HEADERS_FIXED", "crlf_form", "data_form"]


# --- SASL on the scripted server ---------------------------------------------

import base64 as _base64

from lib.scram_server import ScramServer, smtp_auth_scram

SCRAM_SALT = b"smtpkit-salt-16b"


def ehlo_with_auth(mechs):
    """EHLO replies: STARTTLS in the clear, AUTH MECHS only inside TLS."""
    inside = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-AUTH " + mechs.encode() +
              b"\r\n250 8BITMIME\r\n")

    def ehlo(srv):
        return inside if srv.tls else (b"250-mx.scripted.test\r\n250-PIPELINING\r\n"
                                       b"250-STARTTLS\r\n250 8BITMIME\r\n")
    return ehlo


def scram_auth(user, password, direct_535=False, **knobs):
    """A serve() response for "AUTH SCRAM-SHA-x [initial]" using
    lib/scram_server.py; the ScramServer is left as srv.scram.  With
    DIRECT_535 a bad proof gets 535 at once (as Dovecot does) instead of an
    e= challenge first."""
    def rule(srv):
        words = srv.lines[-1][1].decode().split()
        mech = words[1].upper()
        initial = words[2] if len(words) > 2 else None
        if initial == "=":
            initial = ""

        def read_line():
            return srv._readline().decode().rstrip("\r\n")

        def write_line(text):
            srv._write(text.encode() + b"\r\n")

        args = dict(mechanism=mech, username=user, password=password, salt=SCRAM_SALT,
                    iterations=4096, **knobs)
        if not direct_535:
            srv.scram = smtp_auth_scram(initial, read_line, write_line, **args)
            return b""
        s = srv.scram = ScramServer(**args)
        if initial is None:
            write_line("334 ")
            initial = read_line()
        first = s.server_first(_base64.b64decode(initial))
        write_line("334 " + _base64.b64encode(first).decode())
        final = s.server_final(_base64.b64decode(read_line()))
        if not s.authenticated:
            write_line("535 5.7.8 Authentication credentials invalid")
            return b""
        write_line("334 " + _base64.b64encode(final).decode())
        read_line()
        write_line("235 2.7.0 Authentication successful")
        return b""
    return rule


def auth_session(mechs, auth, **kw):
    """STARTTLS (good certificate), AUTH MECHS inside TLS answered by AUTH
    (a serve() response), then a mail transaction."""
    return [send(GREETING), serve([
        (b"EHLO", ehlo_with_auth(mechs)),
        (b"STARTTLS", [send(b"220 2.0.0 Ready to start TLS\r\n"), starttls("good")]),
        (b"AUTH", auth),
        *mail_rules(**kw),
    ])]


__all__ += ["SCRAM_SALT", "ehlo_with_auth", "scram_auth", "auth_session"]


def clear_auth_session(mechs, *auth_rules, pipelining=False, **kw):
    """No TLS (the client runs with --tls none): EHLO offers AUTH MECHS
    (with PIPELINING when asked, else 8BITMIME), AUTH_RULES (serve() rules)
    answer the exchange, then a mail transaction."""
    ehlo = (b"250-mx.scripted.test\r\n" + (b"250-PIPELINING\r\n" if pipelining else b"250-8BITMIME\r\n")
            + b"250 AUTH " + mechs.encode() + b"\r\n")
    return [send(GREETING), serve([(b"EHLO", ehlo), *auth_rules, *mail_rules(**kw)])]


__all__ += ["clear_auth_session"]
