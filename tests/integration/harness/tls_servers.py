"""TLS servers for tls-check, which opens many connections at once (one per
TLS version, suite and group): a threaded STARTTLS/implicit SMTP server on
Python's ssl with pinned versions and scripted faults, and gnutls-serv for an
implicit TLS port with an OCSP staple.  Both on 127.0.0.1 ephemeral ports;
everything started here is stopped by stop() (gnutls-serv by its PID).

SMTPTLSServer(pki, cert="good", versions=("TLSv1_2", "TLSv1_3"), ...):
    versions        the range offered: min and max of ssl.TLSVersion names
    ciphers         OpenSSL cipher string for TLS <= 1.2 (None: default)
    starttls=False  EHLO does not offer STARTTLS
    implicit=True   TLS from the first byte (no STARTTLS)
    vulnerable      after the handshake, run commands that arrived in the
                    clear behind STARTTLS (the CVE-2011-0411 bug)
    inject          bytes written right after the 220 to STARTTLS
    greeting_delay  seconds before the greeting (for timing tests)
.connections lists per connection {"received": [(tls, bytes)], "commands":
[(tls, line)], "tls_version": str or None}; stop() ends every connection.
"""
import os
import select
import socket
import ssl
import subprocess
import time

from .accept_loop import AcceptLoop
from .aiosmtpd_server import free_port

__all__ = ["SMTPTLSServer", "GnutlsServ", "ocsp_response"]

EHLO_LINES = [b"mx.tls.test", b"PIPELINING", b"SIZE 10240000", b"8BITMIME"]


class SMTPTLSServer(AcceptLoop):
    BACKLOG = 64

    def __init__(self, pki, cert="good", versions=("TLSv1_2", "TLSv1_3"), ciphers=None,
                 starttls=True, implicit=False, vulnerable=False, inject=b"",
                 greeting_delay=0.0):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        lo, hi = versions
        self.ctx.minimum_version = getattr(ssl.TLSVersion, lo)
        self.ctx.maximum_version = getattr(ssl.TLSVersion, hi)
        # OpenSSL 3 refuses TLS < 1.2 and small keys at its default level.
        self.ctx.set_ciphers(ciphers or "DEFAULT:@SECLEVEL=0")
        self.ctx.load_cert_chain(pki[cert].cert, pki[cert].key)
        self.starttls, self.implicit = starttls, implicit
        self.vulnerable, self.inject, self.greeting_delay = vulnerable, inject, greeting_delay
        self.connections = []
        super().__init__("127.0.0.1")

    # -- what tests look at

    def commands(self, tls=None):
        """Every command line received, over all connections."""
        return [line for c in self.connections for t, line in c["commands"]
                if tls is None or t == tls]

    # -- serving

    def handle(self, sock, peer):
        rec = {"received": [], "commands": [], "tls_version": None}
        with self.lock:
            self.connections.append(rec)
        sock.settimeout(10)
        try:
            if self.implicit:
                sock = self.track(self.ctx.wrap_socket(sock, server_side=True))
                rec["tls_version"] = sock.version()
            self._dialogue(sock, rec, tls=self.implicit)
        except (OSError, ssl.SSLError, ValueError):
            pass        # a client ending a handshake it only probed
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _dialogue(self, sock, rec, tls):
        buf = b""
        if self.greeting_delay:
            time.sleep(self.greeting_delay)
        sock.sendall(b"220 mx.tls.test ESMTP tls-check fixture\r\n")
        while not self._stop.is_set():
            while b"\n" not in buf:
                data = sock.recv(65536)
                if not data:
                    return
                rec["received"].append((tls, data))
                buf += data
            line, buf = buf.split(b"\n", 1)
            rec["commands"].append((tls, line + b"\n"))
            verb = line.strip().upper()
            if verb.startswith(b"EHLO"):
                caps = EHLO_LINES + ([b"STARTTLS"] if self.starttls and not tls else [])
                sock.sendall(b"".join(b"250%s%s\r\n" % (b" " if i == len(caps) - 1 else b"-", c)
                                      for i, c in enumerate(caps)))
            elif verb.startswith(b"HELO"):
                sock.sendall(b"250 mx.tls.test\r\n")
            elif verb == b"STARTTLS" and self.starttls and not tls:
                sock.sendall(b"220 2.0.0 Ready to start TLS\r\n" + self.inject)
                # Whatever the client pipelined behind STARTTLS is read now,
                # in the clear, as a real server's buffered reader would.
                while select.select([sock], [], [], 0.05)[0]:
                    data = sock.recv(65536, socket.MSG_PEEK)
                    if not data or data[:1] in (b"\x16", b"\x80"):  # EOF, or a ClientHello (SSLv2's: 0x80)
                        break
                    data = sock.recv(65536)
                    rec["received"].append((False, data))
                    buf += data
                sock = self.track(self.ctx.wrap_socket(sock, server_side=True))
                rec["tls_version"] = sock.version()
                tls = True
                if not self.vulnerable:
                    buf = b""            # RFC 3207 4.2: discard what came in the clear
                else:
                    # The bug: plaintext already read is run as if it came inside TLS.
                    rec["commands"].append((True, b"(buffered from the clear: %r)\n" % buf))
            elif verb == b"NOOP":
                sock.sendall(b"250 2.0.0 OK\r\n")
            elif verb == b"QUIT":
                sock.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                sock.sendall(b"500 5.5.2 unrecognized command\r\n")


def ocsp_response(pki, leaf="ocsp"):
    """A good OCSP response for the leaf, signed by the test CA (openssl ocsp)."""
    d = pki.dir
    cert = pki[leaf].cert
    serial = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-serial"], check=True,
                            capture_output=True, text=True).stdout.strip().split("=")[1]
    expiry = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() + 365 * 86400))
    index = d / ("%s-ocsp-index.txt" % leaf)
    index.write_text("V\t%s\t\t%s\tunknown\t/CN=localhost\n" % (expiry, serial))
    out = d / ("%s-ocsp.der" % leaf)
    subprocess.run(["openssl", "ocsp", "-index", str(index), "-rsigner", pki.ca,
                    "-rkey", str(d / "ca.key"), "-CA", pki.ca, "-issuer", pki.ca, "-cert", cert,
                    "-respout", str(out), "-ndays", "7"], check=True, capture_output=True, timeout=30)
    return str(out)


class GnutlsServ:
    """gnutls-serv in echo mode: implicit TLS only (no SMTP dialogue, so a
    client's wait for the greeting times out); staples OCSP_RESPONSE."""

    def __init__(self, pki, cert="ocsp", ocsp=None):
        self.port = free_port()
        args = ["gnutls-serv", "--echo", "-p", str(self.port),
                "--x509certfile", pki[cert].cert, "--x509keyfile", pki[cert].key]
        if ocsp:
            args += ["--ocsp-response", ocsp]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.hostport = "127.0.0.1:%d" % self.port
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gnutls-serv exited: %s" % self.proc.stderr.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gnutls-serv did not listen on %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)       # our child, by PID
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, 9)
                self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()
