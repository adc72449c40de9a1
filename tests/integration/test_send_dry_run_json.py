"""--dry-run --json: one document with the envelope and the message text,
and no connection at all."""
import socket

from harness.send_cases import MARKER, SENDER, RCPT1


def test_dry_run_json(smtpkit):
    # A port nothing listens on: a connection attempt would show as an error.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = smtpkit("send", "-s", "127.0.0.1:%d" % port, "--from", SENDER, "--to", RCPT1,
                "--subject", "dry", "--body", MARKER, "--dry-run", "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["dry_run"] is True and doc["ok"] is True and doc["error"] is None, doc
    assert doc["envelope"] == {"from": SENDER, "recipients": [RCPT1]}, doc
    text = doc["message"]["text"]
    assert text.endswith(MARKER + "\r\n") and "\r\nSubject: dry\r\n" in text, text
    assert doc["message"]["size"] == len(text.encode()), doc["message"]
