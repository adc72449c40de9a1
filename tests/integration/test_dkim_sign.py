"""`smtpkit send --dkim-key`: messages signed by smtpkit are verified by an
independent verifier, dkimpy (python3-dkim), whose key lookup is answered
from the test's own public key (its dnsfunc, which also asserts the name
asked for); a signed message delivered through the private Postfix is
verified as it arrived in the maildir.  The canonicalization corner cases
(folded headers, 8-bit bodies, trailing empty lines, a body of only CRLFs,
white space at line ends) run under every key type and c= pair, and a
tampered copy must fail verification, so a verifier that says yes to
everything would fail this file."""
import base64
import os
import re
import subprocess
import uuid

import dkim
import pytest

from test_send_real import delivered

DOMAIN = "example.org"
SEL = "sel2026"


def _pubkey_record(keyfile, ed25519):
    der = subprocess.run(["openssl", "pkey", "-in", keyfile, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if ed25519:          # RFC 8463 4.2: p= is the raw 32-octet key, not an SPKI
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("dkimkeys")
    out = {}

    def gen(name, *args):
        path = str(d / (name + ".pem"))
        subprocess.run(["openssl", "genpkey", *args, "-out", path], check=True, capture_output=True)
        os.chmod(path, 0o600)
        return path
    out["rsa2048"] = gen("rsa2048", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")   # PKCS#8
    out["rsa1024-pkcs1"] = str(d / "rsa1024-pkcs1.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", out["rsa1024-pkcs1"], "1024"],
                   check=True, capture_output=True)
    os.chmod(out["rsa1024-pkcs1"], 0o600)
    out["ed25519"] = gen("ed25519", "-algorithm", "ED25519")
    out["rsa512"] = gen("rsa512", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512")
    out["ec"] = gen("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    return out


def verify(msg, keyfile, selector=SEL, domain=DOMAIN):
    """dkimpy's verdict on msg (bytes, CRLF) with the public key of keyfile
    published at selector._domainkey.domain and nowhere else."""
    rec = _pubkey_record(keyfile, "ed25519" in keyfile)
    asked = []

    def dnsfunc(name, timeout=5):
        asked.append(name)
        want = ("%s._domainkey.%s." % (selector, domain)).encode()
        return rec if name.lower() == want else None
    ok = dkim.verify(msg, dnsfunc=dnsfunc)
    return ok, asked


def signed_dry_run(smtpkit, args, keyfile, *extra, input=None):
    r = smtpkit("send", "--dry-run", "--dkim-key", keyfile, "--dkim-selector", SEL, *extra, *args,
                input=input)
    assert r.rc == 0, r
    m = re.search(rb"^=== message: (\d+) octets[^\n]*\n", r.raw_out, re.M)
    assert m, r
    msg = r.raw_out[m.end():m.end() + int(m.group(1))]
    assert msg.startswith(b"DKIM-Signature: v=1; "), msg[:200]
    return msg, r


# The canonicalization corner cases (RFC 6376 3.4): name -> body octets.
BODIES = {
    "plain": b"Hello.\r\n",
    "folded-and-spaces": b"a  b\t c   \r\n\t lead\r\n trailing \t \r\n",
    "8bit": "Grüße aus Köln — ça va?\r\n".encode(),
    "trailing-empty-lines": b"last line\r\n\r\n\r\n\r\n",
    "only-crlfs": b"\r\n\r\n\r\n",
    "empty": b"",
    "whitespace-lines": b"x\r\n   \r\n\t\r\ny\r\n \r\n",
    "dots": b".\r\n..\r\n.x\r\n",
    "no-final-newline": b"no newline at the end",
}
HEADERS = (b"From: Sender Name <sender@example.org>\r\n"
           b"To: alice@smtpkit.test,\r\n   bob@smtpkit.test\r\n"
           b"Subject:   a   folded\r\n\t subject  \r\n"
           b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
           b"Message-ID: <dkim-%s@smtpkit.test>\r\n")


@pytest.mark.parametrize("key", ["rsa2048", "rsa1024-pkcs1", "ed25519"])
@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"])
@pytest.mark.parametrize("body", sorted(BODIES))
def test_dkimpy_verifies(smtpkit, keys, tmp_path, key, canon, body):
    data = tmp_path / "m.eml"
    data.write_bytes(HEADERS % uuid.uuid4().hex.encode() + b"\r\n" + BODIES[body])
    msg, r = signed_dry_run(smtpkit, ["--data", str(data), "alice@smtpkit.test"], keys[key],
                            "--dkim-canon", canon)
    ok, asked = verify(msg, keys[key])
    assert ok, msg
    assert asked == [("%s._domainkey.%s." % (SEL, DOMAIN)).encode()]
    sig = msg.split(b"\r\n\r\n")[0]
    assert b"a=%s;" % (b"ed25519-sha256" if key == "ed25519" else b"rsa-sha256") in sig
    assert b"c=%s;" % canon.encode() in sig
    assert b" l=" not in sig and b";l=" not in sig            # never a body length
    # Each header line of the signature stays short (RFC 5322 2.1.1: 78 advised).
    assert all(len(line) <= 80 for line in msg.split(b"\r\n\r\n")[0].split(b"\r\n")[:8])
    # A changed body must not verify: the verifier is really checking.
    head, _, rest = msg.partition(b"\r\n\r\n")
    assert not verify(head + b"\r\n\r\nX" + rest, keys[key])[0]


def test_default_headers_oversign_from(smtpkit, keys, tmp_path):
    data = tmp_path / "m.eml"
    data.write_bytes(HEADERS % b"over" + b"Reply-To: r@example.org\r\nX-Other: 1\r\n\r\nbody\r\n")
    msg, _ = signed_dry_run(smtpkit, ["--data", str(data), "alice@smtpkit.test"], keys["rsa2048"])
    h = re.search(rb"h=([^;]*);", msg).group(1).replace(b"\r\n\t", b"")
    assert h == b"from:from:reply-to:subject:date:to:message-id"
    assert verify(msg, keys["rsa2048"])[0]
    # A second From added after signing (above or below) breaks the signature.
    head, _, body = msg.partition(b"\r\n\r\n")
    assert not verify(head + b"\r\nFrom: evil@example.com\r\n\r\n" + body, keys["rsa2048"])[0]
    # An unsigned field may be added without breaking it (X-Other is not signed).
    assert verify(head + b"\r\nX-Added: yes\r\n\r\n" + body, keys["rsa2048"])[0]


def test_explicit_headers_and_domain(smtpkit, keys, tmp_path):
    data = tmp_path / "m.eml"
    data.write_bytes(HEADERS % b"expl" + b"\r\nbody\r\n")
    msg, r = signed_dry_run(smtpkit, ["--data", str(data), "alice@smtpkit.test"], keys["ed25519"],
                            "--dkim-headers", "From:Subject, X-Missing", "--dkim-domain", "signer.test")
    assert re.search(rb"h=From:Subject:X-Missing;", msg)
    assert b"d=signer.test;" in msg
    assert "d=signer.test s=%s a=ed25519-sha256" % SEL in r.out
    assert verify(msg, keys["ed25519"], domain="signer.test")[0]
    # X-Missing was signed as absent: adding it breaks the signature.
    head, _, body = msg.partition(b"\r\n\r\n")
    assert not verify(head + b"\r\nX-Missing: now\r\n\r\n" + body, keys["ed25519"], domain="signer.test")[0]


def test_composed_and_stdin(smtpkit, keys):
    # Composed: --from, --subject, --body; the domain comes from --from.
    msg, _ = signed_dry_run(smtpkit, ["--from", "Ann <ann@example.org>", "--to", "alice@smtpkit.test",
                                      "--subject", "Grüße", "--body", "hello\nworld\n"], keys["rsa2048"])
    assert verify(msg, keys["rsa2048"])[0]
    # --data - (standard input, spooled) with LF line endings.
    text = (HEADERS % b"stdin").replace(b"\r\n", b"\n") + b"\nline\n" * 3
    msg, _ = signed_dry_run(smtpkit, ["--data", "-", "alice@smtpkit.test"], keys["ed25519"], input=text)
    assert verify(msg, keys["ed25519"])[0]
    # -t: recipients from the message, Bcc removed before signing.
    text = b"From: a@example.org\nTo: alice@smtpkit.test\nBcc: hidden@smtpkit.test\nSubject: t\n\nx\n"
    msg, r = signed_dry_run(smtpkit, ["-t"], keys["rsa2048"], input=text)
    assert b"Bcc:" not in msg and b"hidden@smtpkit.test" in r.raw_out   # envelope only
    assert verify(msg, keys["rsa2048"])[0]


def test_large_body_streamed(smtpkit, keys, tmp_path):
    # 3 MiB: the spool moves to its temporary file; the body hash still matches.
    data = tmp_path / "big.eml"
    data.write_bytes(HEADERS % b"big" + b"\r\n" + (b"0123456789 abcdefghij \t \r\n" * 120000))
    r = smtpkit("send", "--dry-run", "--dkim-key", keys["ed25519"], "--dkim-selector", SEL,
                "--data", str(data), "alice@smtpkit.test")
    assert r.rc == 0, r
    m = re.search(rb"^=== message: (\d+) octets[^\n]*\n", r.raw_out, re.M)
    assert verify(r.raw_out[m.end():m.end() + int(m.group(1))], keys["ed25519"])[0]


def test_json_dry_run_names_signature(smtpkit, keys, tmp_path):
    data = tmp_path / "m.eml"
    data.write_bytes(HEADERS % b"json" + b"\r\nbody\r\n")
    r = smtpkit("send", "--dry-run", "--json", "--dkim-key", keys["rsa2048"], "--dkim-selector", SEL,
                "--data", str(data), "alice@smtpkit.test")
    assert r.rc == 0, r
    j = r.json()
    assert j["dkim"].startswith("d=example.org s=%s a=rsa-sha256 (2048 bits)" % SEL)
    assert verify(j["message"]["text"].encode("utf-8", "surrogateescape"), keys["rsa2048"])[0]
    assert j["message"]["size"] == len(j["message"]["text"].encode())


@pytest.mark.parametrize("args, rc, words", [
    (["--dkim-key", "{rsa2048}"], 64, "--dkim-selector"),
    (["--dkim-selector", "s"], 64, "go with --dkim-key"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "a\r\nX-Injected: 1"], 64, "--dkim-selector"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "a;b=1"], 64, "--dkim-selector"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-domain", "x y"], 64, "--dkim-domain"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-canon", "loose"], 64, "--dkim-canon"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-headers", "to:subject"], 64, "From"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-headers", "from:bad name"], 64, "--dkim-headers"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-headers", "from;l=0"], 64, "--dkim-headers"),
    (["--dkim-key", "{rsa2048}", "--dkim-selector", "s", "--dkim-headers", "from:x=y"], 64, "--dkim-headers"),
    (["--dkim-key", "/nonexistent/key.pem", "--dkim-selector", "s"], 66, "cannot read"),
    (["--dkim-key", "{rsa512}", "--dkim-selector", "s"], 78, "512 bits"),
    (["--dkim-key", "{ec}", "--dkim-selector", "s"], 78, "RSA or Ed25519"),
    (["--dkim-key", "{notakey}", "--dkim-selector", "s"], 78, "no usable private key"),
    (["--dkim-key", "{readable}", "--dkim-selector", "s"], 78, "others"),
])
def test_option_errors(smtpkit, keys, tmp_path, args, rc, words):
    notakey = tmp_path / "notakey.pem"
    notakey.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    notakey.chmod(0o600)
    readable = tmp_path / "readable.pem"
    readable.write_bytes(open(keys["rsa2048"], "rb").read())
    readable.chmod(0o644)
    paths = dict(keys, notakey=str(notakey), readable=str(readable))
    args = [a.format(**paths) for a in args]
    # Standard input must not be consumed: the key is checked first.
    r = smtpkit("send", "--dry-run", "--data", "-", "alice@smtpkit.test", *args, input=b"From: a@b.c\n\nx\n")
    assert r.rc == rc, r
    assert words in r.err, r
    assert "BEGIN" not in r.err + r.out                   # never the key's text


@pytest.mark.parametrize("text, words", [
    (b"To: alice@smtpkit.test\nSubject: no from\n\nbody\n", "no From header"),
    (b"From: a@example.org\nFrom: b@example.org\nTo: alice@smtpkit.test\n\nbody\n", "more than one From"),
    ("From: a@bücher.example\nTo: alice@smtpkit.test\n\nbody\n".encode(), "A-labels"),
])
def test_message_errors(smtpkit, keys, text, words):
    r = smtpkit("send", "--dry-run", "--dkim-key", keys["rsa2048"], "--dkim-selector", SEL,
                "--data", "-", "alice@smtpkit.test", input=text)
    assert r.rc == 65, r
    assert words in r.err, r
    if words != "A-labels":        # a given domain changes nothing about From
        r = smtpkit("send", "--dry-run", "--dkim-key", keys["rsa2048"], "--dkim-selector", SEL,
                    "--dkim-domain", "example.org", "--data", "-", "alice@smtpkit.test", input=text)
        assert r.rc == 65 and words in r.err, r


def test_postfix_delivers_verifiable(smtpkit, postfix, keys, tmp_path):
    """Signed, sent through Postfix (PIPELINING, CHUNKING), read back from
    the maildir: the signature still verifies after a real MTA's handling."""
    for key, canon in (("rsa2048", "relaxed/relaxed"), ("ed25519", "simple/simple")):
        msgid = "dkim-%s@smtpkit.test" % uuid.uuid4().hex[:12]
        data = tmp_path / (key + ".eml")
        data.write_bytes(b"From: Sender <sender@example.org>\nTo: alice@smtpkit.test\n"
                         b"Subject: signed via postfix\nMessage-ID: <" + msgid.encode() + b">\n\n"
                         + "body, 8-bit: é\n\n\n".encode())
        r = smtpkit("send", "--server", "127.0.0.1:%d" % postfix.port, "--tls", "none",
                    "--dkim-key", keys[key], "--dkim-selector", SEL, "--dkim-canon", canon,
                    "--data", str(data), "alice@smtpkit.test")
        assert r.rc == 0, r
        files = delivered(postfix, msgid)
        arrived = files[0].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        assert arrived.count(b"DKIM-Signature:") == 1
        assert verify(arrived, keys[key])[0], arrived[:600]


@pytest.mark.parametrize("key", ["rsa2048", "rsa1024-pkcs1", "ed25519"])
@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple"])
def test_opendkim_verifies(smtpkit, keys, tmp_path, key, canon):
    """opendkim-testmsg, a second independent verifier (libopendkim), with
    its key lookup answered by a DNS fixture in a private namespace; a
    tampered copy must be refused by it."""
    from harness.opendkim_verify import verify as opendkim_verify
    data = tmp_path / "m.eml"
    data.write_bytes(HEADERS % uuid.uuid4().hex.encode() + b"\r\n" + BODIES["folded-and-spaces"]
                     + BODIES["8bit"] + BODIES["trailing-empty-lines"])
    msg, _ = signed_dry_run(smtpkit, ["--data", str(data), "alice@smtpkit.test"], keys[key],
                            "--dkim-canon", canon)
    rec = _pubkey_record(keys[key], key == "ed25519").decode()
    records = {"%s._domainkey.%s" % (SEL, DOMAIN): rec}
    rc, err = opendkim_verify(msg, records)
    assert rc == 0, err
    head, _, body = msg.partition(b"\r\n\r\n")
    rc, err = opendkim_verify(head + b"\r\n\r\n" + body + b"appended\r\n", records)
    assert rc != 0 and "signature" in err.lower(), err


def _max_rss_kib(args, stdin=None):
    """Run smtpkit with stdout to /dev/null under /usr/bin/time (wait4's
    ru_maxrss would count the Python process forked before exec); its exit
    status and peak RSS in KiB."""
    from harness.run import binary
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as inp:
        r = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M", binary()] + [str(a) for a in args], stdin=inp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    m = re.search(rb"maxrss=(\d+)", r.stderr)
    assert m, r.stderr
    return r.returncode, int(m.group(1))


def test_memory_flat_large_message(keys, tmp_path):
    """A 200 MB message, from a file and from standard input: signing keeps
    the peak RSS where the unsigned send has it (the body is hashed as it
    streams over the spool, never held)."""
    big = tmp_path / "big.eml"
    line = b"0123456789abcdefghij 0123456789abcdefghij 0123456789abcdefghij \t\r\n"
    with open(big, "wb") as f:
        f.write(HEADERS % b"huge" + b"\r\n")
        chunk = line * 16384
        for _ in range(200 * 1024 * 1024 // len(chunk)):
            f.write(chunk)
    base = ["send", "--dry-run", "alice@smtpkit.test"]
    sign = ["--dkim-key", keys["ed25519"], "--dkim-selector", SEL]
    rc, plain = _max_rss_kib(base + ["--data", str(big)])
    assert rc == 0
    rc, signed = _max_rss_kib(base + sign + ["--data", str(big)])
    assert rc == 0
    rc, stdin = _max_rss_kib(base + sign + ["--data", "-"], stdin=big)
    assert rc == 0
    # A few MiB of slack for the header block and GnuTLS; nothing near 200 MB.
    assert signed < plain + 4096 and stdin < plain + 4096, (plain, signed, stdin)
    assert signed < 32 * 1024, signed
