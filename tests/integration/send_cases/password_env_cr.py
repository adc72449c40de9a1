"""SMTPKIT_PASSWORD holding a CR: refused with 78, naming the variable,
before any connection (nothing is stripped from the environment)."""
from harness.send_cases import *

SCRIPT = mail_session()
ARGS = [*ONE, "--tls", "none", "--user", "alice"]
ENV = {"SMTPKIT_PASSWORD": "s3cret-pw\r"}
EXIT = 78
CAUSE = "config"
STAGE = "start"
MAX_SECONDS = DEADLINE
NO_CONNECTION = True
STDERR = ["SMTPKIT_PASSWORD holds a carriage return (CR)"]
