"""What a case file under cases/ imports: the script steps and shared argv bits.
(harness/send_cases.py adds what send cases share.)

A case file -- cases/ and send_cases/ alike, all run by harness/case_runner.py,
which says what is checked -- defines:
  SCRIPT            list of scripted-server steps; the client must keep to it
                    (a line no step or serve() rule expects fails the case)
  ARGS              smtpkit argv; "{server}" -> HOST:PORT, "{ca}" -> test CA file,
                    "{data}" -> the file holding DATA
  EXIT              expected exit status
  MAX_SECONDS       the run must end within this (deadlines are part of the contract)
optional:
  HOST              where the server listens (default 127.0.0.1; "::1" for IPv6)
  STAGE             expected STAGE in "result: failed at STAGE" (a str or tuple)
  CAUSE             error.cause in JSON (smtpkit(1)); required when EXIT is not 0
  MUST_RECEIVE / MUST_NOT_RECEIVE          line prefixes the server must / must not
  MUST_RECEIVE_TLS / MUST_NOT_RECEIVE_TLS  receive (the _TLS ones: inside TLS)
  NO_CONNECTION     True: smtpkit never connects (a usage or input error, a dry run)
  NO_MESSAGE        True: no message byte on the wire (no BDAT, no 354-then-data;
                    a pipelined DATA line alone is allowed: say MUST_NOT_RECEIVE)
  DATA              bytes written to a file; "{data}" in ARGS is its path
  ENV               extra environment for smtpkit
  STDIN             bytes for smtpkit's standard input (default: /dev/null)
  STDERR            substrings stderr must contain
  CHECK(result, server)                    more asserts on the human run
  JSON_CHECK(doc, server)                  more asserts on the --json run
"""
from .scripted import *          # noqa: F401,F403  (re-exported for case files)
from .scripted import __all__ as _steps

# Short deadlines keep the suite fast; MAX_SECONDS ~ timeout + 2.5 s.
T = ["--timeout", "2", "--connect-timeout", "2"]
DEADLINE = 4.5
# Verify against the test CA; the name the leaves carry is "localhost".
CA = ["--cafile", "{ca}", "--tls-name", "localhost"]

__all__ = list(_steps) + ["T", "DEADLINE", "CA"]
