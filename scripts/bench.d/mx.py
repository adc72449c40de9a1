"""scripts/bench's mx section: `smtpkit mx` examines domains concurrently,
so 1,000 domains behind a slow DNS server cost a small fraction of the
serial time (SPEC 11; issue: under 5% with --jobs 50).

Run with /usr/bin/python3 (needs the test harness's modules).  The DNS
server is the tests' dnslib fixture (tests/integration/harness/dns_server.py)
on 127.0.0.1, an ephemeral port, answering every query after DELAY_MS: each
domain has one MX host with an A and an AAAA record, so examining it takes
the MX query, then A and AAAA at once -- two round trips of DELAY_MS.

Measured:
  parallel   all N domains through `smtpkit mx --json --jobs 50 -`
  serial     a sample of S domains through `--jobs 1`, extrapolated to N
             (N / S times its wall time; running all N serially would take
             minutes and measure the same thing)
Each is the median of R runs.  Every run must print one JSON line per
domain, in input order, each with exit_code 0.  Prints a table, writes it
to build/bench-mx.txt.  Exit status 1 when a run went wrong or the ratio is
5% or more.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from common import snapshot  # noqa: E402
from harness.dns_server import DNSFixture  # noqa: E402

DELAY_MS = 20
LIMIT = 0.05


def zone(n):
    names = ["d%04d.bench.test" % i for i in range(n)]
    lines, faults = [], {}
    for i, d in enumerate(names):
        host = "mx." + d
        lines += ["%s. 300 IN MX 10 %s." % (d, host),
                  "%s. 300 IN A 11.%d.%d.25" % (host, i // 256, i % 256),
                  "%s. 300 IN AAAA 2a00:1450:%x::25" % (host, i)]
        faults[d] = faults[host] = {"delay_ms": DELAY_MS}
    return names, "\n".join(lines), faults




def run(exe, resolver, names, jobs):
    """Wall seconds of one `mx --json --jobs JOBS -` over NAMES; checks the output."""
    argv = [exe, "mx", "--json", "--jobs", str(jobs), "--resolver", resolver, "-"]
    data = "".join(n + "\n" for n in names).encode()
    t0 = time.monotonic()
    p = subprocess.run(argv, input=data, capture_output=True, timeout=600)
    secs = time.monotonic() - t0
    docs = [json.loads(line) for line in p.stdout.decode().splitlines()]
    problems = []
    if p.returncode != 0:
        problems.append("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:500]))
    if [d["domain"] for d in docs] != names:
        problems.append("%d JSON lines, not the %d domains in input order" % (len(docs), len(names)))
    bad = [d["domain"] for d in docs if d["exit_code"] != 0]
    if bad:
        problems.append("%d domains did not exit 0, e.g. %s" % (len(bad), bad[:3]))
    return secs, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--domains", type=int, default=1000, help="domains (default 1000)")
    ap.add_argument("--sample", type=int, default=100, help="serial sample (default 100)")
    ap.add_argument("--jobs", type=int, default=50, help="--jobs of the parallel run (default 50)")
    ap.add_argument("-r", "--rounds", type=int, help="runs of each (default 3, --quick 1)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--smtpkit", default=str(ROOT / "build" / "src" / "smtpkit"))
    opts, _ = ap.parse_known_args()     # scripts/bench passes its own options too
    rounds = opts.rounds or (1 if opts.quick else 3)
    names, text, faults = zone(opts.domains)
    sample = names[:opts.sample]
    par, ser, problems = [], [], []
    with tempfile.TemporaryDirectory(prefix="smtpkit-bench-mx-") as work, \
            DNSFixture(text, faults) as dns:
        exe = snapshot(opts.smtpkit, work)
        run(exe, dns.resolver, names[:10], opts.jobs)                # warm-up
        for _ in range(rounds):
            secs, p = run(exe, dns.resolver, names, opts.jobs)
            par.append(secs)
            problems += p
            secs, p = run(exe, dns.resolver, sample, 1)
            ser.append(secs)
            problems += p
        queries = len(dns.queries)
    p_med, s_med = statistics.median(par), statistics.median(ser)
    serial = s_med * len(names) / len(sample)
    ratio = p_med / serial
    ok = ratio < LIMIT and not problems
    lines = [
        "smtpkit mx: %d domains, DNS fixture on 127.0.0.1 answering every query after %d ms "
        "(MX, then A and AAAA at once: 2 round trips per domain); median of %d runs"
        % (len(names), DELAY_MS, rounds),
        "",
        "  %-40s %8.2f s" % ("--jobs %d, all %d domains" % (opts.jobs, len(names)), p_med),
        "  %-40s %8.2f s   (%.1f ms per domain)"
        % ("--jobs 1, %d-domain sample" % len(sample), s_med, 1000 * s_med / len(sample)),
        "  %-40s %8.2f s   (sample x %g; not run in full)"
        % ("--jobs 1, %d domains, extrapolated" % len(names), serial, len(names) / len(sample)),
        "  ratio: %.1f%% of the serial time (limit %.0f%%), speed-up x%.1f"
        % (100 * ratio, 100 * LIMIT, 1 / ratio),
        "  queries answered by the fixture: %d" % queries,
        "",
        "  %s" % ("ok" if ok else "FAILED"),
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = ROOT / "build" / "bench-mx.txt"
    if out.parent.is_dir():
        out.write_text(text)
    for p in problems:
        print("bench mx: %s" % p, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
