"""Fixtures for smtpkit's integration tests.

The binary comes from $SMTPKIT (default build/src/smtpkit).  A missing binary
or a real server that will not start makes the tests FAIL, never skip: a
green run must mean the client was exercised.
"""
import pytest

from harness import run as runmod
from harness.aiosmtpd_server import AioServer
from harness.certs import make_pki
from harness.postfix_server import PostfixServer
from harness.scripted import ScriptedServer
from harness.terminal import Terminal


@pytest.fixture
def smtpkit(request):
    """smtpkit(*args, timeout=30) -> Result(rc, out, err, secs, json())."""
    runs = request.node.smtpkit_runs = []

    def call(*args, timeout=30, **kw):
        r = runmod.run(list(args), timeout=timeout, **kw)
        runs.append(r)
        return r
    return call


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A failed test shows every smtpkit run it made, whatever assert fired.
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        for i, r in enumerate(getattr(item, "smtpkit_runs", [])):
            rep.sections.append(("smtpkit run %d" % (i + 1), str(r)))


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def scripted(pki):
    """scripted(script, host=...) -> a running ScriptedServer; all stopped at teardown."""
    servers = []

    def start(script, host="127.0.0.1"):
        s = ScriptedServer(script, pki, host)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.finish(timeout=0)


@pytest.fixture
def aiosmtpd_server(pki):
    s = AioServer(pki)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def postfix(pki):
    try:
        s = PostfixServer(pki)
    except Exception as e:          # fail with the maillog, never skip
        pytest.fail("Postfix fixture: %s" % e, pytrace=False)
    yield s
    s.stop()


@pytest.fixture
def terminal(tmp_path):
    """terminal(args, env=None) -> a Terminal (tmux) running smtpkit ARGS;
    every one started is closed (its own tmux server killed) at teardown."""
    started = []

    def start(args, env=None, name="t"):
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        t = Terminal(d, args, env=env)
        started.append(t)
        return t
    yield start
    for t in started:
        t.close()
