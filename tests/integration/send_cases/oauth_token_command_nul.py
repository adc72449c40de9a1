"""--oauth-token-command printing a token with a NUL octet in it: refused
with 78, naming the option, before any connection."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--tls", "none", "--user", "u@example.test", "--auth", "XOAUTH2",
        "--oauth-token-command", "printf 'tok\\000en\\n'"]
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["the output of --oauth-token-command holds a NUL octet"]
