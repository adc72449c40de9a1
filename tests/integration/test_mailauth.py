"""`smtpkit mx --check` beyond SPF: DKIM key records at --dkim-selector,
DMARC parsed (organizational domain by the DMARCbis tree walk, report
destinations authorised at DOMAIN._report._dmarc.DEST), BIMI, and DNS
blocklists (--dnsbl) for every MX address, IPv4 and IPv6 -- each from
records in the test DNS server, in JSON and human form, with the DNS
queries smtpkit made checked against the fixture's log."""
import base64
import subprocess

import pytest

from harness.dns_server import DNSFixture


def txt(s):
    parts = [s[i:i + 255] for i in range(0, len(s), 255)] or [""]
    return "TXT " + " ".join('"%s"' % p.replace('"', '\\"') for p in parts)


def pubkey(tmp, algo, *opts):
    key = tmp / "k.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", algo, *opts, "-out", str(key)], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return base64.b64encode(der[-32:] if algo == "ED25519" else der).decode()


@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    rsa2048 = pubkey(tmp, "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    rsa1024 = pubkey(tmp, "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
    rsa512 = pubkey(tmp, "RSA", "-pkeyopt", "rsa_keygen_bits:512")
    ed = pubkey(tmp, "ED25519")
    zone = {
        "auth.test": [txt("v=spf1 mx -all"), "MX 10 mx.auth.test."],
        "mx.auth.test": ["A 192.0.2.10", "A 192.0.2.11", "AAAA 2001:db8::25"],
        "_dmarc.auth.test": [txt("v=DMARC1; p=none; sp=reject; pct=50; adkim=s; "
                                 "rua=mailto:agg@auth.test,mailto:dmarc@reports.example!10m; "
                                 "ruf=mailto:forensic@elsewhere.example")],
        "auth.test._report._dmarc.reports.example": [txt("v=DMARC1")],
        "default._bimi.auth.test": [txt("v=BIMI1; l=https://auth.test/logo.svg; a=")],
        "good._domainkey.auth.test": [txt("v=DKIM1; k=rsa; p=" + rsa2048)],
        "old._domainkey.auth.test": [txt("v=DKIM1; p=" + rsa1024)],
        "tiny._domainkey.auth.test": [txt("v=DKIM1; k=rsa; p=" + rsa512)],
        "ed._domainkey.auth.test": [txt("v=DKIM1; k=ed25519; t=y; p=" + ed)],
        "gone._domainkey.auth.test": [txt("v=DKIM1; k=rsa; p=")],
        "bad._domainkey.auth.test": [txt("v=DKIM1; k=rsa; p=not*base64")],
        "sha1._domainkey.auth.test": [txt("v=DKIM1; h=sha1; p=" + rsa2048)],
        "edlen._domainkey.auth.test": [txt("v=DKIM1; k=ed25519; p=" + rsa2048)],
        # blocklists: 192.0.2.10 listed, 2001:db8::25 listed (nibbles), 192.0.2.11 clean
        "10.2.0.192.bl.test": ["A 127.0.0.2", txt("listed: see https://bl.test/q?ip=192.0.2.10\x1b[31m")],
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test": ["A 127.0.0.4"],
        "10.2.0.192.refuse.test": ["A 127.255.255.254"],
        "11.2.0.192.refuse.test": ["A 127.255.255.254"],
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.refuse.test": ["A 127.255.255.254"],
        # the tree walk: sub.org.test has no record, org.test has one (psd absent)
        "sub.org.test": ["MX 10 mx.auth.test."],
        "_dmarc.org.test": [txt("v=DMARC1; p=quarantine; sp=none; rua=mailto:d@org.test")],
        "_dmarc.test": [txt("v=DMARC1; p=reject; psd=y")],
        "enf.test": ["MX 10 mx.auth.test."],
        "_dmarc.enf.test": [txt("v=DMARC1; p=reject")],
        "default._bimi.enf.test": [txt("v=BIMI1; l=http://enf.test/logo.svg")],
        "broken.test": ["MX 10 mx.auth.test."],
        "bis.test": ["MX 10 mx.auth.test."],
        "_dmarc.bis.test": [txt("v=DMARC1; p=reject; np=reject; t=y")],
        "pct.test": ["MX 10 mx.auth.test."],
        "_dmarc.pct.test": [txt("v=DMARC1; p=quarantine; pct=25")],
        "default._bimi.pct.test": [txt("v=BIMI1; l=https://pct.test/l.svg")],
        "_dmarc.broken.test": [txt("v=DMARC1; p=sometimes; pct=200")],
    }
    with DNSFixture(zone, faults={"11.2.0.192.bl.test": {"rcode": "SERVFAIL"}}) as d:
        yield d


def mx(smtpkit, dns, domain, *args):
    r = smtpkit("mx", domain, "--check", "--json", "--resolver", dns.resolver, "--timeout", "5", *args)
    assert r.rc in (0, 1), r
    return r, r.json()


def ids(j, prefix):
    return sorted((f["id"], f["level"]) for f in j["findings"] if f["id"].startswith(prefix))


def test_dkim_keys(smtpkit, dns):
    sels = "good,old,tiny,ed,gone,bad,sha1,edlen,missing"
    r, j = mx(smtpkit, dns, "auth.test", "--dkim-selector", sels)
    keys = {k["selector"]: k for k in j["dkim_keys"]}
    assert [k["selector"] for k in j["dkim_keys"]] == sels.split(",")
    assert (keys["good"]["type"], keys["good"]["bits"], keys["good"]["valid"]) == ("rsa", 2048, True)
    assert (keys["old"]["type"], keys["old"]["bits"]) == ("rsa", 1024)      # k= defaults to rsa
    assert keys["tiny"]["bits"] == 512
    assert (keys["ed"]["type"], keys["ed"]["bits"], keys["ed"]["testing"]) == ("ed25519", 256, True)
    assert keys["gone"]["revoked"] and keys["gone"]["valid"]
    assert not keys["bad"]["valid"] and "base64" in keys["bad"]["error"]
    assert not keys["sha1"]["valid"] and "sha256" in keys["sha1"]["error"]
    assert not keys["edlen"]["valid"] and "32 octets" in keys["edlen"]["error"]
    assert keys["missing"]["status"] == "nxdomain" and keys["missing"]["record"] is None
    assert ids(j, "dkim-") == sorted([
        ("dkim-key-weak", "warn"), ("dkim-key-weak", "fail"), ("dkim-key-testing", "warn"),
        ("dkim-key-revoked", "warn"), ("dkim-key-invalid", "fail"), ("dkim-key-invalid", "fail"),
        ("dkim-key-invalid", "fail"), ("dkim-key-missing", "fail")])
    asked = {str(q.q.qname).rstrip(".") for _, q in dns.queries}
    assert {"%s._domainkey.auth.test" % s for s in sels.split(",")} <= asked
    assert r.rc == 1
    h = smtpkit("mx", "auth.test", "--check", "--resolver", dns.resolver, "--dkim-selector", "good,ed,gone")
    assert "DKIM good: rsa, 2048 bits" in h.out and "DKIM ed: ed25519, 256 bits, testing (t=y)" in h.out
    assert "DKIM gone: revoked (empty p=)" in h.out


def test_dmarc_reports_and_bimi(smtpkit, dns):
    r, j = mx(smtpkit, dns, "auth.test")
    d = j["dmarc_policy"]
    assert (d["p"], d["sp"], d["pct"], d["adkim"], d["aspf"]) == ("none", "reject", 50, "s", "r")
    assert d["policy_domain"] == "auth.test" and d["organizational_domain"] == "auth.test"
    reps = {x["uri"]: x for x in d["reports"]}
    assert reps["mailto:agg@auth.test"]["external"] is False
    assert reps["mailto:dmarc@reports.example!10m"]["authorized"] is True
    assert reps["mailto:forensic@elsewhere.example"] == {
        "uri": "mailto:forensic@elsewhere.example", "kind": "ruf", "domain": "elsewhere.example",
        "external": True, "authorized": False}
    assert ids(j, "dmarc-") == [("dmarc-report-unauthorized", "warn")]      # p=none: no finding
    assert j["bimi"]["logo"] == "https://auth.test/logo.svg" and j["bimi"]["valid"]
    assert ids(j, "bimi-") == [("bimi-dmarc-not-enforced", "warn")]
    asked = {str(q.q.qname).rstrip(".") for _, q in dns.queries}
    assert "auth.test._report._dmarc.elsewhere.example" in asked
    assert "auth.test._report._dmarc.auth.test" not in asked        # internal: not asked


def test_dmarc_tree_walk(smtpkit, dns):
    r, j = mx(smtpkit, dns, "sub.org.test")
    d = j["dmarc_policy"]
    # Found at org.test; test. says psd=y, so org.test is the organizational domain.
    assert d["policy_domain"] == "org.test" and d["organizational_domain"] == "org.test"
    assert (d["p"], d["sp"]) == ("quarantine", "none")
    assert ids(j, "dmarc-") == []
    assert j["dmarc"] is None                          # the domain's own record


def test_dmarc_enforced_bimi_http_and_invalid(smtpkit, dns):
    _, j = mx(smtpkit, dns, "enf.test")
    assert ids(j, "dmarc-") == []
    assert ids(j, "bimi-") == [("bimi-invalid", "fail")] and "https" in j["bimi"]["error"]
    _, j = mx(smtpkit, dns, "pct.test")
    assert ids(j, "dmarc-") == [("dmarc-pct", "warn")]
    assert ids(j, "bimi-") == [("bimi-dmarc-not-enforced", "warn")]      # pct=25 is not enforcement
    _, j = mx(smtpkit, dns, "bis.test")
    assert (j["dmarc_policy"]["np"], j["dmarc_policy"]["testing"]) == ("reject", True)
    assert ids(j, "dmarc-") == [("dmarc-pct", "warn")]
    _, j = mx(smtpkit, dns, "broken.test")
    assert ids(j, "dmarc-") == [("dmarc-invalid", "fail")]
    assert "p=sometimes" in j["dmarc_policy"]["error"]


def test_dnsbl(smtpkit, dns):
    r, j = mx(smtpkit, dns, "auth.test", "--dnsbl", "bl.test,refuse.test")
    got = {(b["zone"], b["address"]): b for b in j["dnsbl"]}
    assert len(got) == 6
    assert got["bl.test", "192.0.2.10"]["state"] == "listed"
    assert got["bl.test", "192.0.2.10"]["reason"].startswith("listed: see https://bl.test/q?ip=192.0.2.10")
    assert got["bl.test", "2001:db8::25"]["state"] == "listed"
    assert got["bl.test", "192.0.2.11"]["state"] == "unchecked"            # SERVFAIL
    for a in ("192.0.2.10", "192.0.2.11", "2001:db8::25"):
        # 127.255.255.x: the list refused; never "listed", never "clean".
        assert got["refuse.test", a]["state"] == "unchecked", got
    assert ids(j, "dnsbl-").count(("dnsbl-listed", "fail")) == 2
    assert ids(j, "dnsbl-").count(("dnsbl-unchecked", "warn")) == 4
    assert r.rc == 1
    h = smtpkit("mx", "auth.test", "--check", "--resolver", dns.resolver, "--dnsbl", "bl.test")
    assert "DNSBL bl.test 192.0.2.10: listed" in h.out
    assert "\x1b" not in h.out                    # the TXT reason is escaped
    assert "\\x1b[31m" in h.out


@pytest.mark.parametrize("args, words", [
    (["--check", "--dkim-selector", "a b"], "--dkim-selector"),
    (["--check", "--dkim-selector", "a,,b"], "--dkim-selector"),
    (["--check", "--dnsbl", "zen..test"], "--dnsbl"),
    (["--dnsbl", "bl.test"], "--check"),
    (["--dkim-selector", "s"], "--check"),
])
def test_option_errors(smtpkit, dns, args, words):
    r = smtpkit("mx", "auth.test", "--resolver", dns.resolver, *args)
    assert r.rc == 64, r
    assert words in r.err, r
