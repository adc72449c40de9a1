"""The multi-port fixture for `smtpkit probe`: one scripted server per port,
on the port numbers probe's rules depend on (see netns.py).

  25     plain SMTP, STARTTLS offered, good certificate, no AUTH
  465    implicit TLS, AUTH inside TLS
  587    submission: STARTTLS, AUTH only after TLS; greets under another name
         and has an expired certificate
  2525   AUTH PLAIN offered in clear, no STARTTLS
  quiet  accepts (any number of connections) and never greets (quiet2: another)
  closed nothing listens (closed2: another port)
  relay  plain SMTP that accepts any RCPT: an open relay
  wide   a long greeting and six AUTH mechanisms in clear: cells that wrap

Every server except the relay refuses RCPT with 550, so that --relay-test
sees one open relay among them.  Each records every byte it receives
(ScriptedServer), which is what the tests assert "no MAIL, no DATA" on.
"""
import socket
import ssl
import time

from .accept_loop import AcceptLoop
from .scripted import ScriptedServer, send, serve, sleep, starttls

OUTSIDE = b"550 5.7.1 relaying denied\r\n"
TXN = [(b"MAIL", b"250 2.1.0 Ok\r\n"), (b"RCPT", OUTSIDE), (b"RSET", b"250 2.0.0 Ok\r\n"),
       (b"DATA", b"503 5.5.1 no valid recipients\r\n"), (b"NOOP", b"250 2.0.0 Ok\r\n")]


def _by_layer(before, after):
    return lambda srv: after if srv.tls else before


P25_BEFORE = (b"250-localhost\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
              b"250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n")
P25_AFTER = (b"250-localhost\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
             b"250-CHUNKING\r\n250-SMTPUTF8\r\n250-REQUIRETLS\r\n250 DSN\r\n")
P465_EHLO = b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 0\r\n250 PIPELINING\r\n"
P587_BEFORE = (b"250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n"
               b"250 ENHANCEDSTATUSCODES\r\n")
P587_AFTER = (b"250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
              b"250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 DSN\r\n")
P2525_EHLO = b"250-localhost\r\n250-AUTH PLAIN\r\n250-SIZE 1048576\r\n250 8BITMIME\r\n"
RELAY_EHLO = b"250-localhost\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

STARTTLS_OK = b"220 2.0.0 Ready to start TLS\r\n"


def script_25():
    return [send(b"220 localhost ESMTP port25\r\n"), serve([
        (b"EHLO", _by_layer(P25_BEFORE, P25_AFTER)),
        (b"STARTTLS", [send(STARTTLS_OK), starttls("good")]),
        *TXN])]


def script_465():
    return [starttls("good"), send(b"220 localhost ESMTP port465\r\n"),
            serve([(b"EHLO", P465_EHLO), *TXN])]


def script_587():
    return [send(b"220 mail.example.test ESMTP port587\r\n"), serve([
        (b"EHLO", _by_layer(P587_BEFORE, P587_AFTER)),
        (b"STARTTLS", [send(STARTTLS_OK), starttls("expired")]),
        *TXN])]


def script_2525():
    return [send(b"220 localhost ESMTP port2525\r\n"), serve([(b"EHLO", P2525_EHLO), *TXN])]


WIDE_GREETING = b"mx1.mail-relay.example.test ESMTP Postfix (Debian/GNU) ready"
WIDE_AUTH = b"PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER"
WIDE_EHLO = b"250-localhost\r\n250-AUTH " + WIDE_AUTH + b"\r\n250 8BITMIME\r\n"


def script_wide():
    """Cells wider than the table's column: a long greeting, many AUTH
    mechanisms (in clear, no STARTTLS)."""
    return [send(b"220 " + WIDE_GREETING + b"\r\n"), serve([(b"EHLO", WIDE_EHLO), *TXN])]


def script_quiet():
    return [sleep(30)]


def script_relay():
    return [send(b"220 localhost ESMTP relay\r\n"), serve([
        (b"EHLO", RELAY_EHLO),
        (b"MAIL", b"250 2.1.0 Ok\r\n"), (b"RCPT", b"250 2.1.5 Ok\r\n"),
        (b"RSET", b"250 2.0.0 Ok\r\n"), (b"DATA", b"354 go ahead\r\n")])]


def closed_port(host="127.0.0.1"):
    """A port nobody listens on (free a moment ago)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ProbeFixture:
    """Starts the servers (inside NS, see netns.py).  .servers maps a role
    ("25", "465", "587", "2525", "quiet", "relay") to its server; .ports maps
    every role, "closed" too, to its port number."""

    ROLES = {"25": (25, script_25), "465": (465, script_465), "587": (587, script_587),
             "2525": (2525, script_2525), "quiet": (0, script_quiet), "quiet2": (0, script_quiet),
             "relay": (0, script_relay), "wide": (0, script_wide)}

    def __init__(self, ns, pki, roles=None):
        self.ns, self.servers, self.ports = ns, {}, {}
        roles = roles or ["25", "465", "587", "2525", "quiet", "closed", "relay"]
        try:
            for role in roles:
                if role.startswith("closed"):
                    self.ports[role] = ns.call(closed_port)
                    continue
                port, script = self.ROLES[role]
                if script is script_quiet:       # probe may connect twice (TLS first)
                    srv = ns.call(MultiServer, "silent", host="127.0.0.1", port=port)
                else:
                    srv = ns.call(ScriptedServer, script(), pki, "127.0.0.1", port)
                self.servers[role], self.ports[role] = srv, srv.port
        except Exception:
            self.stop()
            raise
        self.roles = roles

    def portlist(self, roles=None):
        return ",".join(str(self.ports[r]) for r in (roles or self.roles))

    def stop(self, timeout=0):
        for srv in self.servers.values():
            srv.finish(timeout=timeout)


class MultiServer(AcceptLoop):
    """A port that takes any number of connections (probe may connect twice:
    plain, then TLS first), each handled by ROLE on its own thread:
      "silent"     accept, record, never send;
      "tls-first"  TLS handshake with certificate CERT, then a greeting and
                   EHLO/QUIT (RCPT refused with 550);
      "slow-plain" plain SMTP greeting after 0.5 s, then EHLO/QUIT in clear.
    .conns lists, per connection, {"tls": handshake done, "received": bytes}."""
    BACKLOG = 8

    def __init__(self, role, pki=None, cert="good", host="127.0.0.1", port=0):
        self.role, self.pki, self.cert = role, pki, cert
        self.conns = []
        super().__init__(host, port)

    def _read(self, sock, rec):
        data = sock.recv(65536)
        rec["received"] += data
        return data

    def handle(self, sock, peer):
        rec = {"tls": False, "received": b""}
        with self.lock:
            self.conns.append(rec)
        sock.settimeout(0.2)
        try:
            if self.role == "tls-first":
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(self.pki[self.cert].cert, self.pki[self.cert].key)
                sock.settimeout(15)
                sock = self.track(ctx.wrap_socket(sock, server_side=True))
                sock.settimeout(0.2)
                rec["tls"] = True
                sock.sendall(b"220 localhost ESMTP tls-first\r\n")
            elif self.role == "slow-plain":
                time.sleep(0.5)
                sock.sendall(b"220 localhost ESMTP slow-plain\r\n")
            buf = b""
            while not self._stop.is_set():
                try:
                    data = self._read(sock, rec)
                except socket.timeout:
                    continue
                if not data:
                    return
                buf += data
                while self.role in ("tls-first", "slow-plain") and b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    verb = line.split(b" ")[0].split(b":")[0].strip().upper()
                    reply = {b"EHLO": b"250-localhost\r\n250-AUTH PLAIN\r\n250 SIZE 1000\r\n",
                             b"MAIL": b"250 2.1.0 Ok\r\n", b"RCPT": OUTSIDE, b"RSET": b"250 2.0.0 Ok\r\n",
                             b"QUIT": b"221 2.0.0 Bye\r\n"}.get(verb, b"500 5.5.2 what?\r\n")
                    sock.sendall(reply)
                    if verb == b"QUIT":
                        return
        except (OSError, ssl.SSLError) as e:
            with self.lock:
                self.errors.append(repr(e))
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def finish(self, timeout=5):
        """Let the connections end on their own within TIMEOUT, then stop."""
        return self.stop(timeout)
