"""The accounts file (smtpkit-config(5)): every error class is 78 with
file:line and happens before any connection; secrets stay hidden; the
command line wins; `config --show/--check`; -a in the other subcommands;
and `config --import-msmtprc` on msmtp configurations, whose output must
deliver through Postfix with the same result msmtp itself gets."""
import os
import re
import socket
import subprocess
import uuid

import pytest

from harness import run as runmod
from test_send_real import strip_trace
from test_sendmail import delivered, log_fields

TO = "inbox@smtpkit.test"


class Listener:
    """A port that accepts nothing: after smtpkit ran, no connection may be
    waiting in its queue."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.hostport = "127.0.0.1:%d" % self.sock.getsockname()[1]

    def connections(self):
        n = 0
        while True:
            try:
                c, _ = self.sock.accept()
                c.close()
                n += 1
            except BlockingIOError:
                return n


@pytest.fixture
def listener():
    s = Listener()
    yield s
    s.sock.close()


def write(path, text, mode=0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


ERRORS = [
    # (file text, the line the message must name, words in the message)
    ("server {hp}\nbogus-key 1\n", 2, 'unknown key "bogus-key"'),
    ("server {hp}\n[account a]\nuser\n", 3, "user: missing value"),
    ("server {hp}\naccount nosuch\n", 2, 'unknown account "nosuch"'),
    ("[account a]\ninherit b\nserver {hp}\n[account b]\ninherit c\n[account c]\ninherit a\n", 1,
     "a loop of inherit"),
    ("[account a]\nserver {hp}\n[account a]\nserver {hp}\n", 3, 'duplicate account "a"'),
    ("[account a]\nserver {hp}\ninherit b\n", 3, "inherit: only as the first line"),
    ("[account a]\ninherit zzz\nserver {hp}\n", 2, 'inherit: unknown account "zzz"'),
    ("server {hp}\ntls sometimes\n", 2, 'tls: invalid value "sometimes"'),
    ("server {hp}\nport 70000\n", 2, "port: invalid value"),
    ("server {hp}\ntimeout -1\n", 2, "timeout: invalid value"),
    ("server {hp}\nauth PLAIN,MAGIC\n", 2, "auth: invalid value"),
    ("server {hp}\ninsecure maybe\n", 2, "insecure: invalid value"),
    ("server {hp}\n[account a\n", 2, "no closing ]"),
    ("server {hp}\n[profile a]\n", 2, "[account NAME], not [profile a]"),
    ("server {hp}\ntimeout 5\ntimeout 6\n", 3, "timeout: set twice"),
    ('server {hp}\nhelo "unclosed\n', 2, 'unclosed "'),
    ("[account a]\naccount a\nserver {hp}\n", 2, "account: names the default account at the top"),
]


@pytest.mark.parametrize("text,line,words", ERRORS, ids=[e[2].split(":")[0].strip('"') for e in ERRORS])
@pytest.mark.parametrize("sub", ["send", "ehlo", "sendmail"])
def test_config_errors(smtpkit, tmp_path, listener, text, line, words, sub):
    cfg = write(tmp_path / "config", text.format(hp=listener.hostport))
    argv = {"send": ["send", "--config", cfg, "-a", "a", "--body", "x", TO],
            "ehlo": ["ehlo", "--config", cfg, "-a", "a"],
            "sendmail": ["sendmail", "-C", cfg, "-a", "a", TO]}[sub]
    if "[account a]" not in text and "account a" not in text:
        argv = [x for x in argv if x not in ("-a", "a")]
    r = smtpkit(*argv, input=b"Subject: x\n\nx\n")
    assert r.rc == 78, r
    assert "%s:%d: " % (cfg, line) in r.err and words in r.err, r
    assert listener.connections() == 0
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 78 and "%s:%d: " % (cfg, line) in c.err, c


# Values the option checks refuse (a usage error, 64, on the command line):
# set by the file they are its error, 78 with file:line (SPEC 12).
OPTION_VALUES = [
    ("helo", "a b"), ("from", "not-an-address"), ("dsn-notify", "BOGUS"), ("protocol", "foo"),
    ("proxy-source", "192.0.2.1:1"), ("xclient", "NAME"), ("socks", "x"), ("dkim-canon", "foo"),
    ("source", "999.1.1.1"), ("resolver", "nothere"), ("tls-priority", "NORMAL:-NOPE"),
]


SEND_ONLY = ("from", "dsn-notify", "dkim-canon")     # not options of ehlo: the keys do not apply
OPTION_CASES = [(sub, k, v) for sub in ("send", "ehlo", "sendmail") for k, v in OPTION_VALUES
                if not (sub == "ehlo" and k in SEND_ONLY)]


@pytest.mark.parametrize("sub,key,value", OPTION_CASES, ids=["%s-%s" % (c[0], c[1]) for c in OPTION_CASES])
def test_option_value_in_file_is_a_config_error(smtpkit, tmp_path, listener, sub, key, value):
    cfg = write(tmp_path / "config", "[account a]\nserver %s\n%s %s\n" % (listener.hostport, key, value))
    argv = {"send": ["send", "--config", cfg, "-a", "a", "--body", "x", TO],
            "ehlo": ["ehlo", "--config", cfg, "-a", "a"],
            "sendmail": ["sendmail", "-C", cfg, "-a", "a", TO]}[sub]
    r = smtpkit(*argv, input=b"Subject: x\n\nx\n")
    assert r.rc == 78, r
    assert "%s:3: %s: " % (cfg, key) in r.err and "Try " not in r.err, r
    assert listener.connections() == 0
    # config --check finds it too, with send's own checks, sending nothing.
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 78 and "%s:3: %s: " % (cfg, key) in c.err and "ok:" not in c.out, c
    assert listener.connections() == 0
    # The same value on the command line stays a usage error.
    if sub == "send":
        sender = [] if key == "from" else ["--from", "a@example.org"]
        r = smtpkit("send", "--no-config", "-s", listener.hostport, "--%s" % key, value, "--body", "x",
                    *sender, TO, timeout=10)
        assert r.rc == 64 and cfg not in r.err, r
        assert listener.connections() == 0


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_password_readable_by_others_refused(smtpkit, tmp_path, listener, mode):
    cfg = write(tmp_path / "config", "server %s\nuser u\n# secret below\npassword hunter2\n" % listener.hostport,
                mode)
    r = smtpkit("send", "--config", cfg, "--body", "x", TO)
    assert r.rc == 78 and "%s:4: password: the file is readable by" % cfg in r.err, r
    assert "hunter2" not in r.out + r.err
    assert listener.connections() == 0
    os.chmod(cfg, 0o600)
    r = smtpkit("config", "--check", "--config", cfg)
    assert r.rc == 0, r


def test_missing_config_file(smtpkit, tmp_path, listener):
    r = smtpkit("ehlo", "--config", tmp_path / "nope", listener.hostport)
    assert r.rc == 78 and "nope: cannot open" in r.err, r
    assert listener.connections() == 0


def test_unknown_account_on_command_line(smtpkit, tmp_path, listener):
    cfg = write(tmp_path / "config", "[account a]\nserver %s\n" % listener.hostport)
    r = smtpkit("ehlo", "--config", cfg, "-a", "b")
    assert r.rc == 78 and 'unknown account "b"' in r.err, r
    assert listener.connections() == 0


def test_show_hides_secrets_and_says_where(smtpkit, tmp_path):
    cfg = write(tmp_path / "config", "timeout 7\naccount w\n[account base]\nserver mail.example.org:587\n"
                "[account w]\ninherit base\nuser me\npassword s3cr3t-value\n")
    r = smtpkit("config", "--show", "--config", cfg)
    assert r.rc == 0, r
    assert "s3cr3t-value" not in r.out and re.search(r"^password\s+\(hidden\)\s+# .*:8 \[account w\]$", r.out, re.M), r.out
    assert re.search(r"^server\s+mail.example.org:587\s+# .*:4 \[account base\]$", r.out, re.M), r.out
    assert re.search(r"^timeout\s+7\s+# .*:1$", r.out, re.M), r.out
    assert "# account: w" in r.out
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 0 and "2 accounts: base, w; default: w" in c.out, c


def test_search_order_and_no_config(smtpkit, tmp_path, listener):
    xdg = tmp_path / "xdg"
    (xdg / "smtpkit").mkdir(parents=True)
    write(xdg / "smtpkit" / "config", "bogus 1\n")
    env = {"XDG_CONFIG_HOME": str(xdg), "HOME": str(tmp_path)}
    r = smtpkit("ehlo", listener.hostport, "--timeout", "1", env=env)
    assert r.rc == 78 and str(xdg / "smtpkit" / "config") + ":1:" in r.err, r
    r = smtpkit("send", "--no-config", "--dry-run", "--body", "x", TO, env=env)
    assert r.rc == 0, r
    # Without XDG_CONFIG_HOME: ~/.config/smtpkit/config.
    (tmp_path / ".config" / "smtpkit").mkdir(parents=True)
    write(tmp_path / ".config" / "smtpkit" / "config", "[account x]\nfrom home@example.org\n")
    r = smtpkit("send", "-a", "x", "--dry-run", "--body", "x", TO, env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": ""})
    assert r.rc == 0 and "=== envelope sender: <home@example.org>" in r.out, r


def test_command_line_wins(smtpkit, tmp_path):
    cfg = write(tmp_path / "config", "[account a]\nfrom cfg@example.org\nserver 192.0.2.1\n")
    r = smtpkit("send", "--config", cfg, "-a", "a", "--from", "cli@example.org", "--dry-run", "--body", "x", TO)
    assert r.rc == 0 and "<cli@example.org>" in r.out and "cfg@" not in r.out, r
    r = smtpkit("send", "--config", cfg, "-a", "a", "--dry-run", "--body", "x", TO)
    assert "<cfg@example.org>" in r.out, r


def test_keys_are_send_options(smtpkit):
    """Every key the file takes that is named after an option is one of
    `smtpkit send`'s (documented once, in --help and the man pages)."""
    help_text = smtpkit("send", "--help").out
    src = (runmod.REPO / "src" / "config.c").read_text()
    table = src.split("} keys[] = {", 1)[1].split("};", 1)[0]
    keys = re.findall(r'\{"([a-z-]+)", CK_', table)
    assert len(keys) > 25, keys
    for k in keys:
        if k in ("password", "logfile", "syslog", "from-header"):
            continue
        assert "--" + k in help_text, k


def test_ehlo_uses_the_accounts_server(smtpkit, tmp_path, postfix, pki):
    cfg = write(tmp_path / "config", "[account sub]\nserver %s\ncafile %s\ntls-name localhost\n"
                % (postfix.submission_hostport, pki.ca))
    before = postfix.log_mark()
    r = smtpkit("ehlo", "--config", cfg, "-a", "sub", "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert any(c["keyword"] == "AUTH" for c in doc["capabilities"]["after_tls"]), doc["capabilities"]
    assert doc["tls"]["verified"] is True
    assert "starttls=1" in postfix.disconnect_line(before)


def test_probe_takes_the_accounts_host(smtpkit, tmp_path, postfix, pki):
    """probe -a: the account's server is the HOST; its port is not the only
    one probed (a probe is about ports): --ports decides."""
    host, port = postfix.submission_hostport.rsplit(":", 1)
    cfg = write(tmp_path / "config", "[account sub]\nserver %s\nport %s\ncafile %s\ntls-name localhost\n"
                % (postfix.submission_hostport, port, pki.ca))
    r = smtpkit("probe", "--config", cfg, "-a", "sub", "--ports", "%s,%s" % (port, postfix.hostport.rsplit(":", 1)[1]),
                "--json")
    doc = r.json()
    assert doc["host"] == host, doc
    ports = {p["port"]: p for p in doc["ports"]}
    assert set(ports) == {int(port), int(postfix.hostport.rsplit(":", 1)[1])}, doc
    assert all(p["state"] == "open" for p in ports.values()), doc
    r = smtpkit("probe", "--config", cfg, "-a", "sub", "127.0.0.2", "--ports", port, "--json", "--timeout", "2")
    assert r.json()["host"] == "127.0.0.2", r       # HOST given: the account's is not used


def test_tls_check_account(smtpkit, tmp_path, postfix, pki):
    cfg = write(tmp_path / "config", "[account sub]\nserver %s\ncafile %s\ntls-name localhost\n"
                % (postfix.submission_hostport, pki.ca))
    r = smtpkit("tls-check", "--config", cfg, "-a", "sub", "--json", timeout=60)
    assert r.rc in (0, 1), r
    assert r.json()["command"] == "tls-check"


# --- msmtprc -----------------------------------------------------------------

def msmtp_run(rc_path, msg, env=None):
    return subprocess.run(["msmtp", "-C", str(rc_path), "-t"], input=msg, capture_output=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


MSMTPRC = {
    # Debian's example style: defaults, an account, the default account by name.
    "passwordeval": """\
# Set default values for all following accounts.
defaults
auth           on
tls            on
tls_trust_file {ca}
logfile        {tmp}/msmtp.log

account        test
host           127.0.0.1
port           {port}
from           sender@smtpkit.test
user           {user}
passwordeval   "cat {pwfile}"

account default : test
""",
    # A password in the file, tls_starttls spelled out, inheritance, and the
    # name the certificate carries.
    "password-inherit": """\
defaults
tls on
tls_starttls on
tls_trust_file {ca}
tls_host_override localhost
timeout 10

account base
host 127.0.0.1
port {port}
auth plain
user {user}

account work : base
from sender@smtpkit.test
password "{password}"
set_from_header auto

account default : work
""",
    # Wrong password: both must fail the same way (77).
    "wrong-password": """\
account default
host 127.0.0.1
port {port}
tls on
tls_trust_file {ca}
auth on
user {user}
password not-the-password
from sender@smtpkit.test
""",
}


@pytest.mark.parametrize("name", sorted(MSMTPRC))
def test_import_msmtprc_delivers_like_msmtp(smtpkit, tmp_path, postfix, pki, name):
    pw = tmp_path / "pw"
    write(pw, postfix.password + "\n")
    rc_path = tmp_path / "msmtprc"
    write(rc_path, MSMTPRC[name].format(ca=pki.ca, tmp=tmp_path, port=postfix.submission_port,
                                         user=postfix.user, pwfile=pw, password=postfix.password))
    conv = smtpkit("config", "--import-msmtprc", rc_path)
    assert conv.rc == 0 and conv.err == "", conv
    assert "[account" in conv.out
    if "passwordeval" in MSMTPRC[name]:
        assert re.search(r"^password-command cat %s$" % re.escape(str(pw)), conv.out, re.M), conv.out
    if "tls_trust_file" in MSMTPRC[name]:
        assert re.search(r"^cafile %s$" % re.escape(pki.ca), conv.out, re.M), conv.out
    cfg = write(tmp_path / "smtpkit.conf", conv.out)
    chk = smtpkit("config", "--check", "--config", cfg)
    assert chk.rc == 0, (chk, conv.out)

    results = {}
    for who in ("msmtp", "smtpkit"):
        token = uuid.uuid4().hex
        msg = b"To: %s\nSubject: %s %s\n\nimported\n" % (TO.encode(), who.encode(), token.encode())
        before = postfix.log_mark()
        if who == "msmtp":
            p = msmtp_run(rc_path, msg)
        else:
            p = subprocess.run([runmod.binary(), "sendmail", "-C", cfg, "-t"], input=msg, capture_output=True,
                               timeout=60)
        counts = postfix.disconnect_line(before)
        got = delivered(postfix, token) if p.returncode == 0 else None
        results[who] = (p.returncode, "auth=1" in counts, got is not None)
    assert results["smtpkit"] == results["msmtp"], (results, conv.out)
    if name == "wrong-password":
        assert results["smtpkit"][0] == 77
    else:
        assert results["smtpkit"] == (0, True, True)


UNMAPPABLE = """\
defaults
tls on
tls_fingerprint 11:22:33
proxy_host 127.0.0.1
proxy_port 1080
syslog LOG_MAIL
protocol lmtp

account a
host mail.example.org
auth digest-md5
user me
password very-secret-1
from %U@example.org
logfile -

account b : a
eval echo host other.example.org
tls_starttls off
"""


def test_import_comments_what_it_cannot_map(smtpkit, tmp_path):
    rc_path = tmp_path / "msmtprc"
    write(rc_path, UNMAPPABLE)
    r = smtpkit("config", "--import-msmtprc", rc_path)
    assert r.rc == 0, r
    for cmd in ("tls_fingerprint", "proxy_host", "proxy_port", "protocol", "auth", "from", "logfile", "eval"):
        assert re.search(r"^# msmtp line \d+: %s: not converted: \S" % cmd, r.out, re.M), (cmd, r.out)
    assert "syslog yes" in r.out and "LOG_MAIL" in r.out
    # Values are never echoed in comments, and b gets implicit TLS on 465.
    assert "11:22:33" not in r.out and "very-secret-1" in r.out.split("[account a]", 1)[1]
    assert r.out.count("very-secret-1") == 1
    b = r.out.split("[account b]", 1)[1]
    assert "inherit a" in b and "tls implicit" in b and "port 465" in b, r.out
    cfg = write(tmp_path / "smtpkit.conf", r.out)
    assert smtpkit("config", "--check", "--config", cfg).rc == 0


def test_import_default_location(smtpkit, tmp_path):
    write(tmp_path / ".msmtprc", "account default\nhost h.example.org\n")
    r = smtpkit("config", "--import-msmtprc", env={"HOME": str(tmp_path)})
    assert r.rc == 0 and "server h.example.org" in r.out and "port 25" in r.out, r
    os.unlink(tmp_path / ".msmtprc")
    (tmp_path / "x" / "msmtp").mkdir(parents=True)
    write(tmp_path / "x" / "msmtp" / "config", "account default\nhost x.example.org\n")
    r = smtpkit("config", "--import-msmtprc", env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "x")})
    assert r.rc == 0 and "server x.example.org" in r.out, r
    r = smtpkit("config", "--import-msmtprc", tmp_path / "none")
    assert r.rc == 66, r


@pytest.mark.parametrize("sub,usage", [("config", "Usage: smtpkit config --show"),
                                       ("sendmail", "Usage: smtpkit sendmail [-t]")])
def test_help(smtpkit, sub, usage):
    for args in ([sub, "--help"], ["help", sub]):
        r = smtpkit(*args)
        assert r.rc == 0 and r.out.startswith(usage), r
    assert "smtpkit %s " % sub in smtpkit("help").out


@pytest.mark.parametrize("sub", ["send", "ehlo", "tls-check", "probe", "mx"])
def test_account_options_in_help(smtpkit, sub):
    out = smtpkit(sub, "--help").out
    for opt in ("--account=NAME", "--config=FILE", "--no-config"):
        assert opt in out, (sub, opt)


def test_account_dkim_and_transport_keys(smtpkit, tmp_path):
    """An account carries DKIM signing and transport keys like any other:
    the dry run is signed with the account's key and selector, and ehlo
    goes to the account's UNIX socket (one that does not exist: 66)."""
    import subprocess
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True,
                   capture_output=True)
    os.chmod(key, 0o600)
    cfg = write(tmp_path / "config", "[account signed]\nfrom me@example.org\ndkim-key %s\n"
                "dkim-selector acct1\nsocket %s\n" % (key, tmp_path / "no-such-socket"))
    r = smtpkit("send", "--config", cfg, "-a", "signed", "--dry-run", "--body", "x", TO)
    assert r.rc == 0, r
    m = re.search(r"^DKIM-Signature:.*\n(?:[ \t].*\n)*", r.out, re.M)
    sig = re.sub(r"\s", "", m.group(0)) if m else ""
    assert "s=acct1;" in sig and "a=ed25519-sha256;" in sig and "d=example.org;" in sig, r.out
    r = smtpkit("ehlo", "--config", cfg, "-a", "signed", "--timeout", "2")
    assert r.rc == 66 and "no-such-socket" in r.err, r


# --- the command line wins over the account ------------------------------------

def test_conflict_with_the_command_line_is_a_usage_error(smtpkit, tmp_path, listener):
    """protocol helo in the account and --tls starttls on the command line:
    the command line asked for the conflict (64); both in the file: the
    file's fault (78, file:line), which config --check finds too."""
    cfg = write(tmp_path / "config", "[account a]\nserver %s\nprotocol helo\n" % listener.hostport)
    r = smtpkit("ehlo", "--config", cfg, "-a", "a", "--tls", "starttls")
    assert r.rc == 64 and cfg not in r.err, r
    assert smtpkit("config", "--check", "--config", cfg).rc == 0
    cfg = write(tmp_path / "config2", "[account a]\nserver %s\nprotocol helo\ntls starttls\n" % listener.hostport)
    r = smtpkit("ehlo", "--config", cfg, "-a", "a")
    assert r.rc == 78 and "%s:3: protocol: " % cfg in r.err, r
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 78 and "%s:3: protocol: " % cfg in c.err and 'account "a" fails' in c.err, c
    assert listener.connections() == 0


def test_host_on_the_command_line_beats_the_accounts_socket_and_port(smtpkit, tmp_path, listener):
    """An account that reaches its relay through a socket on port 2: a HOST
    (or --server) named on the command line is where smtpkit connects, on
    the HOST's port; probe, tls-check and mx reach their own hosts."""
    cfg = write(tmp_path / "config", "account relay\n[account relay]\nsocket %s\nport 2\ntls none\n"
                % (tmp_path / "no-such-socket"))
    for argv in (["ehlo", listener.hostport], ["send", "-s", listener.hostport, "--body", "x", TO],
                 ["tls-check", listener.hostport], ["probe", "--ports", listener.hostport.rsplit(":", 1)[1],
                                                    "127.0.0.1"]):
        r = smtpkit(*argv, "--config", cfg, "--timeout", "1", "--connect-timeout", "1")
        assert r.rc not in (64, 66, 78), (argv, r)
        assert listener.connections() >= 1, (argv, r)


def test_check_reads_no_secret(smtpkit, tmp_path):
    """config --check runs send's checks without reading a secret: a SOCKS
    password meant to come from SMTPKIT_SOCKS_PASSWORD at run time is not
    asked for; -a checks that account alone and says so."""
    cfg = write(tmp_path / "config", "[account a]\nserver 127.0.0.1:1\nsocks 127.0.0.1:1080\nsocks-user u\n"
                "user me\npassword-command false\n[account b]\nserver 127.0.0.1:1\n")
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 0 and c.out.startswith("ok: 2 accounts: a, b"), c
    c = smtpkit("config", "--check", "--config", cfg, "-a", "b")
    assert c.rc == 0 and c.out.startswith("ok: account b;"), c


def test_tls_file_that_cannot_be_read(smtpkit, tmp_path, listener):
    """A cafile (or cert, key) that cannot be read is found before any
    connection: on the command line 66, in the accounts file 78 with
    file:line, which config --check reports too; with tls none it is not
    needed and not looked at."""
    missing = str(tmp_path / "no-such-ca.pem")
    r = smtpkit("ehlo", "--no-config", "--cafile", missing, listener.hostport)
    assert r.rc == 66 and "cannot read --cafile %s" % missing in r.err, r
    cfg = write(tmp_path / "config", "[account a]\nserver %s\ncafile %s\n" % (listener.hostport, missing))
    for argv in (["ehlo", "--config", cfg, "-a", "a"], ["send", "--config", cfg, "-a", "a", "--body", "x", TO]):
        r = smtpkit(*argv)
        assert r.rc == 78 and "%s:3: cafile: cannot read --cafile" % cfg in r.err, r
    c = smtpkit("config", "--check", "--config", cfg)
    assert c.rc == 78 and "%s:3: cafile: " % cfg in c.err, c
    assert listener.connections() == 0
    r = smtpkit("ehlo", "--config", cfg, "-a", "a", "--tls", "none", "--timeout", "1")
    assert r.rc == 75 and listener.connections() == 1, r      # got as far as the greeting
