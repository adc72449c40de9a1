"""Behaviour that does not fit the one-script-per-case form."""
import socket

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
    assert doc["greeting"]["lines"] and "mx.scripted.test" in doc["greeting"]["lines"][0]
    before = doc["capabilities"]["before_tls"]
    assert {"keyword": "SIZE", "params": ["10240000"]} in before, before
    after = doc["capabilities"]["after_tls"]
    assert {"keyword": "AUTH", "params": ["PLAIN", "LOGIN"]} in after, after
    tls = doc["tls"]
    assert tls["verified"] is True and tls["version"].startswith("TLS1.")
    assert "localhost" in tls["certificates"][0]["san"], tls["certificates"][0]
    codes = [rep["code"] for rep in doc["replies"]]
    assert all(isinstance(c, int) for c in codes) and 220 in codes
    dirs = {t["dir"] for t in doc["transcript"]}
    assert {"C", "S"} <= dirs


def test_insecure_reports_warning(smtpkit, scripted, pki):
    srv = scripted(starttls_session("selfsigned"))
    r = smtpkit("ehlo", srv.hostport, "--insecure", *_ca(pki), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    doc = r.json()
    assert doc["tls"]["verified"] is False, doc["tls"]
    assert any(f["level"] in ("warn", "fail") for f in doc["findings"]), doc["findings"]


def test_helo_with_crlf_is_usage_error(smtpkit, scripted):
    # Invariant 5: a value with CR/LF is refused (64) and never reaches the wire.
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "--helo", "a.test\r\nMAIL FROM:<x@y>", *T)
    srv.finish(timeout=1)
    assert r.rc == 64, r
    assert b"MAIL" not in srv.plain.upper(), srv.plain


def test_quiet_prints_only_result(smtpkit, scripted):
    srv = scripted(plain_session())
    r = smtpkit("ehlo", srv.hostport, "-q", *T)
    srv.finish()
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines and lines[-1].startswith("result: ok"), r
    assert not any(l.startswith((" -> ", "<-  ")) for l in lines), r
