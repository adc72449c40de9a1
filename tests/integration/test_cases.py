"""Runs every scripted fault case in cases/ twice: human output and --json.

Each case asserts the exit status, that the run ended within its deadline,
and what the server received; the checks common to all output (no raw
control characters, the result line, the stderr line) are made here.
"""
import importlib.util
import re
from pathlib import Path

import pytest

from conftest import ipv6_loopback

CASES_DIR = Path(__file__).parent / "cases"
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def load(path):
    spec = importlib.util.spec_from_file_location("case_" + path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CASES = {p.stem: load(p) for p in sorted(CASES_DIR.glob("*.py")) if not p.stem.startswith("_")}


def lines_of(data):
    return [l for l in data.split(b"\n") if l]


def received_check(which, data, must, must_not):
    lines = [l.upper() for l in lines_of(data)]
    for p in must:
        assert any(l.startswith(p.upper()) for l in lines), "server never received %s %r" % (which, p)
    for p in must_not:
        assert not any(l.startswith(p.upper()) for l in lines), "server received %s %r" % (which, p)


def play(case, smtpkit, scripted, pki, extra=()):
    host = getattr(case, "HOST", "127.0.0.1")
    if ":" in host and not ipv6_loopback():
        pytest.skip("::1 is not configured on this machine")
    srv = scripted(case.SCRIPT, host=host)
    args = [a.replace("{server}", srv.hostport).replace("{ca}", pki.ca) for a in case.ARGS]
    r = smtpkit(*args, *extra, timeout=case.MAX_SECONDS + 10)
    srv.finish()
    return r, srv


def common_checks(case, r, srv):
    assert r.rc == case.EXIT, "exit %d, expected %d" % (r.rc, case.EXIT)
    assert r.secs <= case.MAX_SECONDS, "took %.2fs, deadline %.1fs" % (r.secs, case.MAX_SECONDS)
    received_check("", srv.plain + srv.in_tls,
                   getattr(case, "MUST_RECEIVE", []), getattr(case, "MUST_NOT_RECEIVE", []))
    received_check("inside TLS", srv.in_tls,
                   getattr(case, "MUST_RECEIVE_TLS", []), getattr(case, "MUST_NOT_RECEIVE_TLS", []))
    if case.EXIT != 0:
        assert any(l.startswith("smtpkit: ") for l in r.err.splitlines()), \
            "no 'smtpkit: what failed: why' line on stderr"


def stages_of(case):
    """A case's STAGE: the stages its failure may be named after."""
    stages = getattr(case, "STAGE", None)
    return (stages,) if isinstance(stages, str) else stages


def check_json_result(doc, command, rc, stages):
    """The keys every JSON document has, agreeing with the exit status."""
    assert doc["command"] == command
    assert doc["exit_code"] == rc
    assert doc["ok"] is (rc == 0)
    if rc == 0:
        assert doc["error"] is None
    else:
        err = doc["error"]
        assert err and err["stage"] and err["message"], "error object incomplete: %r" % err
        if stages:
            assert err["stage"] in stages, "error.stage %r, expected %s" % (err["stage"], stages)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name, smtpkit, scripted, pki):
    case = CASES[name]
    r, srv = play(case, smtpkit, scripted, pki)
    try:
        common_checks(case, r, srv)
        # Server text is shown escaped: no raw ESC, BEL, CR... on stdout.
        assert not RAW_CONTROL.search(r.out), "raw control character on stdout"
        last = r.out.rstrip("\n").splitlines()[-1] if r.out.strip() else ""
        if case.EXIT == 0:
            assert last.startswith("result: ok"), "last line: %r" % last
        else:
            stages = stages_of(case)
            assert last.startswith("result: failed at "), "last line: %r" % last
            if stages:
                assert any(last.startswith("result: failed at %s:" % s) for s in stages), \
                    "last line %r, expected stage %s" % (last, "/".join(stages))
        if hasattr(case, "CHECK"):
            case.CHECK(r, srv)
    except AssertionError as e:
        raise AssertionError("%s\n%s\n%s" % (e, r, srv.report())) from None


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_json(name, smtpkit, scripted, pki):
    case = CASES[name]
    r, srv = play(case, smtpkit, scripted, pki, extra=["--json"])
    try:
        common_checks(case, r, srv)
        doc = r.json()
        check_json_result(doc, "ehlo", r.rc, stages_of(case))
        for t in doc["transcript"]:
            assert t["dir"] in ("C", "S", "I") and isinstance(t["tls"], bool)
            # Notes before the connection exists have no time since connect.
            assert isinstance(t["ms"], (int, float)) or (t["dir"] == "I" and t["ms"] is None), t
    except AssertionError as e:
        raise AssertionError("%s\n%s\n%s" % (e, r, srv.report())) from None
