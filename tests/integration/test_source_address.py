"""--source binds the local address (the server sees it); an address this
machine does not have is a configuration error (78)."""
import socket
import threading

from harness.cases import T


def one_session_server():
    """Accepts one connection, records the peer address, greets, answers EHLO."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    seen = {}

    def serve():
        c, addr = srv.accept()
        seen["peer"] = addr[0]
        with c, c.makefile("rb") as f:
            c.sendall(b"220 x ESMTP\r\n")
            for line in f:
                if line.upper().startswith(b"EHLO"):
                    c.sendall(b"250 x\r\n")
                elif line.upper().startswith(b"QUIT"):
                    c.sendall(b"221 bye\r\n")
                    break
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv.getsockname()[1], t, seen


def test_source_is_the_address_the_server_sees(smtpkit):
    port, t, seen = one_session_server()
    r = smtpkit("ehlo", "127.0.0.1:%d" % port, "--source", "127.0.0.5", "--tls", "none", *T)
    t.join(5)
    assert r.rc == 0, r
    assert seen.get("peer") == "127.0.0.5", seen


def test_source_not_on_this_machine_is_78(smtpkit):
    # 192.0.2.1 (TEST-NET-1) is nobody's local address; nothing is sent anywhere.
    r = smtpkit("ehlo", "127.0.0.1:1", "--source", "192.0.2.1", *T)
    assert r.rc == 78 and "source" in r.err, r


def test_source_must_be_an_address(smtpkit):
    r = smtpkit("ehlo", "127.0.0.1:1", "--source", "localhost", *T)
    assert r.rc == 64, r
