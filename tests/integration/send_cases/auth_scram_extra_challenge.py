"""SCRAM-SHA-256 completed correctly (server-final verified and answered
empty), then one more 334: past server-final, so cancelled with "*" and
exit 76, not a refused login (77); no MAIL."""
import base64

from harness.send_cases import *
from lib.scram_server import ScramServer


def scram_then_more(srv):
    words = srv.lines[-1][1].decode().split()
    s = srv.scram = ScramServer(mechanism="SCRAM-SHA-256", username="alice", password="pencil",
                                salt=SCRAM_SALT, iterations=4096)
    first = s.server_first(base64.b64decode(words[2]))
    srv._write(b"334 " + base64.b64encode(first) + b"\r\n")
    final = s.server_final(base64.b64decode(srv._readline().strip()))
    srv._write(b"334 " + base64.b64encode(final) + b"\r\n")
    return [expect(b"\r\n"), send(b"334 " + base64.b64encode(b"v=again") + b"\r\n"),
            expect(b"*\r\n"), send(b"501 5.7.0 Authentication cancelled\r\n")]


SCRIPT = clear_auth_session("SCRAM-SHA-256", (b"AUTH SCRAM", scram_then_more))
ARGS = [*ONE, "--tls", "none", "--user", "alice"]
ENV = {"SMTPKIT_PASSWORD": "pencil"}
EXIT = 76
CAUSE = "protocol"
STAGE = "auth"
MAX_SECONDS = DEADLINE
MUST_NOT_RECEIVE = [b"MAIL"]
NO_MESSAGE = True
STDERR = ["SCRAM-SHA-256: a challenge after the last step of the exchange"]


def CHECK(r, srv):
    assert srv.scram.authenticated
    lines = [c.rstrip(b"\r\n") for c in commands(srv)][1:]
    assert len(lines) == 5 and lines[2:] == [b"", b"*", b"QUIT"], lines
