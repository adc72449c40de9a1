"""What stderr quotes when the only recipient is refused.

send_cases/rcpt_550_then_malformed_rset.py checks that a malformed reply to
the RSET that follows the refusal is not quoted (the first failure is the
cause).  This asks more: that the refusal itself is quoted, as it is for a
refused MAIL FROM ("server said: 550 ..."), on stderr and in JSON error.reply."""
import pytest

from harness.send_cases import EHLO_NO_PIPELINING, MARKER, RCPT1, SENDER, T, mail_session

REFUSAL = b"550 5.1.1 no such user here\r\n"


def run(smtpkit, scripted, rset, *extra):
    srv = scripted(mail_session(ehlo=EHLO_NO_PIPELINING, rcpt=REFUSAL, rset=rset))
    r = smtpkit("send", "-s", srv.hostport, "--from", SENDER, "--to", RCPT1, "--body", MARKER,
                *T, *extra)
    srv.finish()
    return r


@pytest.mark.parametrize("rset", [b"250 2.0.0 Ok\r\n", b"2x0 not a reply\r\n"])
def test_only_recipient_refused_quotes_the_550(smtpkit, scripted, rset):
    r = run(smtpkit, scripted, rset)
    assert r.rc == 67, r
    assert "server said: 550 5.1.1 no such user here" in r.err, r
    j = run(smtpkit, scripted, rset, "--json")
    assert "550 5.1.1 no such user here" in (j.json()["error"]["reply"] or ""), j
