"""Terminal escape sequences in the EHLO reply: in the domain (the first
word, which the result line repeats) and in the AUTH mechanism names (which
the capability list explains).  Both are shown escaped, in "result: ok: ...
offers ..." and after "authentication: PLAIN (...); " too (the case runner
checks stdout for any raw control character)."""
from harness.cases import *

EHLO = (b"250-te\x1b]0;X\x07st\r\n250-AUTH PLAIN \x1b]0;PWNED\x07\x1b[2J\r\n"
        b"250 8BITMIME\r\n")
SCRIPT = plain_session(ehlo=EHLO)
ARGS = ["ehlo", "{server}", *T]
EXIT = 0
MAX_SECONDS = DEADLINE


def CHECK(r, srv):
    assert "\x1b" not in r.err and "\x07" not in r.err, "raw control character on stderr"
    last = r.out.rstrip("\n").splitlines()[-1]
    assert last.startswith("result: ok: te\\x1b]0;X\\x07st offers"), last
    auth = [l for l in r.out.splitlines() if "authentication:" in l]
    assert auth and all("\\x1b]0;PWNED\\x07\\x1b[2J" in l for l in auth), auth
