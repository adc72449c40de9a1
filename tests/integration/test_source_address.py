"""--source binds the local address (the server sees it); an address this
machine does not have is a configuration error (78)."""
from harness.cases import T, plain_session


def test_source_is_the_address_the_server_sees(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "127.0.0.5", "--tls", "none", *T)
    srv.finish()
    assert r.rc == 0, r
    assert [peer[0] for peer in srv.peers] == ["127.0.0.5"], srv.peers
    assert not srv.errors, srv.report()


def test_source_not_on_this_machine_is_78(smtpkit, scripted):
    # 192.0.2.1 (TEST-NET-1) is nobody's local address: refused before any
    # connection.
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "192.0.2.1", *T)
    srv.finish(timeout=0.3)
    assert r.rc == 78 and "source" in r.err, r
    assert srv.connections == 0, "smtpkit connected"


def test_source_must_be_an_address(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "localhost", *T)
    srv.finish(timeout=0.3)
    assert r.rc == 64, r
    assert srv.connections == 0, "smtpkit connected"
