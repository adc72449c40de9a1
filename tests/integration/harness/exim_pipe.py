"""Exim's `exim -bs` as a --pipe server: the binary unpacked by
scripts/setup from exim4-daemon-light (installing it would remove
Postfix), with a private configuration, spool and maildir.

Debian's Exim is built to run as the user "Debian-exim", which only its
package creates: the command runs Exim in a private mount namespace
(unshare -m) where /etc/passwd and /etc/group are copies naming that user
(as nobody's ids).  Nothing outside the temp dir is changed."""
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from .child import log_text

EXIM = Path(os.environ.get("SMTPKIT_EXIM_DIR", "/opt/smtpkit-test/exim")) / "usr/sbin/exim4"

CONF = """\
exim_path = {exim}
exim_user = Debian-exim
exim_group = Debian-exim
keep_environment =
# A local pipe: no STARTTLS (Debian's Exim offers it with a throw-away certificate).
tls_advertise_hosts =
spool_directory = {d}/spool
log_file_path = {d}/spool/log/%slog
primary_hostname = exim.smtpkit.test
qualify_domain = smtpkit.test
never_users =
trusted_users = root
acl_smtp_rcpt = accept_rcpt
begin acl
accept_rcpt:
  accept domains = smtpkit.test
  deny
begin routers
local_domain:
  driver = accept
  domains = smtpkit.test
  transport = to_maildir
begin transports
to_maildir:
  driver = appendfile
  directory = {d}/mail/inbox
  maildir_format
  user = nobody
  group = nogroup
"""


class EximPipe:
    """command: the --pipe value; delivered() -> message bytes in the maildir."""

    def __init__(self):
        if not os.access(EXIM, os.X_OK):
            raise RuntimeError("no unpacked Exim at %s (scripts/setup unpacks it)" % EXIM)
        if not shutil.which("unshare"):
            raise RuntimeError("unshare (util-linux) is missing")
        self.dir = Path(tempfile.mkdtemp(prefix="smtpkit-exim-"))
        os.chmod(self.dir, 0o755)
        nobody = pwd.getpwnam("nobody")
        for sub in ("spool", "mail"):
            (self.dir / sub).mkdir(mode=0o777)
            os.chmod(self.dir / sub, 0o777)
        passwd = Path("/etc/passwd").read_text() + "Debian-exim:x:%d:%d::/nonexistent:/usr/sbin/nologin\n" \
            % (nobody.pw_uid, nobody.pw_gid)
        group = Path("/etc/group").read_text() + "Debian-exim:x:%d:\n" % nobody.pw_gid
        (self.dir / "passwd").write_text(passwd)
        (self.dir / "group").write_text(group)
        conf = self.dir / "exim.conf"
        conf.write_text(CONF.format(exim=EXIM, d=self.dir))
        self.command = ("unshare -m sh -c 'mount --bind %s /etc/passwd && mount --bind %s /etc/group"
                        " && exec %s -C %s -bs -odi'" % (self.dir / "passwd", self.dir / "group", EXIM, conf))

    @property
    def log(self):
        return log_text(self.dir / "spool" / "log" / "mainlog")

    def delivered(self):
        new = self.dir / "mail" / "inbox" / "new"
        return [p.read_bytes() for p in sorted(new.iterdir())] if new.is_dir() else []

    def stop(self):
        shutil.rmtree(self.dir, ignore_errors=True)
