"""`smtpkit ehlo` beyond the one-script-per-case form of cases/: a refused
connection, the JSON document in full, findings under --insecure, -q, and
--source (the server sees the address; one this machine lacks is 78)."""
import socket

import pytest

from harness.cases import CA, T, starttls_session, plain_session


def _ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


def test_connect_refused(smtpkit):
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = smtpkit("ehlo", "127.0.0.1:%d" % port, *T)
    assert r.rc == 75, r
    assert r.secs < 4.5, r
    assert r.out.rstrip("\n").splitlines()[-1].startswith("result: failed at connect"), r
    assert r.err.startswith("smtpkit: "), r


def test_json_document_good_starttls(smtpkit, scripted, pki):
    srv = scripted(starttls_session("good"))
    r = smtpkit("ehlo", srv.hostport, *_ca(pki), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    doc = r.json()
    assert doc["server"]["port"] == srv.port
    assert doc["greeting"]["code"] == 220
    # The greeting's meaning as a greeting (RFC 5321 4.2), as the transcript says it.
    assert doc["greeting"]["meaning"] == "220 service ready (RFC 5321 4.2)", doc["greeting"]
    assert doc["greeting"]["lines"] and "mx.scripted.test" in doc["greeting"]["lines"][0]
    # Entries may carry more (e.g. "meaning"); keyword and params are the contract.
    before = [(c["keyword"], c["params"]) for c in doc["capabilities"]["before_tls"]]
    assert ("SIZE", ["10240000"]) in before, before
    after = [(c["keyword"], c["params"]) for c in doc["capabilities"]["after_tls"]]
    assert ("AUTH", ["PLAIN", "LOGIN"]) in after, after
    assert not any(k == "STARTTLS" for k, _ in after), after
    tls = doc["tls"]
    assert tls["verified"] is True and tls["version"].startswith("TLS1.")
    # Each SAN entry carries its type, as the leaf of harness/certs.py has them.
    san = tls["certificates"][0]["san"]
    assert san == ["DNS:localhost", "IP:127.0.0.1", "IP:::1"], san
    codes = [rep["code"] for rep in doc["replies"]]
    assert all(isinstance(c, int) for c in codes) and 220 in codes
    dirs = {t["dir"] for t in doc["transcript"]}
    assert {"C", "S"} <= dirs


def test_insecure_reports_the_untrusted_certificate(smtpkit, scripted, pki):
    # --insecure goes on past the certificate (exit 0) but still reports it,
    # at the level it has without --insecure.
    srv = scripted(starttls_session("selfsigned"))
    r = smtpkit("ehlo", srv.hostport, "--insecure", *_ca(pki), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    doc = r.json()
    assert doc["tls"]["verified"] is False, doc["tls"]
    assert [(f["level"], f["id"]) for f in doc["findings"]] == [("fail", "cert-untrusted")], \
        doc["findings"]


def test_quiet_prints_only_result(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "-q", *T)
    srv.finish()
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines and lines[-1].startswith("result: ok"), r
    assert not any(l.startswith((" -> ", "<-  ")) for l in lines), r


@pytest.mark.parametrize("cert,finding,verdict", [
    ("expired", "cert-expired", "Untrusted"),
    ("notyet", "cert-not-yet-valid", "Untrusted"),
    ("wrongname", "cert-name-mismatch", "Mismatched"),
    ("selfsigned", "cert-untrusted", "Untrusted"),
])
def test_certificate_finding_ids(smtpkit, scripted, pki, cert, finding, verdict):
    # SPEC 9: each certificate problem has its own stable finding id (fail level);
    # scripts and monitoring key on it, so "untrusted" for everything is not enough.
    srv = scripted(starttls_session(cert))
    r = smtpkit("ehlo", srv.hostport, "--insecure", *_ca(pki), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    found = [(f["id"], f["level"]) for f in r.json()["findings"]]
    assert found == [(finding, "fail")], found
    # One verdict word for chain and name: a trusted chain for another name
    # is "Mismatched", never "Trusted" beside a fail finding.
    assert (r.json()["tls"]["verdict"], r.json()["tls"]["verified"]) == (verdict, False)
    srv = scripted(starttls_session(cert))
    h = smtpkit("ehlo", srv.hostport, "--insecure", *_ca(pki), *T)
    srv.finish()
    assert "%s: " % verdict in h.out and "Trusted" not in h.out, h
    assert h.out.rstrip("\n").splitlines()[-1].endswith(", %s)" % verdict), h


# ---- --source ------------------------------------------------------------------

def test_source_is_the_address_the_server_sees(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "127.0.0.5", "--tls", "none", *T)
    srv.finish()
    assert r.rc == 0, r
    assert [peer[0] for peer in srv.peers] == ["127.0.0.5"], srv.peers
    assert not srv.errors, srv.report()


def test_source_not_on_this_machine_is_78(smtpkit, scripted):
    # 192.0.2.1 (TEST-NET-1) is nobody's local address: refused before any
    # connection.
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "192.0.2.1", *T)
    srv.finish(timeout=0.3)
    assert r.rc == 78 and "source" in r.err, r
    assert srv.connections == 0, "smtpkit connected"


def test_source_must_be_an_address(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--source", "localhost", *T)
    srv.finish(timeout=0.3)
    assert r.rc == 64, r
    assert srv.connections == 0, "smtpkit connected"


# ---- --cafile DIR ------------------------------------------------------------------

def test_cafile_directory_of_cas(smtpkit, scripted, pki, tmp_path):
    """--cafile takes a directory of PEM files too, as OpenSSL's CApath and
    swaks's --tls-ca-path do (any file name; non-certificate files are
    skipped): the chain verifies against the test CA found there."""
    import shutil
    d = tmp_path / "cas"
    d.mkdir()
    shutil.copy(pki.ca, d / "test-ca.pem")
    (d / "README").write_text("not a certificate\n")
    srv = scripted(starttls_session("good"))
    r = smtpkit("ehlo", srv.hostport, "--cafile", str(d), "--tls-name", "localhost", *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    assert (r.json()["tls"]["verified"], r.json()["tls"]["verdict"]) == (True, "Verified"), r.json()["tls"]


def test_cafile_directory_without_ca_is_78(smtpkit, scripted, pki, tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "README").write_text("not a certificate\n")
    srv = scripted(starttls_session("good"))
    r = smtpkit("ehlo", srv.hostport, "--cafile", str(d), "--tls-name", "localhost", *T)
    srv.finish(timeout=0)
    assert r.rc == 78, r
    assert "no CA certificate in --cafile directory %s" % d in r.err, r
    assert b"EHLO" not in b"".join(data for tls, data in srv.received if tls), srv.received
