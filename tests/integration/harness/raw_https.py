"""An HTTPS server that answers with exact bytes, for MTA-STS policy fetches
whose framing http.server will not produce (a body without a final line
ending, chunked bodies with bare-LF lines, oversized responses).

    srv = RawHTTPS(pair, {"mta-sts.a.test": b"HTTP/1.1 200 OK\\r\\n..."})
    run(..., env=srv.env)         # SMTPKIT_HTTPS_PORT=<port>
    srv.requests                  # [(host, request bytes)]
    srv.stop()

Each connection: TLS handshake with certificate PAIR, read the request head
(up to the blank line), look the Host header up in the responses, write the
bytes in one go and close (Connection: close semantics: the end of the
response is the end of the connection).  Unknown hosts get a 404.  Listens on
127.0.0.1 only; stop() ends the accept thread and every connection (AcceptLoop)."""
import ssl

from .accept_loop import AcceptLoop

__all__ = ["RawHTTPS", "http_response"]


def http_response(body, status="200 OK", headers=None, length=True):
    """A Connection: close response; LENGTH adds a Content-Length."""
    head = ["HTTP/1.1 %s" % status, "Content-Type: text/plain", "Connection: close"]
    if length:
        head.append("Content-Length: %d" % len(body))
    head += list(headers or [])
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class RawHTTPS(AcceptLoop):
    def __init__(self, pair, responses):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pair.cert, pair.key)
        self.responses = {h.lower(): r for h, r in responses.items()}
        self.requests = []
        super().__init__("127.0.0.1")
        self.env = {"SMTPKIT_HTTPS_PORT": str(self.port)}

    def handle(self, raw, peer):
        raw.settimeout(10)
        try:
            tls = self.track(self.ctx.wrap_socket(raw, server_side=True))
        except (OSError, ssl.SSLError) as e:
            with self.lock:
                self.errors.append("handshake: %s" % e)
            raw.close()
            return
        try:
            req = b""
            while b"\r\n\r\n" not in req and len(req) < 65536 and not self._stop.is_set():
                chunk = tls.recv(4096)
                if not chunk:
                    break
                req += chunk
            host = b""
            for line in req.split(b"\r\n")[1:]:
                if line.lower().startswith(b"host:"):
                    host = line.split(b":", 1)[1].strip().split(b":")[0].lower()
            with self.lock:
                self.requests.append((host.decode(errors="replace"), req))
            resp = self.responses.get(host.decode(errors="replace"),
                                      http_response(b"not found\n", "404 Not Found"))
            hold = 0
            if isinstance(resp, tuple):     # (bytes, seconds to keep the connection open)
                resp, hold = resp
            tls.sendall(resp)
            if hold:
                self._stop.wait(hold)
            tls.settimeout(2)
            try:
                tls.unwrap()            # close_notify: a clean end of the response
            except (OSError, ssl.SSLError, ValueError):
                pass
        except (OSError, ssl.SSLError) as e:
            with self.lock:
                self.errors.append("serve: %s" % e)
        finally:
            try:
                tls.close()
            except OSError:
                pass
