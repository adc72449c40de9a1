"""`smtpkit mx --check --spf-ip`: RFC 7208 check_host against a DNS
fixture that holds every mechanism, modifier, macro and limit, with the
result and the lookup counts asserted, and each result compared with
pyspf (python3-spf) asking the same fixture.  Without --spf-ip the records
are checked (syntax, lookup and void lookup limits, +all, ptr)."""
import pytest
import spf
from dnslib import QTYPE, DNSRecord

from harness.dns_server import DNSFixture

D = "s.test"


def txt(s):
    return 'TXT "%s"' % s.replace('"', '\\"')


ZONE = {
    "s.test": [txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all")],
    "a.s.test": [txt("v=spf1 a -all"), "A 192.0.2.10", "AAAA 2001:db8::10"],
    "acidr.s.test": [txt("v=spf1 a/24//64 -all"), "A 198.51.100.1", "AAAA 2001:db8:1::1"],
    "adom.s.test": [txt("v=spf1 a:host.s.test ~all")],
    "host.s.test": ["A 203.0.113.5"],
    "mx.s.test": [txt("v=spf1 mx -all"), "MX 10 mail.s.test."],
    "mxcidr.s.test": [txt("v=spf1 mx:mx.s.test/30 ~all")],
    "mail.s.test": ["A 192.0.2.20"],
    "inc.s.test": [txt("v=spf1 include:s.test ?all")],
    "incfail.s.test": [txt("v=spf1 include:neutral.s.test -all")],
    "incnone.s.test": [txt("v=spf1 include:nospf.s.test -all")],
    "nospf.s.test": ["A 192.0.2.99"],
    "incnx.s.test": [txt("v=spf1 include:nx.s.test -all")],
    "redir.s.test": [txt("v=spf1 redirect=s.test")],
    "redirnone.s.test": [txt("v=spf1 redirect=nospf.s.test")],
    "redirafter.s.test": [txt("v=spf1 ip4:198.51.100.7 redirect=s.test")],
    "exists.s.test": [txt("v=spf1 exists:%{ir}.%{v}._spf.%{d} -all")],
    "10.2.0.192.in-addr._spf.exists.s.test": ["A 127.0.0.2"],
    "ptr.s.test": [txt("v=spf1 ptr -all")],
    "30.2.0.192.in-addr.arpa": ["PTR host.ptr.s.test."],
    "host.ptr.s.test": ["A 192.0.2.30"],
    "31.2.0.192.in-addr.arpa": ["PTR liar.ptr.s.test."],        # forward does not confirm
    "liar.ptr.s.test": ["A 192.0.2.99"],
    "macro.s.test": [txt("v=spf1 exists:%{l1r-}.u.%{d2} -all")],
    "foo.u.s.test": ["A 127.0.0.2"],
    "helo.s.test": [txt("v=spf1 exists:%{h}.h.s.test -all")],
    "good.example.h.s.test": ["A 127.0.0.2"],
    "upper.s.test": [txt("v=spf1 exists:%{L}.up.s.test -all")],
    "a%2Bb.up.s.test": ["A 127.0.0.2"],
    "exp.s.test": [txt("v=spf1 -all exp=explain.s.test")],
    "explain.s.test": [txt("%{i} is not one of %{d}'s designated mail servers, sender %{s}")],
    "expredir.s.test": [txt("v=spf1 redirect=exp.s.test exp=other.s.test")],
    "other.s.test": [txt("wrong explanation")],
    "loop.s.test": [txt("v=spf1 include:loop.s.test -all")],
    "many.s.test": [txt("v=spf1 " + " ".join("include:n%d.s.test" % i for i in range(1, 12)) + " -all")],
    "void.s.test": [txt("v=spf1 a:v1.s.test a:v2.s.test a:v3.s.test -all")],
    "void2.s.test": [txt("v=spf1 a:v1.s.test a:v2.s.test -all")],
    "syntax.s.test": [txt("v=spf1 ip4:300.1.1.1 -all")],
    "unknownmech.s.test": [txt("v=spf1 foo -all")],
    "badcidr.s.test": [txt("v=spf1 ip4:192.0.2.0/33 -all")],
    "two.s.test": [txt("v=spf1 -all"), txt("v=spf1 +all")],
    "neutral.s.test": [txt("v=spf1 ?all")],
    "softfail.s.test": [txt("v=spf1 ~all")],
    "plusall.s.test": [txt("v=spf1 +all")],
    "modunknown.s.test": [txt("v=spf1 foo=bar -all")],
    "redirtwice.s.test": [txt("v=spf1 redirect=s.test redirect=a.s.test")],
    "incservfail.s.test": [txt("v=spf1 include:servfail.s.test -all")],
    "mx11.s.test": [txt("v=spf1 mx -all")] + ["MX %d m%d.s.test." % (i, i) for i in range(11)],
    "cidr0.s.test": [txt("v=spf1 ip4:0.0.0.0/0 -all")],
    "bigmac.s.test": [txt("v=spf1 exists:%{d1r}.%{i}.x.s.test -all")],
    "nomatch.s.test": [txt("v=spf1 ip4:198.51.100.0/24")],
    "caseterm.s.test": [txt("V=SPF1 IP4:192.0.2.1 -ALL")],
    # RFC 3597 generic form: dnslib has no SPF type of its own
    "allredir.s.test": [txt("v=spf1 ?all redirect=many.s.test")],
    "type99.s.test": [txt("v=spf1 -all"), "SPF \\# 12 0b763d73706631202b616c6c"],
}
for i in range(1, 12):
    ZONE["n%d.s.test" % i] = [txt("v=spf1 ?all")]
# Every domain with an SPF record gets a mail host, so that `mx` examines it
# (exit 0 or 1, not 68); the records above never ask for these MX.
for name, rdatas in ZONE.items():
    if any("v=spf1" in r.lower() for r in rdatas) and not any(r.startswith("MX") for r in rdatas):
        rdatas.append("MX 10 mail.s.test.")

FAULTS = {"servfail.s.test": {"rcode": "SERVFAIL"}}

# domain, ip, sender, helo, expected result, lookups, void lookups, mechanism
CASES = [
    ("s.test", "192.0.2.1", None, None, "pass", 0, 0, "ip4:192.0.2.0/24"),
    ("s.test", "198.51.100.1", None, None, "fail", 0, 0, "-all"),
    ("s.test", "2001:db8::5", None, None, "pass", 0, 0, "ip6:2001:db8::/32"),
    ("s.test", "::ffff:192.0.2.1", None, None, "pass", 0, 0, "ip4:192.0.2.0/24"),
    ("a.s.test", "192.0.2.10", None, None, "pass", 1, 0, "a"),
    ("a.s.test", "2001:db8::10", None, None, "pass", 1, 0, "a"),
    ("a.s.test", "192.0.2.11", None, None, "fail", 1, 0, "-all"),
    ("acidr.s.test", "198.51.100.200", None, None, "pass", 1, 0, "a/24//64"),
    ("acidr.s.test", "2001:db8:1::ffff", None, None, "pass", 1, 0, "a/24//64"),
    ("acidr.s.test", "2001:db8:2::1", None, None, "fail", 1, 0, "-all"),
    ("adom.s.test", "203.0.113.5", None, None, "pass", 1, 0, "a:host.s.test"),
    ("adom.s.test", "203.0.113.6", None, None, "softfail", 1, 0, "~all"),
    ("mx.s.test", "192.0.2.20", None, None, "pass", 1, 0, "mx"),
    ("mx.s.test", "192.0.2.21", None, None, "fail", 1, 0, "-all"),
    ("mxcidr.s.test", "192.0.2.23", None, None, "pass", 1, 0, "mx:mx.s.test/30"),
    ("inc.s.test", "192.0.2.1", None, None, "pass", 1, 0, "include:s.test"),
    ("inc.s.test", "198.51.100.1", None, None, "neutral", 1, 0, "?all"),
    ("incfail.s.test", "192.0.2.1", None, None, "fail", 1, 0, "-all"),
    ("incnone.s.test", "192.0.2.1", None, None, "permerror", 1, None, None),
    ("redir.s.test", "192.0.2.1", None, None, "pass", 1, 0, "ip4:192.0.2.0/24"),
    ("redir.s.test", "198.51.100.1", None, None, "fail", 1, 0, "-all"),
    ("redirnone.s.test", "192.0.2.1", None, None, "permerror", 1, None, None),
    ("redirafter.s.test", "198.51.100.7", None, None, "pass", 0, 0, "ip4:198.51.100.7"),
    ("exists.s.test", "192.0.2.10", None, None, "pass", 1, 0, "exists:%{ir}.%{v}._spf.%{d}"),
    ("exists.s.test", "192.0.2.11", None, None, "fail", 1, 1, "-all"),
    ("ptr.s.test", "192.0.2.30", None, None, "pass", 1, 0, "ptr"),
    ("ptr.s.test", "192.0.2.31", None, None, "fail", 1, 0, "-all"),
    # RFC 7208 7.4: %{l1r-} of "foo-bar" is "foo"
    ("macro.s.test", "192.0.2.1", "foo-bar@macro.s.test", None, "pass", 1, 0, "exists:%{l1r-}.u.%{d2}"),
    ("macro.s.test", "192.0.2.1", "bar-foo@macro.s.test", None, "fail", 1, 1, "-all"),
    ("helo.s.test", "192.0.2.1", None, "good.example", "pass", 1, 0, "exists:%{h}.h.s.test"),
    ("helo.s.test", "192.0.2.1", None, "bad.example", "fail", 1, 1, "-all"),
    ("upper.s.test", "192.0.2.1", "a+b@upper.s.test", None, "pass", 1, 0, "exists:%{L}.up.s.test"),
    ("exp.s.test", "192.0.2.1", "who@exp.s.test", None, "fail", 0, 0, "-all"),
    ("expredir.s.test", "192.0.2.1", "who@exp.s.test", None, "fail", 1, 0, "-all"),
    ("loop.s.test", "192.0.2.1", None, None, "permerror", 11, None, None),
    ("many.s.test", "192.0.2.1", None, None, "permerror", 11, None, None),
    ("void.s.test", "192.0.2.1", None, None, "permerror", 3, 3, None),
    ("void2.s.test", "192.0.2.1", None, None, "fail", 2, 2, "-all"),
    ("syntax.s.test", "192.0.2.1", None, None, "permerror", 0, 0, None),
    ("unknownmech.s.test", "192.0.2.1", None, None, "permerror", 0, 0, None),
    ("badcidr.s.test", "192.0.2.1", None, None, "permerror", 0, 0, None),
    ("two.s.test", "192.0.2.1", None, None, "permerror", 0, 0, None),
    ("nospf.s.test", "192.0.2.1", None, None, "none", 0, 0, None),
    ("incnx.s.test", "192.0.2.1", None, None, "permerror", 1, 1, None),
    ("neutral.s.test", "192.0.2.1", None, None, "neutral", 0, 0, "?all"),
    ("softfail.s.test", "192.0.2.1", None, None, "softfail", 0, 0, "~all"),
    ("plusall.s.test", "192.0.2.1", None, None, "pass", 0, 0, "+all"),
    ("modunknown.s.test", "192.0.2.1", None, None, "fail", 0, 0, "-all"),
    ("redirtwice.s.test", "192.0.2.1", None, None, "permerror", 0, 0, None),
    ("incservfail.s.test", "192.0.2.1", None, None, "temperror", 1, 0, None),
    ("mx11.s.test", "192.0.2.1", None, None, "permerror", 1, 0, None),
    ("cidr0.s.test", "203.0.113.9", None, None, "pass", 0, 0, "ip4:0.0.0.0/0"),
    ("nomatch.s.test", "192.0.2.1", None, None, "neutral", 0, 0, None),
    ("caseterm.s.test", "192.0.2.1", None, None, "pass", 0, 0, "IP4:192.0.2.1"),
    ("allredir.s.test", "192.0.2.1", None, None, "neutral", 0, 0, "?all"),
]


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE, faults=FAULTS) as d:
        yield d


def pyspf_result(dns, ip, sender, helo):
    """pyspf's verdict, its DNS asked of the same fixture."""
    def lookup(name, qtype, *a, **kw):
        q = DNSRecord.question(name, qtype)
        ans = DNSRecord.parse(q.send(dns.host, dns.port, timeout=5))
        if ans.header.rcode not in (0, 3):
            raise spf.TempError("DNS rcode %d" % ans.header.rcode)
        out = []
        for rr in ans.rr:
            t = QTYPE[rr.rtype]
            if t != qtype:
                continue
            if t in ("A", "AAAA"):
                v = str(rr.rdata)
            elif t == "MX":
                v = (rr.rdata.preference, str(rr.rdata.label).rstrip("."))
            elif t == "PTR":
                v = str(rr.rdata.label).rstrip(".")
            else:
                v = [bytes(x) for x in rr.rdata.data]
            out.append(((name, t), v))
        return out
    saved = spf.DNSLookup
    spf.DNSLookup = lookup
    try:
        q = spf.query(i=ip, s=sender, h=helo or "unknown", timeout=10)
        return q.check()
    finally:
        spf.DNSLookup = saved


def evaluate(smtpkit, dns, domain, ip, sender=None, helo=None):
    args = ["mx", domain, "--check", "--json", "--resolver", dns.resolver, "--timeout", "5", "--spf-ip", ip]
    if sender:
        args += ["--spf-sender", sender]
    if helo:
        args += ["--spf-helo", helo]
    r = smtpkit(*args)
    assert r.rc in (0, 1, 68), r
    return r.json()["spf"], r


@pytest.mark.parametrize("domain, ip, sender, helo, result, lookups, voids, mech", CASES,
                         ids=["%s-%s" % (c[0].split(".")[0], c[1]) for c in CASES])
def test_check_host(smtpkit, dns, domain, ip, sender, helo, result, lookups, voids, mech):
    s, r = evaluate(smtpkit, dns, domain, ip, sender, helo)
    ev = s["evaluation"]
    assert ev["result"] == result, (ev, r)
    assert ev["lookups"] == lookups, ev
    if voids is not None:
        assert ev["void_lookups"] == voids, ev
    assert ev["mechanism"] == mech, ev
    if result in ("permerror", "temperror", "none"):
        assert ev["reason"], ev
    # The second opinion: pyspf on the same DNS.
    want = pyspf_result(dns, ip, sender or "postmaster@" + domain, helo)
    assert ev["result"] == want[0], (ev, want)


def test_explanation(smtpkit, dns):
    s, r = evaluate(smtpkit, dns, "exp.s.test", "192.0.2.1", "who@exp.s.test")
    want = "192.0.2.1 is not one of exp.s.test's designated mail servers, sender who@exp.s.test"
    assert s["evaluation"]["explanation"] == want
    assert pyspf_result(dns, "192.0.2.1", "who@exp.s.test", None)[2] == want
    # redirect: the target's exp= applies, not the redirecting record's (RFC 7208 6.1).
    s, _ = evaluate(smtpkit, dns, "expredir.s.test", "192.0.2.1", "who@exp.s.test")
    assert s["evaluation"]["explanation"] == want.replace("exp.s.test's", "exp.s.test's")
    # Human form: result, mechanism, counts, explanation.
    r = smtpkit("mx", "exp.s.test", "--check", "--resolver", dns.resolver, "--spf-ip", "192.0.2.1",
                "--spf-sender", "who@exp.s.test")
    assert 'SPF for 192.0.2.1: fail by "-all" in the record of exp.s.test' in r.out, r
    assert "SPF explanation: " + want in r.out
    assert "SPF DNS lookups: 0 of 10, void lookups: 0 of 2" in r.out
    assert "finding: fail spf-fail" in r.out and r.rc == 1


@pytest.mark.parametrize("domain, findings, result", [
    ("many.s.test", {"spf-too-many-lookups"}, "permerror"),
    ("void.s.test", {"spf-void-lookups"}, "permerror"),
    ("syntax.s.test", {"spf-permerror"}, "permerror"),
    ("plusall.s.test", {"spf-plus-all"}, "ok"),
    ("ptr.s.test", {"spf-ptr"}, "ok"),
    ("inc.s.test", set(), "ok"),
    ("type99.s.test", {"spf-rr-type"}, "ok"),
    ("allredir.s.test", set(), "ok"),               # redirect beside all: ignored, not walked
])
def test_record_check(smtpkit, dns, domain, findings, result):
    """Without --spf-ip: every term of the tree walked, nothing matches."""
    r = smtpkit("mx", domain, "--check", "--json", "--resolver", dns.resolver, "--timeout", "5")
    j = r.json()
    ids = {f["id"] for f in j["findings"] if f["id"].startswith("spf-")}
    assert ids == findings, j["findings"]
    assert j["spf"]["evaluation"] is None
    if result:
        assert j["spf"]["check"]["result"] == result, j["spf"]
    if domain == "many.s.test":
        assert j["spf"]["check"]["lookups"] == 11
    if domain == "inc.s.test":
        assert j["spf"]["check"]["lookups"] == 1 and j["spf"]["records"] == ["v=spf1 include:s.test ?all"]
    fail = any(f["level"] == "fail" for f in j["findings"])
    assert r.rc == (1 if fail else 0), r


@pytest.mark.parametrize("args, words", [
    (["--check", "--spf-ip", "300.1.1.1"], "--spf-ip"),
    (["--check", "--spf-ip", "192.0.2.1\r\nx"], "--spf-ip"),
    (["--spf-ip", "192.0.2.1"], "--check"),
    (["--check", "--spf-sender", "a@b.c"], "go with --spf-ip"),
])
def test_option_errors(smtpkit, dns, args, words):
    r = smtpkit("mx", "s.test", "--resolver", dns.resolver, *args)
    assert r.rc == 64, r
    assert words in r.err, r
