"""tls-check's own ClientHellos against openssl s_server behind a scripted
STARTTLS front end (harness/starttls_front.py): for each configuration, the
suites accepted per version, their order, the groups and the DH size equal
what the server was configured with, including suites GnuTLS cannot speak
(ARIA, anonymous ECDH); a server answering 421 after a few connections
gives a partial report that says what it could not learn."""
import subprocess

import pytest

from harness.starttls_front import OpensslFront

T = ["--timeout", "3", "--connect-timeout", "2"]


def ca(pki):
    return ["--cafile", pki.ca, "--name", "localhost"]


@pytest.fixture
def front(pki):
    servers = []

    def start(**kw):
        s = OpensslFront(pki, **kw)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()


def scan_version(doc, name):
    return next(v for v in doc["scan"]["versions"] if v["version"] == name)


def starttls_sessions(srv):
    return sum(1 for c in srv.connections if b"STARTTLS" in c["commands"])


# The server's order (-serverpref) as configured; the EC test leaf takes
# ECDSA and anonymous suites.
LEGACY = ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA",
          "AECDH-AES256-SHA"]
LEGACY_IANA = ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
               "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"]


def test_suites_gnutls_cannot_speak_in_server_order(smtpkit, front, pki):
    s = front(cipher=":".join(LEGACY) + ":@SECLEVEL=0",
              ciphersuites="TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
              groups="P-384:X25519", extra=["-serverpref"])
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 1, r
    doc = r.json()
    assert doc["ciphers"]["TLS1.2"] == LEGACY_IANA, doc["ciphers"]
    # TLS 1.0 and 1.1 have no GCM suites (RFC 5246 A.5).
    assert doc["ciphers"]["TLS1.1"] == LEGACY_IANA[2:], doc["ciphers"]
    assert doc["ciphers"]["TLS1.0"] == LEGACY_IANA[2:], doc["ciphers"]
    assert set(doc["ciphers"]["TLS1.3"]) == {"TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"}
    v12 = scan_version(doc, "TLS1.2")
    assert v12["order"] == "server" and v12["complete"], v12
    assert [x["openssl"] for x in v12["suites"]] == LEGACY
    aria = v12["suites"][1]
    assert (aria["kx"], aria["auth"], aria["encryption"], aria["bits"], aria["grade"]) == \
        ("ECDHE", "ECDSA", "ARIA-GCM", 256, "insufficient")
    assert scan_version(doc, "SSLv3")["offered"] == "no"
    assert scan_version(doc, "SSLv2")["offered"] == "no"
    assert {g["name"] for g in doc["scan"]["groups_tls13"]["accepted"]} == {"secp384r1", "x25519"}
    assert {g["name"] for g in doc["scan"]["groups_tls12"]["accepted"]} == {"secp384r1", "x25519"}
    # TLS 1.3 binds the curve to the hash: a P-256 key signs with one.
    assert [g["name"] for g in doc["scan"]["sigalgs_tls13"]["accepted"]] == ["ecdsa_secp256r1_sha256"]
    assert doc["scan"]["extensions"]["secure_renegotiation"] is True
    assert doc["scan"]["fallback_scsv"] is True
    f = {x["id"]: x["level"] for x in doc["findings"]}
    assert f["cipher-anon"] == "fail" and f["cipher-insufficient"] == "fail", f
    assert f["cipher-cbc-sha1"] == "warn" and f["tls-old-version"] == "warn", f
    # Few connections: per version one per accepted suite, one refusal,
    # one order check; each went through STARTTLS at the front end.
    n = doc["scan"]["connections"]
    assert n <= 6 + (4 + 2) + (2 + 2) * 2 + (2 + 2) + 3 + 3 + 1 + 1 + 6, n
    assert starttls_sessions(s) >= n
    rh = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--ciphers", timeout=60)
    assert rh.rc == 1
    assert "ECDHE-ECDSA-ARIA256-GCM-SHA384" in rh.out and "AECDH-AES256-SHA" in rh.out, rh
    assert "finding: fail cipher-anon:" in rh.out


def test_client_order(smtpkit, front, pki):
    s = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", versions=["-tls1_2"])
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    doc = r.json()
    assert list(doc["ciphers"]) == ["TLS1.2"], doc["ciphers"]
    assert set(doc["ciphers"]["TLS1.2"]) == {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                             "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}
    assert scan_version(doc, "TLS1.2")["order"] == "client"
    assert scan_version(doc, "TLS1.3")["offered"] == "no"
    assert r.rc == 0, r      # only good suites at TLS 1.2


def test_dh_size_and_rsa_kx(smtpkit, front, pki, tmp_path):
    key, crt = tmp_path / "rsa.key", tmp_path / "rsa.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                    "-subj", "/CN=localhost", "-days", "2"], check=True, capture_output=True)
    s = front(pair=(str(crt), str(key)), cipher="DHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0",
              versions=["-tls1_2"], extra=["-serverpref"])
    r = smtpkit("tls-check", s.hostport, "--insecure", *T, "--json", "--ciphers", timeout=60)
    doc = r.json()
    # (Debian 12's OpenSSL has no 3DES any more, even at SECLEVEL=0.)
    assert doc["ciphers"]["TLS1.2"] == ["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"], \
        doc["ciphers"]
    assert doc["scan"]["dh_bits"] == 2048, doc["scan"]
    f = {x["id"]: x["level"] for x in doc["findings"]}
    assert f["dh-2048"] == "warn" and f["cipher-rsa-kx"] == "warn", f
    sig = [g["name"] for g in doc["scan"]["sigalgs_tls12"]["accepted"]]
    assert "rsa_pkcs1_sha1" in sig and f.get("sigalg-sha1") == "warn", (sig, f)


@pytest.mark.parametrize("close", [False, True], ids=["421", "dropped"])
def test_421_after_some_connections_is_a_partial_report(smtpkit, front, pki, close):
    s = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA",
              limit=9, extra=["-serverpref"], limit_close=close)
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", "--max-connections", "1",
                timeout=60)
    doc = r.json()
    f = {x["id"]: x for x in doc["findings"]}
    assert f["scan-incomplete"]["level"] == "warn", f
    text = f["scan-incomplete"]["text"]
    assert ("closed" in text) if close else ("421" in text), f
    assert doc["scan"]["failed_connections"] >= 1
    # What was not learned is not "no".
    unknown = [v for v in doc["scan"]["versions"] if v["offered"] == "unknown"]
    incomplete = [v for v in doc["scan"]["versions"] if v.get("complete") is False]
    assert unknown or incomplete, doc["scan"]["versions"]
    assert any(c["refused"] for c in s.connections)
    s2 = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", limit=9, limit_close=close)
    rh = smtpkit("tls-check", s2.hostport, *ca(pki), *T, "--ciphers", "--max-connections", "1", timeout=60)
    assert "finding: warn scan-incomplete:" in rh.out, rh


def test_quick_sends_no_own_hello(smtpkit, front, pki):
    s = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256")
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--quick")
    doc = r.json()
    assert doc["scan"] is None and doc["ciphers"] is None
    assert starttls_sessions(s) <= 6, len(s.connections)
    r2 = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--quick", "--ciphers")
    assert r2.rc == 64, r2


def test_pause_and_max_connections_checked(smtpkit):
    for args in (["--max-connections", "0"], ["--pause", "-1"], ["--max-connections", "65"]):
        r = smtpkit("tls-check", "127.0.0.1:9", *args)
        assert r.rc == 64, r


# --- Postfix, default and hardened -----------------------------------------------

def s_client(hostport, cipher, version="-tls1_2"):
    """Can a real client negotiate CIPHER with the server at VERSION?"""
    host, port = hostport.rsplit(":", 1)
    r = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", "-starttls", "smtp", version,
                        "-cipher", cipher + ":@SECLEVEL=0"], input="", capture_output=True, text=True,
                       timeout=20)
    return r.returncode == 0 and f"Cipher is {cipher}" in r.stdout


def test_postfix_default(smtpkit, postfix, pki):
    r = smtpkit("tls-check", postfix.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    doc = r.json()
    by = {v["version"]: v for v in doc["scan"]["versions"]}
    assert by["SSLv2"]["offered"] == by["SSLv3"]["offered"] == "no"
    assert by["TLS1.2"]["offered"] == "yes" and by["TLS1.2"]["complete"], by["TLS1.2"]
    names = {s["openssl"] for s in by["TLS1.2"]["suites"]}
    # What smtpkit found, a real client negotiates; what it did not, it cannot.
    for c in ("ADH-AES256-GCM-SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256"):
        assert c in names and s_client(postfix.hostport, c), c
    for c in ("ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"):
        assert c not in names and not s_client(postfix.hostport, c), c
    assert by["TLS1.2"]["order"] == "client"      # Postfix's default: tls_preempt_cipherlist = no
    # Client order: the certificate's curve, kept last in our list, is
    # chosen only when none of the others is accepted.
    g12 = doc["scan"]["groups_tls12"]
    assert g12["complete"] and {g["name"] for g in g12["accepted"]} == \
        {g["name"] for g in doc["scan"]["groups_tls13"]["accepted"]}, g12
    f = {x["id"]: x["level"] for x in doc["findings"]}
    assert f["cipher-anon"] == "fail" and r.rc == 1, f
    assert doc["scan"]["dh_bits"] == 1024 and f["dh-weak"] == "fail", doc["scan"]


HARDENED = """
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_ciphers = high
tls_high_cipherlist = ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256
tls_preempt_cipherlist = yes
tls_eecdh_auto_curves = X25519 prime256v1 secp384r1
"""


def test_postfix_hardened(smtpkit, pki):
    from harness.postfix_server import PostfixServer
    pf = PostfixServer(pki, main_extra=HARDENED)
    try:
        r = smtpkit("tls-check", pf.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    finally:
        pf.stop()
    doc = r.json()
    by = {v["version"]: v for v in doc["scan"]["versions"]}
    assert [v for v in by if by[v]["offered"] == "yes"] == ["TLS1.3", "TLS1.2"], by
    assert [s["openssl"] for s in by["TLS1.2"]["suites"]] == \
        ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-GCM-SHA256"]
    assert by["TLS1.2"]["order"] == "server"
    assert {g["name"] for g in doc["scan"]["groups_tls13"]["accepted"]} == {"x25519", "secp256r1", "secp384r1"}
    # At TLS 1.2 the ECDSA leaf's curve must stay offered (RFC 8422 5.1.1)
    # and this server prefers it to secp384r1: not learned, and said so.
    g12 = doc["scan"]["groups_tls12"]
    assert [g["name"] for g in g12["accepted"]] == ["x25519", "secp256r1"] and not g12["complete"], g12
    f = {x["id"]: x["level"] for x in doc["findings"]}
    assert "fail" not in f.values() and r.rc == 0, f
    assert not any(i.startswith("cipher-") for i in f), f


# --- mandatory STARTTLS ----------------------------------------------------------

def plain_mail_sessions(srv):
    return [c["commands"] for c in srv.connections if any(x.startswith(b"MAIL") for x in c["commands"])]


@pytest.mark.parametrize("reply,required", [
    (b"530 5.7.0 Must issue a STARTTLS command first", True),
    (b"250 2.1.0 Ok", False),
])
def test_mandatory_starttls(smtpkit, front, pki, reply, required):
    s = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256", mail_reply=reply)
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    m = r.json()["mandatory_starttls"]
    assert m["required"] is required and m["code"] == int(reply[:3]), m
    # One plain session asked: MAIL FROM:<>, then RSET (or nothing more
    # after a refusal); never RCPT, never DATA, never STARTTLS in it.
    sessions = plain_mail_sessions(s)
    assert len(sessions) == 1, s.connections
    cmds = sessions[0]
    assert cmds[1] == b"MAIL FROM:<>" and b"STARTTLS" not in cmds, cmds
    assert not any(c.startswith((b"RCPT", b"DATA", b"BDAT")) for c in cmds), cmds
    if not required:
        assert cmds[2] == b"RSET", cmds
    rh = smtpkit("tls-check", s.hostport, *ca(pki), *T)
    assert ("mandatory:   yes" if required else "mandatory:   no") in rh.out, rh
    rq = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--quick")
    assert rq.json()["mandatory_starttls"] is None


def test_mandatory_starttls_postfix(smtpkit, postfix, pki):
    from harness.postfix_server import PostfixServer
    r = smtpkit("tls-check", postfix.hostport, *ca(pki), *T, "--json")
    assert r.json()["mandatory_starttls"]["required"] is False, r
    pf = PostfixServer(pki, main_extra="smtpd_tls_security_level = encrypt\n")
    try:
        r = smtpkit("tls-check", pf.hostport, *ca(pki), *T, "--json")
        m = r.json()["mandatory_starttls"]
        assert m["required"] is True and m["code"] == 530 and m["enhanced"] == "5.7.0", m
        assert r.rc == 0, r
    finally:
        pf.stop()


def test_tls_gnutls_cannot_speak_is_not_no_tls(smtpkit, front, pki):
    """Only an anonymous suite: every GnuTLS handshake fails, but the port
    has TLS; it is graded, not reported as "no-tls"."""
    s = front(cipher="AECDH-AES256-SHA:@SECLEVEL=0", versions=["-no_tls1_3"])
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json")
    doc = r.json()
    f = {x["id"]: x["level"] for x in doc["findings"]}
    assert "no-tls" not in f and f["cert-not-examined"] == "warn", f
    assert f["cipher-anon"] == "fail" and r.rc == 1, f
    assert {p["version"]: p["offered"] for p in doc["protocols"]}["TLS1.2"] is True
    v12 = scan_version(doc, "TLS1.2")
    # Without --ciphers: the one suite chosen, graded, not an enumeration.
    assert v12["offered"] == "yes" and v12["complete"] is False, v12
    assert [x["openssl"] for x in v12["suites"]] == ["AECDH-AES256-SHA"], v12


def test_probe_reports_mandatory_starttls(smtpkit, front, pki):
    req = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256", mail_reply=b"530 5.7.0 Must issue a STARTTLS command first")
    opt = front(cipher="ECDHE-ECDSA-AES128-GCM-SHA256")
    ports = "%d,%d" % (req.port, opt.port)
    r = smtpkit("probe", "127.0.0.1", "--ports", ports, "--cafile", pki.ca, "--tls-name", "localhost", *T, "--json")
    by = {p["port"]: p["mandatory_starttls"] for p in r.json()["ports"]}
    assert by[req.port]["required"] is True and by[req.port]["code"] == 530, by
    assert by[opt.port]["required"] is False, by
    for s in (req, opt):
        cmds = plain_mail_sessions(s)
        assert len(cmds) == 1 and not any(c.startswith((b"RCPT", b"DATA")) for c in cmds[0]), s.connections
    rh = smtpkit("probe", "127.0.0.1", "--ports", ports, "--cafile", pki.ca, "--tls-name", "localhost", *T)
    line = next(l for l in rh.out.splitlines() if l.startswith("TLS required"))
    assert "yes (530 5.7.0)" in line and " no" in line, rh


def test_help_lists_scan_options(smtpkit):
    r = smtpkit("tls-check", "--help")
    assert r.rc == 0
    for opt in ("--quick", "--max-connections", "--pause", "--ciphers"):
        assert opt in r.out, opt
