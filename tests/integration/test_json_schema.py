"""The published JSON Schema (man/smtpkit.schema.json, smtpkit-json(7)).
Every --json output of the suite is validated against it by harness/run.py;
these tests check the schema itself: valid draft 2020-12, strict where the
document is ours (a key it does not describe fails), naming every key the
source writes, the "schema" version the program reports, and config --show
--json."""
import copy
import json
import re

import jsonschema
import pytest

from harness import run as runmod

SRC = runmod.REPO / "src"


@pytest.fixture(scope="module")
def schema():
    s = json.loads(runmod.SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(s)
    return s


def valid(schema, doc):
    return jsonschema.Draft202012Validator(schema).is_valid(doc)


def schema_keys(node, acc):
    if isinstance(node, dict):
        acc.update(node.get("properties", {}).keys())
        for v in node.values():
            schema_keys(v, acc)
    elif isinstance(node, list):
        for v in node:
            schema_keys(v, acc)
    return acc


def test_every_key_the_source_writes_is_described(schema):
    """A key added to a printer in src/ fails here until the schema has
    it, even when no test produces it."""
    written = set()
    for path in list(SRC.glob("*.c")) + list(SRC.glob("*/*.c")):
        written |= set(re.findall(r'json_(?:kstr|kint|kbool|knum|key|hist)\([^,()]+, "([a-z0-9_]+)"',
                                  path.read_text()))
    assert len(written) > 150, written
    missing = written - schema_keys(schema, set())
    assert not missing, "keys written by src/ that the schema does not describe: %s" % sorted(missing)


def test_version_names_the_schema(schema, smtpkit):
    r = smtpkit("--version")
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert re.fullmatch(r"smtpkit \d+\.\d+\.\d+", lines[0]), r.out
    assert re.search(r"^GnuTLS 3\.\d+\.\d+ \(built with 3\.\d+\.\d+\)", r.out, re.M), r.out
    assert re.search(r"^features: .*[+-]readline.*[+-]sendmail-link", r.out, re.M), r.out
    assert "JSON schema %d" % schema["$defs"]["schema_version"]["const"] in r.out


def test_strict_where_the_document_is_ours(schema, smtpkit):
    """A real document validates; one key more anywhere, a key's type
    changed, or another schema version, and it does not."""
    r = smtpkit("ehlo", "--json", "--no-config", "--connect-timeout", "2", "127.0.0.1:1")
    assert r.rc == 75, r
    doc = r.json()
    assert doc["schema"] == 1 and doc["command"] == "ehlo"
    assert valid(schema, doc)
    for mutate in (lambda d: d.update(extra=1),
                   lambda d: d["server"].update(extra=1),
                   lambda d: d["error"].update(extra=1),
                   lambda d: d["transcript"][0].update(extra=1),
                   lambda d: d.update(exit_code="75"),
                   lambda d: d["error"].update({"class": "bogus"}),
                   lambda d: d.update(schema=2),
                   lambda d: d.pop("transcript")):
        bad = copy.deepcopy(doc)
        mutate(bad)
        assert not valid(schema, bad), bad
    # The short document of a failure before any session.
    r = smtpkit("probe", "--json", "--no-such-option")
    assert r.rc == 64 and r.json()["error"]["class"] == "usage", r


def test_config_show_json(schema, smtpkit, tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text("timeout 20\n\n[account work]\nserver 127.0.0.1:2525\nuser ann\npassword s3cr3t-xyz\n")
    cfg.chmod(0o600)
    r = smtpkit("config", "--config", cfg, "--show", "--json", "-a", "work")
    assert r.rc == 0, r
    doc = r.json()
    assert "s3cr3t-xyz" not in r.out
    assert doc["files"] == [str(cfg)] and doc["account"] == "work"
    by_key = {s["key"]: s for s in doc["settings"]}
    assert by_key["password"] == {"key": "password", "value": None, "secret": True, "file": str(cfg),
                                  "line": 6, "account": "work"}
    assert by_key["timeout"]["value"] == "20" and by_key["timeout"]["account"] is None
    assert by_key["server"]["line"] == 4
    # An error is a document too, with the exit status of smtpkit-config(5).
    r = smtpkit("config", "--config", cfg, "--show", "--json", "-a", "nosuch")
    assert r.rc == 78 and r.json()["error"]["class"] == "config", r
    r = smtpkit("config", "--config", cfg, "--list-accounts")
    assert r.rc == 0 and r.out == "work\n", r
    assert smtpkit("config", "--check", "--json", "--config", cfg).rc == 64
