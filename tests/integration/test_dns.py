"""src/dns.c, the DNS layer under mx, send, probe --mx and --resolver,
against the dnslib fixture (harness/dns_server.py), end to end and alone:
the tests compile dns_query_tool.c (next to this file) with src/dns.c and
what it links from src/, under ASan/UBSan, and drive it query by query.
"""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from harness.dns_server import DNSFixture, malformed_answer
from harness.run import SANITIZER_MARKS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DIGEST = "8c" * 32

ZONE = """
example.test.                MX    10 mx1.example.test.
example.test.                MX    20 mx2.example.test.
example.test.                TXT   "v=spf1 " "ip4:192.0.2.0/24 " "-all"
mx1.example.test.            A     192.0.2.1
mx1.example.test.            AAAA  2001:db8::1
mx2.example.test.            A     192.0.2.2
www.example.test.            CNAME alias.example.test.
alias.example.test.          CNAME mx1.example.test.
_25._tcp.mx1.example.test.   TLSA  3 1 1 %s
nomail.test.                 MX    0 .
1.2.0.192.in-addr.arpa.      PTR   mx1.example.test.
signed.test.                 A     192.0.2.53
big.test.                    A     192.0.2.80
slow.example.test.           A     192.0.2.50
old.test.                    A     192.0.2.99
wrongid.test.                A     192.0.2.66
wrongq.test.                 A     192.0.2.67
fromport.test.               A     192.0.2.68
fromaddr.test.               A     192.0.2.69
big-wrongid-tcp.test.        A     192.0.2.70
big-flood-tcp.test.          A     192.0.2.71
""" % DIGEST


FAULTS = {
    "servfail.test": {"rcode": "SERVFAIL"},
    "refused.test": {"rcode": "REFUSED"},
    "silent.test": {"drop": True},
    "signed.test": {"ad": True},
    "big.test": {"truncate": True},
    "big-silent-tcp.test": {"truncate": True, "drop": "tcp"},
    "slow.example.test": {"delay_ms": 500},
    "broken.test": {"raw": malformed_answer},
    "old.test": {"no_edns": True},
    # Bogus answers that carry the zone's records: never to be used.
    "wrongid.test": {"wrong_id": True},
    "wrongq.test": {"wrong_question": True},
    "fromport.test": {"reply_from": "port"},
    "fromaddr.test": {"reply_from": "address"},
    "big-wrongid-tcp.test": {"truncate": True, "wrong_id": "tcp"},
    "big-flood-tcp.test": {"truncate": True, "flood_tcp": True},
}


@pytest.fixture(scope="session")
def dns_tool(tmp_path_factory):
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build dns_query_tool"
    out = tmp_path_factory.mktemp("dnstool") / "dns_query_tool"
    cmd = [gcc, "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wshadow",
           "-Wmissing-prototypes", "-D_POSIX_C_SOURCE=200809L", "-g", "-O1",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           "-I", str(REPO / "src"),
           *[str(REPO / "src" / f) for f in ("dns.c", "dns_parse.c", "err.c", "text.c", "deadline.c")],
           str(HERE / "dns_query_tool.c"), "-lresolv", "-lgnutls", "-pthread", "-o", str(out)]
    subprocess.run(cmd, check=True)
    return out


@pytest.fixture(params=["127.0.0.1", "::1"])
def dns(request):
    with DNSFixture(ZONE, FAULTS, host=request.param) as fx:
        yield fx


@pytest.fixture
def dns4():
    with DNSFixture(ZONE, FAULTS) as fx:
        yield fx


class Answer:
    def __init__(self, proc, secs):
        self.rc, self.secs, self.err = proc.returncode, secs, proc.stderr
        lines = proc.stdout.splitlines()
        self.head = dict(kv.split("=", 1) for kv in lines[0].split()) if lines else {}
        self.records = [line for line in lines[1:] if not line.startswith("why=")]
        self.status = self.head.get("status")

    def __repr__(self):
        return "rc=%d %.2fs %r %r %s" % (self.rc, self.secs, self.head, self.records, self.err)


def query(tool, fx, name, rtype, *extra, timeout=30):
    t = time.monotonic()
    proc = subprocess.run([str(tool), name, rtype, "--resolver", fx.resolver, *extra],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1"})
    a = Answer(proc, time.monotonic() - t)
    assert not any(m in proc.stderr for m in SANITIZER_MARKS), proc.stderr
    return a


def test_records_over_ipv4_and_ipv6(dns_tool, dns):
    a = query(dns_tool, dns, "example.test", "MX")
    assert a.rc == 0 and a.status == "ok", a
    assert a.records == ["MX 10 mx1.example.test", "MX 20 mx2.example.test"]
    assert a.head["ad"] == "0" and a.head["tcp"] == "0"

    a = query(dns_tool, dns, "www.example.test", "AAAA")
    assert a.records == ["AAAA 2001:db8::1"] and a.head["canonical"] == "mx1.example.test", a
    a = query(dns_tool, dns, "example.test", "TXT")
    assert a.records == ["TXT v=spf1 ip4:192.0.2.0/24 -all"], a
    a = query(dns_tool, dns, "_25._tcp.mx1.example.test", "TLSA")
    assert a.records == ["TLSA 3 1 1 " + DIGEST], a
    a = query(dns_tool, dns, "nomail.test", "MX")
    assert a.records == ["MX 0 ."], a
    a = query(dns_tool, dns, "1.2.0.192.in-addr.arpa", "PTR")
    assert a.records == ["PTR mx1.example.test"], a

    # What the server received: UDP, EDNS0 OPT, AD set to ask for AD.
    proto, q = dns.queries[0]
    assert proto == "udp" and q.header.ad == 1
    assert any(rr.rtype == 41 for rr in q.ar)


def test_nxdomain_and_nodata_told_apart(dns_tool, dns4):
    a = query(dns_tool, dns4, "nothere.example.test", "MX")
    assert a.rc == 1 and a.status == "nxdomain" and a.head["rcode"] == "3", a
    a = query(dns_tool, dns4, "mx1.example.test", "MX")
    assert a.rc == 1 and a.status == "nodata" and a.head["rcode"] == "0", a
    # An empty non-terminal exists: NODATA, not NXDOMAIN.
    a = query(dns_tool, dns4, "_tcp.mx1.example.test", "TLSA")
    assert a.status == "nodata", a


def test_servfail_and_refused_are_reported_not_retried(dns_tool, dns4):
    a = query(dns_tool, dns4, "servfail.test", "MX")
    assert a.status == "servfail" and a.head["rcode"] == "2" and a.secs < 2, a
    a = query(dns_tool, dns4, "refused.test", "MX")
    assert a.status == "refused" and a.head["rcode"] == "5", a
    assert len(dns4.queries) == 2, dns4.queries


def test_timeout_is_bounded(dns_tool, dns4):
    """The timeout bounds the whole lookup: both tries fit in it (the second
    sent halfway), not one timeout per try."""
    a = query(dns_tool, dns4, "silent.test", "A", "--timeout-ms", "1000", "--tries", "2")
    assert a.status == "timeout", a
    assert 0.9 < a.secs < 1.8, a
    assert [p for p, _ in dns4.queries] == ["udp", "udp"]


@pytest.mark.parametrize("name", ["wrongid.test", "wrongq.test", "fromport.test", "fromaddr.test",
                                  "big-wrongid-tcp.test"])
def test_bogus_answers_are_ignored_until_the_deadline(dns_tool, dns4, name):
    """An answer with a wrong message ID, a wrong question, or from another
    port or address is not an answer (RFC 5452 9.1): ignored, though it
    carries the record, and the lookup ends at its deadline, not later."""
    a = query(dns_tool, dns4, name, "A", "--timeout-ms", "1500", "--tries", "2")
    assert a.status == "timeout" and a.records == [], a
    assert 1.4 < a.secs < 2.4, a
    want = ["udp", "tcp"] if name.startswith("big-") else ["udp", "udp"]
    assert [p for p, _ in dns4.queries] == want, dns4.queries


def test_bogus_answer_from_another_port_over_ipv6(dns_tool):
    with DNSFixture(ZONE, FAULTS, host="::1") as fx:
        a = query(dns_tool, fx, "fromport.test", "A", "--timeout-ms", "1000", "--tries", "1")
        assert a.status == "timeout" and a.records == [] and 0.9 < a.secs < 1.8, a
        assert len(fx.queries) == 1


def test_nothing_listening_is_a_timeout(dns_tool):
    fx = DNSFixture().start()
    fx.stop()                       # the port is now closed
    a = query(dns_tool, fx, "example.test", "A", "--timeout-ms", "1000", "--tries", "1")
    assert a.status == "timeout" and a.secs < 3, a


def test_truncated_answer_is_fetched_over_tcp(dns_tool, dns):
    a = query(dns_tool, dns, "big.test", "A")
    assert a.status == "ok" and a.records == ["A 192.0.2.80"] and a.head["tcp"] == "1", a
    assert [p for p, _ in dns.queries] == ["udp", "tcp"]


def test_streaming_tcp_server_cannot_outlive_the_deadline(dns_tool, dns4):
    """A server that streams wrong-ID answers over TCP without a pause is
    read past, never used, and the lookup still ends at its deadline."""
    a = query(dns_tool, dns4, "big-flood-tcp.test", "A", "--timeout-ms", "1500", "--tries", "1")
    assert a.status == "timeout" and a.records == [], a
    assert 1.4 < a.secs < 2.4, a
    assert [p for p, _ in dns4.queries] == ["udp", "tcp"]


def test_silent_tcp_after_truncation_is_bounded(dns_tool, dns4):
    a = query(dns_tool, dns4, "big-silent-tcp.test", "A", "--timeout-ms", "1000", "--tries", "1")
    assert a.status == "timeout" and a.secs < 4, a
    assert [p for p, _ in dns4.queries] == ["udp", "tcp"]


def test_ad_bit(dns_tool, dns4):
    a = query(dns_tool, dns4, "signed.test", "A")
    assert a.status == "ok" and a.head["ad"] == "1", a
    a = query(dns_tool, dns4, "mx1.example.test", "A")
    assert a.status == "ok" and a.head["ad"] == "0", a


def test_malformed_answer(dns_tool, dns4):
    a = query(dns_tool, dns4, "broken.test", "A")
    assert a.rc == 1 and a.status == "malformed", a


def test_parallel_queries_overlap(dns_tool, dns4):
    a = query(dns_tool, dns4, "slow.example.test", "A", "--parallel", "8")
    # Eight 500 ms answers in about one: separate resolver states, no lock.
    assert a.rc == 0 and a.records == ["A 192.0.2.50"], a
    assert a.secs < 2.5, a
    assert len(dns4.queries) == 8


def test_formerr_to_edns_retries_without_opt(dns_tool, dns4):
    a = query(dns_tool, dns4, "old.test", "A")
    assert a.status == "ok" and a.records == ["A 192.0.2.99"], a
    assert [any(rr.rtype == 41 for rr in q.ar) for _, q in dns4.queries] == [True, False]
