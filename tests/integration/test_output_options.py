"""The human output's switches: --color, NO_COLOR, --timing, -q, -v/-vv."""
import re

from harness.cases import T, plain_session

SGR = re.compile(r"\x1b\[[0-9;]*m")
GREETING_ESC = b"220 mx \x1b[31mred\x1b[0m ESMTP\r\n"


def ehlo(smtpkit, scripted, *args, env=None, greeting=None, rc=0):
    session = plain_session(greeting=greeting) if greeting else plain_session()
    srv = scripted(session)
    r = smtpkit("ehlo", srv.hostport, "--tls", "none", *T, *args, env=env)
    srv.finish()
    assert r.rc == rc, r
    return r


def test_color_always_paints_but_keeps_server_text_escaped(smtpkit, scripted):
    # A greeting with control bytes is malformed (76), and still shown.
    r = ehlo(smtpkit, scripted, "--color", "always", greeting=GREETING_ESC, rc=76)
    assert SGR.search(r.out), r.out
    # The only escape sequences are smtpkit's own colours: the server's are shown.
    assert "\\x1b[31mred" in r.out, r.out
    without_ours = SGR.sub("", r.out.replace("\\x1b", ""))
    assert "\x1b" not in without_ours, r.out


def test_color_never_and_no_color(smtpkit, scripted):
    assert "\x1b" not in ehlo(smtpkit, scripted, "--color", "never").out
    # auto: off when stdout is not a terminal (here a pipe) or NO_COLOR is set.
    assert "\x1b" not in ehlo(smtpkit, scripted, env={"NO_COLOR": "1"}).out


def test_bad_color_is_usage(smtpkit):
    r = smtpkit("ehlo", "127.0.0.1:1", "--color", "sometimes")
    assert r.rc == 64 and "--color" in r.err, r


def test_timing_column(smtpkit, scripted):
    r = ehlo(smtpkit, scripted, "--timing")
    received = [l for l in r.out.splitlines() if "<-  220" in l]
    assert received and re.match(r"^\[ *\d+\.\d ms\] <-  220", received[0]), r.out
    sent = [l for l in r.out.splitlines() if " -> EHLO" in l]
    assert sent and re.match(r"^\[ *\d+\.\d ms\]  -> EHLO", sent[0]), r.out


def test_quiet_prints_only_the_result(smtpkit, scripted):
    r = ehlo(smtpkit, scripted, "-q")
    assert r.out.splitlines() == [l for l in r.out.splitlines() if l.startswith("result: ok")], r.out
    assert len(r.out.splitlines()) == 1, r.out


def test_verbose_levels(smtpkit, scripted):
    plain = ehlo(smtpkit, scripted).out
    vv = ehlo(smtpkit, scripted, "-vv").out
    assert "state CONNECT -> GREETING" not in plain, plain
    assert "state CONNECT -> GREETING" in vv and "state GREETING -> EHLO" in vv, vv


def test_quiet_and_verbose_exclude_each_other(smtpkit):
    r = smtpkit("ehlo", "127.0.0.1:1", "-q", "-v")
    assert r.rc == 64, r
