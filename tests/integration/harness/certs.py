"""Test certificates, made with certtool at test time (nothing checked in).

ECDSA P-256 keys keep generation to well under a second per certificate.
"""
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# certtool cannot take negative validity days, so the expired and not-yet-valid
# leaves pin their validity window with explicit dates.
LEAVES = {
    "good": ('cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
             'ip_address = "::1"\nexpiration_days = 365\n'),
    "expired": ('cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
                'activation_date = "2020-01-01 00:00:00 UTC"\n'
                'expiration_date = "2020-12-31 00:00:00 UTC"\n'),
    "notyet": ('cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
               'activation_date = "2090-01-01 00:00:00 UTC"\n'
               'expiration_date = "2091-01-01 00:00:00 UTC"\n'),
    "wrongname": ('cn = "mail.wrong.test"\ndns_name = "mail.wrong.test"\n'
                  'expiration_days = 365\n'),
}
LEAF_COMMON = "tls_www_server\nencryption_key\nsigning_key\n"


@dataclass
class Pair:
    cert: str
    key: str


@dataclass
class TestPKI:
    dir: Path
    ca: str            # CA certificate (PEM) to pass with --cafile
    leaves: dict       # name -> Pair; "selfsigned" is signed by no CA we trust
                       # (see _extra_leaves for "chain", "rsa1024", "ocsp")

    def __getitem__(self, name):
        return self.leaves[name]


def _certtool(*args):
    r = subprocess.run(["certtool", *args], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("certtool %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))


def _key(path):
    _certtool("--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
              "--outfile", str(path))


def _issue(d, name, tmpl, issuer_crt, issuer_key, key_type="ecdsa"):
    key, crt, t = d / (name + ".key"), d / (name + ".pem"), d / (name + ".tmpl")
    if key_type == "rsa1024":
        _certtool("--generate-privkey", "--key-type=rsa", "--bits=1024", "--outfile", str(key))
    else:
        _key(key)
    t.write_text(tmpl)
    _certtool("--generate-certificate", "--load-privkey", str(key),
              "--load-ca-certificate", str(issuer_crt), "--load-ca-privkey", str(issuer_key),
              "--template", str(t), "--outfile", str(crt))
    return key, crt


def _extra_leaves(d, ca_crt, ca_key, leaves):
    """Leaves added for tls-check: "chain" (issued by an intermediate CA; its
    cert file holds leaf and intermediate, as a server sends them), "rsa1024"
    (a weak key) and "ocsp" (names an OCSP responder, for stapling)."""
    ikey, icrt = _issue(d, "intermediate", 'cn = "smtpkit test intermediate"\nca\n'
                        'cert_signing_key\nexpiration_days = 365\n', ca_crt, ca_key)
    key, crt = _issue(d, "chain-leaf", LEAVES["good"] + LEAF_COMMON, icrt, ikey)
    bundle = d / "chain.pem"
    bundle.write_text(crt.read_text() + icrt.read_text())
    leaves["chain"] = Pair(str(bundle), str(key))
    key, crt = _issue(d, "rsa1024", LEAVES["good"] + LEAF_COMMON, ca_crt, ca_key, "rsa1024")
    leaves["rsa1024"] = Pair(str(crt), str(key))
    key, crt = _issue(d, "ocsp", LEAVES["good"] + 'ocsp_uri = "http://127.0.0.1:9/ocsp"\n'
                      + LEAF_COMMON, ca_crt, ca_key)
    leaves["ocsp"] = Pair(str(crt), str(key))


def make_pki(d: Path) -> TestPKI:
    d.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = d / "ca.key", d / "ca.pem"
    _key(ca_key)
    (d / "ca.tmpl").write_text('cn = "smtpkit test CA"\nca\ncert_signing_key\n'
                               'expiration_days = 365\n')
    _certtool("--generate-self-signed", "--load-privkey", str(ca_key),
              "--template", str(d / "ca.tmpl"), "--outfile", str(ca_crt))
    leaves = {}
    for name, tmpl in LEAVES.items():
        key, crt, t = d / (name + ".key"), d / (name + ".pem"), d / (name + ".tmpl")
        _key(key)
        t.write_text(tmpl + LEAF_COMMON)
        _certtool("--generate-certificate", "--load-privkey", str(key),
                  "--load-ca-certificate", str(ca_crt), "--load-ca-privkey", str(ca_key),
                  "--template", str(t), "--outfile", str(crt))
        leaves[name] = Pair(str(crt), str(key))
    # Right name, valid dates, but no CA vouches for it.
    key, crt, t = d / "selfsigned.key", d / "selfsigned.pem", d / "selfsigned.tmpl"
    _key(key)
    t.write_text(LEAVES["good"] + LEAF_COMMON)
    _certtool("--generate-self-signed", "--load-privkey", str(key),
              "--template", str(t), "--outfile", str(crt))
    leaves["selfsigned"] = Pair(str(crt), str(key))
    _extra_leaves(d, ca_crt, ca_key, leaves)
    for p in d.iterdir():           # Postfix reads these as root, others as us
        os.chmod(p, 0o644)
    os.chmod(d, 0o755)
    return TestPKI(d, str(ca_crt), leaves)
