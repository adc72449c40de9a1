"""scripts/bench's probe section: `smtpkit probe` runs its ports concurrently,
so four ports cost about as much as the slowest one alone, not the sum.

Run with /usr/bin/python3 (needs the test harness's modules).  The four
ports are the test fixture's (tests/integration/harness/probe_ports.py):
25 (STARTTLS), 465 (implicit TLS), 587 (STARTTLS, AUTH after TLS) and one
that accepts and never greets, which costs one --timeout.  They listen on
127.0.0.1 in a private network namespace when this runs as root (so 25, 465
and 587 are ours whatever the host runs), else on the host's loopback, where
they must be free.  Every server is started fresh for each run and stopped.

For N rounds: each port alone, then all four in one run; the median wall
time of each.  A second four-port run has two ports that never greet (25,
465 and two silent ones): run one after the other they would cost two
--timeout, run together one.  Prints a table and writes it to build/bench-probe.txt.
Exit status 1 when a run did not end as expected, or when the four-port run
took longer than the slowest single port plus SLACK seconds.
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import run as runmod  # noqa: E402
from harness.certs import make_pki  # noqa: E402
from harness.netns import open_namespace  # noqa: E402
from harness.probe_ports import ProbeFixture  # noqa: E402

ROLES = ["25", "465", "587", "quiet"]
# What each run must exit with: 587 has an expired certificate (a fail finding).
# A port alone that never greets: no SMTP there in time, exit 75.
EXPECTED_RC = {"25": 0, "465": 0, "587": 1, "quiet": 75, "all": 1, "two silent": 0}
RUNS = [(r, [r]) for r in ROLES] + [("all", ROLES), ("two silent", ["25", "465", "quiet", "quiet2"])]
SLACK = 1.0


def one_run(ns, pki, roles, timeout):
    fx = ProbeFixture(ns, pki, roles)
    try:
        args = ["probe", "localhost", "-4", "--ports", fx.portlist(), "--cafile", pki.ca,
                "--timeout", str(timeout), "--connect-timeout", str(timeout), "-q"]
        r = ns.call(runmod.run, args, timeout=timeout * len(roles) + 30)
    finally:
        fx.stop(timeout=5)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--timeout", type=int, default=3, help="probe --timeout (default 3)")
    ap.add_argument("--quick", action="store_true", help="2 rounds")
    opts = ap.parse_args()
    rounds = 2 if opts.quick else opts.n

    ns = open_namespace()
    where = "a private network namespace" if ns.private else "the host's loopback"
    walls = {k: [] for k, _ in RUNS}
    bad = []
    with tempfile.TemporaryDirectory(prefix="smtpkit-bench-probe-") as d:
        pki = make_pki(Path(d) / "pki")
        try:
            for _ in range(rounds):
                for key, roles in RUNS:
                    try:
                        r = one_run(ns, pki, roles, opts.timeout)
                    except OSError as e:
                        print("bench probe: %s" % e, file=sys.stderr)
                        return 1
                    if r.rc != EXPECTED_RC[key]:
                        bad.append("%s: exit %d, expected %d\n%s" % (key, r.rc, EXPECTED_RC[key], r))
                    walls[key].append(r.secs)
        finally:
            ns.close()

    med = {k: statistics.median(v) for k, v in walls.items()}
    alone = [med[r] for r in ROLES]
    label = {"25": "25 alone (STARTTLS)", "465": "465 alone (implicit TLS)",
             "587": "587 alone (STARTTLS, AUTH)", "quiet": "never greets, alone",
             "all": "all four in one run", "two silent": "25, 465 + two silent ports"}
    lines = ["smtpkit probe: wall time, median of %d rounds, --timeout %d, on %s"
             % (rounds, opts.timeout, where), ""]
    alone2 = [med["25"], med["465"], med["quiet"], med["quiet"]]
    lines += ["  %-28s %8.3f s" % (label[k], med[k]) for k in ROLES]
    lines += ["  %-28s %8.3f s   (sum alone %.3f s, slowest %.3f s)"
              % ("all four in one run", med["all"], sum(alone), max(alone)),
              "  %-28s %8.3f s   (sum alone %.3f s, slowest %.3f s)"
              % (label["two silent"], med["two silent"], sum(alone2), max(alone2))]
    verdict = med["all"] <= max(alone) + SLACK and med["two silent"] <= max(alone2) + SLACK
    lines.append("")
    lines.append("  %s: four ports take %s the slowest port alone (+%.1f s allowed), not the sum"
                 % ("ok" if verdict else "FAILED", "about as long as" if verdict else "longer than", SLACK))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = ROOT / "build" / "bench-probe.txt"
    if out.parent.is_dir():
        out.write_text(text)
    for b in bad:
        print("bench probe: unexpected result: %s" % b, file=sys.stderr)
    return 0 if verdict and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
