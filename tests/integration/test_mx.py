"""`smtpkit mx` against the dnslib fixture (harness/dns_server.py): MX order
and ties, addresses, every finding with its level, exit statuses, --check
(SPF, DMARC, TLS-RPT, TLSA, PTR + FCrDNS, MTA-STS fetched from an HTTPS
server with the test CA), --smtp against aiosmtpd standing in for the MX
hosts (all on 127.0.0.0/8, one port given with -p), several domains and
`-` from standard input.

The MX addresses are loopback (127.0.0.x) so that --smtp can reach them:
mx-private-address (warn) is expected wherever they appear."""
import json
import time

import pytest

from dnslib import QTYPE

from harness.dns_server import DNSFixture, address_fault, malformed_answer
from harness.mx_fixture import AioAt, PolicyServer, common_port, names_leaf

DIGEST = "ab" * 32

ZONE = """
; example.test: everything in order (checked in full by test_example_full_*)
example.test.                 MX    10 mx1.example.test.
example.test.                 MX    10 mx2.example.test.
example.test.                 MX    20 mx3.example.test.
example.test.                 TXT   "v=spf1 ip4:127.0.0.0/8 -all"
example.test.                 TXT   "google-site-verification=abc"
_dmarc.example.test.          TXT   "v=DMARC1; p=reject; rua=mailto:d@example.test"
_mta-sts.example.test.        TXT   "v=STSv1; id=20240101T000000"
mta-sts.example.test.         A     127.0.0.1
_smtp._tls.example.test.      TXT   "v=TLSRPTv1; rua=mailto:tls@example.test"
mx1.example.test.             A     127.0.0.1
mx1.example.test.             AAAA  ::1
mx2.example.test.             A     127.0.0.2
mx3.example.test.             A     127.0.0.3
_25._tcp.mx1.example.test.    TLSA  3 1 1 %(digest)s
1.0.0.127.in-addr.arpa.       PTR   mx1.example.test.
2.0.0.127.in-addr.arpa.       PTR   elsewhere.example.test.
elsewhere.example.test.       A     11.9.9.9
; signed.test: clean (AD set, SPF, DMARC, FCrDNS, public address): no finding
signed.test.                  MX    10 mx.signed.test.
signed.test.                  TXT   "v=spf1 mx -all"
_dmarc.signed.test.           TXT   "v=DMARC1; p=none"
_smtp._tls.signed.test.       TXT   "v=TLSRPTv1; rua=mailto:tls@signed.test"
mx.signed.test.               A     11.0.0.25
25.0.0.11.in-addr.arpa.       PTR   mx.signed.test.
; routing faults
nullmx.test.                  MX    0 .
nullmixed.test.               MX    0 .
nullmixed.test.               MX    10 mx.nullmixed.test.
mx.nullmixed.test.            A     11.0.1.25
nullmid.test.                 MX    20 b.nullmid.test.
nullmid.test.                 MX    10 .
nullmid.test.                 MX    5 a.nullmid.test.
a.nullmid.test.               A     11.0.1.26
b.nullmid.test.               A     11.0.1.27
implicit.test.                A     11.0.2.25
implicit.test.                AAAA  2a00:1450::25
nohost.test.                  TXT   "v=spf1 -all"
cname.test.                   MX    10 alias.cname.test.
alias.cname.test.             CNAME real.cname.test.
real.cname.test.              A     11.0.3.25
literal.test.                 MX    10 11.0.4.25.
noaddr.test.                  MX    10 ghost.noaddr.test.
noaddr.test.                  MX    20 mx.noaddr.test.
mx.noaddr.test.               A     11.0.5.25
dup.test.                     MX    10 mx.dup.test.
dup.test.                     MX    20 mx.dup.test.
dup.test.                     MX    30 other.dup.test.
mx.dup.test.                  A     11.0.6.25
other.dup.test.               A     11.0.6.25
private.test.                 MX    10 mx.private.test.
mx.private.test.              A     10.1.2.3
ties.test.                    MX    20 c.ties.test.
ties.test.                    MX    5 z.ties.test.
ties.test.                    MX    20 a.ties.test.
ties.test.                    MX    30 b.ties.test.
a.ties.test.                  A     11.0.8.1
b.ties.test.                  A     11.0.8.2
c.ties.test.                  A     11.0.8.3
z.ties.test.                  A     11.0.8.4
truncated.test.               MX    10 mx.truncated.test.
mx.truncated.test.            A     11.0.9.25
; policy records, broken
spf2.test.                    MX    10 mx.spf2.test.
spf2.test.                    TXT   "v=spf1 -all"
spf2.test.                    TXT   "v=spf1 mx ~all"
mx.spf2.test.                 A     11.0.7.25
broken.test.                  MX    10 mx.broken.test.
broken.test.                  TXT   "v=spf10 -all"
_dmarc.broken.test.           TXT   "p=reject"
_smtp._tls.broken.test.       TXT   "v=TLSRPTv2; rua=mailto:x@broken.test"
_mta-sts.broken.test.         TXT   "v=STSv1;"
mx.broken.test.               A     11.0.10.25
25.10.0.11.in-addr.arpa.      PTR   liar.broken.test.
liar.broken.test.             A     11.0.10.26
; MTA-STS policies served by the HTTPS fixture
stsmismatch.test.             MX    10 mx.stsmismatch.test.
_mta-sts.stsmismatch.test.    TXT   "v=STSv1; id=1"
mta-sts.stsmismatch.test.     A     127.0.0.1
mx.stsmismatch.test.          A     11.0.11.25
stsbad.test.                  MX    10 mx.stsbad.test.
_mta-sts.stsbad.test.         TXT   "v=STSv1; id=1"
mta-sts.stsbad.test.          A     127.0.0.1
mx.stsbad.test.               A     11.0.12.25
sts404.test.                  MX    10 mx.sts404.test.
_mta-sts.sts404.test.         TXT   "v=STSv1; id=1"
mta-sts.sts404.test.          A     127.0.0.1
mx.sts404.test.               A     11.0.13.25
stscert.test.                 MX    10 mx.stscert.test.
_mta-sts.stscert.test.        TXT   "v=STSv1; id=1"
mta-sts.stscert.test.         A     127.0.0.1
mx.stscert.test.              A     11.0.14.25
ststwo.test.                  MX    10 mx.ststwo.test.
_mta-sts.ststwo.test.         TXT   "v=STSv1; id=1"
_mta-sts.ststwo.test.         TXT   "v=STSv1; id=2"
mx.ststwo.test.               A     11.0.15.25
; --smtp: a server with a certificate for another name
smtpbad.test.                 MX    10 mx.smtpbad.test.
mx.smtpbad.test.              A     127.0.0.4
smtpplain.test.               MX    10 mx.smtpplain.test.
mx.smtpplain.test.            A     127.0.0.5
""" % {"digest": DIGEST}

POLICY = "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: *.example.test\nmax_age: 86400\n"
POLICIES = {
    "mta-sts.example.test": POLICY,
    "mta-sts.stsmismatch.test": "version: STSv1\nmode: enforce\nmx: mail.other.test\nmax_age: 86400\n",
    "mta-sts.stsbad.test": "version: STSv1\nmode: bogus\nmx: mx.stsbad.test\nmax_age: 86400\n",
    "mta-sts.sts404.test": (404, "no policy here\n"),
    "mta-sts.stscert.test": POLICY,
}
# Names the test CA vouches for (mta-sts.stscert.test is left out on purpose).
CERT_NAMES = ["mx1.example.test", "mx2.example.test", "mx3.example.test",
              "mta-sts.example.test", "mta-sts.stsmismatch.test", "mta-sts.stsbad.test",
              "mta-sts.sts404.test", "mx.smtpplain.test"]


# Implicit MX (no MX record) whose address lookups go wrong: (A, AAAA).
ADDRESS_FAULTS = {
    "sf.test": ("servfail", "servfail"),
    "to.test": ("timeout", "timeout"),
    "mixed.test": ("nodata", "servfail"),
    "mixed2.test": ("servfail", "nodata"),
    "none.test": ("nodata", "nodata"),
}
FAULTS = {
    **{d: address_fault(a, aaaa) for d, (a, aaaa) in ADDRESS_FAULTS.items()},
    "signed.test": {"ad": True},
    "servfail.test": {"rcode": "SERVFAIL"},
    "refused.test": {"rcode": "REFUSED"},
    "silent.test": {"drop": True},
    "malformed.test": {"raw": malformed_answer},
    "truncated.test": {"truncate": True},
    "_25._tcp.mx.broken.test": {"raw": malformed_answer},
}

T = ["--timeout", "2", "--connect-timeout", "2"]
FAIL_IDS = {"null-mx-mixed", "mx-cname", "mx-ip-literal", "mx-no-address", "spf-multiple",
            "mta-sts-invalid", "mta-sts-mx-mismatch", "cert-name-mismatch", "cert-untrusted"}
WARN_IDS = {"implicit-mx", "mx-private-address", "mx-duplicate", "no-spf", "no-dmarc",
            "no-fcrdns", "dnssec-unsigned", "no-starttls"}


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE, FAULTS) as d:
        yield d


@pytest.fixture(scope="module")
def mxcert(pki):
    return names_leaf(pki, "mx", CERT_NAMES)


@pytest.fixture(scope="module")
def sts(mxcert):
    s = PolicyServer(mxcert, POLICIES)
    yield s
    s.stop()


def mx(smtpkit, dns, *args, **kw):
    return smtpkit("mx", "--resolver", dns.resolver, *T, *args, **kw)


def mx_json(smtpkit, dns, *args, **kw):
    r = mx(smtpkit, dns, "--json", *args, **kw)
    return r, r.json()


def findings(doc):
    return [(f["id"], f["level"]) for f in doc["findings"]]


def ids(doc):
    return {f["id"] for f in doc["findings"]}


def check_levels(doc):
    """Every finding has the level SPEC 9 gives its id."""
    for f in doc["findings"]:
        if f["id"] in FAIL_IDS:
            assert f["level"] == "fail", f
        elif f["id"] in WARN_IDS:
            assert f["level"] == "warn", f
    assert doc["ok"] == (doc["exit_code"] == 0)


def human_findings(out):
    return [tuple(line.split(":")[1].split()) for line in out.splitlines()
            if line.startswith("  finding: ")]


# ---- everything at once: example.test --check --smtp ----------------------

@pytest.fixture
def mx_servers(mxcert):
    """aiosmtpd with STARTTLS on 127.0.0.1:P (mx1) and 127.0.0.2:P (mx2);
    nothing on 127.0.0.3:P (mx3)."""
    port = common_port(["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    servers = [AioAt(mxcert, "127.0.0.1", port), AioAt(mxcert, "127.0.0.2", port)]
    yield port, servers
    for s in servers:
        s.stop()


def test_example_full_json(smtpkit, dns, sts, mx_servers, pki):
    port, _ = mx_servers
    r, d = mx_json(smtpkit, dns, "example.test", "--check", "--smtp", "-p", port,
                   "--cafile", pki.ca, env=sts.env)
    assert r.rc == 0, r
    assert set(d) >= {"command", "domain", "ok", "exit_code", "error", "status", "kind", "dnssec",
                      "null_mx", "mx", "spf", "dmarc", "mta_sts", "tls_rpt", "findings"}
    assert (d["command"], d["domain"], d["ok"], d["exit_code"], d["error"]) == \
        ("mx", "example.test", True, 0, None)
    assert (d["status"], d["kind"], d["dnssec"], d["null_mx"]) == ("ok", "mx", False, False)
    # Preference order, ties marked, names sorted within a tie.
    assert [(h["host"], h["preference"], h["tie"]) for h in d["mx"]] == [
        ("mx1.example.test", 10, True), ("mx2.example.test", 10, True),
        ("mx3.example.test", 20, False)]
    mx1, mx2, mx3 = d["mx"]
    for h in d["mx"]:
        assert set(h) >= {"host", "preference", "tie", "cname", "ip_literal", "a_status",
                          "aaaa_status", "addresses", "tlsa", "smtp"}
        assert (h["cname"], h["ip_literal"], h["a_status"]) == (False, False, "ok")
    assert mx1["aaaa_status"] == "ok" and mx2["aaaa_status"] == "nodata"
    assert mx1["addresses"] == [
        {"address": "127.0.0.1", "family": "ipv4", "private": True, "ptr": "mx1.example.test",
         "fcrdns": True},
        {"address": "::1", "family": "ipv6", "private": True, "ptr": None, "fcrdns": False}]
    assert mx2["addresses"] == [{"address": "127.0.0.2", "family": "ipv4", "private": True,
                                 "ptr": "elsewhere.example.test", "fcrdns": False}]
    assert mx3["addresses"] == [{"address": "127.0.0.3", "family": "ipv4", "private": True,
                                 "ptr": None, "fcrdns": False}]
    # TLSA: present for mx1 (not validated: no AD), absent elsewhere.
    assert mx1["tlsa"] == {"status": "ok", "ad": False, "records": [
        {"usage": 3, "selector": 1, "mtype": 1, "data": DIGEST}]}
    assert mx2["tlsa"]["status"] == "nxdomain" and mx2["tlsa"]["records"] == []
    # Policy records.
    assert d["spf"]["records"] == ["v=spf1 ip4:127.0.0.0/8 -all"]
    assert d["dmarc"] == "v=DMARC1; p=reject; rua=mailto:d@example.test"
    assert d["tls_rpt"] == "v=TLSRPTv1; rua=mailto:tls@example.test"
    assert d["mta_sts"] == {"txt": "v=STSv1; id=20240101T000000", "fetched": True, "valid": True,
                            "mode": "enforce", "mx": ["mx1.example.test", "*.example.test"],
                            "max_age": 86400, "error": None}
    assert ("mta-sts.example.test", "/.well-known/mta-sts.txt") in sts.requests
    # --smtp: both servers greet and do STARTTLS with a certificate for the
    # MX name (test CA); mx3 has nothing listening.
    for h, addr in ((mx1, "127.0.0.1"), (mx2, "127.0.0.2")):
        s = h["smtp"]
        assert (s["address"], s["connected"], s["starttls"]) == (addr, True, True), s
        assert s["greeting"]["code"] == 220
        assert s["greeting"]["meaning"] == "220 service ready (RFC 5321 4.2)", s["greeting"]
        assert s["tls"]["verified"] is True and s["tls"]["version"].startswith("TLS1."), s["tls"]
        assert s["error"] is None
    s3 = mx3["smtp"]
    assert (s3["address"], s3["connected"]) == ("127.0.0.3", False)
    assert s3["error"] == {"class": "temporary", "cause": "refused", "stage": "connect", "reply": None,
                           "message": "cannot connect to 127.0.0.3 port %d: Connection refused"
                           % port}, s3["error"]
    # Findings: warn only.  Loopback addresses, two failed FCrDNS (mx2's PTR
    # points elsewhere; no PTR for ::1 and 127.0.0.3), no AD.
    check_levels(d)
    got = findings(d)
    assert sorted(got) == sorted([("mx-private-address", "warn")] * 4 + [("no-fcrdns", "warn")] * 3
                                 + [("dnssec-unsigned", "warn"), ("mx-unreachable", "warn")]), got
    # mx3 refuses connections: a warning, since mx1 and mx2 answer.
    (down,) = [f for f in d["findings"] if f["id"] == "mx-unreachable"]
    assert (down["host"], down["port"]) == ("mx3.example.test", port), down
    assert down["text"] == "mx3.example.test: cannot connect to 127.0.0.3 port %d: Connection refused" \
        % port, down
    assert not ids(d) & {"no-spf", "no-dmarc", "mta-sts-invalid", "mta-sts-mx-mismatch",
                         "spf-multiple", "cert-untrusted", "cert-name-mismatch"}


def test_example_full_human(smtpkit, dns, sts, mx_servers, pki):
    port, _ = mx_servers
    r = mx(smtpkit, dns, "example.test", "--check", "--smtp", "-p", port, "--cafile", pki.ca,
           env=sts.env)
    assert r.rc == 0, r
    out = r.out
    lines = out.splitlines()
    assert lines[0] == "example.test"
    mx_lines = [line.split() for line in lines if line.startswith("  MX ")]
    assert [m[:3] for m in mx_lines] == [["MX", "10", "mx1.example.test"],
                                        ["MX", "10", "mx2.example.test"],
                                        ["MX", "20", "mx3.example.test"]]
    assert "same preference" in lines[1] and "same preference" not in " ".join(mx_lines[2])
    assert "PTR mx1.example.test (confirmed)" in out
    assert "PTR elsewhere.example.test (does not resolve back)" in out
    assert "TLSA 3 1 1 (not validated)" in out
    assert "no TLSA record at _25._tcp.mx2.example.test (nxdomain)" in out
    assert "SPF: v=spf1 ip4:127.0.0.0/8 -all" in out
    assert "DMARC: v=DMARC1; p=reject" in out
    assert "MTA-STS: v=STSv1; id=20240101T000000; policy mode enforce" in out
    assert "TLS-RPT: v=TLSRPTv1; rua=mailto:tls@example.test" in out
    assert "DNSSEC: not validated" in out
    smtp = [line.strip() for line in lines if line.strip().startswith("smtp:")]
    assert len(smtp) == 3, out
    assert smtp[0].startswith("smtp: greets; TLS1.") and "certificate verified" in smtp[0].lower(), smtp
    assert smtp[1].startswith("smtp: greets; TLS1.") and "certificate verified" in smtp[1].lower(), smtp
    assert smtp[2] == "smtp: cannot connect to 127.0.0.3 port %d: Connection refused" % port, smtp
    hf = human_findings(out)
    assert sorted(hf) == sorted([("warn", "mx-private-address")] * 4 + [("warn", "no-fcrdns")] * 3
                                + [("warn", "dnssec-unsigned"), ("warn", "mx-unreachable")]), hf
    assert lines[-1] == "result: ok: 3 mail hosts"


# ---- one domain per fault --------------------------------------------------

# domain -> (exit, kind, findings as (id, level) multiset, extra check)
CASES = {
    "nullmixed.test": (1, "mx", [("null-mx-mixed", "fail"), ("dnssec-unsigned", "warn")]),
    "implicit.test": (0, "implicit", [("implicit-mx", "warn"), ("dnssec-unsigned", "warn")]),
    "cname.test": (1, "mx", [("mx-cname", "fail"), ("dnssec-unsigned", "warn")]),
    "literal.test": (1, "mx", [("mx-ip-literal", "fail"), ("dnssec-unsigned", "warn")]),
    "noaddr.test": (1, "mx", [("mx-no-address", "fail"), ("dnssec-unsigned", "warn")]),
    "dup.test": (0, "mx", [("mx-duplicate", "warn"), ("mx-duplicate", "warn"),
                           ("dnssec-unsigned", "warn")]),
    "private.test": (0, "mx", [("mx-private-address", "warn"), ("dnssec-unsigned", "warn")]),
    "signed.test": (0, "mx", []),
    "truncated.test": (0, "mx", [("dnssec-unsigned", "warn")]),
}


@pytest.mark.parametrize("domain", sorted(CASES))
def test_fault_json_and_human(smtpkit, dns, domain):
    code, kind, want = CASES[domain]
    r, d = mx_json(smtpkit, dns, domain)
    assert r.rc == code, r
    status = "nodata" if kind == "implicit" else "ok"           # of the MX query
    assert (d["domain"], d["exit_code"], d["kind"], d["status"]) == (domain, code, kind, status)
    assert sorted(findings(d)) == sorted(want), d["findings"]
    check_levels(d)
    assert "spf" not in d and "mta_sts" not in d      # only with --check
    h = mx(smtpkit, dns, domain)
    assert h.rc == code, h
    assert sorted(human_findings(h.out)) == sorted((lvl, i) for i, lvl in want), h
    last = h.out.splitlines()[-1]
    assert last.startswith("result: failed at findings: " if code == 1 else "result: ok: "), h


def test_null_mx_mixed_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "nullmixed.test")
    assert (d["null_mx"], d["null_mx_preference"]) == (True, 0)
    assert [h["host"] for h in d["mx"]] == ["mx.nullmixed.test"]   # "." is not a host


def mx_lines(out):
    return [" ".join(line.split()[:3]) for line in out.splitlines() if line.startswith("  MX ")]


@pytest.mark.parametrize("domain,want", [
    ("nullmx.test", ["MX 0 ."]),
    ("nullmixed.test", ["MX 0 .", "MX 10 mx.nullmixed.test"]),
    # The null MX takes its place by preference among the others.
    ("nullmid.test", ["MX 5 a.nullmid.test", "MX 10 .", "MX 20 b.nullmid.test"]),
])
def test_null_mx_record_is_shown(smtpkit, dns, domain, want):
    """The null MX record itself is printed, alone or beside other MX
    records (issue 11), and JSON gives its preference."""
    h = mx(smtpkit, dns, domain)
    assert mx_lines(h.out) == want, h
    null = [line for line in h.out.splitlines() if line.startswith("  MX ") and line.split()[2] == "."]
    assert len(null) == 1 and "null MX" in null[0], h
    _, d = mx_json(smtpkit, dns, domain)
    pref = int([w for w in want if w.endswith(" .")][0].split()[1])
    assert (d["null_mx"], d["null_mx_preference"]) == (True, pref), d
    assert "." not in [x["host"] for x in d["mx"]]


def test_no_null_mx_preference_is_null(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "private.test")
    assert (d["null_mx"], d["null_mx_preference"]) == (False, None)


def test_implicit_mx_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "implicit.test")
    (h,) = d["mx"]
    assert h["host"] == "implicit.test"
    assert [(a["address"], a["family"], a["private"]) for a in h["addresses"]] == [
        ("11.0.2.25", "ipv4", False), ("2a00:1450::25", "ipv6", False)]
    h = mx(smtpkit, dns, "implicit.test")
    assert "  implicit MX  implicit.test" in h.out


def test_mx_cname_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "cname.test")
    (h,) = d["mx"]
    assert (h["host"], h["cname"]) == ("alias.cname.test", True)
    assert [a["address"] for a in h["addresses"]] == ["11.0.3.25"]
    assert "(a CNAME!)" in mx(smtpkit, dns, "cname.test").out


def test_mx_ip_literal_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "literal.test")
    (h,) = d["mx"]
    assert (h["host"], h["ip_literal"], h["addresses"]) == ("11.0.4.25", True, [])
    # An IP literal is not looked up.
    asked = {str(q.q.qname).rstrip(".") for _, q in dns.queries}
    assert "11.0.4.25" not in asked


def test_mx_no_address_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "noaddr.test")
    ghost, good = d["mx"]
    assert (ghost["host"], ghost["a_status"], ghost["aaaa_status"], ghost["addresses"]) == \
        ("ghost.noaddr.test", "nxdomain", "nxdomain", [])
    assert good["addresses"][0]["address"] == "11.0.5.25"
    f = [f for f in d["findings"] if f["id"] == "mx-no-address"]
    assert len(f) == 1 and "ghost.noaddr.test" in f[0]["text"]
    assert "no address (A: nxdomain, AAAA: nxdomain)" in mx(smtpkit, dns, "noaddr.test").out


def test_mx_duplicate_details(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "dup.test")
    assert [(h["host"], h["preference"]) for h in d["mx"]] == [
        ("mx.dup.test", 10), ("mx.dup.test", 20), ("other.dup.test", 30)]
    texts = sorted(f["text"] for f in d["findings"] if f["id"] == "mx-duplicate")
    assert any("listed more than once" in t for t in texts), texts
    assert any("other.dup.test" in t and "11.0.6.25" in t for t in texts), texts


def test_order_and_ties(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "ties.test")
    assert [(h["host"], h["preference"], h["tie"]) for h in d["mx"]] == [
        ("z.ties.test", 5, False), ("a.ties.test", 20, True), ("c.ties.test", 20, True),
        ("b.ties.test", 30, False)]
    h = mx(smtpkit, dns, "ties.test")
    order = [line.split()[2] for line in h.out.splitlines() if line.startswith("  MX ")]
    assert order == ["z.ties.test", "a.ties.test", "c.ties.test", "b.ties.test"]


def test_ad_bit_means_no_dnssec_finding(smtpkit, dns):
    _, d = mx_json(smtpkit, dns, "signed.test")
    assert d["dnssec"] is True and "dnssec-unsigned" not in ids(d)
    assert "DNSSEC: validated (AD bit set)" in mx(smtpkit, dns, "signed.test").out
    _, u = mx_json(smtpkit, dns, "private.test")
    assert u["dnssec"] is False and "dnssec-unsigned" in ids(u)


def test_truncated_answer_retried_over_tcp(smtpkit, dns):
    before = len(dns.queries)
    _, d = mx_json(smtpkit, dns, "truncated.test")
    assert [h["host"] for h in d["mx"]] == ["mx.truncated.test"]
    asked = [(proto, str(q.q.qname)) for proto, q in dns.queries[before:]]
    assert ("udp", "truncated.test.") in asked and ("tcp", "truncated.test.") in asked, asked


# ---- no mail host, DNS failures: exit statuses -----------------------------

@pytest.mark.parametrize("domain,code,status,kind,words", [
    ("nosuch.test", 68, "nxdomain", None, "NXDOMAIN"),
    ("nullmx.test", 68, "ok", "null", "null MX"),
    ("nohost.test", 68, "nodata", "none", "no MX and no address"),
    ("servfail.test", 75, "servfail", None, "servfail"),
    ("refused.test", 75, "refused", None, "refused"),
    ("malformed.test", 75, "malformed", None, "malformed"),
])
def test_no_host_and_dns_failures(smtpkit, dns, domain, code, status, kind, words):
    r, d = mx_json(smtpkit, dns, domain)
    assert r.rc == code, r
    assert (d["ok"], d["exit_code"], d["status"]) == (False, code, status), d
    if kind:
        assert d["kind"] == kind
    assert d["error"] and words.lower() in d["error"]["message"].lower(), d["error"]
    assert d["error"]["stage"] == "dns", d["error"]
    assert d["error"]["class"] == {68: "nohost", 75: "temporary"}[code], d["error"]
    if domain == "nullmx.test":
        assert d["null_mx"] is True and d["mx"] == [] and d["findings"] == []
    h = mx(smtpkit, dns, domain)
    assert h.rc == code, h
    assert h.out.splitlines()[-1].startswith("result: failed at dns: "), h
    assert words.lower() in h.out.splitlines()[-1].lower(), h


@pytest.mark.parametrize("domain", sorted(ADDRESS_FAULTS))
def test_implicit_mx_address_lookup_failure(smtpkit, dns, domain):
    """RFC 5321 5.1: without MX records the domain itself is the mail host.
    "No mail host" (68) is permanent and right only when the DNS said so (A
    and AAAA both NODATA); a SERVFAIL or a timeout on A or AAAA is a
    temporary failure (75)."""
    code = 68 if ADDRESS_FAULTS[domain] == ("nodata", "nodata") else 75
    before = len(dns.queries)
    r, d = mx_json(smtpkit, dns, domain)
    assert r.secs < 20, r
    asked = {QTYPE[q.q.qtype] for _, q in dns.queries[before:] if str(q.q.qname).rstrip(".") == domain}
    assert {"MX", "A", "AAAA"} <= asked, dns.queries[before:]
    assert r.rc == code, r
    assert (d["ok"], d["exit_code"]) == (False, code), d
    assert d["error"]["stage"] == "dns", d["error"]
    if code == 68:
        assert d["kind"] == "none" and "no mail host" in d["error"]["message"], d
        assert d["error"]["class"] == "nohost", d["error"]
    else:
        assert d["error"]["class"] == "temporary", d["error"]
        assert "no mail host" not in d["error"]["message"], d["error"]
        assert "lookup failed" in d["error"]["message"], d["error"]
    h = mx(smtpkit, dns, domain)
    assert h.rc == code, h
    assert h.out.splitlines()[-1].startswith("result: failed at dns: "), h
    assert ("no mail host" in h.out.splitlines()[-1]) is (code == 68), h


def test_dns_timeout_is_75_within_bound(smtpkit, dns):
    t0 = time.monotonic()
    r, d = mx_json(smtpkit, dns, "silent.test")
    secs = time.monotonic() - t0
    assert r.rc == 75, r
    assert d["status"] == "timeout" and "timeout" in d["error"]["message"], d
    # --timeout 2 bounds the whole lookup, both tries in it.
    assert 1.8 < secs < 3, "DNS timeout took %.1f s" % secs


# ---- --check ----------------------------------------------------------------

def test_check_clean_domain_exit_0(smtpkit, dns):
    r, d = mx_json(smtpkit, dns, "signed.test", "--check")
    assert r.rc == 0, r
    assert d["findings"] == []
    assert d["spf"]["records"] == ["v=spf1 mx -all"] and d["dmarc"] == "v=DMARC1; p=none"
    assert d["tls_rpt"] == "v=TLSRPTv1; rua=mailto:tls@signed.test"
    assert d["mta_sts"] == {"txt": None, "fetched": False, "valid": False, "mode": None, "mx": [],
                            "max_age": 0, "error": None}
    (h,) = d["mx"]
    assert h["addresses"] == [{"address": "11.0.0.25", "family": "ipv4", "private": False,
                               "ptr": "mx.signed.test", "fcrdns": True}]
    assert h["tlsa"] == {"status": "nxdomain", "ad": False, "records": []}
    h = mx(smtpkit, dns, "signed.test", "--check")
    assert "MTA-STS: none" in h.out and "PTR mx.signed.test (confirmed)" in h.out
    assert "finding:" not in h.out


def test_check_spf_multiple_and_no_dmarc(smtpkit, dns):
    r, d = mx_json(smtpkit, dns, "spf2.test", "--check")
    assert r.rc == 1, r
    assert d["spf"]["records"] == ["v=spf1 -all", "v=spf1 mx ~all"]
    assert d["dmarc"] is None
    assert sorted(findings(d)) == sorted([("spf-multiple", "fail"), ("no-dmarc", "warn"),
                                          ("no-fcrdns", "warn"), ("dnssec-unsigned", "warn")])
    h = mx(smtpkit, dns, "spf2.test", "--check")
    assert h.rc == 1 and "SPF: v=spf1 -all" in h.out and "SPF: v=spf1 mx ~all" in h.out
    assert "DMARC: none" in h.out and "no TLSA record at _25._tcp.mx.spf2.test" in h.out


def test_check_broken_records(smtpkit, dns, sts, pki):
    """Look-alikes are not records; a malformed TLSA answer is reported as such;
    a PTR that does not resolve back; an MTA-STS TXT without id=."""
    before = len(sts.requests)
    r, d = mx_json(smtpkit, dns, "broken.test", "--check", "--cafile", pki.ca, env=sts.env)
    assert r.rc == 1, r
    assert d["spf"]["records"] == [] and d["dmarc"] is None and d["tls_rpt"] is None
    m = d["mta_sts"]
    assert (m["txt"], m["fetched"], m["valid"]) == ("v=STSv1;", False, False), m
    assert "id=" in m["error"], m
    assert len(sts.requests) == before            # no fetch without a valid TXT
    (h,) = d["mx"]
    assert h["tlsa"]["status"] == "malformed" and h["tlsa"]["records"] == []
    assert h["addresses"][0]["ptr"] == "liar.broken.test" and h["addresses"][0]["fcrdns"] is False
    assert sorted(findings(d)) == sorted([("no-spf", "warn"), ("no-dmarc", "warn"),
                                          ("mta-sts-invalid", "fail"), ("no-fcrdns", "warn"),
                                          ("dnssec-unsigned", "warn")])
    check_levels(d)
    h = mx(smtpkit, dns, "broken.test", "--check", "--cafile", pki.ca, env=sts.env)
    assert "(malformed)" in h.out and "PTR liar.broken.test (does not resolve back)" in h.out
    assert ("fail", "mta-sts-invalid") in human_findings(h.out)


@pytest.mark.parametrize("domain,finding,words,fetched", [
    ("stsmismatch.test", "mta-sts-mx-mismatch", "mx.stsmismatch.test", True),
    ("stsbad.test", "mta-sts-invalid", "bogus", True),
    ("sts404.test", "mta-sts-invalid", "HTTP 404", True),
    ("stscert.test", "mta-sts-invalid", "certificate", False),
    ("ststwo.test", "mta-sts-invalid", "more than one", False),
])
def test_check_mta_sts_faults(smtpkit, dns, sts, pki, domain, finding, words, fetched):
    r, d = mx_json(smtpkit, dns, domain, "--check", "--cafile", pki.ca, env=sts.env)
    assert r.rc == 1, r
    f = [x for x in d["findings"] if x["id"] == finding]
    assert len(f) == 1 and f[0]["level"] == "fail" and words in f[0]["text"], d["findings"]
    assert d["mta_sts"]["fetched"] is fetched, d["mta_sts"]
    if finding == "mta-sts-mx-mismatch":
        assert d["mta_sts"]["valid"] is True and d["mta_sts"]["mx"] == ["mail.other.test"]
    else:
        assert d["mta_sts"]["valid"] is False and words in d["mta_sts"]["error"]
    h = mx(smtpkit, dns, domain, "--check", "--cafile", pki.ca, env=sts.env)
    assert h.rc == 1 and ("fail", finding) in human_findings(h.out), h


def test_check_mta_sts_uses_cafile(smtpkit, dns, sts):
    """Without --cafile the test CA is not trusted: the policy server's
    certificate does not verify (the policy fetch honours --cafile)."""
    r, d = mx_json(smtpkit, dns, "example.test", "--check", env=sts.env)
    assert r.rc == 1, r
    assert d["mta_sts"]["valid"] is False and "certificate" in d["mta_sts"]["error"], d["mta_sts"]
    assert "mta-sts-invalid" in ids(d)


# ---- --smtp faults -----------------------------------------------------------

def test_smtp_certificate_for_another_name(smtpkit, dns, pki, mxcert):
    port = common_port(["127.0.0.4", "127.0.0.5"])
    bad = AioAt(pki["wrongname"], "127.0.0.4", port)
    try:
        r, d = mx_json(smtpkit, dns, "smtpbad.test", "--smtp", "-p", port, "--cafile", pki.ca)
        h = mx(smtpkit, dns, "smtpbad.test", "--smtp", "-p", port, "--cafile", pki.ca)
    finally:
        bad.stop()
    assert r.rc == 1, r
    (host,) = d["mx"]
    assert host["smtp"]["connected"] is True and host["smtp"]["starttls"] is True
    assert host["smtp"]["tls"]["verified"] is False
    assert ("cert-name-mismatch", "fail") in findings(d), d["findings"]
    assert not bad.messages                        # --smtp never sends a message
    assert h.rc == 1 and ("fail", "cert-name-mismatch") in human_findings(h.out), h
    # One verdict word for chain and name: not "Trusted" beside the fail.
    assert host["smtp"]["tls"]["verdict"] == "Mismatched", host["smtp"]["tls"]
    (smtp,) = [line.strip() for line in h.out.splitlines() if line.strip().startswith("smtp:")]
    assert smtp.endswith(", certificate Mismatched"), h


def test_smtp_only_mx_refuses_is_fail(smtpkit, dns):
    """The only MX host refuses connections: mx-unreachable at level fail
    (no host to deliver to), exit 1."""
    port = common_port(["127.0.0.5"])               # nothing listens there
    r, d = mx_json(smtpkit, dns, "smtpplain.test", "--smtp", "-p", port)
    assert r.rc == 1, r
    assert findings(d).count(("mx-unreachable", "fail")) == 1, d["findings"]
    (f,) = [f for f in d["findings"] if f["id"] == "mx-unreachable"]
    assert "Connection refused" in f["text"] and "no MX host could be reached" in f["text"], f
    h = mx(smtpkit, dns, "smtpplain.test", "--smtp", "-p", port)
    assert h.rc == 1 and ("fail", "mx-unreachable") in human_findings(h.out), h


def test_smtp_no_starttls(smtpkit, dns, pki):
    from aiosmtpd.controller import Controller

    class H:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"
    port = common_port(["127.0.0.5"])
    c = Controller(H(), hostname="127.0.0.5", port=port)
    c.start()
    try:
        r, d = mx_json(smtpkit, dns, "smtpplain.test", "--smtp", "-p", port)
    finally:
        c.stop()
    assert r.rc == 0, r
    (host,) = d["mx"]
    assert host["smtp"]["connected"] is True and host["smtp"]["starttls"] is False
    assert ("no-starttls", "warn") in findings(d), d["findings"]


# ---- several domains, standard input, --jobs --------------------------------

def test_several_domains_one_json_line_each_worst_exit(smtpkit, dns):
    names = ["signed.test", "nosuch.test", "cname.test", "servfail.test", "implicit.test"]
    r = mx(smtpkit, dns, "--json", *names)
    lines = r.out.splitlines()
    assert len(lines) == len(names), r
    docs = [json.loads(line) for line in lines]
    assert [x["domain"] for x in docs] == names
    assert [x["exit_code"] for x in docs] == [0, 68, 1, 75, 0]
    # One rank for every subcommand (err.c): a permanent outcome (68)
    # outranks a temporary one (75), which outranks a finding (1).
    assert r.rc == 68, r


@pytest.mark.parametrize("names,code", [
    (["signed.test", "cname.test"], 1),
    (["cname.test", "nullmx.test"], 68),
    (["nosuch.test", "servfail.test"], 68),
    (["servfail.test", "cname.test"], 75),
    (["signed.test", "implicit.test"], 0),
])
def test_several_domains_exit_rule(smtpkit, dns, names, code):
    r = mx(smtpkit, dns, *names)
    assert r.rc == code, r
    assert sum(1 for line in r.out.splitlines() if line.startswith("result: ")) == len(names)


def test_stdin_order_preserved(smtpkit, dns):
    pool = ["signed.test", "ties.test", "nosuch.test", "implicit.test", "cname.test",
            "dup.test", "nullmx.test", "private.test", "literal.test", "noaddr.test"]
    names = [pool[(i * 7) % len(pool)] for i in range(60)]
    text = "# a comment\n\n" + "".join("  %s\n" % n if i % 5 == 0 else "%s\n" % n
                                       for i, n in enumerate(names))
    r = mx(smtpkit, dns, "--json", "--jobs", "8", "-", input=text.encode())
    docs = [json.loads(line) for line in r.out.splitlines()]
    assert [x["domain"] for x in docs] == names, r
    assert r.rc == 68, r
    # Domains on the command line come first, then standard input.
    r = mx(smtpkit, dns, "--json", "signed.test", "-", input=b"ties.test\nimplicit.test\n")
    assert [json.loads(line)["domain"] for line in r.out.splitlines()] == \
        ["signed.test", "ties.test", "implicit.test"], r
    assert r.rc == 0, r


def test_stdin_bad_name_is_64_others_still_examined(smtpkit, dns):
    r = mx(smtpkit, dns, "--json", "-", input=b"signed.test\nbad\x01name.test\nimplicit.test\n")
    assert [json.loads(line)["domain"] for line in r.out.splitlines()] == \
        ["signed.test", "implicit.test"], r
    assert r.rc == 64, r
    assert "smtpkit:" in r.err and "invalid domain" in r.err, r


@pytest.mark.parametrize("value", ["0", "-1", "1025", "abc", "", "4x"])
def test_jobs_invalid(smtpkit, dns, value):
    r = mx(smtpkit, dns, "--jobs", value, "signed.test")
    assert r.rc == 64, r
    assert r.out == "" and "--jobs" in r.err, r


@pytest.mark.parametrize("value", ["1", "1024"])
def test_jobs_valid(smtpkit, dns, value):
    r = mx(smtpkit, dns, "--jobs", value, "signed.test", "implicit.test")
    assert r.rc == 0, r


def test_usage_errors(smtpkit, dns):
    r = mx(smtpkit, dns)
    assert r.rc == 64 and "DOMAIN" in r.err, r
    r = mx(smtpkit, dns, "bad\tdomain.test")
    assert r.rc == 64, r
    r = smtpkit("mx", "--resolver", "not-an-address:x", "signed.test")
    assert r.rc == 64, r
    r = mx(smtpkit, dns, "-p", "0", "signed.test")
    assert r.rc == 64, r


def test_help_lists_options(smtpkit):
    r = smtpkit("mx", "--help")
    assert r.rc == 0
    for opt in ("--check", "--smtp", "--jobs", "--resolver", "--json", "--port", "--cafile"):
        assert opt in r.out, opt
