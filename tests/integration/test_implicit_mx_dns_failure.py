"""Implicit MX (RFC 5321 5.1: no MX record, the domain itself is the mail
host) whose address lookups fail: "no mail host" (68) is permanent and only
right when the DNS said so (A and AAAA both NODATA/NXDOMAIN); a SERVFAIL or
a timeout on A or AAAA is a temporary failure, 75 (the old code said 68 "no
MX and no address: no mail host" for all of them).  For `mx` and for `send`
direct delivery.

The fixture answers per query type here (dns_server faults are per name):
MX gets NODATA, A/AAAA what the domain's entry says."""
import time

import pytest

from dnslib import QTYPE, RCODE, RR, DNSRecord

from harness.dns_server import DNSFixture

T = ["--timeout", "2", "--connect-timeout", "2"]
SENDER = "sender@example.org"


def per_type(a, aaaa):
    """A raw fault: MX (and anything else) NODATA; A and AAAA answered with
    "nodata", "servfail" or "timeout" (a reply with another id, which the
    client drops, so the query times out)."""
    def answer(query: bytes) -> bytes:
        q = DNSRecord.parse(query)
        what = {QTYPE.A: a, QTYPE.AAAA: aaaa}.get(q.q.qtype, "nodata")
        reply = q.reply()
        if what == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
        else:
            reply.add_auth(*RR.fromZone("test. 60 IN SOA ns.fixture.test. hostmaster.fixture.test. "
                                        "1 3600 600 86400 60"))
        data = reply.pack()
        if what == "timeout":
            data = bytes([query[0] ^ 0x5a, query[1] ^ 0xa5]) + data[2:]
        return data
    return answer


DOMAINS = {
    "sf.test": ("servfail", "servfail"),
    "to.test": ("timeout", "timeout"),
    "mixed.test": ("nodata", "servfail"),
    "mixed2.test": ("servfail", "nodata"),
    "none.test": ("nodata", "nodata"),
}
EXPECT = {"sf.test": 75, "to.test": 75, "mixed.test": 75, "mixed2.test": 75, "none.test": 68}


@pytest.fixture(scope="module")
def dns():
    faults = {d: {"raw": per_type(a, aaaa)} for d, (a, aaaa) in DOMAINS.items()}
    with DNSFixture("", faults) as fx:
        yield fx


def asked(dns, name, since):
    return {QTYPE[q.q.qtype] for _, q in dns.queries[since:] if str(q.q.qname).rstrip(".") == name}


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_mx(smtpkit, dns, domain):
    code = EXPECT[domain]
    before = len(dns.queries)
    t0 = time.monotonic()
    r = smtpkit("mx", "--resolver", dns.resolver, *T, domain, "--json")
    assert time.monotonic() - t0 < 20, r
    assert {"MX", "A", "AAAA"} <= asked(dns, domain, before), dns.queries[before:]
    assert r.rc == code, r
    d = r.json()
    assert (d["ok"], d["exit_code"]) == (False, code), d
    assert d["error"]["stage"] == "dns", d["error"]
    if code == 68:
        assert d["kind"] == "none" and "no mail host" in d["error"]["message"], d
        assert d["error"]["class"] == "nohost", d["error"]
    else:
        assert d["error"]["class"] == "temporary", d["error"]
        assert "no mail host" not in d["error"]["message"], d["error"]
        assert "lookup failed" in d["error"]["message"], d["error"]
    h = smtpkit("mx", "--resolver", dns.resolver, *T, domain)
    assert h.rc == code, h
    assert h.out.splitlines()[-1].startswith("result: failed at dns: "), h
    assert ("no mail host" in h.out.splitlines()[-1]) is (code == 68), h


@pytest.mark.parametrize("domain", ["sf.test", "to.test", "mixed.test", "none.test"])
def test_send_direct(smtpkit, dns, pki, domain):
    code = EXPECT[domain]
    rcpt = "user@" + domain
    r = smtpkit("send", "--resolver", dns.resolver, "--from", SENDER, "--body", "x",
                "--cafile", pki.ca, *T, rcpt)
    assert r.rc == code, r
    assert any(l.startswith("smtpkit: ") for l in r.err.splitlines()), r
    assert ("no mail host" in r.out + r.err) is (code == 68), r
    j = smtpkit("send", "--resolver", dns.resolver, "--from", SENDER, "--body", "x",
                "--cafile", pki.ca, *T, rcpt, "--json")
    assert j.rc == code, j
    d = j.json()
    assert (d["ok"], d["exit_code"]) == (False, code), d
    (dl,) = d["deliveries"]
    assert dl["delivered"] is False and dl["server"] is None, dl
    assert dl["error"]["class"] == ("nohost" if code == 68 else "temporary"), dl["error"]
