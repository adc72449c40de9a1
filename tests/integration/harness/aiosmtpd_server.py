"""aiosmtpd on 127.0.0.1 with STARTTLS: the quickest real server."""
import socket
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


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


class _RecordingSMTP(SMTP):
    """aiosmtpd's SMTP noting each command it handles as (verb, inside TLS)."""

    def __init__(self, handler, commands, **kw):
        super().__init__(handler, **kw)
        self._commands = commands

    def _note(self, verb):
        self._commands.append((verb, self._tls_protocol is not None))

    async def smtp_EHLO(self, arg):
        self._note("EHLO")
        return await super().smtp_EHLO(arg)

    async def smtp_STARTTLS(self, arg):
        self._note("STARTTLS")
        return await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg):
        self._note("AUTH")
        return await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg):
        self._note("MAIL")
        return await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        self._note("DATA")
        return await super().smtp_DATA(arg)


class _RecordingController(Controller):
    def __init__(self, handler, commands, **kw):
        self._commands = commands
        super().__init__(handler, **kw)

    def factory(self):
        return _RecordingSMTP(self.handler, self._commands, **self.SMTP_kwargs)


class AioServer:
    """.commands lists (verb, inside TLS) for EHLO, STARTTLS, AUTH, MAIL, DATA.
    With AUTHENTICATOR (aiosmtpd's authenticator callable), AUTH is offered;
    auth_require_tls keeps it inside TLS."""

    def __init__(self, pki, cert="good", require_starttls=False, authenticator=None,
                 auth_require_tls=True):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki[cert].cert, pki[cert].key)
        self.handler = Recorder()
        self.port = free_port()
        self.commands = []
        kw = {}
        if authenticator is not None:
            kw = dict(authenticator=authenticator, auth_require_tls=auth_require_tls)
        self.controller = _RecordingController(self.handler, self.commands, hostname="127.0.0.1",
                                               port=self.port, tls_context=ctx,
                                               require_starttls=require_starttls,
                                               server_hostname="aiosmtpd.smtpkit.test", **kw)
        self.controller.start()
        self.hostport = "127.0.0.1:%d" % self.port

    @property
    def messages(self):
        return self.handler.messages

    def stop(self):
        self.controller.stop()


class AuthRecorder:
    """aiosmtpd authenticator accepting USER/PASSWORD only.  .attempts has
    (mechanism, ok, inside TLS) per attempt; .logins (mechanism, login,
    password, inside TLS), what the client sent."""

    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()
        self.attempts, self.logins = [], []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        tls = session.ssl is not None
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        if isinstance(auth_data, LoginPassword):
            self.logins.append((mechanism, auth_data.login.decode(errors="replace"),
                                auth_data.password.decode(errors="replace"), tls))
        self.attempts.append((mechanism, ok, tls))
        # handled=False: aiosmtpd itself answers 535 to a failure.
        return AuthResult(success=ok, handled=False)


def auth_server(pki, user, password):
    """An AioServer offering AUTH inside TLS only, its AuthRecorder as .auth;
    the caller stops it."""
    auth = AuthRecorder(user, password)
    s = AioServer(pki, authenticator=auth, auth_require_tls=True)
    s.auth = auth
    return s
