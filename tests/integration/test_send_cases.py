"""Runs every scripted `smtpkit send` case in send_cases/ twice: human output
and --json.  Each asserts the exit status, the deadline and what the server
received; the case's CHECK / JSON_CHECK add the rest (see harness/send_cases.py).
"""
import pytest

from harness.send_cases import MARKER
from test_cases import CASES_DIR, RAW_CONTROL, check_json_result, load, received_check, stages_of

SEND_DIR = CASES_DIR.parent / "send_cases"
CASES = {p.stem: load(p) for p in sorted(SEND_DIR.glob("*.py")) if not p.stem.startswith("_")}


def play(case, smtpkit, scripted, pki, tmp_path, extra=()):
    srv = scripted(case.SCRIPT, host=getattr(case, "HOST", "127.0.0.1"))
    data = str(tmp_path / "message.eml")
    if hasattr(case, "DATA"):
        with open(data, "wb") as f:
            f.write(case.DATA)
    args = [a.replace("{server}", srv.hostport).replace("{ca}", pki.ca).replace("{data}", data)
            for a in case.ARGS]
    r = smtpkit(*args, *extra, timeout=case.MAX_SECONDS + 10, env=getattr(case, "ENV", None))
    # Not connected by now (smtpkit has exited): do not wait for a client.
    srv.finish(timeout=5 if srv.connections else 0.3)
    return r, srv


def common_checks(case, r, srv):
    assert r.rc == case.EXIT, "exit %d, expected %d" % (r.rc, case.EXIT)
    assert r.secs <= case.MAX_SECONDS, "took %.2fs, deadline %.1fs" % (r.secs, case.MAX_SECONDS)
    assert not srv.errors, "the client deviated from the script: %r" % srv.errors
    received_check("", srv.plain + srv.in_tls,
                   getattr(case, "MUST_RECEIVE", []), getattr(case, "MUST_NOT_RECEIVE", []))
    received_check("inside TLS", srv.in_tls,
                   getattr(case, "MUST_RECEIVE_TLS", []), getattr(case, "MUST_NOT_RECEIVE_TLS", []))
    if getattr(case, "NO_CONNECTION", False):
        assert srv.connections == 0, "smtpkit connected; it must fail before any network"
    if getattr(case, "NO_MESSAGE", False):
        received_check("", srv.plain + srv.in_tls, [], [b"BDAT"])
        assert srv.messages == [], "the server read a message: %r" % srv.messages[:1]
        assert MARKER.encode() not in srv.plain + srv.in_tls, "message bytes reached the server"
    for text in getattr(case, "STDERR", []):
        assert text in r.err, "stderr lacks %r" % text
    if case.EXIT != 0:
        assert any(l.startswith("smtpkit: ") for l in r.err.splitlines()), \
            "no 'smtpkit: what failed: why' line on stderr"


def report(srv):
    text = srv.report()
    return text if len(text) < 20000 else text[:10000] + "\n[...]\n" + text[-10000:]


@pytest.mark.parametrize("name", sorted(CASES))
def test_send_case(name, smtpkit, scripted, pki, tmp_path):
    case = CASES[name]
    r, srv = play(case, smtpkit, scripted, pki, tmp_path)
    try:
        common_checks(case, r, srv)
        assert not RAW_CONTROL.search(r.out.replace("\r\n", "\n")) or "--dry-run" in case.ARGS, \
            "raw control character on stdout"
        last = r.out.rstrip("\n").splitlines()[-1] if r.out.strip() else ""
        if case.EXIT == 0:
            assert last.startswith("result: ok"), "last line: %r" % last
        elif srv.connections:       # refused before the session: no report at all
            assert last.startswith("result: failed at "), "last line: %r" % last
            stages = stages_of(case)
            if stages:
                assert any(last.startswith("result: failed at %s:" % s) for s in stages), \
                    "last line %r, expected stage %s" % (last, "/".join(stages))
        if hasattr(case, "CHECK"):
            case.CHECK(r, srv)
    except AssertionError as e:
        raise AssertionError("%s\n%s\n%s" % (e, r, report(srv))) from None


@pytest.mark.parametrize("name", sorted(n for n in CASES if "--dry-run" not in CASES[n].ARGS))
def test_send_case_json(name, smtpkit, scripted, pki, tmp_path):
    case = CASES[name]
    r, srv = play(case, smtpkit, scripted, pki, tmp_path, extra=["--json"])
    try:
        common_checks(case, r, srv)
        if srv.connections == 0 and r.rc in (64, 65, 66, 78):
            return          # refused before the session: nothing to report in JSON
        doc = r.json()
        check_json_result(doc, "send", r.rc, stages_of(case))
        if hasattr(case, "JSON_CHECK"):
            case.JSON_CHECK(doc, srv)
    except AssertionError as e:
        raise AssertionError("%s\n%s\n%s" % (e, r, report(srv))) from None
