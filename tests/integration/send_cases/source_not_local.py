"""--source with an address this machine does not have (192.0.2.1,
TEST-NET-1): a configuration error (78) when binding, so no connection is
made; the report says so at the connect stage."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--source", "192.0.2.1"]
EXIT = 78
CAUSE = "config"
STAGE = "connect"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
NO_MESSAGE = True
STDERR = ["cannot bind source address 192.0.2.1"]


def JSON_CHECK(doc, srv):
    assert doc["delivered"] is False and doc["maybe_delivered"] is False, doc
    assert [(x["address"], x["accepted"]) for x in doc["recipients"]] == [(RCPT1, False)], doc
