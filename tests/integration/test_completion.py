"""Shell completion (bash with bash-completion, zsh, fish): the scripts that
the build writes from the popt tables (scripts/completions/generate.py)
list every option --help lists, offer the values the parsers accept, and
complete real prefixes in each real shell: subcommands, options, --tls
modes, --quit-after and --at stages, --auth mechanisms, accounts of the
configuration file, files."""
import re
import subprocess
from pathlib import Path

import pytest

from harness import run as runmod
from harness.shells import complete

SUBCOMMANDS = ["send", "ehlo", "tls-check", "probe", "mx", "session", "sendmail", "config"]
SHELLS = ["bash", "zsh", "fish"]


@pytest.fixture(scope="module")
def script_dir():
    d = Path(runmod.binary()).resolve().parents[1] / "scripts" / "completions"
    for name in ("smtpkit", "_smtpkit", "smtpkit.fish"):
        assert (d / name).is_file(), "%s/%s not built (meson compile)" % (d, name)
    return d


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """HOME for the shells: an accounts file, and files to complete."""
    h = tmp_path_factory.mktemp("home")
    cfg = h / ".config" / "smtpkit"
    cfg.mkdir(parents=True)
    (cfg / "config").write_text("account work\n\n[account work]\nserver 127.0.0.1:1\n\n"
                                "[account wonderland]\nserver 127.0.0.1:2\n\n"
                                "[account personal]\nserver 127.0.0.1:3\n")
    (cfg / "config").chmod(0o600)
    (h / "message.eml").write_text("Subject: x\n\nx\n")
    (h / "mailbox").mkdir()
    (h / "other.txt").write_text("x\n")
    bindir = h / "bin"
    bindir.mkdir()
    (bindir / "smtpkit").symlink_to(Path(runmod.binary()).resolve())
    return h


def dump():
    r = runmod.run(["--dump-options"])
    assert r.rc == 0, r
    subs, opts = [], {}
    for line in r.out.splitlines():
        f = line.split("\t")
        if f[0] == "sub":
            subs.append(f[1])
        else:
            opts.setdefault(f[1], []).append(dict(long=f[2], short=f[3], kind=f[4], values=f[5].split()))
    return subs, opts


def help_options(sub):
    """The option names --help shows (popt's table; sendmail's usage line)."""
    r = runmod.run([sub, "--help"])
    assert r.rc == 0, r
    names = set()
    if sub == "sendmail":
        for m in re.finditer(r"\[(-[a-zA-Z])\b|(-[a-zA-Z]) is -", r.out):
            names.add(m.group(1) or m.group(2))
        names |= {"--help", "-h"}
        return names
    for line in r.out.splitlines():
        s = line.strip()
        if not s.startswith("-"):
            continue
        column = re.split(r"\s{2,}", s)[0]
        names |= set(re.findall(r"(?<![\w-])--?[\w?][\w-]*", column))
    return names


def script_options(script_dir, shell, sub):
    """The option names a completion script offers after `smtpkit SUB`,
    read from the script's text the way each shell reads it."""
    if shell == "bash":
        text = (script_dir / "smtpkit").read_text()
        m = re.search(r"^\s+%s\) opts='([^']*)' ;;$" % re.escape(sub), text, re.M)
        assert m, "no option list for %s in the bash script" % sub
        return {w.rstrip("=") for w in m.group(1).split()}
    if shell == "zsh":
        text = (script_dir / "_smtpkit").read_text()
        m = re.search(r"^_smtpkit_%s\(\) \{\n(.*?)^\}" % re.escape(sub.replace("-", "_")), text, re.M | re.S)
        assert m, "no function for %s in the zsh script" % sub
        return set(re.findall(r"'\*(--?[\w?][\w-]*)", m.group(1)))
    text = (script_dir / "smtpkit.fish").read_text()
    names = set()
    for line in text.splitlines():
        if "'__smtpkit_subcommand_is %s'" % sub not in line:
            continue
        names |= {"--" + n for n in re.findall(r" -l (\S+)", line)}
        names |= {"-" + n.strip("'") for n in re.findall(r" -s ('.'|\S)", line)}
    return names


@pytest.mark.parametrize("shell", SHELLS)
def test_every_option_in_help_is_completed(script_dir, shell):
    """The guard against an option added without its completion: what each
    subcommand's --help lists, each shell's script offers for it."""
    subs, _ = dump()
    assert subs == SUBCOMMANDS
    for sub in SUBCOMMANDS:
        in_help = help_options(sub)
        assert len(in_help) >= (10 if sub == "sendmail" else 6), (sub, in_help)
        missing = in_help - script_options(script_dir, shell, sub)
        assert not missing, "%s: %s --help lists %s, the %s completion lacks them" % (shell, sub, sorted(missing), shell)


def test_help_and_dump_agree_both_ways():
    """--dump-options lists exactly what --help shows (nothing hidden
    offered, nothing shown left out)."""
    _, opts = dump()
    for sub in SUBCOMMANDS:
        dumped = {n for o in opts[sub] for n in (o["long"], o["short"]) if n}
        assert dumped == help_options(sub) | ({"--help", "-h"} if sub == "sendmail" else set()), sub


# A command line where each subcommand gets as far as connecting to a closed
# port (exit 75) once its options are accepted: a value the parser refuses
# is 64 instead.
CONTEXT = {
    "send": ["--no-config", "-s", "127.0.0.1:1", "-f", "a@example.org", "--to", "b@example.org",
             "--body", "x", "--user", "u", "--tls", "none"],
    "ehlo": ["--no-config", "127.0.0.1:1"],
    "session": ["--no-config", "--user", "u", "127.0.0.1:1"],
}


def context(sub, opt):
    """CONTEXT without its own value of the option under test."""
    ctx = list(CONTEXT[sub])
    if opt in ctx:
        i = ctx.index(opt)
        del ctx[i:i + 2]
    return ctx


def value_cases():
    _, opts = dump()
    cases = []
    for sub in CONTEXT:
        for o in opts[sub]:
            if o["kind"] in ("word", "list"):
                for v in o["values"]:
                    cases.append((sub, o["long"], v))
    return cases


def test_completed_values_are_accepted(smtpkit):
    """Every value a completion offers passes its option's parser, and a
    made-up one does not: the lists in src/complete.c cannot drift from
    the parsers unnoticed."""
    cases = value_cases()
    seen = {opt for _, opt, _ in cases}
    assert {"--tls", "--quit-after", "--at", "--auth", "--protocol", "--proxy-protocol",
            "--color", "--dsn-ret", "--dsn-notify", "--show-data", "--dkim-canon"} <= seen, seen
    env = {"SMTPKIT_PASSWORD": "x"}
    done = set()
    for sub, opt, value in cases:
        if (opt, value) in done:
            continue
        done.add((opt, value))
        ctx = context(sub, opt)
        if opt == "--dkim-canon":
            continue                  # checked below, with a key
        if value in ("XOAUTH2", "OAUTHBEARER"):
            ctx += ["--oauth-token-command", "echo"]
        r = smtpkit(sub, opt, value, *ctx, "--connect-timeout", "2", input=b"", env=env)
        assert r.rc != 64, "%s %s %s refused:\n%s" % (sub, opt, value, r)
    for sub, opt, _ in cases:
        if opt == "--dkim-canon":
            continue
        ctx = context(sub, opt)
        r = smtpkit(sub, opt, "no-such-value", *ctx, env=env, input=b"")
        assert r.rc == 64, "%s %s no-such-value accepted:\n%s" % (sub, opt, r)


def test_dkim_canon_values_are_accepted(smtpkit, tmp_path):
    _, opts = dump()
    (canon,) = [o for o in opts["send"] if o["long"] == "--dkim-canon"]
    key = tmp_path / "k.pem"
    subprocess.run(["certtool", "--generate-privkey", "--key-type", "ed25519", "--outfile", str(key)],
                   check=True, capture_output=True)
    base = ["send", "--no-config", "--dry-run", "-f", "a@example.org", "--to", "b@example.org", "--body", "x",
            "--dkim-key", key, "--dkim-selector", "s"]
    for v in canon["values"]:
        r = smtpkit(*base, "--dkim-canon", v)
        # RFC 6376 3.5: c=relaxed alone means relaxed/simple.
        assert r.rc == 0 and "c=%s" % (v if "/" in v else v + "/simple") in r.out, r
    assert smtpkit(*base, "--dkim-canon", "loose").rc == 64


# (command line, what the shell must offer).  A trailing "=" (bash offers
# --opt= for options with a value) is not part of the comparison.
CASES = [
    ("smtpkit e", ["ehlo"]),
    ("smtpkit tl", ["tls-check"]),
    ("smtpkit ehlo --tls ", ["auto", "implicit", "none", "starttls"]),
    ("smtpkit ehlo --tls=st", ["starttls"]),
    ("smtpkit send --quit-after ", ["auth", "connect", "ehlo", "greeting", "mail", "rcpt", "tls"]),
    ("smtpkit session --at ", ["auth", "connect", "ehlo", "tls"]),
    ("smtpkit send --auth SC", ["SCRAM-SHA-1", "SCRAM-SHA-256"]),
    ("smtpkit ehlo --tls-n", ["--tls-name"]),
    ("smtpkit tls-check --war", ["--warn-days"]),
    ("smtpkit send -a wo", ["wonderland", "work"]),
    ("smtpkit probe --account p", ["personal"]),
    ("smtpkit send --data mes", ["message.eml"]),
    ("smtpkit help se", ["send", "sendmail", "session"]),
    ("smtpkit sendmail -R ", ["FULL", "HDRS"]),
    ("smtpkit sendmail -N SU", ["SUCCESS"]),
]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("line,want", CASES, ids=[c[0].replace(" ", "_") for c in CASES])
def test_shell_completes(script_dir, home, shell, line, want):
    # fish offers --tls=starttls where the others offer starttls.
    got = sorted({w.rstrip("=").rstrip("/").split("=", 1)[-1]
                  for w in complete(shell, script_dir, home / "bin", home, line)})
    assert got == sorted(want), "%s: %r -> %r" % (shell, line, got)


@pytest.mark.parametrize("shell", SHELLS)
def test_options_of_one_subcommand_only(script_dir, home, shell):
    """mx's options are offered after mx, send's are not."""
    got = {w.rstrip("=") for w in complete(shell, script_dir, home / "bin", home, "smtpkit mx --")}
    assert {"--check", "--smtp", "--jobs", "--json", "--resolver"} <= got, got
    assert not {"--from", "--quit-after", "--ciphers"} & got, got


def test_sendmail_letter_values_are_accepted(smtpkit, tmp_path):
    """sendmail's -N and -R offer --dsn-notify's and --dsn-ret's values:
    each passes sendmail's own parsing (the connection then fails, 75),
    a made-up one is 64."""
    _, opts = dump()
    letters = {o["short"]: o for o in opts["sendmail"] if o["short"] in ("-N", "-R")}
    assert letters["-N"]["values"] == ["NEVER", "SUCCESS", "FAILURE", "DELAY"], letters
    assert letters["-R"]["values"] == ["FULL", "HDRS"], letters
    cfg = tmp_path / "config"
    cfg.write_text("server 127.0.0.1:1\ntls none\nfrom a@example.org\nconnect-timeout 2\n")
    for letter, o in letters.items():
        for v in o["values"] + ["no-such-value"]:
            r = smtpkit("sendmail", "-C", str(cfg), letter, v, "b@example.org", input=b"Subject: x\n\nx\n")
            assert r.rc == (64 if v == "no-such-value" else 75), (letter, v, r)
