"""The one runner of scripted cases, for cases/ (ehlo) and send_cases/ (send)
alike: a scripted server plays the case's SCRIPT, smtpkit runs the case's
ARGS against it, and every case is held to the same checks (the keys a case
file defines are listed in harness/cases.py):

  - the exit status, and the run ended within MAX_SECONDS;
  - the client kept to the script: the server recorded no deviation
    (a line other than the one an expect() step waited for, bytes sent
    ahead of a TLS handshake...);
  - what the server must and must not receive, in the clear and inside TLS;
    with NO_CONNECTION, that no connection was made at all; with NO_MESSAGE,
    that no message byte went out;
  - a failure says "smtpkit: what failed: why" on stderr;
  - the human report: no raw control character, and its last line
    "result: ok" or "result: failed at STAGE: ..." -- or, for a run refused
    over its command line or message (64, 65, 66) or its secret (78 at
    "start"), nothing on stdout at all;
  - the --json document, always, early exits (64, 65, 66, 78) included:
    one well-formed document whose command, ok, exit_code and error
    (stage, class of the exit status, message) agree with the exit status.
"""
import importlib.util
import re

import pytest

from .accept_loop import ipv6_loopback
from .send_cases import MARKER

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The error class each exit status stands for (SPEC 9; src/err.c's table).
EXIT_CLASS = {1: "finding", 64: "usage", 65: "input", 66: "noinput", 67: "refused",
              68: "nohost", 69: "unavailable", 70: "internal", 74: "io", 75: "temporary",
              76: "protocol", 77: "auth", 78: "config"}


def load_cases(directory):
    """{name: module} of the case files in DIRECTORY (not those named _*)."""
    cases = {}
    for path in sorted(directory.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location("case_" + path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        cases[path.stem] = mod
    return cases


def stages_of(case):
    """A case's STAGE: the stages its failure may be named after."""
    stages = getattr(case, "STAGE", None)
    return (stages,) if isinstance(stages, str) else stages


def received_check(which, data, must, must_not):
    lines = [l.upper() for l in data.split(b"\n") if l]
    for p in must:
        assert any(l.startswith(p.upper()) for l in lines), "server never received %s %r" % (which, p)
    for p in must_not:
        assert not any(l.startswith(p.upper()) for l in lines), "server received %s %r" % (which, p)


# error.cause, smtpkit(1) JSON.
CAUSES = {"usage", "config", "input", "noinput", "local-io", "internal", "nohost", "dns",
          "connect", "refused", "timeout", "closed", "tls", "tls-closed", "verify", "protocol",
          "unsupported", "reply-temporary", "reply-permanent", "recipients-refused", "auth",
          "finding"}


def check_json_result(doc, command, rc, stages=None):
    """The keys every JSON document has, agreeing with the exit status."""
    assert doc["command"] == command, doc["command"]
    assert doc["exit_code"] == rc, doc["exit_code"]
    assert doc["ok"] is (rc == 0), doc["ok"]
    if rc == 0:
        assert doc["error"] is None, doc["error"]
        return
    err = doc["error"]
    assert err and err["message"] and err["cause"] in CAUSES, "error object incomplete: %r" % err
    assert err["class"] == EXIT_CLASS[rc], "error.class %r for exit %d" % (err["class"], rc)
    if stages:
        # The result line's "start" (no step of a session yet) is null in JSON.
        json_stages = [None if s == "start" else s for s in stages]
        assert err["stage"] in json_stages, "error.stage %r, expected %s" % (err["stage"], stages)


def refused_early(case):
    """The case is refused while smtpkit reads its command line, message and
    secret (a usage or input error, or a configuration error at "start"),
    before any session: no report on stdout."""
    if not getattr(case, "NO_CONNECTION", False):
        return False
    return case.EXIT in (64, 65, 66) or (case.EXIT == 78 and stages_of(case) == ("start",))


def play(case, smtpkit, scripted, pki, tmp_path, extra=()):
    host = getattr(case, "HOST", "127.0.0.1")
    if ":" in host and not ipv6_loopback():
        pytest.skip("::1 is not configured on this machine")
    srv = scripted(case.SCRIPT, host=host)
    data = tmp_path / "message.eml"
    if hasattr(case, "DATA"):
        data.write_bytes(case.DATA)
    args = [a.replace("{server}", srv.hostport).replace("{ca}", pki.ca).replace("{data}", str(data))
            for a in case.ARGS]
    r = smtpkit(*args, *extra, timeout=case.MAX_SECONDS + 10, env=getattr(case, "ENV", None),
                input=getattr(case, "STDIN", None))
    # smtpkit has exited: a server it never connected to waits no longer
    # (finish still counts a connection left in the backlog).
    srv.finish(timeout=5 if srv.connections else 0.3)
    return r, srv


def common_checks(case, r, srv):
    assert r.rc == case.EXIT, "exit %d, expected %d" % (r.rc, case.EXIT)
    assert r.secs <= case.MAX_SECONDS, "took %.2fs, deadline %.1fs" % (r.secs, case.MAX_SECONDS)
    assert not srv.errors, "the client strayed from the script: %r" % srv.errors
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


def check_human(case, r, srv):
    # Server text is shown escaped; only a dry run prints the message as it is.
    if "--dry-run" not in case.ARGS:
        assert not RAW_CONTROL.search(r.out), "raw control character on stdout"
    last = r.out.rstrip("\n").splitlines()[-1] if r.out.strip() else ""
    if case.EXIT == 0:
        assert last.startswith("result: ok"), "last line: %r" % last
    elif refused_early(case):
        assert r.out == "", "refused before any connection, yet stdout has: %r" % r.out
    else:
        assert last.startswith("result: failed at "), "last line: %r" % last
        stages = stages_of(case)
        if stages:
            assert any(last.startswith("result: failed at %s:" % s) for s in stages), \
                "last line %r, expected stage %s" % (last, "/".join(stages))
    if hasattr(case, "CHECK"):
        case.CHECK(r, srv)


def check_json(case, r, srv):
    doc = r.json()
    check_json_result(doc, case.ARGS[0], r.rc, stages_of(case))
    # Every failing case names its cause: what scripts tell failures of one
    # exit class apart by (a refused connection from a timeout, ...).
    if r.rc != 0:
        assert doc["error"]["cause"] == getattr(case, "CAUSE", None), \
            "error.cause %r, the case says %r" % (doc["error"]["cause"], getattr(case, "CAUSE", None))
    for t in doc.get("transcript", []):
        assert t["dir"] in ("C", "S", "I") and isinstance(t["tls"], bool), t
        # Notes before the connection exists have no time since connect.
        assert isinstance(t["ms"], (int, float)) or (t["dir"] == "I" and t["ms"] is None), t
    if srv.connections:
        assert "transcript" in doc, "a session without a transcript in JSON"
    if hasattr(case, "JSON_CHECK"):
        case.JSON_CHECK(doc, srv)


def case_tests(directory):
    """The two tests of the case files in DIRECTORY, for a test module to
    take as its own: every case with the human report, and with --json."""
    cases = load_cases(directory)

    @pytest.mark.parametrize("name", sorted(cases))
    def human(name, smtpkit, scripted, pki, tmp_path):
        run_case(cases[name], smtpkit, scripted, pki, tmp_path)

    @pytest.mark.parametrize("name", sorted(cases))
    def json_document(name, smtpkit, scripted, pki, tmp_path):
        run_case(cases[name], smtpkit, scripted, pki, tmp_path, json_out=True)

    return human, json_document


def run_case(case, smtpkit, scripted, pki, tmp_path, json_out=False):
    """Play CASE (human report, or with --json) and make every check."""
    r, srv = play(case, smtpkit, scripted, pki, tmp_path, extra=["--json"] if json_out else [])
    try:
        common_checks(case, r, srv)
        (check_json if json_out else check_human)(case, r, srv)
    except AssertionError as e:
        raise AssertionError("%s\n%s\n%s" % (e, r, _report(srv))) from None


def _report(srv):
    text = srv.report()
    return text if len(text) < 20000 else text[:10000] + "\n[...]\n" + text[-10000:]
