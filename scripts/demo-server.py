"""The demo's SMTP server: aiosmtpd on 127.0.0.1 with STARTTLS and AUTH
after TLS, printing each message it receives.  Used by scripts/demo only."""
import ssl
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402
from harness.certs import make_pki  # noqa: E402


class Printer:
    async def handle_DATA(self, server, session, envelope):
        print("demo-server: message from <%s> to %s, %d octets" % (
            envelope.mail_from, ", ".join("<%s>" % r for r in envelope.rcpt_tos),
            len(envelope.original_content or b"")), flush=True)
        return "250 2.0.0 Ok: queued as DEMO%d" % int(time.time() % 100000)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"demo-password"
    return AuthResult(success=ok)


def main():
    workdir, port = Path(sys.argv[1]), int(sys.argv[2])
    pki = make_pki(workdir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["good"].cert, pki["good"].key)
    controller = Controller(Printer(), hostname="127.0.0.1", port=port, tls_context=ctx,
                            server_hostname="demo.smtpkit.test", authenticator=authenticate,
                            auth_require_tls=True)
    controller.start()
    print("demo-server: listening on 127.0.0.1:%d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
