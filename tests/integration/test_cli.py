"""The top-level command line: --version, help, unknown subcommands,
--help for every subcommand (popt names the program "smtpkit SUB"), and
command-line values that are empty."""
import pytest

SUBCOMMANDS = ["send", "ehlo", "tls-check", "probe", "mx", "session"]


def test_version(smtpkit):
    r = smtpkit("--version")
    assert r.rc == 0 and r.out.startswith("smtpkit "), r


def test_no_arguments_is_usage(smtpkit):
    r = smtpkit()
    assert r.rc == 64 and "Usage: smtpkit" in r.err, r


def test_unknown_subcommand(smtpkit):
    r = smtpkit("frobnicate")
    assert r.rc == 64 and 'unknown subcommand "frobnicate"' in r.err, r


def test_help_lists_every_subcommand(smtpkit):
    r = smtpkit("help")
    assert r.rc == 0, r
    for sub in SUBCOMMANDS:
        assert "smtpkit %s " % sub in r.out, (sub, r.out)


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_subcommand_help(smtpkit, sub):
    for args in ([sub, "--help"], ["help", sub]):
        r = smtpkit(*args)
        assert r.rc == 0, r
        assert r.out.startswith("Usage: smtpkit %s " % sub), r.out[:200]
        # The options every network subcommand shares are there too.
        for opt in ("--tls=MODE", "--timeout=SECONDS", "--json", "--resolver"):
            assert opt in r.out, (sub, opt)


@pytest.mark.parametrize("args,words", [
    (["--cc", ""], '"" (--cc): empty address'),
    (["--bcc", " "], '" " (--bcc): empty address'),
    (["--to", ","], '"," (--to): empty address'),
    ([""], '"" (RECIPIENT): empty address'),
    (["--to", "a@example.net", ""], '"" (RECIPIENT): empty address'),
])
def test_send_empty_address_is_usage(smtpkit, args, words):
    """An empty address on the command line is a usage error (64), not a
    message without recipients (65); nothing connects (port 9 is never
    tried: usage errors come first)."""
    for json in ([], ["--json"]):
        r = smtpkit("send", "-s", "127.0.0.1:9", "--from", "a@example.org", "--body", "x", *args, *json)
        assert r.rc == 64, r
        assert ("bad address " + words) in r.err, r
        if json:
            assert r.json()["error"]["cause"] == "usage", r


@pytest.mark.parametrize("target,words", [
    ("[]:25", "empty address between [ and ]"),
    ("[]", "empty address between [ and ]"),
    ("[::1", "unclosed ["),
    (":25", "empty host name before :PORT"),
])
def test_host_syntax_errors_say_what_is_wrong(smtpkit, target, words):
    r = smtpkit("ehlo", target)
    assert r.rc == 64, r
    assert r.err.startswith('smtpkit: invalid host "%s": %s' % (target, words)), r
