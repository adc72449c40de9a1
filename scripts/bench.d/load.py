"""scripts/bench's load section: `smtpkit send --count` beside Postfix's
smtp-source, both against one smtp-sink on loopback, 1 KB messages.

Run with /usr/bin/python3.  For K rounds, interleaved (smtp-source, then
smtpkit, then the next round), on one connection and on ten:
  smtp-source -d -s C -m N -l 1024
  smtpkit send --count N --connections C --body @1k --tls none -q
The median msgs/s of each and their ratio (smtpkit / smtp-source; at least
1 is the goal), CPU per message, and smtpkit's peak RSS at N=1,000 and at
N=100,000 (memory must stay flat), and the round trips a message costs
through the latency proxy.  Then STARTTLS and AUTH PLAIN on every
connection, against the private Postfix's submission port (smtp-source has
no TLS): msgs/s reported alone.  Writes build/bench-load.txt.
Exit status 1 when a run failed or smtpkit's memory grew with N.
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
EXE = os.environ.get("SMTPKIT") or str(ROOT / "build" / "src" / "smtpkit")
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """smtp-sink on a free loopback port, 1000 connections of backlog."""

    def __init__(self):
        self.port = free_port()
        args = [SINK]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        self.p = subprocess.Popen(args + ["127.0.0.1:%d" % self.port, "1000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("smtp-sink did not start")

    def stop(self):
        self.p.kill()
        self.p.wait()


def timed(argv):
    """(wall seconds, user+sys CPU seconds, peak RSS KB, exit status) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode:
        sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
    return wall, cpu, after.ru_maxrss, p.returncode


def smtpkit_argv(port, n, c, body):
    return [EXE, "send", "-s", "127.0.0.1:%d" % port, "--tls", "none", "--from", "load@example.org",
            "--to", "sink@example.org", "--subject", "load", "--body", "@" + body,
            "--count", str(n), "--connections", str(c), "-q"]


def source_argv(port, n, c):
    return [SOURCE, "-d", "-s", str(c), "-m", str(n), "-l", "1024", "-f", "load@example.org",
            "-t", "sink@example.org", "127.0.0.1:%d" % port]


def peak_rss(argv):
    """Peak RSS of one run, from GNU time's %M (the children's maximum is
    cumulative across runs, so a separate process measures it)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    return int(p.stderr.decode().strip().splitlines()[-1]), p.returncode


def tls_auth_rate(n, c):
    """msgs/s of --count N over C STARTTLS+AUTH PLAIN sessions to the private
    Postfix's submission port (discarding nothing: it delivers to a maildir)."""
    from harness.certs import make_pki
    from harness.postfix_server import PostfixServer
    d = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        pki = make_pki(d / "pki")
        pf = PostfixServer(pki)
        try:
            argv = [EXE, "send", "-s", pf.submission_hostport, "--cafile", pki.ca, "--tls-name", "localhost",
                    "--user", pf.user, "--auth", "PLAIN", "--from", "load@smtpkit.test",
                    "--to", "alice@smtpkit.test", "--body", "load", "--count", str(n),
                    "--connections", str(c), "--json"]
            t0 = time.monotonic()
            p = subprocess.run(argv, capture_output=True, env=dict(os.environ, SMTPKIT_PASSWORD=pf.password))
            wall = time.monotonic() - t0
            if p.returncode:
                sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
                return None
            import json
            doc = json.loads(p.stdout)
            return doc["totals"]["accepted"] / wall, doc
        finally:
            pf.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def round_trips(sink_port, body):
    """Round trips a message costs, through ../shared/tools/latency-proxy
    (10 ms each way): the wall time of 21 messages on one connection less
    that of 1, over 20 messages and one round trip.  smtpkit pipelines each
    message's MAIL group behind the previous one's dot (1); smtp-source
    waits for every reply (MAIL, RCPT, DATA, the data: 4)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import Proxy
    exe = str((ROOT / ".." / "shared" / "tools" / "latency-proxy").resolve())
    if not os.path.exists(exe):
        return None
    delay = 10
    proxy = Proxy(exe, sink_port, delay)
    try:
        out = {}
        for name, argv in (("smtpkit", lambda n: smtpkit_argv(proxy.port, n, 1, body)),
                           ("smtp-source", lambda n: source_argv(proxy.port, n, 1))):
            walls = {}
            for n in (1, 21):
                w, _, _, rc = timed(argv(n))
                if rc:
                    return None
                walls[n] = w
            out[name] = (walls[21] - walls[1]) / 20 / (2 * delay / 1000.0)
        return out
    finally:
        proxy.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None, help="messages per run")
    ap.add_argument("-k", type=int, default=None, help="rounds")
    args, _ = ap.parse_known_args()
    n = args.n or (5000 if args.quick else 20000)
    k = args.k or (3 if args.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    body = work / "1k.txt"
    body.write_text(("x" * 71 + "\n") * 14)      # 1008 octets
    lines, failed = [], False
    sink = Sink()
    try:
        for c in (1, 10):
            kit, src, kit_cpu, src_cpu = [], [], [], []
            for _ in range(k):
                w, cpu, _, rc = timed(source_argv(sink.port, n, c))
                failed |= rc != 0
                src.append(n / w)
                src_cpu.append(cpu / n * 1e6)
                w, cpu, _, rc = timed(smtpkit_argv(sink.port, n, c, str(body)))
                failed |= rc != 0
                kit.append(n / w)
                kit_cpu.append(cpu / n * 1e6)
            mk, ms = statistics.median(kit), statistics.median(src)
            lines.append("%2d connection%s  smtpkit %8.0f msgs/s (%5.1f us CPU/msg)   smtp-source %8.0f msgs/s "
                         "(%5.1f us CPU/msg)   ratio %.2f" % (c, " " if c == 1 else "s", mk, statistics.median(kit_cpu),
                                                            ms, statistics.median(src_cpu), mk / ms))
        small, rc1 = peak_rss(smtpkit_argv(sink.port, 1000, 1, str(body)))
        big, rc2 = peak_rss(smtpkit_argv(sink.port, 100000 if not args.quick else 30000, 1, str(body)))
        failed |= rc1 != 0 or rc2 != 0
        grew = big > small * 1.5 + 2048
        failed |= grew
        lines.append("memory: peak RSS %d KB at N=1,000, %d KB at N=%s%s" % (
            small, big, "100,000" if not args.quick else "30,000", "  GREW" if grew else " (flat)"))
        rt = round_trips(sink.port, str(body))
        if rt is None:
            lines.append("round trips a message: not measured (no latency-proxy, or a run failed)")
        else:
            lines.append("round trips a message (latency-proxy, 20 ms RTT): smtpkit %.2f, smtp-source %.2f"
                         % (rt["smtpkit"], rt["smtp-source"]))
    finally:
        sink.stop()
    got = tls_auth_rate(2000 if not args.quick else 500, 4)
    if got is None:
        failed = True
        lines.append("STARTTLS+AUTH PLAIN, 4 connections to Postfix: FAILED")
    else:
        rate, doc = got
        lines.append("STARTTLS+AUTH PLAIN, 4 connections to Postfix (delivering to a maildir): %.0f msgs/s; "
                     "set-up TLS p50 %.1f ms, AUTH p50 %.1f ms" % (
                         rate, doc["setup_ms"]["tls"]["p50"], doc["setup_ms"]["auth"]["p50"]))
    text = "send --count against smtp-sink, %d messages of 1 KB, median of %d interleaved rounds\n%s\n" % (
        n, k, "\n".join(lines))
    print(text, end="")
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "bench-load.txt").write_text(text)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
