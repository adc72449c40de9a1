"""--resolver, an option of every subcommand, applies to HOST too (ehlo,
tls-check, probe, send --server), not only to MX and policy lookups: a name
only the DNS fixture knows resolves through it and the session runs (the
fixture is asked, the system's resolver is not needed); NXDOMAIN from the
fixture is 68, SERVFAIL 75."""
import pytest

from harness.dns_server import DNSFixture
from harness.send_cases import MARKER, RCPT1, SENDER, mail_session
from harness.scripted import plain_session
from harness.tls_servers import SMTPTLSServer

T = ["--timeout", "2", "--connect-timeout", "2"]
NAME = "smtp.resolver-host.test"
ZONE = "%s. 300 IN A 127.0.0.1\n" % NAME
FAULTS = {"servfail.resolver-host.test": {"rcode": "SERVFAIL"},
          "silent.resolver-host.test": {"drop": True}}
COMMANDS = ["ehlo", "tls-check", "probe", "send"]


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE, FAULTS) as fx:
        yield fx


def argv(command, host, port, dns, pki):
    """COMMAND aimed at HOST:PORT through the fixture."""
    r = ["--resolver", dns.resolver, *T]
    if command == "ehlo":
        return ["ehlo", "%s:%d" % (host, port), *r]
    if command == "tls-check":
        return ["tls-check", "%s:%d" % (host, port), "--cafile", pki.ca, "--name", "localhost", *r]
    if command == "probe":
        return ["probe", host, "-p", str(port), *r]
    return ["send", "--server", "%s:%d" % (host, port), "--from", SENDER, "--to", RCPT1,
            "--body", MARKER, *r]


def asked_for(dns, name, since):
    return [q for _, q in dns.queries[since:] if str(q.q.qname).rstrip(".").lower() == name]


@pytest.mark.parametrize("command", COMMANDS)
def test_name_from_the_fixture(smtpkit, scripted, pki, dns, command):
    tls = None
    if command == "tls-check":
        tls = SMTPTLSServer(pki)
        port = tls.port
    else:
        srv = scripted(mail_session() if command == "send" else plain_session())
        port = srv.port
    before = len(dns.queries)
    try:
        r = smtpkit(*argv(command, NAME, port, dns, pki), "--json")
    finally:
        if tls:
            tls.stop()
    assert asked_for(dns, NAME, before), "the fixture was never asked for %s" % NAME
    assert "cannot resolve" not in r.err, r
    assert r.rc == 0, r
    d = r.json()
    assert d["ok"] is True, d
    if command == "send":
        srv.finish()
        assert len(srv.messages) == 1 and MARKER.encode() in srv.messages[0], srv.report()
    elif command == "probe":
        assert [(p["port"], p["state"]) for p in d["ports"]] == [(port, "open")], d["ports"]
    elif command == "ehlo":
        srv.finish()
        assert any(l.startswith(b"EHLO ") for _, l in srv.lines), srv.report()
    else:
        assert tls.connections, "tls-check never connected"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("host,code,words", [
    ("nosuch.resolver-host.test", 68, "no address"),
    ("servfail.resolver-host.test", 75, "servfail"),
    ("silent.resolver-host.test", 75, "timeout"),
])
def test_lookup_failure(smtpkit, dns, pki, command, host, code, words):
    before = len(dns.queries)
    r = smtpkit(*argv(command, host, 9, dns, pki))      # port 9: nothing is ever reached
    assert asked_for(dns, host, before), "the fixture was never asked for %s" % host
    assert r.rc == code, r
    # --timeout 2 bounds the lookup: AAAA and A are asked at once, each
    # with every try inside the one deadline.
    assert r.secs < 3.2, r
    if command == "probe":
        # probe's own line sums the ports up ("no port of HOST answered" for
        # 75); each port's error says why.
        j = smtpkit(*argv(command, host, 9, dns, pki), "--json")
        assert j.rc == code, j
        (port,) = j.json()["ports"]
        msg = port["error"]["message"]
    else:
        msg = r.err
    assert "cannot resolve %s" % host in msg and words in msg.lower(), r
