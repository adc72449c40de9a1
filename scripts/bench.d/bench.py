"""scripts/bench's driver: whole-process cost and round trips of one send.

Run by scripts/bench with /usr/bin/python3 (the Debian python with aiosmtpd).
Everything it starts (a private Postfix, an aiosmtpd with STARTTLS + AUTH,
latency proxies) listens on 127.0.0.1 ephemeral ports and is stopped here.

Two measurements, each tool (smtpkit, msmtp, curl, swaks) run as a child
process and reaped with os.wait4 (its own rusage: CPU and peak RSS):

1. Whole-process cost on loopback: N sends of one small message to Postfix,
   plain and STARTTLS (test CA trusted, name "localhost" checked).  Tools run
   round-robin (one send each, then again) so that background noise hits all
   alike; one unmeasured warm-up send each first.

2. Round trips: K sends through ../shared/tools/latency-proxy at 25 ms each
   way (RTT 50 ms; the TCP handshake is not delayed) and K at 50 ms each way
   (RTT 100 ms).  Every round trip costs 50 ms more at the second delay, so
       round trips = (median wall at 50 ms - median wall at 25 ms) / 50 ms
   with the process's own start-up, CPU and any constant server work
   cancelled out.  (Against a direct loopback run instead, Nagle/delayed-ACK
   stalls of ~40 ms, which show on loopback and vanish behind a 25 ms delay,
   would be miscounted.)  A server's greeting travels one way only and costs
   half a round trip, so a client that waits for the final 221 shows a count
   ending in .5.
   Scenarios: Postfix default (PIPELINING + CHUNKING), Postfix with CHUNKING
   discarded from EHLO (PIPELINING only), aiosmtpd with STARTTLS + AUTH PLAIN
   (aiosmtpd advertises neither PIPELINING nor CHUNKING).

A send counts only when the tool exits 0; a tool that fails is reported as
FAILED (with its stderr), not timed.  Exit status: 1 when smtpkit failed,
else 0 (a failing competitor is reported, not fatal).
"""
import argparse
import logging
import os
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402
from common import snapshot  # noqa: E402
from harness.aiosmtpd_server import free_port  # noqa: E402
from harness.certs import make_pki  # noqa: E402
from harness.postfix_server import PostfixServer  # noqa: E402

# aiosmtpd 1.4 logs a warning about its own Session.login_data on every AUTH.
logging.getLogger("mail.log").setLevel(logging.ERROR)

PY = "/usr/bin/python3"
FROM = "bench@smtpkit.test"
RCPT = "inbox@smtpkit.test"
HELO = "bench.smtpkit.test"          # the same EHLO name for every tool
USER, PASSWORD = "bench", "bench-password"
DELAY_MS = 25.0
RTT_MS = 2 * DELAY_MS
TOOLS = ["smtpkit", "msmtp", "curl", "swaks"]

# What SPEC §11 allows smtpkit, in round trips (greeting = half of one).
EXPECTED = {
    # greeting, EHLO, MAIL+RCPT+BDAT LAST+QUIT
    "rt pipelining+chunking": 2.5,
    # greeting, EHLO, MAIL+RCPT+DATA, message+QUIT
    "rt pipelining only": 3.5,
    # greeting, EHLO, STARTTLS, TLS 1.3 handshake, EHLO, AUTH, then one
    # command per round trip (no PIPELINING): MAIL, RCPT, DATA, message, QUIT
    "rt starttls+auth": 10.5,
    # the same with PIPELINING offered: AUTH PLAIN+MAIL+RCPT+DATA in one
    # flight (RFC 4954 4), then message+QUIT
    "rt starttls+auth pipelining": 6.5,
}

MESSAGE = (
    "From: Bench <bench@smtpkit.test>\r\n"
    "To: <inbox@smtpkit.test>\r\n"
    "Subject: smtpkit benchmark\r\n"
    "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
    "Message-ID: <bench@smtpkit.test>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "One small message, the same for every tool.\r\n"
)


class Env:
    """Files every command line refers to."""

    def __init__(self, work, ca, smtpkit):
        self.work = Path(work)
        self.ca = ca
        self.smtpkit = smtpkit
        self.msg = self.work / "message.eml"
        self.msg.write_bytes(MESSAGE.encode())
        self.pwfile = self.work / "password"
        self.pwfile.write_text(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)


def command(tool, env, port, tls=False, auth=False):
    """argv and stdin path for one send of env.msg to 127.0.0.1:port."""
    stdin = None
    if tool == "smtpkit":
        argv = [env.smtpkit, "send", "-s", "127.0.0.1:%d" % port, "--from", FROM,
                "--data", str(env.msg), "--helo", HELO, "-q"]
        argv += (["--tls=starttls", "--cafile", env.ca, "--tls-name", "localhost"]
                 if tls else ["--tls=none"])
        if auth:
            argv += ["--user", USER, "--password-file", str(env.pwfile)]
        argv.append(RCPT)
    elif tool == "msmtp":
        # --host: command-line settings only (no msmtprc).
        argv = ["msmtp", "--host=127.0.0.1", "--port=%d" % port, "--domain=" + HELO,
                "--from=" + FROM]
        argv += (["--tls=on", "--tls-starttls=on", "--tls-trust-file=" + env.ca,
                  "--tls-host-override=localhost"] if tls else ["--tls=off"])
        argv += (["--auth=plain", "--user=" + USER,
                  "--passwordeval=cat " + str(env.pwfile)] if auth else ["--auth=off"])
        argv.append(RCPT)
        stdin = env.msg
    elif tool == "curl":
        # -q first: no .curlrc.  The URL's path is the EHLO argument.
        argv = ["curl", "-q", "-sS", "smtp://127.0.0.1:%d/%s" % (port, HELO),
                "--mail-from", FROM, "--mail-rcpt", RCPT, "--upload-file", str(env.msg)]
        if tls:      # the test certificate has IP SAN 127.0.0.1
            argv += ["--ssl-reqd", "--cacert", env.ca]
        if auth:
            argv += ["--user", "%s:%s" % (USER, PASSWORD), "--login-options", "AUTH=PLAIN"]
    elif tool == "swaks":
        # --pipeline: swaks pipelines only when asked (it has no CHUNKING).
        argv = ["swaks", "--server", "127.0.0.1", "--port", str(port), "--helo", HELO,
                "--from", FROM, "--to", RCPT, "--data", "@" + str(env.msg),
                "--pipeline", "--silent", "2"]
        if tls:
            argv += ["--tls", "--tls-verify", "--tls-ca-path", env.ca, "--tls-sni", "localhost"]
        if auth:
            argv += ["--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD]
    else:
        raise ValueError(tool)
    return argv, stdin




class Run:
    __slots__ = ("ok", "wall_ms", "cpu_ms", "rss_kib", "detail")

    def __init__(self, ok, wall_ms, cpu_ms, rss_kib, detail=""):
        self.ok, self.wall_ms, self.cpu_ms, self.rss_kib, self.detail = ok, wall_ms, cpu_ms, rss_kib, detail


SPAWN = None     # path of the compiled bench-spawn (spawn.c), set in main()


def build_spawn(work):
    exe = Path(work) / "bench-spawn"
    subprocess.run(["cc", "-O2", "-o", str(exe), str(Path(__file__).with_name("spawn.c"))],
                   check=True)
    return str(exe)


def run_once(argv, stdin, timeout=30):
    """Run argv under bench-spawn: wall time, user+sys CPU and peak RSS of
    the command itself (its own rusage from wait4)."""
    with tempfile.NamedTemporaryFile(prefix="bench-err-") as errf:
        r = subprocess.run([SPAWN, str(stdin) if stdin else "-", errf.name, str(int(timeout)),
                            "--", *argv], capture_output=True, text=True)
        err = Path(errf.name).read_text(errors="replace").strip()
    try:
        code, wall_us, ut, st, rss = (int(x) for x in r.stdout.split())
    except ValueError:
        return Run(False, 0, 0, 0, "bench-spawn failed: %s" % r.stderr.strip())
    ok = code == 0
    detail = "" if ok else "exit %d: %s" % (code, err[-400:] or "(no stderr)")
    return Run(ok, wall_us / 1000.0, (ut + st) / 1000.0, rss, detail)


class Row:
    def __init__(self, tool, scenario):
        self.tool, self.scenario = tool, scenario
        self.runs = []          # the measured runs (direct, or via the proxy)
        self.slow = []          # round-trip rows: the same sends at twice the delay
        self.failure = None

    def add(self, r, slow=False):
        if not r.ok:
            if self.failure is None:
                self.failure = r.detail
            return
        (self.slow if slow else self.runs).append(r)

    @property
    def failed(self):
        return self.failure is not None or not self.runs

    def wall(self):
        return statistics.median(r.wall_ms for r in self.runs)

    def wall_mean(self):
        return statistics.fmean(r.wall_ms for r in self.runs)

    def cpu(self):
        return statistics.median(r.cpu_ms for r in self.runs)

    def rss_mib(self):
        return max(r.rss_kib for r in self.runs) / 1024.0

    def round_trips(self):
        if not self.slow:
            return None
        return (statistics.median(r.wall_ms for r in self.slow) - self.wall()) / RTT_MS


# ---------------------------------------------------------------- servers

def postfix_listeners(pf, specs):
    """Add 127.0.0.1 smtpd listeners with -o overrides to a running private
    Postfix (master.cf + `postfix reload`); wait for their greetings.
    The harness's own listener is left as it is."""
    ports, lines = {}, []
    for name, opts in specs:
        ports[name] = free_port()
        lines.append("127.0.0.1:%d inet n - n - - smtpd %s"
                     % (ports[name], " ".join("-o " + o for o in opts)))
    master = pf.dir / "etc" / "master.cf"
    master.write_text(master.read_text() + "\n".join(lines) + "\n")
    r = pf._postfix("reload")
    deadline = time.monotonic() + 20
    for name, port in ports.items():
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Postfix listener %s did not come up after reload (%s)\n%s"
                                   % (name, (r.stdout + r.stderr).strip(), pf.maillog[-2000:]))
            time.sleep(0.1)
    return ports


class AuthServer:
    """aiosmtpd with STARTTLS and AUTH (PLAIN, LOGIN) once TLS is on."""

    class Handler:
        def __init__(self):
            self.count = 0

        async def handle_DATA(self, server, session, envelope):
            self.count += 1
            return "250 2.0.0 OK queued as BENCH%d" % self.count

    class PipeliningHandler(Handler):
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            # aiosmtpd reads commands one line at a time from its stream, so
            # pipelined input works; it only does not say so.
            session.host_name = hostname
            return responses[:-1] + ["250-PIPELINING", responses[-1]]

    def __init__(self, pki, pipelining=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki["good"].cert, pki["good"].key)
        self.handler = self.PipeliningHandler() if pipelining else self.Handler()
        self.port = free_port()

        def authenticate(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=isinstance(auth_data, LoginPassword)
                              and auth_data.login == USER.encode()
                              and auth_data.password == PASSWORD.encode())

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     tls_context=ctx, server_hostname="aiosmtpd.smtpkit.test",
                                     authenticator=authenticate, auth_require_tls=True)
        self.controller.start()

    def stop(self):
        self.controller.stop()


class Proxy:
    """../shared/tools/latency-proxy in front of 127.0.0.1:target."""

    def __init__(self, exe, target, delay_ms):
        self.port = free_port()
        self.p = subprocess.Popen([PY, exe, "--listen", "127.0.0.1:%d" % self.port,
                                   "--target", "127.0.0.1:%d" % target,
                                   "--delay-ms", str(delay_ms), "--lifetime", "600"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        line = self.p.stderr.readline()      # printed once it listens
        if "latency-proxy:" not in line or self.p.poll() is not None:
            self.stop()
            raise RuntimeError("latency-proxy did not start: %s" % line.strip())

    def stop(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.p.stderr.close()


# ---------------------------------------------------------------- report

def version(tool, env):
    try:
        if tool == "smtpkit":
            out = subprocess.run([env.smtpkit, "--version"], capture_output=True, text=True).stdout
        elif tool == "swaks":
            out = subprocess.run(["swaks", "--version"], capture_output=True, text=True).stdout
        else:
            out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
        return out.strip().splitlines()[0]
    except (OSError, IndexError):
        return "(unknown)"


def table(rows):
    head = ("tool", "scenario", "wall ms med", "mean", "CPU ms", "RSS MiB", "round trips", "SPEC")
    out = []
    for r in rows:
        spec = ("%.1f" % EXPECTED[r.scenario]) if (r.tool == "smtpkit" and r.scenario in EXPECTED) else ""
        if r.failed:
            out.append((r.tool, r.scenario, "FAILED", "", "", "", "", spec))
            continue
        rt = r.round_trips()
        out.append((r.tool, r.scenario, "%.1f" % r.wall(), "%.1f" % r.wall_mean(),
                    "%.1f" % r.cpu(), "%.1f" % r.rss_mib(),
                    "" if rt is None else "%.1f" % rt, spec))
    widths = [max(len(x[i]) for x in [head] + out) for i in range(len(head))]

    def fmt(cols):
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cols, widths))).rstrip()
    lines = [fmt(head), fmt(tuple("-" * w for w in widths))]
    prev = None
    for r, cols in zip(rows, out):
        if prev is not None and r.scenario != prev:
            lines.append("")
        prev = r.scenario
        lines.append(fmt(cols))
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(prog="scripts/bench")
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    ap.add_argument("-n", type=int, help="loopback sends per tool and mode (default 30, --quick 8)")
    ap.add_argument("-k", type=int, help="round-trip sends per tool, scenario and path (default 5, --quick 3)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--smtpkit", default=str(ROOT / "build" / "src" / "smtpkit"))
    ap.add_argument("--proxy", default=str((ROOT / ".." / "shared" / "tools" / "latency-proxy").resolve()))
    ap.add_argument("--output", default=str(ROOT / "build" / "bench.txt"))
    a = ap.parse_args()
    n = a.n or (8 if a.quick else 30)
    k = a.k or (3 if a.quick else 5)
    tools = [t for t in a.tools.split(",") if t]
    if not os.access(a.smtpkit, os.X_OK):
        print("bench: no smtpkit binary at %s" % a.smtpkit, file=sys.stderr)
        return 1
    a.smtpkit = os.path.abspath(a.smtpkit)
    if not os.path.exists(a.proxy):
        print("bench: no latency-proxy at %s" % a.proxy, file=sys.stderr)
        return 1

    # A TERM or HUP must still stop the servers: make it unwind like an exception.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="smtpkit-bench-"))
    os.chmod(work, 0o755)
    pf = auth = auth_pipe = None
    proxies = []
    rows = []
    try:
        global SPAWN
        SPAWN = build_spawn(work)
        pki = make_pki(work / "pki")
        env = Env(work, pki.ca, snapshot(a.smtpkit, work))
        pf = PostfixServer(pki)
        # Own listeners: mail is discarded (no delivery work competing for
        # the 2 cores); the second one hides CHUNKING from EHLO.
        discard = ["content_filter=discard:bench"]
        ports = postfix_listeners(pf, [
            ("default", discard),
            ("nochunking", discard + ["smtpd_discard_ehlo_keywords=silent-discard,chunking"]),
        ])
        auth = AuthServer(pki)
        auth_pipe = AuthServer(pki, pipelining=True)
        print("bench: Postfix on 127.0.0.1:%d (no CHUNKING: %d), aiosmtpd STARTTLS+AUTH on %d; "
              "n=%d, k=%d" % (ports["default"], ports["nochunking"], auth.port, n, k), flush=True)

        # 1. Whole-process cost on loopback.
        for mode, tls in (("loopback plain", False), ("loopback STARTTLS", True)):
            mrows = {t: Row(t, mode) for t in tools}
            cmds = {t: command(t, env, ports["default"], tls=tls) for t in tools}
            for t in tools:                     # warm-up, not counted
                r = run_once(*cmds[t])
                if not r.ok:
                    mrows[t].add(r)
            for _ in range(n):
                for t in tools:
                    if mrows[t].failure is None:
                        mrows[t].add(run_once(*cmds[t]))
            rows.extend(mrows[t] for t in tools)
            print("bench: %s done (%.0f s)" % (mode, time.monotonic() - started), flush=True)

        # 2. Round trips through the latency proxy.
        scenarios = [
            ("rt pipelining+chunking", ports["default"], False, False),
            ("rt pipelining only", ports["nochunking"], False, False),
            ("rt starttls+auth", auth.port, True, True),
            ("rt starttls+auth pipelining", auth_pipe.port, True, True),
        ]
        for name, port, tls, au in scenarios:
            fast, slow = Proxy(a.proxy, port, DELAY_MS), Proxy(a.proxy, port, 2 * DELAY_MS)
            proxies += [fast, slow]
            srows = {t: Row(t, name) for t in tools}
            for t in tools:                     # warm-up, direct, not counted
                r = run_once(*command(t, env, port, tls=tls, auth=au))
                if not r.ok:
                    srows[t].add(r)
            via = {t: command(t, env, fast.port, tls=tls, auth=au) for t in tools}
            via2 = {t: command(t, env, slow.port, tls=tls, auth=au) for t in tools}
            for _ in range(k):
                for t in tools:
                    if srows[t].failure is None:
                        srows[t].add(run_once(*via[t]))
                        srows[t].add(run_once(*via2[t]), slow=True)
            rows.extend(srows[t] for t in tools)
            for p in (fast, slow):
                p.stop()
                proxies.remove(p)
            print("bench: %s done (%.0f s)" % (name, time.monotonic() - started), flush=True)

        # Postfix's own count of what it accepted, as a cross-check.
        time.sleep(1.0)
        accepted = pf.maillog.count("status=sent")
        versions = {t: version(t, env) for t in tools}
    finally:
        for p in proxies:
            p.stop()
        if auth:
            auth.stop()
        if auth_pipe:
            auth_pipe.stop()
        if pf:
            pf.stop()
        subprocess.run(["rm", "-rf", str(work)])

    sent_pf = sum(len(r.runs) + len(r.slow) for r in rows if not r.scenario.startswith("rt starttls"))
    text = [
        "smtpkit benchmark: one send of a %d-octet message, 127.0.0.1, %d CPUs, %s"
        % (len(MESSAGE), os.cpu_count(), time.strftime("%Y-%m-%d %H:%M:%S")),
        "loopback rows: median of %d sends per tool (tools round-robin, one warm-up each);"
        " CPU = user+sys of the process (median), RSS = peak (max)." % n,
        "rt rows: %d sends via latency-proxy at %.0f ms each way (RTT %.0f ms; the wall, CPU, RSS"
        " columns) and %d at %.0f ms;" % (k, DELAY_MS, RTT_MS, k, 2 * DELAY_MS),
        "  round trips = (median wall at %.0f ms - median wall at %.0f ms) / %.0f ms;"
        " the greeting is half of one." % (2 * DELAY_MS, DELAY_MS, RTT_MS),
        "rt pipelining+chunking / pipelining only: Postfix, plain; rt starttls+auth: aiosmtpd"
        " (STARTTLS, AUTH PLAIN, no PIPELINING/CHUNKING). SPEC = what SPEC 11 allows smtpkit.",
        "",
        table(rows),
        "",
        "versions: " + "; ".join("%s" % versions[t] for t in tools),
        "Postfix logged %d messages accepted (status=sent) for %d timed sends plus warm-ups."
        % (accepted, sent_pf),
    ]
    fails = [r for r in rows if r.failed]
    for r in fails:
        text.append("FAILED %s / %s: %s" % (r.tool, r.scenario, r.failure or "no successful run"))
    text.append("total %.0f s" % (time.monotonic() - started))
    report = "\n".join(text) + "\n"
    sys.stdout.write(report)
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    Path(a.output).write_text(report)
    return 1 if any(r.tool == "smtpkit" for r in fails) else 0


if __name__ == "__main__":
    sys.exit(main())
