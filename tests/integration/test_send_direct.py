"""`smtpkit send` without --server: recipients grouped by domain, each
domain's MX hosts tried in order (SPEC 3), against the dnslib fixture and
local servers.  MX hosts share the port given with -p, so they differ by
address: 127.0.0.2 is the first MX (nothing listening there, or a scripted
server answering 421 / 4xx / 5xx), 127.0.0.1 the second (aiosmtpd).  The
tests assert what each server received."""
import json

import pytest

from harness.dns_server import DNSFixture, address_fault
from harness.mx_fixture import AioAt, common_port, names_leaf
from harness.scripted import (GREETING, close, read_data, send, serve, starttls_session,
                              wait_eof)

ZONE = """
a.test.              MX  10 mx1.a.test.
a.test.              MX  20 mx2.a.test.
mx1.a.test.          A   127.0.0.2
mx2.a.test.          A   127.0.0.1
equal.test.          MX  10 one.equal.test.
equal.test.          MX  10 two.equal.test.
one.equal.test.      A   127.0.0.1
two.equal.test.      A   127.0.0.2
one.test.            MX  10 mx.one.test.
mx.one.test.         A   127.0.0.1
two.test.            MX  10 mx.two.test.
mx.two.test.         A   127.0.0.2
ghost.test.          MX  10 nowhere.ghost.test.
ghost.test.          MX  20 mx.ghost.test.
mx.ghost.test.       A   127.0.0.1
implicit.test.       A   127.0.0.1
nullmx.test.         MX  0 .
down.test.           MX  10 mx1.down.test.
down.test.           MX  20 mx2.down.test.
mx1.down.test.       A   127.0.0.2
mx2.down.test.       A   127.0.0.3
"""
# Implicit MX (no MX record) whose address lookups go wrong: (A, AAAA).
ADDRESS_FAULTS = {
    "sf.test": ("servfail", "servfail"),
    "to.test": ("timeout", "timeout"),
    "mixed.test": ("nodata", "servfail"),
    "none.test": ("nodata", "nodata"),
}
FAULTS = {"servfail.test": {"rcode": "SERVFAIL"},
          **{d: address_fault(a, aaaa) for d, (a, aaaa) in ADDRESS_FAULTS.items()}}
NAMES = ["mx1.a.test", "mx2.a.test", "one.equal.test", "two.equal.test", "mx.one.test",
         "mx.two.test", "mx.ghost.test", "implicit.test"]
SENDER = "sender@example.org"
MARKER = "DIRECT-MARKER-5tQ"
T = ["--timeout", "2", "--connect-timeout", "2"]
EHLO_SIMPLE = b"250-mx1.scripted.test\r\n250 8BITMIME\r\n"


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE, FAULTS) as d:
        yield d


@pytest.fixture(scope="module")
def mxcert(pki):
    return names_leaf(pki, "direct", NAMES)


@pytest.fixture
def servers():
    """start(pair, host, port) -> AioAt; all stopped at teardown."""
    started = []

    def start(pair, host, port, **kw):
        s = AioAt(pair, host, port, **kw)
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


def send_direct(smtpkit, dns, pki, port, *rcpts, extra=(), json_out=False):
    args = ["send", "--resolver", dns.resolver, "-p", port, "--from", SENDER, "--subject", "direct",
            "--body", MARKER, "--cafile", pki.ca, *T, *extra]
    if json_out:
        args.append("--json")
    return smtpkit(*args, *rcpts)


def got(server):
    """[(mail_from, rcpt_tos)] of what SERVER accepted, each carrying MARKER."""
    for m in server.messages:
        content = m.content if isinstance(m.content, bytes) else m.content.encode()
        assert MARKER.encode() in content
    return [(m.mail_from, list(m.rcpt_tos)) for m in server.messages]


# ---- the first MX fails temporarily: the message lands on the second -------

def test_first_mx_refuses_connection(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1", "127.0.0.2"])
    second = servers(mxcert, "127.0.0.1", port)             # nothing on 127.0.0.2
    r = send_direct(smtpkit, dns, pki, port, "user@a.test")
    assert r.rc == 0, r
    assert got(second) == [(SENDER, ["user@a.test"])]
    assert "mx1.a.test" in r.out and "trying the next" in r.out, r
    assert "domain a.test: delivered via mx2.a.test" in r.out, r
    r = send_direct(smtpkit, dns, pki, port, "user@a.test", json_out=True)
    assert r.rc == 0, r
    d = r.json()
    (dl,) = d["deliveries"]
    assert (dl["domain"], dl["mx"], dl["delivered"]) == ("a.test", "mx2.a.test", True)
    assert dl["server"]["address"] == "127.0.0.1" and dl["server"]["port"] == port
    assert dl["tls"]["verified"] is True, dl["tls"]
    assert dl["findings"] == []
    assert len(second.messages) == 2


def test_first_mx_greets_421(smtpkit, dns, pki, mxcert, servers, scripted):
    first = scripted([send(b"421 4.3.2 mx1 busy, try later\r\n"), wait_eof()], host="127.0.0.2")
    second = servers(mxcert, "127.0.0.1", first.port)
    r = send_direct(smtpkit, dns, pki, first.port, "user@a.test")
    assert r.rc == 0, r
    first.finish()
    assert first.connections == 1
    assert b"MAIL" not in first.plain.upper(), first.report()
    assert got(second) == [(SENDER, ["user@a.test"])]


def test_first_mx_451_to_mail(smtpkit, dns, pki, mxcert, servers, scripted):
    first = scripted([send(GREETING), serve([(b"EHLO", EHLO_SIMPLE),
                                             (b"MAIL", b"451 4.3.0 local problem\r\n"),
                                             (b"RSET", b"250 2.0.0 ok\r\n")])],
                     host="127.0.0.2")
    second = servers(mxcert, "127.0.0.1", first.port)
    r = send_direct(smtpkit, dns, pki, first.port, "user@a.test")
    assert r.rc == 0, r
    first.finish()
    assert b"MAIL FROM:<sender@example.org>" in first.plain, first.report()
    assert MARKER.encode() not in first.plain
    assert got(second) == [(SENDER, ["user@a.test"])]


def test_every_mx_down_is_75(smtpkit, dns, pki):
    port = common_port(["127.0.0.2", "127.0.0.3"])
    r = send_direct(smtpkit, dns, pki, port, "user@down.test")
    assert r.rc == 75, r
    assert "mx1.down.test" in r.out and "mx2.down.test" in r.out, r


# ---- no fallback after a permanent refusal or a possible delivery ----------

def test_first_mx_554_greeting_no_fallback(smtpkit, dns, pki, mxcert, servers, scripted):
    first = scripted([send(b"554 5.7.1 no mail from you\r\n"), wait_eof()], host="127.0.0.2")
    second = servers(mxcert, "127.0.0.1", first.port)
    r = send_direct(smtpkit, dns, pki, first.port, "user@a.test")
    assert r.rc == 69, r
    assert second.messages == []
    assert "554" in r.err, r


def test_first_mx_550_to_rcpt_no_fallback(smtpkit, dns, pki, mxcert, servers, scripted):
    first = scripted([send(GREETING), serve([(b"EHLO", EHLO_SIMPLE),
                                             (b"MAIL", b"250 2.1.0 ok\r\n"),
                                             (b"RCPT", b"550 5.1.1 no such user\r\n"),
                                             (b"RSET", b"250 2.0.0 ok\r\n")])],
                     host="127.0.0.2")
    second = servers(mxcert, "127.0.0.1", first.port)
    r = send_direct(smtpkit, dns, pki, first.port, "user@a.test", json_out=True)
    assert r.rc == 67, r
    first.finish()
    assert MARKER.encode() not in first.plain, first.report()
    assert second.messages == []
    (dl,) = r.json()["deliveries"]
    assert dl["mx"] == "mx1.a.test" and dl["recipients"][0]["code"] == 550
    assert dl["delivered"] is False


def test_no_fallback_once_message_may_have_been_delivered(smtpkit, dns, pki, mxcert, servers,
                                                          scripted):
    """The connection drops after the final dot, before the reply: the first
    MX may have the message, so the second must not get a copy."""
    first = scripted([send(GREETING), serve([(b"EHLO", EHLO_SIMPLE),
                                             (b"MAIL", b"250 2.1.0 ok\r\n"),
                                             (b"RCPT", b"250 2.1.5 ok\r\n"),
                                             (b"DATA", [send(b"354 go ahead\r\n"), read_data(),
                                                        close()])])],
                     host="127.0.0.2")
    second = servers(mxcert, "127.0.0.1", first.port)
    r = send_direct(smtpkit, dns, pki, first.port, "user@a.test", json_out=True)
    first.finish()
    assert r.rc == 74, r            # EOF where the reply belongs: an I/O error
    assert len(first.messages) == 1 and MARKER.encode() in first.messages[0]
    assert second.messages == []
    (dl,) = r.json()["deliveries"]
    assert dl["maybe_delivered"] is True and dl["mx"] == "mx1.a.test", dl


# ---- no mail host ------------------------------------------------------------

@pytest.mark.parametrize("rcpt,code,words", [
    ("user@nullmx.test", 68, "null MX"),
    ("user@nosuch.test", 68, "NXDOMAIN"),
    ("user@servfail.test", 75, "servfail"),
])
def test_no_mail_host(smtpkit, dns, pki, rcpt, code, words):
    port = common_port(["127.0.0.1"])
    r = send_direct(smtpkit, dns, pki, port, rcpt)
    assert r.rc == code, r
    assert words.lower() in (r.out + r.err).lower(), r
    r = send_direct(smtpkit, dns, pki, port, rcpt, json_out=True)
    assert r.rc == code, r
    d = r.json()
    assert d["ok"] is False and d["exit_code"] == code
    (dl,) = d["deliveries"]
    assert dl["server"] is None and dl["delivered"] is False
    assert words.lower() in dl["error"]["message"].lower(), dl["error"]


@pytest.mark.parametrize("domain", sorted(ADDRESS_FAULTS))
def test_implicit_mx_address_lookup_failure(smtpkit, dns, pki, domain):
    """No MX record, and the domain's own address lookups fail: 68 ("no mail
    host") only when A and AAAA are both NODATA, else a temporary 75."""
    code = 68 if ADDRESS_FAULTS[domain] == ("nodata", "nodata") else 75
    args = ["send", "--resolver", dns.resolver, "--from", SENDER, "--body", "x",
            "--cafile", pki.ca, *T, "user@" + domain]
    r = smtpkit(*args)
    assert r.rc == code, r
    assert any(l.startswith("smtpkit: ") for l in r.err.splitlines()), r
    assert ("no mail host" in r.out + r.err) is (code == 68), r
    j = smtpkit(*args, "--json")
    assert j.rc == code, j
    d = j.json()
    assert (d["ok"], d["exit_code"]) == (False, code), d
    (dl,) = d["deliveries"]
    assert dl["delivered"] is False and dl["server"] is None, dl
    assert dl["error"]["class"] == ("nohost" if code == 68 else "temporary"), dl["error"]


def test_mx_without_address_skipped(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1"])
    srv = servers(mxcert, "127.0.0.1", port)
    r = send_direct(smtpkit, dns, pki, port, "user@ghost.test")
    assert r.rc == 0, r
    assert got(srv) == [(SENDER, ["user@ghost.test"])]
    assert "nowhere.ghost.test" in r.out, r


def test_implicit_mx(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1"])
    srv = servers(mxcert, "127.0.0.1", port)
    r = send_direct(smtpkit, dns, pki, port, "user@implicit.test")
    assert r.rc == 0, r
    assert got(srv) == [(SENDER, ["user@implicit.test"])]


# ---- several domains ---------------------------------------------------------

def test_two_domains_two_deliveries(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1", "127.0.0.2"])
    one = servers(mxcert, "127.0.0.1", port)
    two = servers(mxcert, "127.0.0.2", port)
    r = send_direct(smtpkit, dns, pki, port, "a@one.test", "b@two.test", "c@ONE.test",
                    json_out=True)
    assert r.rc == 0, r
    assert got(one) == [(SENDER, ["a@one.test", "c@ONE.test"])]
    assert got(two) == [(SENDER, ["b@two.test"])]
    d = r.json()
    assert d["ok"] is True and d["error"] is None
    assert d["envelope"]["recipients"] == ["a@one.test", "c@ONE.test", "b@two.test"]
    dls = d["deliveries"]
    assert [(x["domain"], x["mx"], x["delivered"]) for x in dls] == [
        ("one.test", "mx.one.test", True), ("two.test", "mx.two.test", True)]
    assert [[y["address"] for y in x["recipients"]] for x in dls] == [
        ["a@one.test", "c@ONE.test"], ["b@two.test"]]
    assert all(x["queue_id"] for x in dls)
    r = send_direct(smtpkit, dns, pki, port, "a@one.test", "b@two.test")
    assert r.rc == 0, r
    assert "domain one.test: delivered via mx.one.test" in r.out
    assert "domain two.test: delivered via mx.two.test" in r.out
    assert r.out.splitlines()[-1].startswith("result: ok: delivered to 2 of 2 recipients in 2 domains")


def test_one_domain_fails_other_delivered(smtpkit, dns, pki, mxcert, servers):
    port = common_port(["127.0.0.1"])
    one = servers(mxcert, "127.0.0.1", port)
    r = send_direct(smtpkit, dns, pki, port, "a@one.test", "x@servfail.test", json_out=True)
    assert r.rc == 75, r
    assert got(one) == [(SENDER, ["a@one.test"])]
    d = r.json()
    assert [(x["domain"], x["delivered"]) for x in d["deliveries"]] == [
        ("one.test", True), ("servfail.test", False)]
    assert d["error"]["class"] == "temporary", d["error"]


def test_permanent_ranks_above_temporary(smtpkit, dns, pki):
    port = common_port(["127.0.0.1"])
    r = send_direct(smtpkit, dns, pki, port, "x@servfail.test", "y@nullmx.test", json_out=True)
    assert r.rc == 68, r
    assert r.json()["exit_code"] == 68
    r = send_direct(smtpkit, dns, pki, port, "y@nullmx.test", "x@servfail.test")
    assert r.rc == 68, r


def test_equal_preference_spread(smtpkit, dns, pki, mxcert, servers):
    """RFC 5321 5.1: hosts of equal preference are tried in random order."""
    port = common_port(["127.0.0.1", "127.0.0.2"])
    one = servers(mxcert, "127.0.0.1", port)
    two = servers(mxcert, "127.0.0.2", port)
    for _ in range(16):
        r = send_direct(smtpkit, dns, pki, port, "user@equal.test")
        assert r.rc == 0, r
    assert len(one.messages) + len(two.messages) == 16
    assert one.messages and two.messages, (len(one.messages), len(two.messages))


# ---- TLS: opportunistic unless --tls starttls ---------------------------------

def test_certificate_problem_reported_delivery_goes_on(smtpkit, dns, pki, servers):
    port = common_port(["127.0.0.1"])
    srv = servers(pki["wrongname"], "127.0.0.1", port)
    r = send_direct(smtpkit, dns, pki, port, "a@one.test", json_out=True)
    assert r.rc == 0, r
    assert got(srv) == [(SENDER, ["a@one.test"])]
    (dl,) = r.json()["deliveries"]
    assert dl["tls"]["verified"] is False
    assert "cert-name-mismatch" in {f["id"] for f in dl["findings"]}, dl["findings"]
    r = send_direct(smtpkit, dns, pki, port, "a@one.test")
    assert r.rc == 0, r
    assert "finding: fail cert-name-mismatch" in r.out and "opportunistic" in r.out, r


def test_certificate_problem_with_tls_starttls_stops(smtpkit, dns, pki, scripted):
    srv = scripted(starttls_session("wrongname"))
    r = send_direct(smtpkit, dns, pki, srv.port, "a@one.test", extra=["--tls", "starttls"])
    assert r.rc == 69, r
    srv.finish()
    assert b"STARTTLS" in srv.plain.upper(), srv.report()
    assert b"MAIL" not in srv.plain.upper() and b"MAIL" not in srv.in_tls.upper(), srv.report()
    assert MARKER.encode() not in srv.plain + srv.in_tls


def test_tls_starttls_required_but_not_offered(smtpkit, dns, pki, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_SIMPLE)])])
    r = send_direct(smtpkit, dns, pki, srv.port, "a@one.test", extra=["--tls", "starttls"])
    assert r.rc == 69, r
    srv.finish()
    assert b"MAIL" not in srv.plain.upper(), srv.report()


def test_server_with_user_refused(smtpkit, dns, pki):
    r = smtpkit("send", "--resolver", dns.resolver, "--from", SENDER, "--user", "u", "a@one.test")
    assert r.rc == 64, r
    json.dumps(r.err)
