"""The top-level command line: --version, help, unknown subcommands, and
--help for every subcommand (popt names the program "smtpkit SUB")."""
import pytest

SUBCOMMANDS = ["send", "ehlo", "tls-check", "probe", "mx"]


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
