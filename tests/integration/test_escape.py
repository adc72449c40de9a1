"""Server and DNS text never reaches the terminal raw: every printer escapes
it (\\x1b for ESC, \\x07 for BEL...).  Covered here beyond the scripted cases
(cases/escape_in_*.py):

  - certificate subject, issuer and DNS SAN with terminal sequences: in the
    ehlo transcript ("=== certificate 0: ...", --insecure) and in tls-check's
    report and -v transcript;
  - mx --check: SPF, DMARC, MTA-STS and TLS-RPT TXT text, and the MTA-STS
    policy error that quotes the server's mode.

Each run: no byte below 0x20 but \\n and \\t, no 0x7f, on stdout or stderr,
and the escaped form is there (the text is shown, not dropped).
"""
import subprocess

import pytest

from dnslib import QTYPE, RR, TXT

from harness.certs import Pair
from harness.dns_server import DNSFixture
from harness.mx_fixture import PolicyServer, names_leaf
from harness.scripted import ScriptedServer, starttls_session
from harness.tls_servers import SMTPTLSServer

T = ["--timeout", "3", "--connect-timeout", "2"]
ESC, BEL = "\x1b", "\x07"
CN = "evil" + ESC + "]0;CN" + BEL + ".test"
SAN = "san" + ESC + "[2J.test"


def assert_clean(r):
    for name, text in (("stdout", r.raw_out.decode("latin-1")), ("stderr", r.err)):
        bad = sorted({c for c in text if (ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7f})
        assert not bad, "raw control characters %r on %s\n%s" % (bad, name, r)


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """A self-signed certificate whose CN and first DNS SAN carry ESC (and
    BEL) sequences; localhost and 127.0.0.1 are in the SAN too.  certtool
    rewrites such dns_name values, so openssl makes this one."""
    d = tmp_path_factory.mktemp("evilcert")
    key, crt = d / "evil.key", d / "evil.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(crt),
                        "-days", "365", "-subj", "/CN=" + CN,
                        "-addext", "subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1" % SAN],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    text = subprocess.run(["openssl", "x509", "-in", str(crt), "-noout", "-text"],
                          capture_output=True, timeout=60).stdout
    assert SAN.encode() in text, "openssl did not keep the ESC in the SAN"
    return {"evil": Pair(str(crt), str(key))}


def cert_lines(out, marker):
    return [l for l in out.splitlines() if marker in l]


def test_ehlo_transcript_certificate(smtpkit, evil):
    srv = ScriptedServer(starttls_session("evil"), evil)
    try:
        r = smtpkit("ehlo", srv.hostport, "--insecure", *T)
    finally:
        srv.finish()
    assert r.rc == 0, r
    assert_clean(r)
    assert cert_lines(r.out, "=== certificate 0: CN=evil\\x1b]0"), r
    assert [l for l in r.out.splitlines() if "issuer" in l and "evil\\x1b]0" in l], r
    assert [l for l in r.out.splitlines() if "name: DNS:san\\x1b[2J.test" in l], r


@pytest.mark.parametrize("verbose", [False, True])
def test_tls_check_certificate(smtpkit, evil, verbose):
    s = SMTPTLSServer(evil, cert="evil")
    try:
        r = smtpkit("tls-check", s.hostport, "--name", "localhost", *T, *(["-v"] if verbose else []))
    finally:
        s.stop()
    assert r.rc == 1, r              # self-signed: cert-untrusted (fail)
    assert_clean(r)
    assert cert_lines(r.out, "certificate 0: CN=evil\\x1b]0"), r
    assert [l for l in r.out.splitlines() if l.startswith("    names ") and "san\\x1b[2J.test" in l], r
    if verbose:                      # the transcript is replayed too
        assert cert_lines(r.out, "=== certificate 0: CN=evil\\x1b]0"), r


# ---- mx --check: TXT records and the MTA-STS error -----------------------------

ZONE = """
esc.test.              MX   10 mx.esc.test.
mx.esc.test.           A    11.0.40.25
mta-sts.esc.test.      A    127.0.0.1
"""
TXTS = {
    "esc.test.": "v=spf1 ip4:11.0.40.25 " + ESC + "]0;SPF" + BEL + " -all",
    "_dmarc.esc.test.": "v=DMARC1; p=reject; rua=mailto:" + ESC + "[2Jd@esc.test",
    "_mta-sts.esc.test.": "v=STSv1; id=1" + ESC + "[5m",
    "_smtp._tls.esc.test.": "v=TLSRPTv1; rua=mailto:" + ESC + "[31mt@esc.test",
}
POLICY = "version: STSv1\nmode: bo" + ESC + "[31mgus\nmx: mx.esc.test\nmax_age: 86400\n"


@pytest.fixture(scope="module")
def dns():
    fx = DNSFixture(ZONE)
    for name, text in TXTS.items():
        fx.records.setdefault(name, []).append(RR(name, QTYPE.TXT, rdata=TXT(text.encode()), ttl=300))
    with fx:
        yield fx


@pytest.fixture(scope="module")
def sts(pki):
    s = PolicyServer(names_leaf(pki, "esc", ["mta-sts.esc.test"]), {"mta-sts.esc.test": POLICY})
    yield s
    s.stop()


def test_mx_check_txt_and_mta_sts_error(smtpkit, dns, sts, pki):
    r = smtpkit("mx", "--resolver", dns.resolver, *T, "esc.test", "--check", "--cafile", pki.ca,
                env=sts.env)
    assert r.rc == 1, r              # the policy's mode is bogus: mta-sts-invalid
    assert_clean(r)
    lines = r.out.splitlines()
    want = {
        "  SPF: ": "v=spf1 ip4:11.0.40.25 \\x1b]0;SPF\\x07 -all",
        "  DMARC: ": "\\x1b[2Jd@esc.test",
        "  MTA-STS: ": "id=1\\x1b[5m",
        "  TLS-RPT: ": "\\x1b[31mt@esc.test",
    }
    for prefix, text in want.items():
        assert [l for l in lines if l.startswith(prefix) and text in l], (prefix, r)
    # The policy error quotes the mode: escaped on the MTA-STS line and in the finding.
    assert [l for l in lines if l.startswith("  MTA-STS: ") and "bo\\x1b[31mgus" in l], r
    assert [l for l in lines if "mta-sts-invalid" in l and "bo\\x1b[31mgus" in l], r
    assert sts.requests, "the policy was never fetched"
    # JSON carries the text itself (JSON-escaped), not the terminal escape.
    j = smtpkit("mx", "--resolver", dns.resolver, *T, "esc.test", "--check", "--cafile", pki.ca,
                "--json", env=sts.env)
    assert_clean(j)
    d = j.json()
    assert d["spf"]["records"] == [TXTS["esc.test."]] and d["dmarc"] == TXTS["_dmarc.esc.test."], d
    assert d["mta_sts"]["txt"] == TXTS["_mta-sts.esc.test."] and ESC in d["mta_sts"]["error"], d
