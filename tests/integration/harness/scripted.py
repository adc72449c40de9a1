"""A scripted SMTP server on a loopback ephemeral port, for exact behaviour and
faults that no real server produces on demand.

A script is a list of steps (made by the functions below) run against the
first connection.  Every byte the server receives is recorded, in order, as
(tls, bytes) chunks -- decrypted bytes when inside TLS -- so a test can assert
what the client sent, not only what it printed.  Where the client strays
from the script (a line no expect() or serve() rule takes, bytes ahead of a
TLS handshake), .errors says so.
"""
import select
import socket
import ssl
import struct
import time

from .accept_loop import AcceptLoop

__all__ = ["send", "send_parts", "expect", "sleep", "drip", "close", "reset",
           "starttls", "serve", "wait_eof", "flood", "read_data", "read_bdat", "mark",
           "pause",
           "ScriptedServer",
           "GREETING", "EHLO_PLAIN", "EHLO_STARTTLS", "EHLO_AFTER_TLS",
           "starttls_session", "plain_session"]

STEP_TIMEOUT = 15      # no step of ours waits longer; the client's are ~2 s
DRIP_CAP = 30          # a "forever" drip ends after this long at the latest


# --- steps -----------------------------------------------------------------

def send(data):
    """Write DATA in one send() call."""
    return ("send", data)


def send_parts(parts, gap):
    """Write each of PARTS with GAP seconds between them (separate segments)."""
    return ("send_parts", parts, gap)


def expect(prefix=b""):
    """Read one line; it must start with PREFIX (case-insensitive)."""
    return ("expect", prefix)


def sleep(secs):
    """Say nothing for SECS seconds (still recording what arrives)."""
    return ("sleep", secs)


def drip(data, interval, forever=False):
    """Write DATA one byte every INTERVAL seconds; with FOREVER, repeat until
    the client goes away (or DRIP_CAP seconds)."""
    return ("drip", data, interval, forever)


def flood(line, secs=10):
    """Write LINE over and over, as fast as the client reads, for up to SECS."""
    return ("flood", line, secs)


def close():
    return ("close",)


def reset(drain=True):
    """Close with SO_LINGER 0: the client sees a TCP RST.  With DRAIN, what is
    already on its way is recorded first; without, the reset comes at once."""
    return ("reset", drain)


def starttls(cert="good", pre=b""):
    """Server side of a TLS handshake with the named test certificate; PRE is
    plaintext written just before it (to inject data)."""
    return ("starttls", cert, pre)


def serve(rules):
    """Answer lines until the client leaves: RULES is a list of (prefix,
    response); response is bytes, a list of steps, or a function of the server
    returning either.  QUIT gets 221 and a close unless a rule says otherwise;
    anything unmatched gets 500 and is noted in .errors: the client strayed."""
    return ("serve", rules)


def wait_eof():
    return ("wait_eof",)


def read_data():
    """After a 354: read the message up to and including the line ".\r\n";
    the raw bytes (dot-stuffing and the final dot kept) go to .messages."""
    return ("read_data",)


def read_bdat():
    """After a "BDAT n [LAST]" line: read exactly n octets into .messages."""
    return ("read_bdat",)


def pause(secs):
    """Do nothing at all for SECS seconds, not even read: the client's writes
    back up once the socket buffers are full."""
    return ("pause", secs)


def mark(name):
    """Note what has arrived but is not read yet, as .marks[NAME]: with a
    sleep() before it, shows whether the client waited for our reply."""
    return ("mark", name)


# --- ready-made dialogues ----------------------------------------------------

GREETING = b"220 mx.scripted.test ESMTP scripted\r\n"
EHLO_PLAIN = b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"
EHLO_STARTTLS = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                 b"250-STARTTLS\r\n250 8BITMIME\r\n")
EHLO_AFTER_TLS = (b"250-mx.scripted.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                  b"250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")


def _ehlo_by_layer(srv):
    return EHLO_AFTER_TLS if srv.tls else EHLO_STARTTLS


def starttls_session(cert="good"):
    """A well-behaved server offering STARTTLS with certificate CERT."""
    return [send(GREETING), serve([
        (b"EHLO", _ehlo_by_layer),
        (b"STARTTLS", [send(b"220 2.0.0 Ready to start TLS\r\n"), starttls(cert)]),
    ])]


def plain_session(greeting=GREETING, ehlo=EHLO_PLAIN):
    return [send(greeting), serve([(b"EHLO", ehlo), (b"HELO", b"250 mx.scripted.test\r\n")])]


# --- the server --------------------------------------------------------------

class _Gone(Exception):
    """The connection is over (EOF, reset, or we closed it)."""


class ScriptedServer(AcceptLoop):
    """Runs SCRIPT against the first connection to HOST:PORT (port 0: an
    ephemeral one); a second connection is refused."""
    MAX_CONNECTIONS = 1
    BACKLOG = 4

    def __init__(self, script, pki=None, host="127.0.0.1", port=0):
        self.script, self.pki = script, pki
        self.received = []        # [(tls, bytes)] in arrival order
        self.lines = []           # [(tls, line)] lines read by expect/serve
        self.errors = []          # where the client deviated from the script
        self.events = []          # [(seconds since accept, what)]
        self.messages = []        # message bytes read by read_data/read_bdat
        self.marks = {}           # name -> unread bytes at that point (mark step)
        self.sock = None
        self.tls = False
        self.buf = b""
        self.eof = False
        self._t0 = None
        super().__init__(host, port)

    # -- what the tests look at

    @property
    def connections(self):
        """How many clients connected: 0 or 1 (see AcceptLoop.accepted)."""
        return self.accepted

    @property
    def plain(self):
        return b"".join(d for t, d in self.received if not t)

    @property
    def in_tls(self):
        return b"".join(d for t, d in self.received if t)

    def after_line(self, prefix):
        """Plaintext bytes received after the first line starting with PREFIX
        (None when there is no such line)."""
        data = self.plain
        pos = 0
        for line in data.split(b"\n"):
            pos += len(line) + 1
            if line.upper().startswith(prefix.upper()):
                return data[pos:]
        return None

    def finish(self, timeout=5):
        """Let the script end on its own (the client is gone by now), then force it."""
        return self.stop(timeout)

    def report(self):
        return ("server events: %r\nserver errors: %r\nreceived: %r"
                % (self.events, self.errors, self.received))

    # -- the connection

    def _event(self, what):
        self.events.append((round(time.monotonic() - (self._t0 or time.monotonic()), 3), what))

    def handle(self, sock, peer):
        self.sock = sock
        self._t0 = time.monotonic()
        self._event("accept")
        try:
            self._run(self.script)
            self._event("script done")
            self._pump(STEP_TIMEOUT)    # record whatever else comes, until EOF
        except _Gone:
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass
            self._event("closed")

    def _run(self, steps):
        for step in steps:
            getattr(self, "_do_" + step[0])(*step[1:])

    def _write(self, data):
        try:
            self.sock.settimeout(STEP_TIMEOUT)
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            self._event("write failed: %s" % e)
            raise _Gone()

    def _recv_some(self, timeout):
        """Read what arrives within TIMEOUT; False once the peer is gone."""
        if self.eof:
            return False
        pending = self.tls and self.sock.pending()
        if not pending:
            r, _, _ = select.select([self.sock], [], [], max(0, timeout))
            if not r:
                return True
        try:
            self.sock.settimeout(0.2)
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return True
        except (OSError, ssl.SSLError) as e:
            self._event("read failed: %s" % e)
            data = b""
        if not data:
            self.eof = True
            self._event("eof")
            return False
        self.received.append((self.tls, data))
        self.buf += data
        return True

    def _pump(self, secs):
        """Record incoming bytes for SECS seconds or until EOF/stop."""
        end = time.monotonic() + secs
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            if not self._recv_some(min(left, 0.1)):
                return

    def _readline(self):
        end = time.monotonic() + STEP_TIMEOUT
        while b"\n" not in self.buf:
            if self._stop.is_set() or time.monotonic() > end:
                raise _Gone()
            if not self._recv_some(min(0.1, end - time.monotonic())):
                raise _Gone()
        line, self.buf = self.buf.split(b"\n", 1)
        line += b"\n"
        self.lines.append((self.tls, line))
        return line

    # -- step implementations

    def _do_send(self, data):
        self._write(data)

    def _do_send_parts(self, parts, gap):
        for i, p in enumerate(parts):
            if i:
                time.sleep(gap)
            self._write(p)

    def _do_expect(self, prefix):
        line = self._readline()
        if not line.upper().startswith(prefix.upper()):
            self.errors.append("expected %r, got %r" % (prefix, line))
            raise _Gone()

    def _do_sleep(self, secs):
        self._pump(secs)
        if self.eof:
            raise _Gone()

    def _do_drip(self, data, interval, forever):
        end = time.monotonic() + DRIP_CAP
        while True:
            for b in data:
                self._write(bytes([b]))
                self._pump(interval)
                if self.eof or self._stop.is_set() or time.monotonic() > end:
                    raise _Gone()
            if not forever:
                return

    def _do_flood(self, line, secs):
        chunk = line * max(1, 65536 // len(line))
        end = time.monotonic() + secs
        while time.monotonic() < end and not self._stop.is_set():
            self._write(chunk)
            self._pump(0)
            if self.eof:
                raise _Gone()

    def _do_close(self):
        self._pump(0.05)             # record what is already here first
        self.sock.close()
        self._event("we closed")
        raise _Gone()

    def _do_reset(self, drain=True):
        if drain:
            self._pump(0.05)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()
        self._event("we reset")
        raise _Gone()

    def _do_starttls(self, cert, pre):
        if pre:
            self._write(pre)
        if self.buf:
            self.errors.append("client sent %r before the TLS handshake" % self.buf)
        pair = self.pki[cert]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair.cert, pair.key)
        self._event("tls handshake start")
        raw = self.sock
        raw.settimeout(STEP_TIMEOUT)
        try:
            self.sock = self.track(ctx.wrap_socket(raw, server_side=True))
        except (OSError, ssl.SSLError) as e:
            self._event("tls handshake failed: %s" % e)
            raise _Gone()
        self.tls, self.buf = True, b""
        self._event("tls up: %s" % self.sock.version())

    def _do_read_data(self):
        data, first = b"", len(self.lines)
        while True:
            line = self._readline()
            data += line
            if line == b".\r\n":
                break
        del self.lines[first:]          # message lines are not commands
        self.messages.append(data)
        self._event("message: %d octets" % len(data))

    def _do_read_bdat(self):
        words = self.lines[-1][1].split() if self.lines else []
        n = int(words[1]) if len(words) >= 2 and words[1].isdigit() else 0
        end = time.monotonic() + STEP_TIMEOUT
        while len(self.buf) < n:
            if self._stop.is_set() or time.monotonic() > end:
                raise _Gone()
            if not self._recv_some(min(0.1, end - time.monotonic())):
                raise _Gone()
        self.messages.append(self.buf[:n])
        self.buf = self.buf[n:]
        self._event("bdat: %d octets" % n)

    def _do_pause(self, secs):
        time.sleep(secs)

    def _do_mark(self, name):
        self.marks[name] = self.buf

    def _do_wait_eof(self):
        self._pump(STEP_TIMEOUT)
        raise _Gone()

    def _do_serve(self, rules):
        while True:
            line = self._readline()
            for prefix, resp in list(rules) + [(b"QUIT", [send(b"221 2.0.0 Bye\r\n"), close()])]:
                if line.upper().startswith(prefix.upper()):
                    break
            else:
                self.errors.append("unexpected: %r" % line)
                resp = b"500 5.5.2 unrecognized command\r\n"
            if callable(resp):
                resp = resp(self)
            if isinstance(resp, bytes):
                self._write(resp)
            else:
                self._run(resp)
