"""SMTPKIT_PASSWORD holding a LF, even a final one: refused with 78 before
any connection."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--tls", "none", "--user", "alice"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw\n"}
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["SMTPKIT_PASSWORD holds a line feed (LF)"]
