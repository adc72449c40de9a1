"""What ships: `meson install` puts the binary, every man page, the three
completions and the JSON Schema where they belong; -Dman=enabled fails
without scdoc; and the Debian package (scripts/deb, recipe in
scripts/debian/) builds from a clean copy of the tree, is lintian clean,
and its binary, unpacked with dpkg -x into a scratch root, runs: --version,
and a real delivery whose JSON follows the packaged schema."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from harness import run as runmod

REPO = runmod.REPO
MAN_PAGES = sorted(p.name[:-4] for p in (REPO / "man").glob("*.scd"))


def build_dir():
    return Path(runmod.binary()).resolve().parents[1]


def installed(root, prefix):
    p = root / prefix.lstrip("/")
    return sorted(str(f.relative_to(p)) for f in p.rglob("*") if f.is_file() or f.is_symlink())


def test_meson_install_ships_everything(tmp_path):
    dest = tmp_path / "root"
    p = subprocess.run(["meson", "install", "-C", str(build_dir()), "--no-rebuild", "--quiet",
                        "--destdir", str(dest)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    intro = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", str(build_dir())],
                                      capture_output=True, text=True, check=True).stdout)
    prefix = next(o["value"] for o in intro if o["name"] == "prefix")
    files = installed(dest, prefix)
    assert "bin/smtpkit" in files, files
    for page in MAN_PAGES:                      # smtpkit-json.7 included
        section = page.rsplit(".", 1)[1]
        assert "share/man/man%s/%s" % (section, page) in files, (page, files)
    assert len(MAN_PAGES) >= 10
    assert "share/bash-completion/completions/smtpkit" in files, files
    assert "share/zsh/site-functions/_smtpkit" in files, files
    assert "share/fish/vendor_completions.d/smtpkit.fish" in files, files
    schema = dest / prefix.lstrip("/") / "share/smtpkit/smtpkit.schema.json"
    # The installed schema is the one the suite validates every output with.
    assert schema.read_bytes() == runmod.SCHEMA.read_bytes()


def test_man_enabled_fails_without_scdoc(tmp_path):
    """-Dman=enabled on a machine without scdoc stops at configure time;
    the default (auto) only warns."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for f in Path("/usr/bin").iterdir():
        if f.name != "scdoc":
            (bindir / f.name).symlink_to(f)
    env = dict(os.environ, PATH=str(bindir))
    p = subprocess.run(["meson", "setup", str(tmp_path / "b"), "-Dman=enabled"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "scdoc" in p.stdout + p.stderr, p.stdout + p.stderr
    p = subprocess.run(["meson", "setup", str(tmp_path / "c")], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "WARNING: scdoc not found" in p.stdout, p.stdout + p.stderr


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    out = tmp_path_factory.mktemp("deb")
    p = subprocess.run([str(REPO / "scripts" / "deb"), "--lintian", str(out)], cwd=REPO,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, "scripts/deb failed:\n%s\n%s" % (p.stdout[-4000:], p.stderr[-4000:])
    (deb,) = out.glob("smtpkit_*.deb")
    root = tmp_path_factory.mktemp("scratch-root")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return deb, root, p.stdout


def test_debian_package_runs_from_scratch_root(package):
    deb, root, _ = package
    exe = root / "usr/bin/smtpkit"
    p = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    version = re.search(r"version\s*:\s*'([^']+)'", (REPO / "meson.build").read_text()).group(1)
    assert p.stdout.splitlines()[0] == "smtpkit " + version, p.stdout
    assert re.search(r"^features: \+readline -sendmail-link$", p.stdout, re.M), p.stdout
    files = installed(root, "/usr")
    for page in MAN_PAGES:
        section = page.rsplit(".", 1)[1]
        assert "share/man/man%s/%s.gz" % (section, page) in files, (page, files)
    for f in ("share/bash-completion/completions/smtpkit", "share/zsh/vendor-completions/_smtpkit",
              "share/fish/vendor_completions.d/smtpkit.fish", "share/smtpkit/smtpkit.schema.json",
              "share/doc/smtpkit/copyright"):
        assert f in files, (f, files)
    info = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"],
                          capture_output=True, text=True, check=True).stdout
    assert "libgnutls30" in info and "libpopt0" in info, info


def test_packaged_binary_delivers_and_follows_packaged_schema(package, aiosmtpd_server):
    """The unpacked program is the whole program: a message through a
    real server, its JSON valid by the schema the package ships."""
    _, root, _ = package
    p = subprocess.run([str(root / "usr/bin/smtpkit"), "send", "--no-config", "-s", aiosmtpd_server.hostport,
                        "--tls", "none", "-f", "ann@example.org", "--to", "bob@example.net",
                        "--subject", "from the package", "--body", "hello", "--json"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    schema = json.loads((root / "usr/share/smtpkit/smtpkit.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["delivered"] is True and doc["queue_id"] == "AIO1", doc
    (env,) = aiosmtpd_server.messages
    assert env.mail_from == "ann@example.org" and env.rcpt_tos == ["bob@example.net"]
    assert b"Subject: from the package" in env.original_content


def test_packaged_completion_in_bash(package, tmp_path):
    """bash-completion finds the packaged script by the command's name."""
    _, root, _ = package
    prog = ('source /usr/share/bash-completion/bash_completion; '
            'BASH_COMPLETION_USER_DIR=%s; __load_completion smtpkit && complete -p smtpkit'
            % (tmp_path / "user"))
    user = tmp_path / "user" / "completions"
    user.mkdir(parents=True)
    shutil.copy(root / "usr/share/bash-completion/completions/smtpkit", user / "smtpkit")
    p = subprocess.run(["bash", "--norc", "-c", prog], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0 and "-F _smtpkit smtpkit" in p.stdout, p.stdout + p.stderr
