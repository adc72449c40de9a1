"""aiosmtpd on 127.0.0.1 with STARTTLS: the quickest real server."""
import socket
import ssl

from aiosmtpd.controller import Controller


def free_port(host="127.0.0.1"):
    # aiosmtpd's Controller probes its own port to know it is up, so it
    # cannot be given port 0: take a free one from the kernel first.
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 2.0.0 OK queued as AIO%d" % len(self.messages)


class AioServer:
    def __init__(self, pki, cert="good", require_starttls=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki[cert].cert, pki[cert].key)
        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     tls_context=ctx, require_starttls=require_starttls,
                                     server_hostname="aiosmtpd.smtpkit.test")
        self.controller.start()
        self.hostport = "127.0.0.1:%d" % self.port

    @property
    def messages(self):
        return self.handler.messages

    def stop(self):
        self.controller.stop()
