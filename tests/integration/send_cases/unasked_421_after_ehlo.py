"""After the EHLO reply the server says 421 unasked (an idle timeout, RFC
5321 3.8): a temporary failure (75), not a protocol violation; MAIL is
never sent."""
from harness.send_cases import *

SCRIPT = mail_session(ehlo=EHLO_NO_PIPELINING + b"421 4.4.2 mx.scripted.test idle timeout\r\n")
ARGS = ONE
EXIT = 75
CAUSE = "reply-temporary"
STAGE = "mail"
MAX_SECONDS = 1.5
MUST_RECEIVE = [b"EHLO"]
MUST_NOT_RECEIVE = [b"MAIL", b"RCPT", b"DATA"]
NO_MESSAGE = True
STDERR = ["server closing the connection (421) before MAIL", "421 4.4.2 mx.scripted.test idle timeout"]
