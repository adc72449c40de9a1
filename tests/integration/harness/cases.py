"""What a case file under cases/ imports: the script steps and shared argv bits.

A case file defines:
  SCRIPT            list of scripted-server steps
  ARGS              smtpkit argv; "{server}" -> HOST:PORT, "{ca}" -> test CA file
  EXIT              expected exit status
  MAX_SECONDS       the run must end within this (deadlines are part of the contract)
optional:
  HOST              where the server listens (default 127.0.0.1; "::1" for IPv6)
  STAGE             expected STAGE in "result: failed at STAGE" (a str or tuple)
  MUST_RECEIVE / MUST_NOT_RECEIVE          line prefixes the server must / must not
  MUST_RECEIVE_TLS / MUST_NOT_RECEIVE_TLS  receive (the _TLS ones: inside TLS)
  CHECK(result, server)                    anything else, with plain asserts
"""
from .scripted import *          # noqa: F401,F403  (re-exported for case files)
from .scripted import __all__ as _steps

# Short deadlines keep the suite fast; MAX_SECONDS ~ timeout + 2.5 s.
T = ["--timeout", "2", "--connect-timeout", "2"]
DEADLINE = 4.5
# Verify against the test CA; the name the leaves carry is "localhost".
CA = ["--cafile", "{ca}", "--tls-name", "localhost"]

__all__ = list(_steps) + ["T", "DEADLINE", "CA"]
