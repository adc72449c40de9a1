"""--timeout bounds a whole DNS lookup (every try, the TCP retry), for
`smtpkit mx` and for `smtpkit send` without --server: a resolver that never
answers, or answers only with a wrong message ID, a wrong question, or from
another port or address, ends the run at the deadline with 75, not at a
multiple of it.  The bogus answers carry an MX record that leads to a
listening socket: they are never used (the socket is never connected to,
the MX host never printed)."""
import socket

import pytest

from harness.dns_server import DNSFixture

TIMEOUT = 2
T = ["--timeout", str(TIMEOUT), "--connect-timeout", "2"]
MX_HOST = "mx.deadline.test"
# (fault, domain): each domain's MX answer goes wrong that way.
FAULTS = {
    "silent": ("silent.deadline.test", {"drop": True}),
    "wrong-id": ("wrongid.deadline.test", {"wrong_id": True}),
    "wrong-question": ("wrongq.deadline.test", {"wrong_question": True}),
    "other-port": ("fromport.deadline.test", {"reply_from": "port"}),
    "other-address": ("fromaddr.deadline.test", {"reply_from": "address"}),
}
ZONE = "".join("%s. 300 IN MX 10 %s.\n" % (d, MX_HOST) for d, _ in FAULTS.values())
ZONE += "%s. 300 IN A 127.0.0.1\n" % MX_HOST


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE, {d: f for d, f in FAULTS.values()}) as fx:
        yield fx


@pytest.fixture
def listener():
    """A socket on 127.0.0.1 the bogus MX leads to; never to be connected to."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.setblocking(False)
    yield s
    s.close()


def connected(s):
    try:
        c, _ = s.accept()
    except BlockingIOError:
        return False
    c.close()
    return True


def asked(dns, domain, since):
    return [(p, q) for p, q in dns.queries[since:] if str(q.q.qname).rstrip(".") == domain]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_mx_lookup_ends_at_the_deadline(smtpkit, dns, fault):
    domain = FAULTS[fault][0]
    before = len(dns.queries)
    r = smtpkit("mx", "--resolver", dns.resolver, *T, "--json", domain, timeout=15)
    assert r.rc == 75, r
    assert TIMEOUT - 0.2 < r.secs < TIMEOUT + 1, "%s: %.2f s for --timeout %d" % (fault, r.secs, TIMEOUT)
    d = r.json()
    assert d["status"] == "timeout" and d["error"]["cause"] == "dns", d
    assert MX_HOST not in r.out, "a bogus answer was used\n%s" % r
    # Both tries went out within the one deadline.
    assert [p for p, _ in asked(dns, domain, before)] == ["udp", "udp"], dns.queries[before:]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_send_direct_lookup_ends_at_the_deadline(smtpkit, dns, listener, fault):
    domain = FAULTS[fault][0]
    port = listener.getsockname()[1]
    r = smtpkit("send", "--resolver", dns.resolver, "-p", port, *T, "--from", "s@example.org",
                "--body", "deadline", "user@" + domain, timeout=15)
    assert r.rc == 75, r
    assert TIMEOUT - 0.2 < r.secs < TIMEOUT + 1, "%s: %.2f s for --timeout %d" % (fault, r.secs, TIMEOUT)
    assert "timeout" in r.err or "timeout" in r.out, r
    assert not connected(listener), "smtpkit connected to the MX of a bogus answer\n%s" % r
    assert MX_HOST not in r.out + r.err, r
