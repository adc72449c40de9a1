"""A scripted STARTTLS front end before a real TLS server (openssl s_server
or gnutls-serv on its own ephemeral port), so that tls-check's ClientHellos
meet a real TLS stack configured per case.  The front end greets, answers
EHLO with STARTTLS, and after its 220 relays bytes both ways untouched.

    srv = OpensslFront(pki, cert="rsa", cipher="AES128-SHA:...",
                       ciphersuites="TLS_AES_128_GCM_SHA256", groups="X25519",
                       versions=("-tls1_2",), extra=["-serverpref"])
    ... srv.hostport ...; srv.connections; srv.stop()

limit=N: connections after the Nth get "421 4.7.0 too many connections"
(a rate-limiting MX), or with limit_close=True are closed at once.  In the clear, MAIL gets mail_reply and RSET 250;
.connections[i]["commands"] lists the lines each connection sent in the
clear.  Everything started is stopped by stop() (the TLS
server by its PID)."""
import select
import socket
import subprocess
import threading
import time

from .accept_loop import AcceptLoop
from .aiosmtpd_server import free_port

__all__ = ["OpensslFront", "clear_text_until_starttls"]


def clear_text_until_starttls(sock, rec, name, mail_reply=b"250 2.0.0 Ok"):
    """The front end's SMTP in the clear: greet as NAME, offer STARTTLS,
    answer MAIL with MAIL_REPLY, until STARTTLS is answered 220.  Each line
    goes to rec["commands"].  Returns what was pipelined behind STARTTLS
    (RFC 3207 4.2: discarded; tls-check's injection test NOOP), or None
    when the client left or quit."""
    sock.sendall(b"220 %s ESMTP front\r\n" % name)
    buf = b""
    while True:
        while b"\n" not in buf:
            data = sock.recv(4096)
            if not data:
                return None
            buf += data
        line, buf = buf.split(b"\n", 1)
        rec["commands"].append(line.strip())
        verb = line.strip().upper()
        if verb.startswith(b"EHLO"):
            sock.sendall(b"250-%s\r\n250 STARTTLS\r\n" % name)
        elif verb == b"STARTTLS":
            sock.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            return buf
        elif verb.startswith(b"MAIL FROM:"):
            sock.sendall(mail_reply + b"\r\n")
        elif verb.startswith((b"RSET", b"NOOP", b"HELO")):
            sock.sendall(b"250 2.0.0 Ok\r\n")
        elif verb == b"QUIT":
            sock.sendall(b"221 2.0.0 Bye\r\n")
            return None
        else:
            sock.sendall(b"500 5.5.2 unrecognized command\r\n")


class OpensslFront(AcceptLoop):
    BACKLOG = 64

    def __init__(self, pki, cert="good", cipher="ALL:@SECLEVEL=0", ciphersuites=None, groups=None,
                 versions=(), extra=(), limit=None, dhparam=None, pair=None,
                 mail_reply=b"250 2.1.0 Ok", limit_close=False):
        """pair=(certfile, keyfile) instead of a PKI leaf; mail_reply: the
        answer to MAIL in the clear (b"530 5.7.0 ..." for mandatory TLS)."""
        self.backend_port = free_port()
        # -rev: inside TLS, lines come back reversed: an SMTP client sees a
        # malformed reply at once instead of waiting for one.
        cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{self.backend_port}", "-quiet", "-rev",
               "-cert", pair[0] if pair else pki[cert].cert, "-key", pair[1] if pair else pki[cert].key,
               "-cipher", cipher]
        if ciphersuites is not None:
            cmd += ["-ciphersuites", ciphersuites]
        if groups:
            cmd += ["-groups", groups]
        if dhparam:
            cmd += ["-dhparam", dhparam]
        cmd += list(versions) + list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.backend_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.limit = limit
        self.mail_reply = mail_reply
        self.limit_close = limit_close
        self.connections = []
        self.lock2 = threading.Lock()
        super().__init__("127.0.0.1")

    def handle(self, sock, peer):
        rec = {"commands": [], "relayed": 0, "refused": False}
        with self.lock2:
            self.connections.append(rec)
            n = len(self.connections)
        sock.settimeout(10)
        if self.limit is not None and n > self.limit:
            rec["refused"] = True
            if not self.limit_close:
                sock.sendall(b"421 4.7.0 mx.front.test too many connections, try later\r\n")
            return
        if clear_text_until_starttls(sock, rec, b"mx.front.test", self.mail_reply) is not None:
            self._relay(sock, rec)

    def _relay(self, sock, rec):
        back = socket.create_connection(("127.0.0.1", self.backend_port), timeout=10)
        try:
            socks = [sock, back]
            while True:
                r, _, _ = select.select(socks, [], [], 10)
                if not r:
                    return
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (back if s is sock else sock).sendall(data)
                    rec["relayed"] += len(data)
        except OSError:
            return
        finally:
            back.close()

    def stop(self, timeout=2):
        super().stop(timeout=timeout)
        self.proc.kill()
        self.proc.wait()
