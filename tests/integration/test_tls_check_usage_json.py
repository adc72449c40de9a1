"""tls-check --json with a usage error still prints one JSON document on
stdout ({"command":"tls-check","ok":false,"exit_code":64,...}), as the other
commands do; the old code printed nothing there (stderr only).

(--json must come before an option popt itself rejects, such as a
non-number for --warn-days: popt stops at that option and never sees a
later --json.  That holds for every command and is not tested here.)"""
import pytest


@pytest.mark.parametrize("argv", [
    ["--json", "127.0.0.1", "--warn-days", "x"],
    ["127.0.0.1", "--json", "--warn-days", "x"],
    ["127.0.0.1", "--warn-days", "-1", "--json"],
    ["127.0.0.1", "--json", "--warn-days", "-1"],
    ["127.0.0.1", "--tls", "none", "--json"],
    ["127.0.0.1", "--timeout", "x", "--json"],
    ["127.0.0.1", "--name", "a\rb", "--json"],
    ["--json"],                             # no HOST
    ["a.test", "b.test", "--json"],         # two HOSTs
])
def test_usage_error_is_one_json_document(smtpkit, argv):
    r = smtpkit("tls-check", *argv)
    assert r.rc == 64, r
    doc = r.json()                          # the whole of stdout, one document
    assert doc["command"] == "tls-check" and doc["ok"] is False and doc["exit_code"] == 64, doc
    assert doc["error"]["class"] == "usage" and doc["error"]["message"], doc
    assert r.err.startswith("smtpkit: "), r

