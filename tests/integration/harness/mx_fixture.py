"""Pieces for `mx` and direct-delivery tests: a certificate for MX and
mta-sts host names, an HTTPS server for MTA-STS policies (RFC 8461 3.3),
and aiosmtpd on a chosen loopback address and port (MX hosts share the
port given with -p, so they differ by address: 127.0.0.1, 127.0.0.2, ...).
Everything listens on 127.0.0.0/8 only and is stopped by its owner."""
import http.server
import socket
import ssl
import threading

from aiosmtpd.controller import Controller

from .certs import LEAF_COMMON, Pair, _issue

__all__ = ["names_leaf", "PolicyServer", "AioAt", "port_free_on", "common_port"]


def names_leaf(pki, tag, names):
    """A leaf issued by the test CA for the DNS NAMES (pki.dir holds the CA key)."""
    d = pki.dir
    tmpl = 'cn = "%s"\n%sexpiration_days = 365\n' % (
        names[0], "".join('dns_name = "%s"\n' % n for n in names))
    key, crt = _issue(d, "names-" + tag, tmpl + LEAF_COMMON, d / "ca.pem", d / "ca.key")
    return Pair(str(crt), str(key))


class _PolicyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        srv = self.server
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        with srv.lock:
            srv.requests.append((host, self.path))
        status, body = srv.policies.get((host, self.path), (404, "not found\n"))
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class PolicyServer:
    """HTTPS on 127.0.0.1:PORT with certificate PAIR, answering
    GET /.well-known/mta-sts.txt per Host header: policies maps a host name
    to a policy body (str: 200) or (status, body).  .requests lists
    (host, path) received; .env is the environment smtpkit needs to use it."""

    PATH = "/.well-known/mta-sts.txt"

    def __init__(self, pair, policies):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair.cert, pair.key)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PolicyHandler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.policies = {}
        for host, p in policies.items():
            self.httpd.policies[(host.lower(), self.PATH)] = p if isinstance(p, tuple) else (200, p)
        self.httpd.requests = []
        self.httpd.lock = threading.Lock()
        self.port = self.httpd.server_address[1]
        self.env = {"SMTPKIT_HTTPS_PORT": str(self.port)}
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return list(self.httpd.requests)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def port_free_on(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def common_port(hosts, tries=50):
    """A TCP port free on every one of HOSTS (loopback addresses)."""
    for _ in range(tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        if all(port_free_on(h, port) for h in hosts):
            return port
    raise RuntimeError("no port free on all of %s" % (hosts,))


class _Recorder:
    def __init__(self, reply):
        self.messages = []
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return self.reply or "250 2.0.0 OK queued as AT%d" % len(self.messages)


class AioAt:
    """aiosmtpd with STARTTLS (certificate PAIR) on HOST:PORT.  .messages are
    the envelopes it accepted (mail_from, rcpt_tos, content)."""

    def __init__(self, pair, host, port, data_reply=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair.cert, pair.key)
        self.handler = _Recorder(data_reply)
        self.host, self.port = host, port
        self.controller = Controller(self.handler, hostname=host, port=port, tls_context=ctx,
                                     server_hostname="aio.%s" % host)
        self.controller.start()

    @property
    def messages(self):
        return self.handler.messages

    def stop(self):
        self.controller.stop()
