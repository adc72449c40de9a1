"""The private Postfix's submission listener: TLS required, SASL through the
private Dovecot, AUTH offered only inside TLS, mail only after AUTH.  These
tests prove the fixture itself (each mechanism really authenticates, a wrong
password really fails, an unauthenticated client really cannot send), so that
tests built on it (accounts, sendmail mode, session) can trust it."""
import re

import pytest

from harness.cases import CA, T
from test_send_real import counts, delivered, message, strip_trace, as_stored, dry_run_message

TO = "auth-inbox@smtpkit.test"


def _ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


def test_auth_offered_only_inside_tls(smtpkit, postfix, pki):
    r = smtpkit("ehlo", postfix.submission_hostport, *_ca(pki), *T, "--json")
    assert r.rc == 0, r
    caps = r.json()["capabilities"]
    before = {c["keyword"] for c in caps["before_tls"]}
    after = {c["keyword"]: c["params"] for c in caps["after_tls"]}
    assert "STARTTLS" in before and "AUTH" not in before, caps
    assert set(postfix.auth_mechanisms) <= set(after["AUTH"]), after


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"])
def test_auth_each_mechanism_delivers(smtpkit, postfix, pki, tmp_path, mech):
    path, msgid = message(tmp_path, "auth-" + mech.lower(), "authenticated\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.submission_hostport, *_ca(pki), "--user", postfix.user,
                "--auth", mech, "--data", path, TO, *T, env={"SMTPKIT_PASSWORD": postfix.password})
    assert r.rc == 0, "%s\n--- maillog\n%s" % (r, postfix.maillog[-3000:])
    got = delivered(postfix, msgid)[0]
    assert strip_trace(got) == as_stored(dry_run_message(smtpkit, "--data", path, TO))
    c = counts(postfix.disconnect_line(before))
    assert c.get("auth") == "1" and c.get("starttls") == "1", c
    # smtpd logs the mechanism and the user it accepted.
    assert re.search(r"sasl_method=%s, sasl_username=%s" % (re.escape(mech), re.escape(postfix.user)),
                     "\n".join(postfix.maillog.splitlines()[before:])), postfix.maillog[-3000:]


def test_auth_wrong_password_refused(smtpkit, postfix, pki, tmp_path):
    path, msgid = message(tmp_path, "auth-wrong", "never\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.submission_hostport, *_ca(pki), "--user", postfix.user,
                "--data", path, TO, *T, env={"SMTPKIT_PASSWORD": "not " + postfix.password})
    assert r.rc == 77, r
    c = counts(postfix.disconnect_line(before))
    assert c.get("auth") == "0/1" and "mail" not in c, c


def test_no_auth_no_mail(smtpkit, postfix, pki, tmp_path):
    path, msgid = message(tmp_path, "auth-none", "never\n")
    before = postfix.log_mark()
    r = smtpkit("send", "-s", postfix.submission_hostport, *_ca(pki), "--data", path, TO, *T)
    assert r.rc == 67, r
    assert "Client host rejected" in r.err, r
    c = counts(postfix.disconnect_line(before))
    assert "auth" not in c and c.get("rcpt") == "0/1", c
