"""A private Dovecot LMTP server (dovecot-lmtpd): one UNIX socket and one
loopback port, maildirs in a temp dir, two known users of which one has a
1 kB quota, so that one message after the same data gets 250 for one
recipient and 552 (quota) for the other (RFC 2033 4.2).

Runs in the foreground (-F) as our own child with its own configuration
(-c), stopped by its PID; never touches the system's Dovecot."""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .aiosmtpd_server import free_port
from .child import log_text, stop_child

CONF = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = lmtp
ssl = no
hostname = lmtp.smtpkit.test
mail_location = maildir:{d}/mail/%u
mail_plugins = quota
plugin {{
  quota = maildir:User quota
}}
# No passdb is needed to deliver; Dovecot wants one all the same.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
  default_fields = uid={uid} gid={gid} home={d}/home/%u
}}
service lmtp {{
  unix_listener {d}/lmtp {{
    mode = 0666
  }}
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


class DovecotLmtp:
    """socket: the UNIX socket's path; port: the loopback port.
    user: delivered normally; full_user: over quota for any message over 1 kB;
    delivered(user) -> list of message bytes in that user's maildir."""
    user = "alice@lmtp.smtpkit.test"
    full_user = "full@lmtp.smtpkit.test"

    def __init__(self):
        if not shutil.which("dovecot") or not Path("/usr/lib/dovecot/lmtp").exists():
            raise RuntimeError("dovecot-lmtpd is not installed (scripts/setup installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="smtpkit-lmtp-"))
        os.chmod(self.dir, 0o755)
        nobody = pwd.getpwnam("nobody")
        for sub in ("mail", "home"):
            (self.dir / sub).mkdir()
            os.chown(self.dir / sub, nobody.pw_uid, nobody.pw_gid)
        self.port = free_port()
        self.socket = self.dir / "lmtp"
        (self.dir / "users").write_text(
            "%s:{PLAIN}x::::::\n%s:{PLAIN}x::::::userdb_quota_rule=*:storage=1\n"
            % (self.user, self.full_user))
        conf = self.dir / "dovecot.conf"
        conf.write_text(CONF.format(d=self.dir, port=self.port, uid=nobody.pw_uid, gid=nobody.pw_gid))
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.poll() is not None else ""
                self.stop()
                raise RuntimeError("private Dovecot LMTP did not start\n%s\n--- dovecot.log\n%s"
                                   % (out, self.log))
            time.sleep(0.05)

    def _ready(self):
        import socket
        if not self.socket.exists():
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.settimeout(3)
                return s.recv(512).startswith(b"220")
        except OSError:
            return False

    @property
    def log(self):
        return log_text(self.dir / "dovecot.log")

    def delivered(self, user):
        new = self.dir / "mail" / user / "new"
        cur = self.dir / "mail" / user / "cur"
        files = [p for d in (new, cur) if d.is_dir() for p in sorted(d.iterdir())]
        return [p.read_bytes() for p in files]

    def stop(self):
        stop_child(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)
