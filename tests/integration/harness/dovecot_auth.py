"""A private Dovecot that does nothing but SASL authentication, for the
private Postfix's submission listener (smtpd_sasl_type = dovecot).

No protocols, no network listener: one UNIX socket for smtpd, a passwd-file
with one known user.  Runs in the foreground (-F) as our own child, so it is
stopped by its PID and never touches the system's Dovecot or /etc/dovecot."""
import os
import subprocess
import time
from pathlib import Path

from .child import log_text, stop_child

# SCRAM and CRAM-MD5 need the clear password on the server side (or a
# mechanism-specific hash): the {PLAIN} scheme serves every mechanism.
CONF = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = none
ssl = no
# Postfix decides when AUTH is allowed (smtpd_tls_auth_only); Dovecot only
# sees the socket from smtpd.
disable_plaintext_auth = no
auth_mechanisms = {mechs}
auth_verbose = yes
# Dovecot waits 2 s before saying no; tests use --timeout 2.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
# Dovecot's auth penalty would slow every login from 127.0.0.1 by up to 15 s
# after one test's wrong password; mode 0 turns the penalty socket off.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  unix_listener {socket} {{
    mode = 0660
    user = postfix
  }}
}}
"""

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256")


class DovecotAuth:
    def __init__(self, directory, user, password):
        self.dir = Path(directory)
        self.dir.mkdir(mode=0o755)
        self.socket = self.dir / "auth-smtpd"
        (self.dir / "passwd").write_text("%s:{PLAIN}%s\n" % (user, password))
        os.chmod(self.dir / "passwd", 0o644)
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(CONF.format(d=self.dir, socket=self.socket,
                                         mechs=" ".join(m.lower() for m in MECHANISMS)))
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.conf)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.poll() is not None else ""
                self.stop()
                raise RuntimeError("private Dovecot did not start\n%s\n--- dovecot.log\n%s"
                                   % (out, self.log))
            time.sleep(0.05)

    @property
    def log(self):
        return log_text(self.dir / "dovecot.log")

    def stop(self):
        stop_child(self.proc)
