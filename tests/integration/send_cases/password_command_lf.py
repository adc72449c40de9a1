"""--password-command printing two lines: refused with 78, naming the
option, before any connection (the second line would otherwise have been
dropped, or sent as a command)."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--tls", "none", "--user", "alice", "--password-command", "printf 'pw\\nRSET\\n'"]
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["the output of --password-command holds more than one line"]
