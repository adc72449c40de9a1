"""`smtpkit mx --check`: the MTA-STS policy fetch (RFC 8461 3.3) over the
exact bytes of harness/raw_https.py.  The client reads the raw response to
the end of the connection (or Content-Length) and frames it itself, so

  - a policy whose last line has no line ending is whole, max_age included;
  - a chunked body with bare-LF lines de-chunks to the bytes sent, chunk
    sizes and all;
  - a response whose head is larger than the 73,728-byte read buffer ends in
    mta-sts-invalid without writing past the buffer (only ASan sees a write
    one byte past a heap buffer, so test_oversized_response_asan runs
    build-asan/src/smtpkit when it exists, whatever $SMTPKIT says);
  - a server that keeps the connection open costs no deadline.
"""
import os

import pytest

from harness import run as runmod
from harness.dns_server import DNSFixture
from harness.mx_fixture import names_leaf
from harness.raw_https import RawHTTPS, http_response

T = ["--timeout", "2", "--connect-timeout", "2"]
DOMAINS = ["eof", "chunked", "big", "bigbody", "keepalive"]
ZONE = "".join("""
{d}.test.              MX   10 mx.{d}.test.
mx.{d}.test.           A    11.0.30.25
_mta-sts.{d}.test.     TXT  "v=STSv1; id=20250101"
mta-sts.{d}.test.      A    127.0.0.1
""".format(d=d) for d in DOMAINS)

POLICY_LF = b"version: STSv1\nmode: enforce\nmx: mx.%s.test\nmax_age: 86400\n"


def chunked(body, size):
    """BODY as chunks of SIZE octets (CRLF framing, as RFC 9112 7.1 has it)."""
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


def big_response():
    """About 82 KB, every line CRLF-ended, laid out so that the head fills a
    73,728-octet buffer to the last octet exactly (a reader that then
    writes a terminating NUL writes one past it) whether it is filled raw
    or line by line (lines of at most 4,096 octets, appended while under
    69,632)."""
    lines = [b"HTTP/1.1 200 OK"]                       # 17 with CRLF
    lines += [b"X-Pad-%02d: " % i + b"a" * (4094 - 10) for i in range(16)]   # 16 x 4,096
    lines += [b"X-Pad-16: " + b"b" * (4075 - 10)]      # 69,630 so far
    lines += [b"X-Pad-17: " + b"c" * (4096 - 10)]      # 73,728: exactly full
    lines += [b"X-Pad-%02d: " % i + b"d" * 1000 for i in range(18, 26)]
    policy = POLICY_LF % b"big"
    lines += [b"Content-Length: %d" % len(policy), b"Connection: close", b""]
    resp = b"\r\n".join(lines) + b"\r\n" + policy
    assert sum(len(l) + 2 for l in lines[:19]) == 73728 and len(resp) > 80 * 1024
    return resp


RESPONSES = {
    # Content-Length exact, no line ending after the last line.
    "mta-sts.eof.test": http_response(b"version: STSv1\r\nmode: enforce\r\nmx: mx.eof.test\r\n"
                                      b"max_age: 86400"),
    # Chunked, the policy's lines LF only; chunks cut through lines.
    "mta-sts.chunked.test": http_response(chunked(POLICY_LF % b"chunked", 7), length=False,
                                          headers=["Transfer-Encoding: chunked"]),
    "mta-sts.big.test": big_response(),
    # Content-Length given, but the server keeps the connection open for 8 s.
    "mta-sts.keepalive.test": (http_response(POLICY_LF % b"keepalive"), 8),
    # A body of 80 KB: a policy, then padding lines of an unknown key.
    "mta-sts.bigbody.test": http_response(POLICY_LF % b"bigbody" +
                                          b"".join(b"pad%05d: %s\n" % (i, b"x" * 90)
                                                   for i in range(820))),
}


@pytest.fixture(scope="module")
def dns():
    with DNSFixture(ZONE) as d:
        yield d


@pytest.fixture(scope="module")
def https(pki):
    pair = names_leaf(pki, "rawsts", ["mta-sts.%s.test" % d for d in DOMAINS])
    s = RawHTTPS(pair, RESPONSES)
    yield s
    s.stop()


def mx_check(smtpkit, dns, https, pki, domain, *extra):
    return smtpkit("mx", "--resolver", dns.resolver, *T, domain, "--check", "--cafile", pki.ca,
                   *extra, env=https.env)


def fetched_by(https, host):
    return [req for h, req in list(https.requests) if h == host]


@pytest.mark.parametrize("domain", ["eof.test", "chunked.test"])
def test_policy_framing(smtpkit, dns, https, pki, domain):
    r = mx_check(smtpkit, dns, https, pki, domain, "--json")
    d = r.json()
    m = d["mta_sts"]
    assert fetched_by(https, "mta-sts." + domain), https.requests
    assert (m["fetched"], m["valid"], m["error"]) == (True, True, None), m
    assert (m["mode"], m["mx"], m["max_age"]) == ("enforce", ["mx." + domain], 86400), m
    assert not {"mta-sts-invalid", "mta-sts-mx-mismatch"} & {f["id"] for f in d["findings"]}, r
    assert r.rc == 0, r
    h = mx_check(smtpkit, dns, https, pki, domain)
    assert h.rc == 0, h
    assert "  MTA-STS: v=STSv1; id=20250101; policy mode enforce" in h.out.splitlines(), h


def _run_big(smtpkit, dns, https, pki):
    for json_out in (True, False):
        r = mx_check(smtpkit, dns, https, pki, "big.test", *(["--json"] if json_out else []))
        # No crash, no sanitizer report (runmod.run asserts that), a verdict.
        assert r.rc == 1, r
        if json_out:
            d = r.json()
            m = d["mta_sts"]
            assert m["valid"] is False and m["mode"] is None, m
            f = [x for x in d["findings"] if x["id"] == "mta-sts-invalid"]
            assert len(f) == 1 and f[0]["level"] == "fail", d["findings"]
        else:
            line = [l for l in r.out.splitlines() if l.startswith("  MTA-STS: ")]
            assert len(line) == 1 and "(null)" not in line[0] and "mode enforce" not in line[0], r
            assert ("fail", "mta-sts-invalid") in [tuple(l.split(":")[1].split()) for l in r.out.splitlines()
                                                   if l.startswith("  finding: ")], r
    assert fetched_by(https, "mta-sts.big.test"), https.requests
    # 80 KB of body behind an ordinary head: the body is cut at the buffer,
    # past the policy's lines, and the padding lines are keys a policy may
    # not know: the policy is valid.
    r = mx_check(smtpkit, dns, https, pki, "bigbody.test", "--json")
    assert r.rc == 0, r
    assert r.json()["mta_sts"] == {"txt": "v=STSv1; id=20250101", "fetched": True, "valid": True,
                                   "mode": "enforce", "mx": ["mx.bigbody.test"],
                                   "max_age": 86400, "error": None}, r


def test_oversized_response(smtpkit, dns, https, pki):
    _run_big(smtpkit, dns, https, pki)


ASAN = runmod.REPO / "build-asan" / "src" / "smtpkit"


@pytest.mark.skipif(not os.access(ASAN, os.X_OK), reason="no build-asan/src/smtpkit")
def test_oversized_response_asan(smtpkit, dns, https, pki, monkeypatch):
    monkeypatch.setenv("SMTPKIT", str(ASAN))       # harness/run.py takes the binary from here
    _run_big(smtpkit, dns, https, pki)


def test_oversized_response_says_why(smtpkit, dns, https, pki):
    r = mx_check(smtpkit, dns, https, pki, "big.test", "--json")
    m = r.json()["mta_sts"]
    assert m["valid"] is False and m["error"], "invalid policy without a reason: %r" % m
    f = [x for x in r.json()["findings"] if x["id"] == "mta-sts-invalid"]
    assert f and f[0]["text"].rstrip() != "MTA-STS:", f


def test_content_length_ends_the_wait(smtpkit, dns, https, pki):
    # A server that ignores "Connection: close" must not cost the deadline:
    # the body is complete when Content-Length octets have arrived.
    r = smtpkit("mx", "--resolver", dns.resolver, "--timeout", "5", "--connect-timeout", "2",
                "keepalive.test", "--check", "--cafile", pki.ca, "--json", env=https.env)
    m = r.json()["mta_sts"]
    assert (m["fetched"], m["valid"], m["mode"]) == (True, True, "enforce"), m
    assert r.secs < 3, r.secs
