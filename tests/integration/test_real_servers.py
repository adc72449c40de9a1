"""Interoperability with real servers: aiosmtpd (in-process) and a private
Postfix instance.  Neither may be skipped: a fixture that cannot start fails."""

from harness.cases import CA, T


def keywords(caps):
    return [c["keyword"].upper() for c in caps]


def test_aiosmtpd_starttls_json(smtpkit, aiosmtpd_server, pki):
    r = smtpkit("ehlo", aiosmtpd_server.hostport, *[a.replace("{ca}", pki.ca) for a in CA], *T, "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["ok"] is True and doc["error"] is None
    assert doc["greeting"]["code"] == 220
    before, after = doc["capabilities"]["before_tls"], doc["capabilities"]["after_tls"]
    assert "STARTTLS" in keywords(before), r
    assert after is not None and "STARTTLS" not in keywords(after), r
    assert doc["tls"]["verified"] is True, r
    assert doc["tls"]["version"].startswith("TLS1."), r
    assert aiosmtpd_server.messages == [], "ehlo must never send a message"


def test_aiosmtpd_human(smtpkit, aiosmtpd_server, pki):
    r = smtpkit("ehlo", aiosmtpd_server.hostport, *[a.replace("{ca}", pki.ca) for a in CA], *T)
    assert r.rc == 0, r
    assert r.out.rstrip("\n").splitlines()[-1].startswith("result: ok"), r
    assert any(l.startswith(" ~> EHLO") for l in r.out.splitlines()), r


def test_postfix_ehlo_json(smtpkit, postfix, pki):
    before = postfix.log_mark()
    r = smtpkit("ehlo", postfix.hostport, *[a.replace("{ca}", pki.ca) for a in CA], *T, "--json")
    assert r.rc == 0, "%s\n--- maillog\n%s" % (r, postfix.maillog[-3000:])
    doc = r.json()
    before_tls, after_tls = doc["capabilities"]["before_tls"], doc["capabilities"]["after_tls"]
    for kw in ("PIPELINING", "CHUNKING", "8BITMIME", "SMTPUTF8"):
        assert kw in keywords(before_tls) and kw in keywords(after_tls), kw
    assert "STARTTLS" in keywords(before_tls) and "STARTTLS" not in keywords(after_tls)
    size = [c for c in before_tls if c["keyword"].upper() == "SIZE"]
    assert size and size[0]["params"] == ["10240000"], size
    assert doc["tls"]["verified"] is True
    assert any(t["tls"] for t in doc["transcript"]), "no transcript entry marked TLS"
    assert any(t["tls"] and t["dir"] == "C" and t["text"].upper().startswith("EHLO")
               for t in doc["transcript"])
    # What Postfix saw: two EHLOs, one STARTTLS, a QUIT, and no MAIL.
    line = postfix.disconnect_line(before)
    assert "ehlo=2" in line and "starttls=1" in line and "mail=" not in line, line


def test_postfix_human(smtpkit, postfix, pki):
    r = smtpkit("ehlo", postfix.hostport, *[a.replace("{ca}", pki.ca) for a in CA], *T)
    assert r.rc == 0, r
    out = r.out.splitlines()
    assert any(l.startswith("<-  220") for l in out), r
    assert any(l.startswith(" ~> EHLO") for l in out), r
    assert out[-1].startswith("result: ok"), r


def test_postfix_tls_none(smtpkit, postfix):
    before = postfix.log_mark()
    r = smtpkit("ehlo", postfix.hostport, "--tls", "none", *T, "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["tls"] is None and doc["capabilities"]["after_tls"] is None, r
    assert not any(t["tls"] for t in doc["transcript"])
    line = postfix.disconnect_line(before)
    assert "starttls" not in line, line
