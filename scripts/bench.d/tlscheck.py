"""scripts/bench's tls-check section: a full `smtpkit tls-check --ciphers`
of a private Postfix (its default TLS configuration, the test PKI's EC
certificate) beside testssl.sh's full run (`--starttls smtp`) on the same
server, in one run: wall time, connections (counted in Postfix's maillog),
and whether both found the same versions, accepted suites and ECDHE groups.

Run with /usr/bin/python3 (needs the test harness's modules).  Prints a
table and writes it to build/bench-tlscheck.txt.  Exit status 1 when
smtpkit failed, found something else than testssl.sh, or took more than a
tenth of its time (the goal of issue 14); a missing testssl.sh is reported
and not counted as a failure of smtpkit.
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness.certs import make_pki  # noqa: E402
from harness.postfix_server import PostfixServer  # noqa: E402

SMTPKIT = ROOT / "build" / "src" / "smtpkit"
TS_VERSIONS = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLS1.0", "TLS1_1": "TLS1.1", "TLS1_2": "TLS1.2",
               "TLS1_3": "TLS1.3"}
# testssl.sh's curve names (OpenSSL's) -> IANA's.
TS_CURVES = {"prime256v1": "secp256r1", "secp384r1": "secp384r1", "secp521r1": "secp521r1",
             "X25519": "x25519", "X448": "x448"}


def connections(pf, since):
    return sum(1 for l in pf.maillog.splitlines()[since:] if "smtpd[" in l and " connect from " in l)


def run_smtpkit(pf, pki):
    mark = len(pf.maillog.splitlines())
    t = time.monotonic()
    r = subprocess.run([str(SMTPKIT), "tls-check", pf.hostport, "--cafile", pki.ca, "--name", "localhost",
                        "--ciphers", "--json"], capture_output=True, text=True, timeout=300)
    secs = time.monotonic() - t
    doc = json.loads(r.stdout)
    time.sleep(1)               # Postfix logs each disconnect a little later
    found = {
        "versions": {v["version"] for v in doc["scan"]["versions"] if v["offered"] == "yes"},
        "suites": {s["value"] for v in doc["scan"]["versions"] for s in v.get("suites", [])},
        "groups": {g["name"] for g in (doc["scan"]["groups_tls12"] or {}).get("accepted", [])},
    }
    return secs, connections(pf, mark), found, r.returncode


def run_testssl(pf, work):
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    if not exe:
        return None
    mark = len(pf.maillog.splitlines())
    out = work / "testssl.json"
    t = time.monotonic()
    subprocess.run([exe, "--starttls", "smtp", "--jsonfile", str(out), "--warnings", "batch", "--color", "0",
                    pf.hostport], capture_output=True, text=True, timeout=1800)
    secs = time.monotonic() - t
    time.sleep(1)
    items = json.loads(out.read_text())
    found = {
        "versions": {TS_VERSIONS[i["id"]] for i in items
                     if i["id"] in TS_VERSIONS and i["finding"].startswith("offered")},
        "suites": {int(i["id"][len("cipher_x"):], 16) for i in items if i["id"].startswith("cipher_x")},
        "groups": {TS_CURVES.get(c, c) for i in items if i["id"] == "PFS_ECDHE_curves"
                   for c in i["finding"].split()},
    }
    return secs, connections(pf, mark), found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=5, help="smtpkit runs, median taken (default 5)")
    ap.add_argument("--quick", action="store_true", help="2 smtpkit runs")
    opts, _ = ap.parse_known_args()
    runs = 2 if opts.quick else opts.n
    work = Path(tempfile.mkdtemp(prefix="smtpkit-bench-tls-"))
    pki = make_pki(work / "pki")
    pf = PostfixServer(pki)
    rc = 0
    try:
        results = [run_smtpkit(pf, pki) for _ in range(runs)]
        sk_secs = statistics.median(r[0] for r in results)
        sk_conns, sk_found, sk_rc = results[0][1], results[0][2], results[0][3]
        ts = run_testssl(pf, work)
    finally:
        pf.stop()
    lines = ["tls-check --ciphers of a private Postfix (default TLS settings), against testssl.sh --starttls smtp",
             "%-26s %10s %12s %8s %8s %8s" % ("", "wall (s)", "connections", "versions", "suites", "groups"),
             "%-26s %10.2f %12d %8d %8d %8d" % ("smtpkit (median of %d)" % runs, sk_secs, sk_conns,
                                                 len(sk_found["versions"]), len(sk_found["suites"]),
                                                 len(sk_found["groups"]))]
    if sk_rc not in (0, 1):
        lines.append("smtpkit FAILED (exit %d)" % sk_rc)
        rc = 1
    if ts is None:
        lines.append("testssl.sh not installed: no comparison")
    else:
        ts_secs, ts_conns, ts_found = ts
        lines.append("%-26s %10.2f %12d %8d %8d %8d" % ("testssl.sh 3 (one run)", ts_secs, ts_conns,
                                                         len(ts_found["versions"]), len(ts_found["suites"]),
                                                         len(ts_found["groups"])))
        ratio = sk_secs / ts_secs if ts_secs else 0
        lines.append("ratio smtpkit/testssl.sh: wall %.4f (1/%.0f), connections %.2f" %
                     (ratio, 1 / ratio if ratio else 0, sk_conns / ts_conns if ts_conns else 0))
        for k in ("versions", "suites", "groups"):
            same = sk_found[k] == ts_found[k]
            lines.append("same %-8s %s%s" % (k + ":", "yes" if same else "NO",
                                             "" if same else "  only smtpkit %s, only testssl.sh %s" % (
                                                 sorted(map(str, sk_found[k] - ts_found[k])),
                                                 sorted(map(str, ts_found[k] - sk_found[k])))))
            if not same:
                rc = 1
        if ratio > 0.1:
            lines.append("smtpkit took more than a tenth of testssl.sh's time")
            rc = 1
    text = "\n".join(lines) + "\n"
    print(text, end="")
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "bench-tlscheck.txt").write_text(text)
    shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
