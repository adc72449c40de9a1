"""Verify a message with opendkim-testmsg (opendkim-tools), which looks keys
up in the DNS that /etc/resolv.conf names, on port 53 only.  So this runs
itself again inside private network and mount namespaces (unshare(1), as
root): its own loopback, a DNS fixture on 127.0.0.1:53, and a resolv.conf
bind-mounted over /etc/resolv.conf for that namespace alone -- the host's
DNS configuration is never touched.

    verify(message_bytes, {"sel._domainkey.example.org": "v=DKIM1; ..."})
        -> (exit status, stderr)    0 when the signature verifies
"""
import os
import subprocess
import sys
import tempfile


def verify(message, records, timeout=30):
    with tempfile.TemporaryDirectory() as d:
        msg = os.path.join(d, "message.eml")
        resolv = os.path.join(d, "resolv.conf")
        zone = os.path.join(d, "zone")
        with open(msg, "wb") as f:
            f.write(message)
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.1\noptions attempts:1 timeout:2\n")
        with open(zone, "w") as f:
            for name, txt in records.items():
                parts = [txt[i:i + 255] for i in range(0, len(txt), 255)]
                f.write("%s. 60 IN TXT %s\n" % (name.rstrip("."), " ".join('"%s"' % p for p in parts)))
        r = subprocess.run(["unshare", "--net", "--mount", "sh", "-c",
                            'mount --bind "$1" /etc/resolv.conf && exec "$2" "$3" inside "$4" "$5"',
                            "sh", resolv, sys.executable, os.path.abspath(__file__), zone, msg],
                           capture_output=True, timeout=timeout)
        if r.returncode == 111:
            raise AssertionError("opendkim namespace setup failed: %s" % r.stderr.decode(errors="replace"))
        return r.returncode, r.stderr.decode(errors="replace")


def _inside(zone, msg):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from harness.dns_server import DNSFixture
    from harness.netns import _loopback_up
    try:
        _loopback_up()
        fx = DNSFixture(open(zone).read(), port=53).start()
    except Exception as e:                       # noqa: BLE001 - reported to the test
        print("setup: %s" % e, file=sys.stderr)
        sys.exit(111)
    try:
        with open(msg, "rb") as f:
            r = subprocess.run(["opendkim-testmsg"], stdin=f, capture_output=True, timeout=20)
        sys.stderr.write(r.stderr.decode(errors="replace"))
        sys.exit(r.returncode)
    finally:
        fx.stop()


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "inside":
    _inside(sys.argv[2], sys.argv[3])
