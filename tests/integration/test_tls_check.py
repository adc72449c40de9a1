"""smtpkit tls-check against servers limited to given TLS versions, each
certificate of the test PKI, a STARTTLS-injection-vulnerable server and
Postfix (not vulnerable), gnutls-serv with an OCSP staple, and TLSA records
from the DNS fixture.  Each finding is checked in JSON and in the human
report, with its exit status, and what the server received is asserted."""
import hashlib
import subprocess

import pytest

from harness.dns_server import DNSFixture
from harness.tls_servers import GnutlsServ, SMTPTLSServer, ocsp_response

T = ["--timeout", "3", "--connect-timeout", "2"]


def ca(pki):
    return ["--cafile", pki.ca, "--name", "localhost"]


@pytest.fixture
def tls_server(pki):
    servers = []

    def start(**kw):
        s = SMTPTLSServer(pki, **kw)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()


def findings(doc):
    return {f["id"]: f["level"] for f in doc["findings"]}


def offered(doc):
    return {p["version"]: p["offered"] for p in doc["protocols"]}


def human_findings(out):
    return {l.split()[2].rstrip(":"): l.split()[1] for l in out.splitlines() if l.startswith("finding: ")}


def check_both(smtpkit, args, rc, present=(), absent=()):
    """Run ARGS in JSON and human form: same exit status RC, the findings
    PRESENT ({id: level}) in both, none of ABSENT."""
    rj = smtpkit("tls-check", *args, "--json")
    assert rj.rc == rc, rj
    doc = rj.json()
    assert doc["exit_code"] == rc and doc["ok"] == (rc == 0), rj
    rh = smtpkit("tls-check", *args)
    assert rh.rc == rc, rh
    last = rh.out.rstrip("\n").splitlines()[-1]
    assert last.startswith("result: ok" if rc == 0 else "result: failed"), rh
    for fid, level in dict(present).items():
        assert findings(doc).get(fid) == level, (fid, rj)
        assert human_findings(rh.out).get(fid) == level, (fid, rh)
    for fid in absent:
        assert fid not in findings(doc), (fid, rj)
        assert fid not in human_findings(rh.out), (fid, rh)
    return doc, rh


# --- versions -------------------------------------------------------------------

def test_tls12_only(smtpkit, tls_server, pki):
    s = tls_server(versions=("TLSv1_2", "TLSv1_2"))
    doc, rh = check_both(smtpkit, [s.hostport, *ca(pki), *T], 0,
                         absent=("tls-old-version", "no-tls-1.2", "no-tls"))
    assert offered(doc) == {"TLS1.3": False, "TLS1.2": True, "TLS1.1": False, "TLS1.0": False}, doc
    assert doc["tls"]["version"] == "TLS1.2" and doc["tls"]["verdict"] == "Verified"
    p12 = [p for p in doc["protocols"] if p["version"] == "TLS1.2"][0]
    assert p12["cipher"].startswith("TLS_ECDHE_ECDSA_"), doc
    s12 = doc["session"]
    assert s12["ext_master_secret"] is True and s12["safe_renegotiation"] is True, s12
    assert s12["resumption"] is True and s12["kx"] == "ECDHE-ECDSA" and s12["group"], s12
    # Every version probe is its own connection, each with one version only.
    versions = sorted(c["tls_version"] for c in s.connections if c["tls_version"])
    assert versions.count("TLSv1.2") >= 3, s.connections   # main, resume, 1.2 probe
    assert "TLS1.2  offered" in rh.out and "TLS1.0  not offered" in rh.out, rh


def test_tls13_only(smtpkit, tls_server, pki):
    s = tls_server(versions=("TLSv1_3", "TLSv1_3"))
    doc, _ = check_both(smtpkit, [s.hostport, *ca(pki), *T], 0, absent=("tls-old-version",))
    assert offered(doc) == {"TLS1.3": True, "TLS1.2": False, "TLS1.1": False, "TLS1.0": False}, doc
    assert doc["session"]["ext_master_secret"] is None, "EMS is a TLS 1.2 matter"
    assert doc["session"]["resumption"] is True, doc["session"]


def test_all_versions_warns_old(smtpkit, tls_server, pki):
    s = tls_server(versions=("TLSv1", "TLSv1_3"))
    doc, _ = check_both(smtpkit, [s.hostport, *ca(pki), *T], 0, present={"tls-old-version": "warn"})
    assert offered(doc) == {"TLS1.3": True, "TLS1.2": True, "TLS1.1": True, "TLS1.0": True}, doc
    assert doc["tls"]["version"] == "TLS1.3"


def test_only_old_versions_fail(smtpkit, tls_server, pki):
    s = tls_server(versions=("TLSv1", "TLSv1_1"))
    doc, _ = check_both(smtpkit, [s.hostport, *ca(pki), *T], 1, present={"no-tls-1.2": "fail"})
    assert offered(doc)["TLS1.1"] is True and offered(doc)["TLS1.2"] is False, doc
    # The default priority does not reach TLS 1.1: the report takes the
    # session of the best version probe that got through.
    assert doc["session"]["version"] == "TLS1.1", doc["session"]


def test_concurrent_wall_time(smtpkit, tls_server, pki):
    """Six connections (main, resumption, four versions) each wait 0.6 s for
    the greeting: run one after the other they would take over 3.6 s."""
    s = tls_server(greeting_delay=0.6)
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    assert r.rc == 0, r
    assert len(s.connections) >= 6
    assert r.secs < 2.6, r


# --- certificates ---------------------------------------------------------------

# A name mismatch is a trusted chain for another name: verdict Mismatched
# (one word for chain and name: never "Trusted" next to a fail finding).
@pytest.mark.parametrize("cert,fid,verdict", [
    ("expired", "cert-expired", "Untrusted"),
    ("notyet", "cert-not-yet-valid", "Untrusted"),
    ("wrongname", "cert-name-mismatch", "Mismatched"),
    ("selfsigned", "cert-untrusted", "Untrusted"),
])
def test_bad_certificates_fail(smtpkit, tls_server, pki, cert, fid, verdict):
    s = tls_server(cert=cert)
    doc, rh = check_both(smtpkit, [s.hostport, *ca(pki), *T], 1, present={fid: "fail"})
    assert [(f["id"], f["level"]) for f in doc["findings"]] == [(fid, "fail")], doc["findings"]
    assert doc["tls"]["verdict"] == verdict, doc["tls"]
    assert doc["tls"]["status"], "the GnuTLS status explained"
    lines = [l for l in rh.out.splitlines() if l.startswith(("Untrusted: ", "Mismatched: ", "Trusted: "))]
    assert lines == ["%s: %s" % (verdict, doc["tls"]["status"])], rh
    # tls-check reports: it never aborts the session for the certificate.
    assert any(t and l.upper().startswith(b"EHLO") for c in s.connections for t, l in c["commands"])


def test_wrong_name_is_mismatched_verdict(smtpkit, tls_server, pki):
    s = tls_server(cert="wrongname")
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    tls = r.json()["tls"]
    assert (tls["verdict"], tls["verified"], tls["name_matches"]) == ("Mismatched", False, False), r
    r = smtpkit("tls-check", s.hostport, "--cafile", pki.ca, "--name", "mail.wrong.test", *T, "--json")
    assert r.rc == 0 and r.json()["tls"]["verdict"] == "Verified", r


@pytest.mark.parametrize("name", ["localhost", "mail.other.test"])
def test_gnutls_status_text_is_one_clean_line(smtpkit, tls_server, pki, name):
    """GnuTLS's status ends with a space ("... issuer is unknown. "), and the
    name-mismatch sentence joined to it made a double one: the text is
    normalised where it enters (tls.c), for JSON and the report alike."""
    s = tls_server(cert="selfsigned")
    args = [s.hostport, "--cafile", pki.ca, "--name", name, *T]
    status = smtpkit("tls-check", *args, "--json").json()["tls"]["status"]
    assert "NOT trusted" in status and "issuer is unknown" in status, status
    assert ("does not match the name mail.other.test" in status) is (name != "localhost"), status
    assert status == status.strip() and "  " not in status, repr(status)
    rh = smtpkit("tls-check", *args)
    (line,) = [l for l in rh.out.splitlines() if l.startswith("Untrusted: ")]
    assert line == "Untrusted: " + status, (line, rh)


def test_expiring_warns(smtpkit, tls_server, pki):
    s = tls_server()
    check_both(smtpkit, [s.hostport, *ca(pki), *T, "--warn-days", "400"], 0,
               present={"cert-expiring": "warn"})
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    assert "cert-expiring" not in findings(r.json()), r


def test_weak_key_warns(smtpkit, tls_server, pki):
    s = tls_server(cert="rsa1024")
    doc, _ = check_both(smtpkit, [s.hostport, *ca(pki), *T], 0, present={"weak-key": "warn"})
    leaf = doc["tls"]["certificates"][0]
    assert leaf["key_type"] == "RSA" and leaf["key_bits"] == 1024, leaf


def test_chain_with_intermediate(smtpkit, tls_server, pki):
    s = tls_server(cert="chain")
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--show-certs")
    assert r.rc == 0, r
    doc = r.json()
    certs = doc["tls"]["certificates"]
    assert [c["subject"] for c in certs] == ["CN=localhost", "CN=smtpkit test intermediate"], certs
    for c in certs:
        assert len(c["sha256"].split(":")) == 32 and len(c["spki_sha256"].split(":")) == 32
        assert c["days_left"] > 300 and c["signature_algorithm"] and c["not_after"]
    assert len(doc["certificates_pem"]) == 2 and doc["certificates_pem"][0].startswith("-----BEGIN CERTIFICATE")
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=open(pki["chain"].cert, "rb").read(),
                         capture_output=True, check=True).stdout
    assert certs[0]["sha256"].replace(":", "") == hashlib.sha256(der).hexdigest().upper()
    rh = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--show-certs")
    assert rh.out.count("-----BEGIN CERTIFICATE-----") == 2, rh
    assert "certificate 1: CN=smtpkit test intermediate" in rh.out, rh


# --- no TLS ---------------------------------------------------------------------

def test_no_starttls_fails(smtpkit, tls_server, pki):
    """SPEC 9: tls-check's verdict on a port without TLS is one finding,
    no-tls (fail); no-starttls would say the same thing again.  With no
    STARTTLS there is no injection test: the report says what happened,
    once, instead of "injection test: no result"."""
    s = tls_server(starttls=False)
    doc, rh = check_both(smtpkit, [s.hostport, *ca(pki), *T], 1,
                         present={"no-tls": "fail"}, absent=("no-starttls",))
    assert doc["tls"] is None and doc["starttls_offered"] is False
    assert [(f["id"], f["level"]) for f in doc["findings"]] == [("no-tls", "fail")], doc["findings"]
    assert doc["starttls"] == {"injection_test": False, "injection_vulnerable": None,
                               "data_after_220": False}, doc["starttls"]
    assert "injection test" not in rh.out and "data after the 220" not in rh.out, rh
    starttls = [l for l in rh.out.splitlines() if l.startswith("STARTTLS:")]
    assert starttls == ["STARTTLS:    the server does not offer STARTTLS"], rh
    versions = [l for l in rh.out.splitlines() if l.startswith(("versions:", "    "))
                and "STARTTLS not offered" in l]
    assert len(versions) == 1, rh
    assert not any(b"STARTTLS" in l.upper() for c in s.connections for _, l in c["commands"])


def test_connect_failure_is_75(smtpkit):
    from harness.aiosmtpd_server import free_port
    r = smtpkit("tls-check", "127.0.0.1:%d" % free_port(), *T, "--json")
    assert r.rc == 75, r
    assert (r.json()["error"]["stage"], r.json()["error"]["class"]) == ("connect", "temporary"), r
    r = smtpkit("tls-check", "127.0.0.1:%d" % free_port(), *T)
    assert r.rc == 75 and "result: failed at connect" in r.out, r


def test_usage_errors(smtpkit):
    assert smtpkit("tls-check").rc == 64
    assert smtpkit("tls-check", "127.0.0.1", "--tls", "none").rc == 64
    assert smtpkit("tls-check", "127.0.0.1", "--warn-days", "-1").rc == 64
    assert smtpkit("tls-check", "127.0.0.1", "--name", "a\rb").rc == 64


# With --json a usage error is still one JSON document on stdout
# ({"command":"tls-check","ok":false,"exit_code":64,...}), as for the other
# commands, wherever --json stands: before or after the option refused.
@pytest.mark.parametrize("argv", [
    ["--json", "127.0.0.1", "--warn-days", "x"],
    ["127.0.0.1", "--json", "--warn-days", "x"],
    ["127.0.0.1", "--warn-days", "-1", "--json"],
    ["127.0.0.1", "--json", "--warn-days", "-1"],
    ["127.0.0.1", "--tls", "none", "--json"],
    ["127.0.0.1", "--timeout", "x", "--json"],
    ["127.0.0.1", "--name", "a\rb", "--json"],
    ["--json"],                             # no HOST
    ["a.test", "b.test", "--json"],         # two HOSTs
    ["127.0.0.1", "--bogus", "--json"],     # an option popt does not know
    ["127.0.0.1", "--json", "--warn-days"],  # an option without its value
])
def test_usage_error_is_one_json_document(smtpkit, argv):
    r = smtpkit("tls-check", *argv)
    assert r.rc == 64, r
    doc = r.json()                          # the whole of stdout, one document
    assert doc["command"] == "tls-check" and doc["ok"] is False and doc["exit_code"] == 64, doc
    assert doc["error"]["class"] == "usage" and doc["error"]["message"], doc
    assert r.err.startswith("smtpkit: "), r


# --- STARTTLS injection -----------------------------------------------------------

def test_injection_vulnerable(smtpkit, tls_server, pki):
    s = tls_server(vulnerable=True)
    doc, rh = check_both(smtpkit, [s.hostport, *ca(pki), *T], 1, present={"starttls-injection": "fail"})
    assert doc["starttls"]["injection_vulnerable"] is True, doc["starttls"]
    assert "VULNERABLE" in rh.out, rh
    # STARTTLS and NOOP left in one segment, in the clear.
    segs = [d for c in s.connections for t, d in c["received"] if not t]
    assert any(d.endswith(b"STARTTLS\r\nNOOP\r\n") for d in segs), segs


def test_injection_test_can_be_skipped(smtpkit, tls_server, pki):
    s = tls_server(vulnerable=True)
    doc, rh = check_both(smtpkit, [s.hostport, *ca(pki), *T, "--no-injection-test"], 0,
                         absent=("starttls-injection",))
    assert doc["starttls"]["injection_test"] is False and doc["starttls"]["injection_vulnerable"] is None
    plain = b"".join(d for c in s.connections for t, d in c["received"] if not t)
    assert b"NOOP" not in plain, plain
    assert "not run (--no-injection-test)" in rh.out


def test_not_vulnerable_server(smtpkit, tls_server, pki):
    s = tls_server()
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    assert r.rc == 0 and r.json()["starttls"]["injection_vulnerable"] is False, r
    plain = b"".join(d for c in s.connections for t, d in c["received"] if not t)
    assert b"STARTTLS\r\nNOOP\r\n" in plain, "the test was not run"
    assert not any(l.upper().startswith(b"NOOP") for l in s.commands(tls=True)), "NOOP ran inside TLS"


def test_data_after_220(smtpkit, tls_server, pki):
    s = tls_server(inject=b"250 injected\r\n")
    doc, _ = check_both(smtpkit, [s.hostport, *ca(pki), *T], 1, present={"data-after-starttls": "fail"})
    assert doc["starttls"]["data_after_220"] is True
    # No handshake after the injected bytes: nothing was received inside TLS.
    assert not any(t for c in s.connections for t, _ in c["received"]), s.connections


def test_postfix_not_vulnerable(smtpkit, postfix, pki):
    doc, rh = check_both(smtpkit, [postfix.hostport, *ca(pki), *T], 0,
                         absent=("starttls-injection", "data-after-starttls", "no-tls"))
    assert doc["starttls"]["injection_vulnerable"] is False, doc["starttls"]
    assert doc["tls"]["verdict"] == "Verified" and offered(doc)["TLS1.2"] is True, doc
    assert doc["greeting"]["lines"][0].startswith("mail.smtpkit.test"), doc


# --- OCSP (gnutls-serv, implicit TLS) ---------------------------------------------------

def test_ocsp_staple(smtpkit, pki):
    srv = GnutlsServ(pki, cert="ocsp", ocsp=ocsp_response(pki))
    try:
        doc, rh = check_both(smtpkit, [srv.hostport, "--tls", "implicit", *ca(pki), "--timeout", "1"], 0,
                             absent=("no-ocsp-staple",))
    finally:
        srv.stop()
    assert doc["server"]["tls_mode"] == "implicit" and doc["starttls"] is None
    assert doc["session"]["ocsp"] == {"stapled": True, "valid": True, "expected": True}, doc["session"]
    assert "OCSP staple yes, valid" in rh.out, rh


def test_no_ocsp_staple_warns(smtpkit, pki):
    srv = GnutlsServ(pki, cert="ocsp")
    try:
        doc, _ = check_both(smtpkit, [srv.hostport, "--tls", "implicit", *ca(pki), "--timeout", "1"], 0,
                            present={"no-ocsp-staple": "warn"})
    finally:
        srv.stop()
    assert doc["session"]["ocsp"]["stapled"] is False


# --- --ciphers ------------------------------------------------------------------------

def test_ciphers_and_groups(smtpkit, tls_server, pki):
    s = tls_server(ciphers="ECDHE-ECDSA-AES128-GCM-SHA256")
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 0, r
    doc = r.json()
    assert doc["ciphers"]["TLS1.2"] == ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"], doc["ciphers"]
    assert set(doc["ciphers"]["TLS1.3"]) == {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                                             "TLS_CHACHA20_POLY1305_SHA256"}, doc["ciphers"]
    # Group names as the IANA registry spells them (RFC 8446 4.2.7).
    assert {"x25519", "secp256r1", "secp384r1"} <= set(doc["groups"]), doc["groups"]
    rh = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--ciphers", timeout=60)
    assert "0xC02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in rh.out, rh
    assert "groups (TLS1.3):            x25519 (good)" in rh.out, rh


def test_groups_at_tls12(smtpkit, tls_server, pki):
    s = tls_server(versions=("TLSv1_2", "TLSv1_2"))
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 0, r
    assert {"x25519", "secp256r1"} <= set(r.json()["groups"]), r.json()["groups"]
    assert list(r.json()["ciphers"]) == ["TLS1.2"]


# --- DANE -------------------------------------------------------------------------------

def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _spki_der(pem_file):
    pub = subprocess.run(["openssl", "x509", "-in", pem_file, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    return subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                          capture_output=True, check=True).stdout


def _cert_der(pem_file):
    return subprocess.run(["openssl", "x509", "-in", pem_file, "-outform", "DER"],
                          capture_output=True, check=True).stdout


def _dane(smtpkit, s, pki, records, ad=True, extra=(), rc=None, present=(), absent=()):
    qname = "_%d._tcp.localhost" % s.port
    zone = {qname: ["TLSA %s" % r for r in records]}
    with DNSFixture(zone, faults={qname: {"ad": True}} if ad else {}) as dns:
        args = [s.hostport, *ca(pki), *T, "--resolver", dns.resolver, *extra]
        doc, rh = check_both(smtpkit, args, rc, present, absent)
        assert any(str(q.q.qname).rstrip(".") == qname and q.q.qtype == 52 for _, q in dns.queries)
    return doc, rh


def test_dane_ee_match(smtpkit, tls_server, pki):
    s = tls_server()
    doc, rh = _dane(smtpkit, s, pki, ["3 1 1 " + _sha256_hex(_spki_der(pki["good"].cert))], rc=0)
    assert doc["dane"]["state"] == "match" and doc["dane"]["dnssec_validated"] is True, doc["dane"]
    assert doc["dane"]["records"][0]["matched"] is True
    assert "(DNSSEC-validated): match" in rh.out, rh


def test_dane_rollover(smtpkit, tls_server, pki):
    """RFC 7671 8.1: the current key alone is not ready for a rollover; a
    published next key (a record matching nothing today), or DANE-TA beside
    DANE-EE, is."""
    s = tls_server(cert="chain")
    ee = "3 1 1 " + _sha256_hex(_spki_der(pki["chain"].cert))
    ta = "2 0 1 " + _sha256_hex(_cert_der(str(pki.dir / "intermediate.pem")))
    doc, rh = _dane(smtpkit, s, pki, [ee], rc=0, present={"dane-no-rollover": "warn"})
    assert doc["dane"]["rollover_ready"] is False and doc["dane"]["unmatched"] == 0, doc["dane"]
    assert "rollover NOT ready" in rh.out
    doc, rh = _dane(smtpkit, s, pki, [ee, "3 1 1 " + "cd" * 32], rc=0, present={"dane-unmatched-record": "ok"},
                    absent=["dane-no-rollover"])
    assert doc["dane"]["rollover_ready"] is True and doc["dane"]["unmatched"] == 1, doc["dane"]
    assert [r["matched"] for r in doc["dane"]["records"]] == [True, False]
    doc, rh = _dane(smtpkit, s, pki, [ee, ta], rc=0, absent=["dane-no-rollover", "dane-unmatched-record"])
    assert doc["dane"]["rollover_ready"] is True and "rollover ready" in rh.out, doc["dane"]


def test_dane_mismatch_fails(smtpkit, tls_server, pki):
    s = tls_server()
    doc, _ = _dane(smtpkit, s, pki, ["3 1 1 " + "ab" * 32], rc=1)
    assert doc["dane"]["state"] == "mismatch", doc["dane"]
    assert findings(doc)["dane-mismatch"] == "fail"


def test_dane_ee_ignores_expiry(smtpkit, tls_server, pki):
    """RFC 7672 3.1.1: DANE-EE binds the key; an expired certificate is
    authenticated, so cert-expired is a warning, not a failure."""
    s = tls_server(cert="expired")
    doc, _ = _dane(smtpkit, s, pki, ["3 1 1 " + _sha256_hex(_spki_der(pki["expired"].cert))], rc=0)
    assert findings(doc)["cert-expired"] == "warn", doc["findings"]


def test_dane_ta_needs_the_name(smtpkit, tls_server, pki):
    s = tls_server(cert="chain")
    ta = "2 0 1 " + _sha256_hex(_cert_der(str(pki.dir / "intermediate.pem")))
    doc, _ = _dane(smtpkit, s, pki, [ta], rc=0)
    assert doc["dane"]["state"] == "match", doc["dane"]
    # The same record, but the name asked for is not the certificate's.
    qname = "_%d._tcp.other.test" % s.port
    with DNSFixture({qname: ["TLSA " + ta]}, faults={qname: {"ad": True}}) as dns:
        r = smtpkit("tls-check", s.hostport, "--cafile", pki.ca, "--name", "other.test", *T,
                    "--resolver", dns.resolver, "--json")
    assert r.rc == 1 and r.json()["dane"]["state"] == "mismatch", r
    assert findings(r.json())["dane-mismatch"] == "fail"


def test_dane_not_signed_and_absent(smtpkit, tls_server, pki):
    s = tls_server()
    doc, rh = _dane(smtpkit, s, pki, ["3 1 1 " + "ab" * 32], ad=False, rc=0)
    assert doc["dane"]["state"] == "insecure" and doc["dane"]["dnssec_validated"] is False
    assert "not DNSSEC-validated" in rh.out
    doc, rh = _dane(smtpkit, s, pki, [], rc=0)
    assert doc["dane"]["state"] == "no-tlsa", doc["dane"]
    assert "no TLSA record" in rh.out


def test_help_lists_options(smtpkit):
    r = smtpkit("tls-check", "--help")
    assert r.rc == 0
    for opt in ("--name", "--ciphers", "--show-certs", "--warn-days", "--no-injection-test"):
        assert opt in r.out, opt
