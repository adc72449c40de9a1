"""tls-check's own ClientHellos against openssl s_server behind a scripted
STARTTLS front end (harness/starttls_front.py): for each configuration, the
suites accepted per version, their order, the groups and the DH size equal
what the server was configured with, including suites GnuTLS cannot speak
(ARIA, anonymous ECDH); a server answering 421 after a few connections
gives a partial report that says what it could not learn.  SSLv2 and SSLv3,
which no server here speaks any more, meet a fake legacy server scripted
from bytes (harness/legacy_tls.py)."""
import subprocess

import pytest

from harness.legacy_tls import LegacyTLS
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


@pytest.fixture
def legacy(pki):
    servers = []

    def start(**kw):
        s = LegacyTLS(pki, **kw)
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


# --- SSLv2 and SSLv3: a fake legacy server -----------------------------------------

RC4_SHA, DES_CBC3_SHA, AES128_SHA = 0x0005, 0x000A, 0x002F
SSL_RC4_128_MD5, SSL_DES_192_EDE3_MD5 = 0x010080, 0x0700C0
TLS_VERSIONS = ("TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3")


def findings(doc):
    return [(x["level"], x["id"], x["text"]) for x in doc["findings"]]


def assert_no_tls_offered(doc):
    """The fake alerts every TLS 1.0+ ClientHello: GnuTLS's and smtpkit's own."""
    for name in TLS_VERSIONS:
        v = scan_version(doc, name)
        assert v["offered"] == "no" and v["message"] == "alert 70", v
    assert not any(p["offered"] for p in doc["protocols"]), doc["protocols"]


def test_sslv3_offered_suites_in_server_order(smtpkit, legacy, pki):
    s = legacy(ssl3=[RC4_SHA, DES_CBC3_SHA, AES128_SHA])
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 1, r                 # SPEC 9: fail-level findings
    doc = r.json()
    v3 = scan_version(doc, "SSLv3")
    assert v3["offered"] == "yes" and v3["complete"] is True and v3["order"] == "server", v3
    assert [x["value"] for x in v3["suites"]] == [RC4_SHA, DES_CBC3_SHA, AES128_SHA], v3
    assert [x["grade"] for x in v3["suites"]] == ["insufficient", "phase-out", "phase-out"], v3
    assert doc["ciphers"] == {"SSLv3": ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                                        "TLS_RSA_WITH_AES_128_CBC_SHA"]}, doc["ciphers"]
    assert scan_version(doc, "SSLv2")["offered"] == "no"
    assert_no_tls_offered(doc)
    f = findings(doc)
    assert [x for x in f if x[1] == "ssl-version"] == [("fail", "ssl-version",
                                                        "the server offers SSLv3 (RFC 7568 forbids it)")], f
    levels = {i: lv for lv, i, _ in f}
    assert levels["cipher-rc4"] == "fail" and levels["cipher-3des"] == "warn", f
    assert levels["cipher-rsa-kx"] == "warn" and levels["cert-not-examined"] == "warn", f
    assert "no-tls" not in levels, f
    assert "TLS_RSA_WITH_RC4_128_SHA (SSLv3)" in next(t for _, i, t in f if i == "cipher-rc4")

    # What the fake saw: offer all, drop the chosen suite, again, until
    # refused; then the first two the other way round for the order.
    h = s.hellos("ssl3")
    assert [c["answer"] for c in h] == ["server_hello"] * 3 + ["alert", "server_hello"], h
    assert [c["chosen"] for c in h] == [RC4_SHA, DES_CBC3_SHA, AES128_SHA, 40, RC4_SHA], h
    offers = [c["hello"]["suites"] for c in h]
    mine = {RC4_SHA, DES_CBC3_SHA, AES128_SHA}
    assert [mine & set(o) for o in offers[:4]] == \
        [mine, {DES_CBC3_SHA, AES128_SHA}, {AES128_SHA}, set()], offers
    for i in range(3):
        assert set(offers[i + 1]) == set(offers[i]) - {h[i]["chosen"]}, i
    assert offers[4] == [DES_CBC3_SHA, RC4_SHA, 0x00FF], offers[4]
    for c in h:
        hello = c["hello"]
        # SSLv3 on the wire, the renegotiation SCSV instead of extensions (RFC 5746 3.3).
        assert (hello["record_version"], hello["client_version"]) == (0x0300, 0x0300), hello
        assert not hello["extensions"] and 0x00FF in hello["suites"], hello
    assert len(s.hellos("ssl2")) == 1 and s.hellos("ssl2")[0]["answer"] == "ssl2_error"
    assert all(c["answer"] == "alert" for c in s.hellos("tls"))
    # SSLv2 1, SSLv3 5, TLS 1.0-1.3 one each: no more connections than that.
    assert doc["scan"]["connections"] == 10 and doc["scan"]["failed_connections"] == 0, doc["scan"]
    assert s.errors == []


def test_sslv3_client_order(smtpkit, legacy, pki):
    """A server that takes the client's first suite it knows: the suites
    come back in smtpkit's own order (the table's), and the order is the
    client's."""
    s = legacy(ssl3=[AES128_SHA, DES_CBC3_SHA, RC4_SHA], client_order=True)
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 1, r
    v3 = scan_version(r.json(), "SSLv3")
    assert v3["order"] == "client" and v3["complete"] is True, v3
    assert [x["value"] for x in v3["suites"]] == [RC4_SHA, DES_CBC3_SHA, AES128_SHA], v3
    assert [c["chosen"] for c in s.hellos("ssl3")] == [RC4_SHA, DES_CBC3_SHA, AES128_SHA, 40, DES_CBC3_SHA]


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "none-shared"])
def test_sslv2(smtpkit, legacy, pki, shared):
    specs = [SSL_DES_192_EDE3_MD5, SSL_RC4_128_MD5] if shared else [0x080080]   # RC4_64: never asked for
    s = legacy(ssl2=specs)
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, "--json", "--ciphers", timeout=60)
    assert r.rc == 1, r
    doc = r.json()
    v2 = scan_version(doc, "SSLv2")
    v3 = scan_version(doc, "SSLv3")
    assert v3["offered"] == "no" and v3["message"] == "alert 40", v3
    assert_no_tls_offered(doc)
    f = findings(doc)
    levels = {i: lv for lv, i, _ in f}
    if shared:
        assert v2["offered"] == "yes", v2
        # The SERVER-HELLO's list, in the server's order.
        assert v2["ssl2_specs"] == ["SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "SSL_CK_RC4_128_WITH_MD5"], v2
        assert [x for x in f if x[1] == "ssl-version"] == [("fail", "ssl-version",
                                                            "the server offers SSLv2 (RFC 6176 forbids it)")], f
        assert levels["cert-not-examined"] == "warn" and "no-tls" not in levels, f
        assert doc["ciphers"] == {}, doc["ciphers"]          # SSLv2 specs are not TLS suites
    else:
        # An SSLv2 ERROR is a refusal: "no", and then the port has no TLS at all.
        assert v2["offered"] == "no" and v2["message"] == "alert 1", v2
        assert "ssl2_specs" not in v2 and "ssl-version" not in levels, f
        assert levels["no-tls"] == "fail", f
    h = s.hellos("ssl2")
    assert len(h) == 1, h                       # one connection says it all
    hello = h[0]["hello"]
    assert len(hello["specs"]) == 7 and {SSL_RC4_128_MD5, SSL_DES_192_EDE3_MD5} <= set(hello["specs"]), hello
    assert hello["client_version"] == 0x0002 and hello["challenge"] == 16, hello
    assert h[0]["answer"] == ("ssl2_server_hello" if shared else "ssl2_error"), h
    assert len(s.hellos("ssl3")) == 1 and s.hellos("ssl3")[0]["answer"] == "alert"
    assert s.errors == []


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit"])
def test_legacy_versions_human(smtpkit, legacy, pki, implicit):
    s = legacy(ssl3=[RC4_SHA, DES_CBC3_SHA, AES128_SHA], ssl2=[SSL_RC4_128_MD5, SSL_DES_192_EDE3_MD5],
               implicit=implicit)
    tls = ["--tls", "implicit"] if implicit else []
    r = smtpkit("tls-check", s.hostport, *ca(pki), *T, *tls, "--ciphers", timeout=60)
    assert r.rc == 1, r
    lines = r.out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("own ClientHellos ("))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
    own = lines[start + 1:end]

    def line(prefix):
        found = [l.split() for l in own if l.split()[:1] == [prefix]]
        assert len(found) == 1, (prefix, r.out)
        return " ".join(found[0])
    assert line("SSLv3") == "SSLv3 offered insufficient, 3 suites, server order", r.out
    assert line("SSLv2") == "SSLv2 offered insufficient", r.out
    for name in ("TLS1.0", "TLS1.1"):
        assert line(name) == name + " not offered alert 70", r.out
    suites = [l.split()[2] for l in own if l.startswith("    0x") and len(l.split()) > 3]
    assert suites == ["RC4-SHA", "DES-CBC3-SHA", "AES128-SHA"], r.out
    specs = [l.split() for l in own if l.startswith("    0x") and len(l.split()) == 2]
    assert specs == [["0x010080", "SSL_CK_RC4_128_WITH_MD5"], ["0x0700C0", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"]], r.out
    assert "finding: fail ssl-version: the server offers SSLv2 (RFC 6176 forbids it)" in lines, r.out
    assert "finding: fail ssl-version: the server offers SSLv3 (RFC 7568 forbids it)" in lines, r.out
    assert any(l.startswith("finding: fail cipher-rc4:") for l in lines), r.out
    assert all(c["commands"] == [] for c in s.connections) if implicit else \
        all(c["commands"][-1] in (b"STARTTLS", b"QUIT") for c in s.connections), s.connections
