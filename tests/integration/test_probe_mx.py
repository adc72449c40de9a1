"""probe --mx DOMAIN: every MX host of DOMAIN is a column (on port 25, or
-p), the names come through --resolver, each host's certificate is verified
against that host's name; and probe's port options: -p PORT is exactly that
port, -p with --ports is a usage error, open ports that all stay silent are
75 (not 0: no port spoke SMTP).

MX hosts share the -p port, so they differ by address (127.0.0.x), as in
test_mx.py; aiosmtpd with STARTTLS stands in for them."""
import re

import pytest

from harness.dns_server import DNSFixture
from harness.mx_fixture import AioAt, common_port, names_leaf
from harness.scripted import plain_session, sleep

T = ["--timeout", "2", "--connect-timeout", "2"]
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
ZONE = """
pm.test.            MX   20 mx2.pm.test.
pm.test.            MX   10 mx1.pm.test.
mx1.pm.test.        A    127.0.0.1
mx2.pm.test.        A    127.0.0.2
other.test.         MX   10 mx.other.test.
mx.other.test.      A    127.0.0.3
nullmx.test.        MX   0 .
"""
MX_NAMES = ["mx1.pm.test", "mx2.pm.test"]


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE) as fx:
        yield fx


@pytest.fixture(scope="module")
def mxcert(pki):
    # For the two MX names only: not pm.test, not mx.other.test.
    return names_leaf(pki, "probemx", MX_NAMES)


@pytest.fixture
def servers():
    started = []

    def start(pair, host, port):
        s = AioAt(pair, host, port)
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


def probe_mx(smtpkit, dns, domain, *args):
    return smtpkit("probe", "--mx", domain, "--resolver", dns.resolver, *T, *args)


def table(out):
    """{row label: [cells]} of the human table (columns 15 wide, as test_probe.py)."""
    rows = {}
    for line in out.splitlines():
        if line.startswith(("probe of", "finding:", "result:")) or not line.strip():
            continue
        label, cells = line[:15].rstrip(), line[15:]
        rows[label] = [cells[i:i + 15].strip() for i in range(0, len(cells.rstrip()), 15)]
    return rows


def test_every_mx_host_a_column(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1", "127.0.0.2"])
    servers(mxcert, "127.0.0.1", port)
    servers(mxcert, "127.0.0.2", port)
    r = probe_mx(smtpkit, dns, "pm.test", "-p", port, "--cafile", pki.ca, "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["ok"] is True and doc["error"] is None, doc
    ports = doc["ports"]
    assert [(p["host"], p["port"], p["state"]) for p in ports] == \
        [("mx1.pm.test", port, "open"), ("mx2.pm.test", port, "open")], ports
    for p in ports:
        # Verified against the MX name: the leaf names mx1/mx2.pm.test, not pm.test.
        assert p["tls_mode"] == "STARTTLS" and p["tls"]["verified"] is True, p
    assert not [f for f in doc["findings"] if f["id"].startswith("cert-")], doc["findings"]
    h = probe_mx(smtpkit, dns, "pm.test", "-p", port, "--cafile", pki.ca)
    assert h.rc == 0, h
    assert not RAW_CONTROL.search(h.out), h
    assert h.out.splitlines()[0].startswith("probe of the MX hosts of pm.test"), h
    rows = table(h.out)
    assert rows["host"] == MX_NAMES, h
    assert rows["port"] == [str(port)] * 2, h
    assert h.out.splitlines()[-1].startswith("result: ok"), h


def test_certificate_checked_against_each_mx_name(smtpkit, dns, pki, mxcert, servers):
    # mx.other.test's server shows the certificate for mx1/mx2.pm.test.
    port = common_port(["127.0.0.3"])
    servers(mxcert, "127.0.0.3", port)
    r = probe_mx(smtpkit, dns, "other.test", "-p", port, "--cafile", pki.ca, "--json")
    assert r.rc == 1, r
    doc = r.json()
    (p,) = doc["ports"]
    assert p["host"] == "mx.other.test" and p["tls"]["verified"] is False, p
    fails = [(f["id"], f["text"]) for f in doc["findings"] if f["level"] == "fail"]
    assert len(fails) == 1 and fails[0][0] == "cert-name-mismatch", doc["findings"]
    assert "mx.other.test" in fails[0][1], fails


@pytest.mark.parametrize("domain,code,words", [
    ("nosuch.test", 68, "nxdomain"),
    ("nullmx.test", 68, "null mx"),
])
def test_no_mail_host(smtpkit, dns, domain, code, words):
    r = probe_mx(smtpkit, dns, domain, "-p", "9")
    assert r.rc == code, r
    assert r.err.startswith("smtpkit: ") and words in r.err.lower(), r
    j = probe_mx(smtpkit, dns, domain, "-p", "9", "--json")
    assert j.rc == code, j
    d = j.json()
    assert (d["command"], d["ok"], d["exit_code"]) == ("probe", False, code), d


@pytest.mark.parametrize("extra,words", [
    (["127.0.0.1"], "HOST"),
    (["--ports", "25,587"], "--ports"),
])
def test_mx_usage_errors(smtpkit, dns, extra, words):
    before = len(dns.queries)
    r = probe_mx(smtpkit, dns, "pm.test", *extra)
    assert r.rc == 64, r
    assert "--mx" in r.err and words in r.err and "not built" not in r.err, r
    assert len(dns.queries) == before, "a usage error asked the DNS"


# ---- -p and silent ports -----------------------------------------------------------

def test_p_is_exactly_that_port_and_excludes_ports(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("probe", "127.0.0.1", "-p", srv.port, *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    assert [(p["port"], p["state"]) for p in r.json()["ports"]] == [(srv.port, "open")], r
    assert srv.connections == 1
    other = scripted(plain_session())
    c = smtpkit("probe", "127.0.0.1", "-p", other.port, "--ports", "%d,25" % other.port, *T)
    other.finish(timeout=0.3)
    assert c.rc == 64, c
    assert "-p" in c.err and "--ports" in c.err, c
    assert other.connections == 0, "a usage error connected"


@pytest.mark.parametrize("json_out", [False, True])
def test_every_open_port_silent_is_75(smtpkit, scripted, json_out):
    a, b = scripted([sleep(8)]), scripted([sleep(8)])
    r = smtpkit("probe", "127.0.0.1", "--ports", "%d,%d" % (a.port, b.port), *T,
                *(["--json"] if json_out else []))
    a.finish(timeout=0)
    b.finish(timeout=0)
    assert r.rc == 75, r
    assert a.connections and b.connections
    assert any(l.startswith("smtpkit: ") and "greeting" in l for l in r.err.splitlines()), r
    if json_out:
        d = r.json()
        assert (d["ok"], d["exit_code"]) == (False, 75), d
        assert d["error"]["class"] == "temporary" and d["error"]["stage"] == "greeting", d["error"]
        assert [p["state"] for p in d["ports"]] == ["open", "open"], d["ports"]
    else:
        assert r.out.splitlines()[-1].startswith("result: failed at greeting"), r


def test_one_silent_port_is_75(smtpkit, scripted):
    s = scripted([sleep(8)])
    r = smtpkit("probe", "127.0.0.1", "-p", s.port, *T)
    s.finish(timeout=0)
    assert r.rc == 75, r
