"""A fake legacy TLS server, scripted from bytes, for what no server on this
machine speaks any more (Debian's OpenSSL and GnuTLS have SSLv2 and SSLv3
compiled out): after its STARTTLS 220 (or from the first byte with
implicit=True) it reads the client's first record and answers as an old
server would, then waits for the client to hang up.

    srv = LegacyTLS(pki, ssl3=[0x0005, 0x000A, 0x002F], ssl2=[0x010080])
    ... srv.hostport ...; srv.hellos("ssl3"); srv.stop()

- SSLv3 ClientHello (client_version 0x0300): the first suite of ssl3 (the
  server's order; with client_order=True the client's first suite that is
  in ssl3) that the client offers, in an SSLv3 ServerHello without
  extensions, then Certificate and ServerHelloDone (a reader of the flight
  is done at ServerHelloDone, RFC 6101 5.6); none shared, or ssl3=None:
  a handshake_failure alert.
- SSLv2 CLIENT-HELLO (two-octet header with the high bit set, message 1;
  draft-hickman-netscape-ssl-00): a SERVER-HELLO with the specs of ssl2
  (3 octets each, server order) that the client also lists, and the
  certificate; none shared, or ssl2=None: an SSLv2 ERROR (NO-CIPHER-ERROR).
- A ClientHello for TLS 1.0 or later: the alert tls_alert (default
  protocol_version), so that every other version reads "not offered".

In the clear it answers EHLO with STARTTLS, MAIL, RSET and NOOP with 250,
QUIT with 221.  .connections[i] records "commands" (lines in the clear),
"discarded" (what was pipelined behind STARTTLS, thrown away as RFC 3207
4.2 requires), "hello" (the parsed first record: kind "ssl2", "ssl3",
"tls" or "other", record_version, client_version, suites or specs,
compression, extensions), "answer" ("server_hello", "alert",
"ssl2_server_hello", "ssl2_error"), "chosen" (the suite, or the specs
sent) and "after" (octets the client sent after the answer).  Everything
started is stopped by stop()."""
import base64
import re
import socket
import threading

from .accept_loop import AcceptLoop
from .starttls_front import clear_text_until_starttls

__all__ = ["LegacyTLS"]

SSL3 = 0x0300
SSL2 = 0x0002
HANDSHAKE, ALERT = 22, 21
HANDSHAKE_FAILURE, PROTOCOL_VERSION = 40, 70
SSL2_NO_CIPHER_ERROR = 0x0001


def cert_der(path):
    """The first certificate of a PEM file, in DER."""
    m = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----",
                  open(path).read(), re.S)
    return base64.b64decode("".join(m.group(1).split()))


def u16(b, i):
    return (b[i] << 8) | b[i + 1]


def u24(b, i):
    return (b[i] << 16) | (b[i + 1] << 8) | b[i + 2]


def p16(v):
    return bytes([(v >> 8) & 0xff, v & 0xff])


def p24(v):
    return bytes([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff])


def record(ctype, version, body):
    return bytes([ctype]) + p16(version) + p16(len(body)) + body


def handshake(htype, body):
    return bytes([htype]) + p24(len(body)) + body


class Truncated(Exception):
    pass


def parse_client_hello(data):
    """(hello dict, octets it took) from the first octets the client sent;
    Truncated when more must be read first."""
    if len(data) < 3:
        raise Truncated
    if data[0] & 0x80 and data[2] == 1:
        n = ((data[0] & 0x7f) << 8) | data[1]
        if len(data) < 2 + n:
            raise Truncated
        m = data[2:2 + n]
        specs_len, sid_len, chal_len = u16(m, 3), u16(m, 5), u16(m, 7)
        specs = [u24(m, 9 + i) for i in range(0, specs_len, 3)]
        return {"kind": "ssl2", "record_version": None, "client_version": u16(m, 1), "specs": specs,
                "suites": [], "session_id": sid_len, "challenge": chal_len,
                "extensions": False}, 2 + n
    if data[0] != HANDSHAKE:
        return {"kind": "other", "first": data[:16]}, len(data)
    # Handshake octets across records until the ClientHello is whole.
    hs, pos, rec_version = b"", 0, None
    while True:
        if len(data) - pos < 5:
            raise Truncated
        n = u16(data, pos + 3)
        if len(data) - pos - 5 < n:
            raise Truncated
        if rec_version is None:
            rec_version = u16(data, pos + 1)
        hs += data[pos + 5:pos + 5 + n]
        pos += 5 + n
        if len(hs) >= 4 and len(hs) >= 4 + u24(hs, 1):
            break
    body = hs[4:4 + u24(hs, 1)]
    i = 2 + 32
    i += 1 + body[i]                        # session id
    suites_len = u16(body, i)
    suites = [u16(body, i + 2 + k) for k in range(0, suites_len, 2)]
    i += 2 + suites_len
    compression = list(body[i + 1:i + 1 + body[i]])
    i += 1 + body[i]
    client_version = u16(body, 0)
    return {"kind": "ssl3" if client_version == SSL3 else "tls" if client_version > SSL3 else "other",
            "record_version": rec_version, "client_version": client_version, "suites": suites,
            "specs": [], "compression": compression, "extensions": i < len(body)}, pos


class LegacyTLS(AcceptLoop):
    BACKLOG = 64

    def __init__(self, pki, ssl3=None, ssl2=None, cert="good", tls_alert=PROTOCOL_VERSION,
                 implicit=False, client_order=False):
        """ssl3: the SSLv3 suites (2-octet IANA values) in the server's
        order, None: SSLv3 refused; ssl2: the SSLv2 cipher specs (3-octet
        kinds), None: SSLv2 refused; cert: the PKI leaf sent."""
        self.ssl3 = ssl3
        self.client_order = client_order
        self.ssl2 = ssl2
        self.cert = cert_der(pki[cert].cert)
        self.tls_alert = tls_alert
        self.implicit = implicit
        self.connections = []
        self.lock2 = threading.Lock()
        super().__init__("127.0.0.1")

    def hellos(self, kind):
        """The connections whose first record was a ClientHello of KIND."""
        with self.lock2:
            return [c for c in self.connections if c["hello"] and c["hello"]["kind"] == kind]

    def handle(self, sock, peer):
        rec = {"commands": [], "discarded": b"", "hello": None, "answer": None, "chosen": None,
               "after": 0}
        with self.lock2:
            self.connections.append(rec)
        sock.settimeout(10)
        if self.implicit:
            self._legacy(sock, rec)
            return
        discarded = clear_text_until_starttls(sock, rec, b"legacy.front.test")
        if discarded is not None:
            rec["discarded"] = discarded
            self._legacy(sock, rec)

    def _legacy(self, sock, rec):
        data = b""
        while True:
            try:
                hello, used = parse_client_hello(data)
                break
            except Truncated:
                pass
            got = sock.recv(65536)
            if not got:
                rec["hello"] = {"kind": "none" if not data else "truncated", "first": data[:16]}
                return
            data += got
        rec["hello"] = hello
        rec["after"] = len(data) - used
        if hello["kind"] == "ssl2":
            sock.sendall(self._ssl2_answer(hello, rec))
        elif hello["kind"] == "ssl3":
            sock.sendall(self._ssl3_answer(hello, rec))
        elif hello["kind"] == "tls":
            rec["answer"] = "alert"
            rec["chosen"] = self.tls_alert
            sock.sendall(record(ALERT, SSL3, bytes([2, self.tls_alert])))
        else:
            return
        # The client hangs up once it has read what it asked for.
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    return
                rec["after"] += len(got)
        except (socket.timeout, OSError):
            return

    def _ssl3_answer(self, hello, rec):
        mine = self.ssl3 or []
        if self.client_order:
            chosen = next((s for s in hello["suites"] if s in mine), None)
        else:
            chosen = next((s for s in mine if s in hello["suites"]), None)
        if chosen is None:
            rec["answer"] = "alert"
            rec["chosen"] = HANDSHAKE_FAILURE
            return record(ALERT, SSL3, bytes([2, HANDSHAKE_FAILURE]))
        rec["answer"] = "server_hello"
        rec["chosen"] = chosen
        random = bytes(range(32))
        session_id = bytes(range(100, 132))
        server_hello = handshake(2, p16(SSL3) + random + bytes([len(session_id)]) + session_id
                                 + p16(chosen) + b"\x00")      # null compression, no extensions
        certificate = handshake(11, p24(3 + len(self.cert)) + p24(len(self.cert)) + self.cert)
        done = handshake(14, b"")
        # One message a record, as SSLv3-era servers wrote them.
        return b"".join(record(HANDSHAKE, SSL3, m) for m in (server_hello, certificate, done))

    def _ssl2_answer(self, hello, rec):
        specs = [s for s in (self.ssl2 or []) if s in hello["specs"]]
        if not specs:
            rec["answer"] = "ssl2_error"
            body = b"\x00" + p16(SSL2_NO_CIPHER_ERROR)
        else:
            rec["answer"] = "ssl2_server_hello"
            rec["chosen"] = specs
            connection_id = bytes(range(16))
            body = (bytes([4, 0, 1]) + p16(SSL2) + p16(len(self.cert)) + p16(3 * len(specs))
                    + p16(len(connection_id)) + self.cert + b"".join(p24(s) for s in specs)
                    + connection_id)
        return bytes([0x80 | (len(body) >> 8), len(body) & 0xff]) + body

    def stop(self, timeout=2):
        return super().stop(timeout=timeout)
