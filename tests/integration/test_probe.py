"""`smtpkit probe` (SPEC 6) against the multi-port fixture of
harness/probe_ports.py, on the real port numbers 25, 465, 587 and 2525 in a
private network namespace (harness/netns.py).

Every cell of the table is asserted, in JSON and in the human table (which
must say the same), with the findings, the exit status, and what each server
received: no MAIL, RCPT or DATA without --relay-test, no DATA with it.
"""
import re

import pytest

from harness.dns_server import DNSFixture
from harness.netns import open_namespace
from harness.probe_ports import WIDE_AUTH, WIDE_GREETING, MultiServer, ProbeFixture, send, serve, starttls
from harness.scripted import ScriptedServer, reset, starttls_session

T = ["--timeout", "2", "--connect-timeout", "2"]
TIMEOUT = 2
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
RELAY_TO = "victim@outside.example"
TLS13_SUITES = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}
ROWS = ["port", "reachable", "greeting", "TLS", "TLS version", "cipher", "certificate",
        "extensions", "AUTH pre-TLS", "AUTH in TLS", "SIZE", "PIPELINING", "CHUNKING",
        "SMTPUTF8", "REQUIRETLS", "DSN", "relay test", "error"]
COLW = 15


@pytest.fixture(scope="module")
def ns():
    n = open_namespace()
    yield n
    n.close()


@pytest.fixture
def fixture(ns, pki):
    """fixture(roles=None) -> a started ProbeFixture; stopped at teardown."""
    started = []

    def start(roles=None):
        try:
            fx = ProbeFixture(ns, pki, roles)
        except OSError as e:
            pytest.fail("probe fixture: %s%s" % (
                e, "" if ns.private else
                " (no private network namespace here, so the host's ports must be free)"),
                pytrace=False)
        started.append(fx)
        return fx
    yield start
    for fx in started:
        fx.stop()


def probe(ns, smtpkit, fx, *args, roles=None):
    r = ns.call(smtpkit, "probe", "localhost", "-4", "--ports", fx.portlist(roles), *T, *args,
                timeout=TIMEOUT + 20)
    fx.stop(timeout=5)          # every server has seen the whole session
    return r


# --- what each port must show ------------------------------------------------

def caps(*items):
    return [(k, list(p)) for k, *p in (i.split() for i in items)]


# Per role: the JSON facts, and the human cells derived from the same facts.
EXPECT = {
    "25": dict(
        greeting="localhost ESMTP port25", tls_mode="STARTTLS", verdict="Verified",
        before=caps("PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME", "ENHANCEDSTATUSCODES"),
        after=caps("PIPELINING", "SIZE 10240000", "8BITMIME", "CHUNKING", "SMTPUTF8", "REQUIRETLS", "DSN"),
        size=10240000,
        cells={"extensions": "5 / 7", "AUTH pre-TLS": "none", "AUTH in TLS": "none", "SIZE": "9.8 MiB",
               "PIPELINING": "yes", "CHUNKING": "yes", "SMTPUTF8": "yes", "REQUIRETLS": "yes", "DSN": "yes"}),
    "465": dict(
        greeting="localhost ESMTP port465", tls_mode="implicit", verdict="Verified",
        before=None, after=caps("AUTH PLAIN LOGIN", "SIZE 0", "PIPELINING"), size=0,
        cells={"extensions": "- / 3", "AUTH pre-TLS": "(TLS only)", "AUTH in TLS": "PLAIN LOGIN",
               "SIZE": "no limit", "PIPELINING": "yes", "CHUNKING": "no", "SMTPUTF8": "no",
               "REQUIRETLS": "no", "DSN": "no"}),
    "587": dict(
        greeting="mail.example.test ESMTP port587", tls_mode="STARTTLS", verdict="Untrusted",
        before=caps("PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES"),
        after=caps("PIPELINING", "SIZE 52428800", "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "DSN"),
        size=52428800,
        cells={"extensions": "4 / 5", "AUTH pre-TLS": "none", "AUTH in TLS": "PLAIN LOGIN",
               "SIZE": "50.0 MiB", "PIPELINING": "yes", "CHUNKING": "no", "SMTPUTF8": "no",
               "REQUIRETLS": "no", "DSN": "yes"}),
    "2525": dict(
        greeting="localhost ESMTP port2525", tls_mode="none", verdict=None,
        before=caps("AUTH PLAIN", "SIZE 1048576", "8BITMIME"), after=None, size=1048576,
        cells={"extensions": "3 / -", "AUTH pre-TLS": "PLAIN", "AUTH in TLS": "-", "SIZE": "1.0 MiB",
               "PIPELINING": "no", "CHUNKING": "no", "SMTPUTF8": "no", "REQUIRETLS": "no", "DSN": "no"}),
    "relay": dict(
        greeting="localhost ESMTP relay", tls_mode="none", verdict=None,
        before=caps("PIPELINING", "8BITMIME"), after=None, size=None,
        cells={"extensions": "2 / -", "AUTH pre-TLS": "none", "AUTH in TLS": "-", "SIZE": "not said",
               "PIPELINING": "yes", "CHUNKING": "no", "SMTPUTF8": "no", "REQUIRETLS": "no", "DSN": "no"}),
}
NOTHING = {k: "-" for k in ("TLS", "TLS version", "cipher", "certificate", "extensions", "AUTH pre-TLS",
                            "AUTH in TLS", "SIZE", "PIPELINING", "CHUNKING", "SMTPUTF8", "REQUIRETLS", "DSN")}

# Findings of the full fixture, in order: (level, id, role).
ALL_ROLES = ["25", "465", "587", "2525", "quiet", "closed", "relay"]
FINDINGS = [("fail", "cert-expired", "587"), ("warn", "greeting-name-mismatch", "587"),
            ("fail", "no-starttls", "2525"), ("fail", "auth-without-tls", "2525"),
            ("warn", "no-starttls", "relay")]


def check_port_json(role, p, fx, relay=False):
    assert p["port"] == fx.ports[role], p
    if role == "closed":
        assert p["state"] == "refused" and p["connect_ms"] is None and p["address"] is None, p
        assert p["greeting"] is None and p["tls_mode"] is None and p["tls"] is None, p
        assert p["capabilities"] == {"before_tls": None, "after_tls": None} and p["size"] is None, p
        assert p["error"]["stage"] == "connect" and p["error"]["class"] == "temporary", p["error"]
        assert "refused" in p["error"]["message"], p["error"]
    else:
        assert p["state"] == "open", p
        assert isinstance(p["connect_ms"], (int, float)) and 0 <= p["connect_ms"] < 1000, p
        assert p["address"] == "127.0.0.1", p
    if role == "quiet":
        assert p["greeting"] is None and p["tls_mode"] is None and p["tls"] is None, p
        assert p["capabilities"] == {"before_tls": None, "after_tls": None} and p["size"] is None, p
        assert p["error"]["stage"] == "greeting" and p["error"]["class"] == "temporary", p["error"]
        assert "timed out" in p["error"]["message"], p["error"]
    if role in EXPECT:
        e = EXPECT[role]
        assert p["greeting"]["code"] == 220 and p["greeting"]["lines"] == [e["greeting"]], p["greeting"]
        assert p["tls_mode"] == e["tls_mode"], p
        if e["verdict"] is None:
            assert p["tls"] is None, p["tls"]
        else:
            t = p["tls"]
            assert t["version"] == "TLS1.3" and t["cipher"] in TLS13_SUITES, t
            assert t["verdict"] == e["verdict"] and t["verified"] is (e["verdict"] == "Verified"), t
            assert t["verify_name"] == "localhost" and t["name_matches"] is True, t
            assert t["certificates"] and t["certificates"][0]["subject"], t
        got = {k: None if v is None else [(c["keyword"], c["params"]) for c in v]
               for k, v in p["capabilities"].items()}
        assert got == {"before_tls": e["before"], "after_tls": e["after"]}, got
        assert p["size"] == e["size"], p["size"]
        assert p["error"] is None, p["error"]
        # The transcript is the port's own: TLS lines marked as such.
        assert any(t["dir"] == "S" and t["text"].startswith("220 ") for t in p["transcript"]), p["transcript"]
        assert any(t["tls"] for t in p["transcript"]) is (e["verdict"] is not None), p["transcript"]
        assert all(isinstance(rep["code"], int) for rep in p["replies"]) and p["replies"], p["replies"]
    if not relay:
        assert p["relay_test"] is None, p["relay_test"]
    else:
        rt = p["relay_test"]
        assert rt["address"] == RELAY_TO, rt
        if role == "relay":
            assert rt["code"] == 250 and rt["open_relay"] is True and rt["reply"].startswith("250"), rt
        elif role in ("quiet", "closed"):
            assert rt == {"address": RELAY_TO, "code": None, "reply": None, "open_relay": False}, rt
        else:
            assert rt == {"address": RELAY_TO, "code": 550, "reply": "550 5.7.1 relaying denied",
                          "open_relay": False}, rt
            assert p["error"] is None, p["error"]       # a refused RCPT is the answer, not an error


def compact_suite(name):
    """The table's short form of a suite: the bulk cipher (AES_256_GCM)."""
    name = name.split("_WITH_", 1)[1] if "_WITH_" in name else name.removeprefix("TLS_")
    if any(a in name for a in ("_GCM", "_CCM", "POLY1305")) and name[-7:] in ("_SHA256", "_SHA384"):
        name = name[:-7]
    return name.replace("_POLY1305", "_P1305")


def human_cells(role, fx, doc_port, relay=False):
    """The human column of ROLE, built from the expected facts."""
    if role == "closed":
        c = dict(NOTHING, reachable="refused", greeting="-", error="-")
    elif role == "quiet":
        c = dict(NOTHING, reachable="open", greeting="none", error="greeting: timed out after %d s" % TIMEOUT)
    else:
        e = EXPECT[role]
        c = dict(e["cells"], reachable="open", greeting="220 " + e["greeting"], TLS=e["tls_mode"],
                 error="-")
        if e["verdict"]:
            c.update({"TLS version": doc_port["tls"]["version"], "cipher": compact_suite(doc_port["tls"]["cipher"]),
                      "certificate": e["verdict"]})
        else:
            c.update({"TLS version": "-", "cipher": "-", "certificate": "-"})
    c["port"] = str(fx.ports[role])
    if relay:
        c["relay test"] = {"relay": "OPEN RELAY", "quiet": "not reached", "closed": "not reached"}.get(role, "refused")
    return c


def parse_table(out):
    """{row label: [cells]} from the human report.  A cell wider than its
    column goes on over continuation lines (blank label): a piece shorter
    than the column was broken at a space, a full one inside a word."""
    table, label, pieces = {}, None, []
    for line in out.splitlines() + [""]:
        head = line[:14].rstrip()
        if label and not head and len(line) > 15 and line[:14] == " " * 14:
            pieces.append(line)
            continue
        if label:
            n = max((len(p) - 14) // (COLW + 1) for p in pieces)
            cells = []
            for i in range(n):
                text = ""
                for k, p in enumerate(pieces):
                    piece = p[15 + i * (COLW + 1):15 + i * (COLW + 1) + COLW].rstrip()
                    if not piece:
                        continue
                    prev = pieces[k - 1][15 + i * (COLW + 1):15 + i * (COLW + 1) + COLW] if k else ""
                    text += ("" if not text or len(prev) == COLW and prev[-1:] != " " else " ") + piece
                cells.append(text)
            table[label] = cells
            label, pieces = None, []
        if head in ROWS and len(line) > 15:
            label, pieces = head, [line]
    return table


def check_human(r, fx, roles, doc_ports, relay=False):
    assert not RAW_CONTROL.search(r.out), r.out
    lines = r.out.splitlines()
    assert lines[0] == "probe of localhost", lines[0]
    table = parse_table(r.out)
    want_rows = [x for x in ROWS if relay or x != "relay test"]
    assert list(table) == want_rows, list(table)
    for i, role in enumerate(roles):
        want = human_cells(role, fx, doc_ports[i] if doc_ports else None, relay)
        got = {row: table[row][i] for row in want_rows}
        reach = got.pop("reachable")
        if want.pop("reachable") == "open":
            assert re.fullmatch(r"open \d+\.\dms", reach), (role, reach)
        else:
            assert reach == "refused", (role, reach)
        assert got == want, role


def finding_tuples(findings, fx):
    by_port = {str(p): role for role, p in fx.ports.items()}
    out = []
    for f in findings:
        m = re.match(r"port (\d+): ", f["text"])
        assert m, f
        out.append((f["level"], f["id"], by_port[m.group(1)]))
    return out


def same_findings(got, want, roles=ALL_ROLES):
    """The same findings, grouped by port in the order of --ports (within a
    port, in any order)."""
    assert sorted(got) == sorted(want), got
    order = [roles.index(role) for _, _, role in got]
    assert order == sorted(order), got
    return True


def human_findings(out, fx):
    fs = []
    for line in out.splitlines():
        m = re.match(r"finding: (\w+) ([a-z0-9-]+): (.*)$", line)
        if m:
            fs.append({"level": m.group(1), "id": m.group(2), "text": m.group(3)})
    return finding_tuples(fs, fx)


# --- what the servers received -----------------------------------------------

def verbs(data):
    return [l.split(b" ")[0].split(b":")[0].strip().upper().decode() for l in data.split(b"\r\n") if l]


def received(fx):
    """{role: (plain verbs, TLS verbs)} of the scripted servers."""
    return {role: (verbs(s.plain), verbs(s.in_tls)) for role, s in fx.servers.items()
            if not isinstance(s, MultiServer)}


def check_quiet(fx):
    """The silent port: probe's plain connection, which gives up on the
    greeting with a QUIT, and its TLS-first attempt a quarter of --timeout
    later, which sends a ClientHello (\\x16: a TLS handshake record) and no
    SMTP at all."""
    conns = fx.servers["quiet"].conns
    assert [c["received"][:1] for c in conns] == [b"Q", b"\x16"], conns
    assert conns[0]["received"] == b"QUIT\r\n", conns
    assert not any(v in conns[1]["received"] for v in (b"MAIL FROM", b"RCPT TO", b"DATA\r\n",
                                                       b"AUTH ", b"EHLO")), conns


FORBIDDEN = {"MAIL", "RCPT", "DATA", "BDAT", "AUTH", "RSET"}


def check_no_transaction(fx):
    got = received(fx)
    for role, (plain, tls) in got.items():
        assert not FORBIDDEN & set(plain + tls), (role, plain, tls)
        assert not fx.servers[role].errors, (role, fx.servers[role].report())
    check_quiet(fx)
    assert got["25"] == (["EHLO", "STARTTLS"], ["EHLO", "QUIT"]), got["25"]
    assert got["465"] == ([], ["EHLO", "QUIT"]), got["465"]
    assert got["587"] == (["EHLO", "STARTTLS"], ["EHLO", "QUIT"]), got["587"]
    assert got["2525"] == (["EHLO", "QUIT"], []), got["2525"]
    assert got["relay"] == (["EHLO", "QUIT"], []), got["relay"]


ALL = ALL_ROLES


# --- the tests -----------------------------------------------------------------

def test_fixture_json(ns, fixture, smtpkit, pki):
    fx = fixture()
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca, "--json")
    assert r.rc == 1, r
    doc = r.json()
    assert doc["command"] == "probe" and doc["ok"] is False and doc["exit_code"] == 1, doc
    assert doc["error"]["class"] == "finding", doc["error"]
    assert doc["host"] == "localhost"
    assert [p["port"] for p in doc["ports"]] == [fx.ports[x] for x in ALL]
    for role, p in zip(ALL, doc["ports"]):
        check_port_json(role, p, fx)
    assert same_findings(finding_tuples(doc["findings"], fx), FINDINGS)
    # Each finding names its port as a number too, for scripts.
    for f in doc["findings"]:
        assert f["port"] in fx.ports.values() and f["text"].startswith("port %d: " % f["port"]), f
        assert f["host"] == "localhost", f
    # Concurrent: the port that never greets costs one --timeout, not more.
    assert r.secs < TIMEOUT + 1.5, r.secs
    check_no_transaction(fx)


def test_fixture_human(ns, fixture, smtpkit, pki):
    fx = fixture()
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca)
    assert r.rc == 1, r
    # The TLS cells depend on the negotiated suite: take them from the server side.
    tls_ports = [{"tls": {"version": "TLS1.3", "cipher": _cipher_of(r, i)}} if EXPECT.get(role, {}).get("verdict")
                 else None for i, role in enumerate(ALL)]
    check_human(r, fx, ALL, tls_ports)
    assert same_findings(human_findings(r.out, fx), FINDINGS)
    last = r.out.rstrip("\n").splitlines()[-1]
    assert last.startswith("result: ") and "6 of 7 ports open" in last and "3 fail-level findings" in last, last
    check_no_transaction(fx)


def _cipher_of(r, col):
    """The cipher cell must be one of the TLS 1.3 suites, without its TLS_ prefix."""
    cell = parse_table(r.out)["cipher"][col]
    full = [s for s in TLS13_SUITES if compact_suite(s)[:COLW] == cell]
    assert full, "cipher cell %r is no TLS 1.3 suite" % cell
    return full[0]


def test_relay_test_json(ns, fixture, smtpkit, pki):
    fx = fixture()
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca, "--relay-test", RELAY_TO, "--json")
    assert r.rc == 1, r
    doc = r.json()
    for role, p in zip(ALL, doc["ports"]):
        check_port_json(role, p, fx, relay=True)
    assert same_findings(finding_tuples(doc["findings"], fx), FINDINGS + [("fail", "open-relay", "relay")])
    check_relay_received(fx)


def test_relay_test_human(ns, fixture, smtpkit, pki):
    fx = fixture()
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca, "--relay-test", RELAY_TO)
    assert r.rc == 1, r
    tls_ports = [{"tls": {"version": "TLS1.3", "cipher": _cipher_of(r, i)}} if EXPECT.get(role, {}).get("verdict")
                 else None for i, role in enumerate(ALL)]
    check_human(r, fx, ALL, tls_ports, relay=True)
    assert same_findings(human_findings(r.out, fx), FINDINGS + [("fail", "open-relay", "relay")])
    check_relay_received(fx)


def check_relay_received(fx):
    got = received(fx)
    txn = ["EHLO", "MAIL", "RCPT", "RSET", "QUIT"]
    assert got["25"] == (["EHLO", "STARTTLS"], txn), got["25"]
    assert got["465"] == ([], txn), got["465"]
    assert got["587"] == (["EHLO", "STARTTLS"], txn), got["587"]
    assert got["2525"] == (txn, []), got["2525"]
    assert got["relay"] == (txn, []), got["relay"]
    check_quiet(fx)
    for role in got:
        srv = fx.servers[role]
        everything = srv.plain + srv.in_tls
        assert not {"DATA", "BDAT", "AUTH"} & set(verbs(everything)), (role, everything)
        assert not srv.messages and not srv.errors, (role, srv.report())
        assert b"RCPT TO:<%s>\r\n" % RELAY_TO.encode() in everything, (role, everything)
        assert b"MAIL FROM:<" in everything, (role, everything)


def test_exit_0_four_ports_concurrent_80_columns(ns, fixture, smtpkit, pki):
    # Two ports that never greet: run one after the other they would cost
    # two --timeout; run together, one.
    fx = fixture(["25", "465", "quiet", "quiet2"])
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca)
    assert r.rc == 0, r
    assert TIMEOUT - 0.1 <= r.secs < TIMEOUT + 1.5, r.secs
    table = [l for l in r.out.splitlines() if not l.startswith(("finding:", "result:"))]
    assert all(len(l.rstrip()) <= 80 for l in table), "wider than 80 columns:\n" + r.out
    assert "finding:" not in r.out, r.out
    assert r.out.rstrip("\n").splitlines()[-1].startswith("result: ok"), r.out
    check_human(r, fx, ["25", "465", "quiet"],
                [{"tls": {"version": "TLS1.3", "cipher": _cipher_of(r, 0)}},
                 {"tls": {"version": "TLS1.3", "cipher": _cipher_of(r, 1)}}, None])


def test_wide_cells_wrap_not_cut(ns, fixture, smtpkit, pki):
    # Every AUTH mechanism and the whole greeting stay in the table, wrapped
    # within the column over continuation lines; still 80 columns.
    fx = fixture(["25", "wide"])
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca)
    srv = fx.servers["wide"]
    assert b"EHLO " in srv.plain and not srv.errors, srv.report()
    table_lines = [l for l in r.out.splitlines() if not l.startswith(("finding:", "result:"))]
    assert all(len(l.rstrip()) <= 80 for l in table_lines), "wider than 80 columns:\n" + r.out
    table = parse_table(r.out)
    assert table["greeting"][1] == "220 " + WIDE_GREETING.decode(), r.out
    assert table["AUTH pre-TLS"][1] == WIDE_AUTH.decode(), r.out
    for mech in ("SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"):
        assert any(l.split()[-1:] == [mech] or (" %s " % mech) in l + " " for l in table_lines), (mech, r.out)
    assert table["greeting"][0] == "220 localhost ESMTP port25", r.out


def test_exit_0_json(ns, fixture, smtpkit, pki):
    fx = fixture(["25", "465", "quiet", "closed"])
    r = probe(ns, smtpkit, fx, "--cafile", pki.ca, "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["ok"] is True and doc["exit_code"] == 0 and doc["error"] is None, doc
    assert doc["findings"] == [], doc["findings"]
    for role, p in zip(["25", "465", "quiet", "closed"], doc["ports"]):
        check_port_json(role, p, fx)


@pytest.mark.parametrize("json_out", [False, True])
def test_exit_75_when_no_port_answers(ns, fixture, smtpkit, json_out):
    fx = fixture(["closed", "closed2"])
    r = probe(ns, smtpkit, fx, *(["--json"] if json_out else []))
    assert r.rc == 75, r
    assert r.secs < 2, r.secs
    assert any(l.startswith("smtpkit: ") for l in r.err.splitlines()), r
    if json_out:
        doc = r.json()
        assert doc["ok"] is False and doc["exit_code"] == 75, doc
        assert doc["error"]["class"] == "temporary" and doc["error"]["stage"] == "connect", doc["error"]
        assert [p["state"] for p in doc["ports"]] == ["refused", "refused"], doc["ports"]
        assert doc["findings"] == []
    else:
        assert r.out.rstrip("\n").splitlines()[-1].startswith("result: failed at connect"), r.out


# --- single-rule checks ----------------------------------------------------------

PLAIN = [send(b"220 localhost ESMTP plain\r\n"),
         serve([(b"EHLO", b"250-localhost\r\n250 8BITMIME\r\n")])]


@pytest.mark.parametrize("port,level,rc", [(25, "warn", 0), (587, "fail", 1), (2525, "fail", 1), (0, "warn", 0)])
def test_no_starttls_level_by_port(ns, smtpkit, pki, port, level, rc):
    # SPEC 9: no STARTTLS is a fail on submission ports, a warning elsewhere.
    try:
        srv = ns.call(ScriptedServer, PLAIN, pki, "127.0.0.1", port)
    except OSError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        r = ns.call(smtpkit, "probe", "localhost", "-4", "--ports", str(srv.port), *T, "--json")
    finally:
        srv.finish(timeout=5)
    assert r.rc == rc, r
    assert [(f["level"], f["id"]) for f in r.json()["findings"]] == [(level, "no-starttls")], r.out
    assert verbs(srv.plain) == ["EHLO", "QUIT"], srv.plain


def test_non_conforming_reply(smtpkit, scripted):
    srv = scripted([send(b"220 127.0.0.1 ESMTP lf-only\n"), serve([
        (b"EHLO", b"250-127.0.0.1\n250-STARTTLS\n250 8BITMIME\n"),
        (b"STARTTLS", b"454 4.7.0 TLS not available\n"),
        (b"QUIT", [send(b"221 bye\n")])])])
    r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    # The fixture refuses STARTTLS (454): that is no-starttls too.
    assert [(f["level"], f["id"]) for f in r.json()["findings"]] == [("warn", "non-conforming-reply"),
                                                                    ("warn", "no-starttls")], r.out


@pytest.mark.parametrize("cert,finding", [
    ("expired", "cert-expired"), ("notyet", "cert-not-yet-valid"),
    ("wrongname", "cert-name-mismatch"), ("selfsigned", "cert-untrusted")])
def test_certificate_findings(smtpkit, scripted, pki, cert, finding):
    srv = scripted(starttls_session(cert))
    r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--cafile", pki.ca, *T, "--json")
    srv.finish()
    assert r.rc == 1, r
    doc = r.json()
    assert [(f["level"], f["id"]) for f in doc["findings"]] == [("fail", finding)], doc["findings"]
    assert doc["ports"][0]["tls"]["verified"] is False
    assert not {"MAIL", "RCPT", "DATA"} & set(verbs(srv.plain + srv.in_tls))


def test_tls_first_on_other_port_with_tls_implicit(smtpkit, scripted, pki):
    # --tls implicit makes every listed port implicit TLS.
    srv = scripted([starttls("good"), send(b"220 localhost ESMTP tls-first\r\n"),
                    serve([(b"EHLO", b"250-localhost\r\n250 AUTH PLAIN\r\n")])])
    r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--tls", "implicit", "--cafile", pki.ca,
                *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    p = r.json()["ports"][0]
    assert p["tls_mode"] == "implicit" and p["tls"]["verified"] is True, p
    assert r.json()["findings"] == []


def test_tls_first_detected_on_other_port(smtpkit, pki):
    # Implicit TLS is found also "where the server speaks TLS first", on any
    # port, within one --timeout.
    srv = MultiServer("tls-first", pki)
    try:
        r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--cafile", pki.ca, *T, "--json")
    finally:
        srv.finish()
    assert r.rc == 0, r
    p = r.json()["ports"][0]
    assert p["tls_mode"] == "implicit" and p["tls"]["verified"] is True, p
    assert p["greeting"]["lines"] == ["localhost ESMTP tls-first"], p["greeting"]
    assert [c["keyword"] for c in p["capabilities"]["after_tls"]] == ["AUTH", "SIZE"], p
    assert p["capabilities"]["before_tls"] is None and p["error"] is None, p
    assert r.json()["findings"] == [], r.json()["findings"]
    assert r.secs < TIMEOUT + 1.5, r.secs
    tls_conns = [c for c in srv.conns if c["tls"]]
    assert len(tls_conns) == 1 and b"EHLO" in tls_conns[0]["received"], srv.conns
    assert not any(b"MAIL" in c["received"] for c in srv.conns), srv.conns


def test_tls_first_detected_within_round_trips(smtpkit, pki):
    # With the default --timeout (30 s) a TLS-first port costs about what
    # the port itself does: the ClientHello goes out once the plain
    # connection has been silent for a few connect round trips (50 ms at
    # least), not after a grace period of timeout/4 (2 s before).
    srv = MultiServer("tls-first", pki)
    try:
        r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--cafile", pki.ca, "--json")
    finally:
        srv.finish()
    assert r.rc == 0, r
    p = r.json()["ports"][0]
    assert p["tls_mode"] == "implicit" and p["greeting"]["lines"] == ["localhost ESMTP tls-first"], p
    assert r.secs < 1.0, r.secs
    tls_conns = [c for c in srv.conns if c["tls"]]
    assert len(tls_conns) == 1 and b"EHLO" in tls_conns[0]["received"], srv.conns


def test_slow_greeting_stays_plain(smtpkit, pki):
    # A plain server greeting after 0.5 s (more than a few round trips on
    # loopback) may get the early ClientHello on a second connection, but
    # answers it in clear: the TLS attempt cannot win, the port is plain
    # SMTP, and the EHLO went on the plain connection.
    srv = MultiServer("slow-plain", pki)
    try:
        r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--json")
    finally:
        srv.finish()
    p = r.json()["ports"][0]
    assert p["tls_mode"] == "none" and p["greeting"]["lines"] == ["localhost ESMTP slow-plain"], p
    assert p["tls"] is None and p["capabilities"]["before_tls"] is not None, p
    assert p["error"] is None, p["error"]
    ehlo = [c for c in srv.conns if c["received"].startswith(b"EHLO ")]
    assert len(ehlo) == 1 and b"QUIT" in ehlo[0]["received"], srv.conns
    # Any other connection is the TLS attempt: a ClientHello, no SMTP.
    for c in srv.conns:
        if c is not ehlo[0]:
            assert c["received"][:1] in (b"", b"\x16") and b"EHLO" not in c["received"], srv.conns
    assert r.secs < 2.0, r.secs


def test_relay_test_on_tls_first_port(smtpkit, pki):
    # --relay-test covers every open port, a TLS-first one too.
    srv = MultiServer("tls-first", pki)
    try:
        r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--cafile", pki.ca, *T,
                    "--relay-test", RELAY_TO, "--json")
    finally:
        srv.finish()
    p = r.json()["ports"][0]
    assert p["tls_mode"] == "implicit", p
    assert p["relay_test"]["code"] == 550 and p["relay_test"]["open_relay"] is False, p["relay_test"]
    tls_conns = [c for c in srv.conns if c["tls"]]
    assert tls_conns and b"RCPT TO:<%s>" % RELAY_TO.encode() in tls_conns[0]["received"], srv.conns
    assert not any(b"DATA" in c["received"] for c in srv.conns), srv.conns


# --- what decides the exit status besides findings --------------------------------

def test_unknown_host_is_68(smtpkit):
    # SPEC 9: NXDOMAIN is 68, "no such host" for every port.
    with DNSFixture("") as dns:
        r = smtpkit("probe", "nonexistent.invalid", "--resolver", dns.resolver, "--ports", "25,587",
                    *T, "--json")
    assert r.rc == 68, r
    doc = r.json()
    assert doc["error"]["class"] == "nohost", doc["error"]
    assert "cannot resolve nonexistent.invalid" in doc["error"]["message"], doc["error"]
    assert [(p["state"], p["error"]["class"]) for p in doc["ports"]] == \
        [("unreachable", "nohost")] * 2, doc["ports"]
    assert r.err.startswith("smtpkit: "), r


def test_system_resolver_unreachable_is_75(ns, smtpkit):
    # SPEC 9: a resolver that cannot be reached is 75.  Without --resolver the
    # name goes to the system's resolver, which the private namespace cannot
    # reach (only its own loopback is up there).
    if not ns.private:
        pytest.fail("no private network namespace here: the system's resolver would be asked",
                    pytrace=False)
    r = ns.call(smtpkit, "probe", "nonexistent.invalid", "--ports", "25,587", *T, "--json")
    assert r.rc == 75, r
    doc = r.json()
    assert (doc["error"]["class"], doc["error"]["stage"]) == ("temporary", "connect"), doc["error"]
    for p in doc["ports"]:
        assert (p["state"], p["error"]["class"]) == ("unreachable", "temporary"), p
        assert p["error"]["message"].startswith("cannot resolve nonexistent.invalid: "), p["error"]
    assert r.err.startswith("smtpkit: "), r


def test_unreadable_cafile_is_66(smtpkit, scripted):
    """Found before any port is probed: no connection, no table."""
    srv = scripted(starttls_session("good"))
    r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), "--cafile", "/nonexistent/ca.pem", *T)
    srv.finish(timeout=1)
    assert r.rc == 66, r
    assert "cannot read --cafile /nonexistent/ca.pem" in r.err and r.err.startswith("smtpkit: "), r
    assert srv.connections == 0 and r.out == "", r


def test_starttls_handshake_fails(smtpkit, scripted):
    # STARTTLS offered, the handshake reset: the mode found is STARTTLS (it is
    # no "no-starttls"), and the error row says what happened.
    srv = scripted([send(b"220 127.0.0.1 ESMTP\r\n"), serve([
        (b"EHLO", b"250-127.0.0.1\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
        (b"STARTTLS", [send(b"220 2.0.0 Ready\r\n"), reset()])])])
    r = smtpkit("probe", "127.0.0.1", "--ports", str(srv.port), *T, "--json")
    srv.finish()
    doc = r.json()
    p = doc["ports"][0]
    assert p["tls_mode"] == "STARTTLS" and p["tls"] is None, p
    assert p["error"]["stage"] == "tls", p["error"]
    assert doc["findings"] == [] and r.rc == 0, r


@pytest.mark.parametrize("name,mismatch", [("LocalHost", False), ("mx.other.test", True)])
def test_greeting_name_compared_without_case(smtpkit, scripted, name, mismatch):
    srv = scripted([send(b"220 %s ESMTP\r\n" % name.encode()), serve([
        (b"EHLO", b"250-%s\r\n250-STARTTLS\r\n250 8BITMIME\r\n" % name.encode()),
        (b"STARTTLS", b"454 4.7.0 not now\r\n")])])
    r = smtpkit("probe", "localhost", "-4", "--ports", str(srv.port), *T, "--json")
    srv.finish()
    assert r.rc == 0, r
    ids = [f["id"] for f in r.json()["findings"]]
    assert ("greeting-name-mismatch" in ids) is mismatch, r.json()["findings"]
