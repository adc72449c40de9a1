"""A private Postfix instance on a loopback ephemeral port (real PIPELINING,
CHUNKING, STARTTLS, SMTPUTF8, DSN), and a submission-style listener on a
second port: TLS required, AUTH (through a private Dovecot) only inside TLS,
mail accepted only from an authenticated client.  See ENVIRONMENT-NOTES.md
for why each setting is there.  Never runs `postfix` without -c."""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .accept_loop import ipv6_loopback
from .aiosmtpd_server import free_port
from .dovecot_auth import MECHANISMS, DovecotAuth

MAIN_CF = """\
compatibility_level = 3.6
config_directory = {d}/etc
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {d}/log/maillog
maillog_file_prefixes = {d}/log
myhostname = mail.smtpkit.test
mydomain = smtpkit.test
myorigin = $mydomain
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
mydestination =
# reject_unauth_destination alone: with permit_mynetworks in front, a client on
# 127.0.0.1 would see an open relay.
smtpd_relay_restrictions = reject_unauth_destination
local_header_rewrite_clients =
alias_maps =
alias_database =
biff = no
# Everything for smtpkit.test lands in one maildir that tests can read.
virtual_mailbox_domains = smtpkit.test
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
smtpd_tls_cert_file = {d}/etc/cert.pem
smtpd_tls_key_file = {d}/etc/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_banner = $myhostname ESMTP Postfix (smtpkit test)
"""

# chroot "n" everywhere: the instance lives outside any chroot jail.
# The submission listener: RFC 6409 port 587's policy (TLS first, then AUTH,
# then mail) on an ephemeral port; smtpd_tls_auth_only hides AUTH before TLS.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
[::1]:{port} inet n - n - - smtpd
127.0.0.1:{sub_port} inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path={auth_socket}
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

# Optional listeners (issue 15), each on its own ephemeral port:
# behind a load balancer (smtpd waits for the PROXY header first) and one
# that trusts this client's XCLIENT and XFORWARD.
HAPROXY_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
  -o syslog_name=postfix/haproxy
  -o smtpd_upstream_proxy_protocol=haproxy
  -o smtpd_upstream_proxy_timeout=10s
"""
XCLIENT_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
  -o syslog_name=postfix/xclient
  -o smtpd_authorized_xclient_hosts=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
"""


class PostfixServer:
    """port/hostport: the plain listener (STARTTLS offered, no AUTH).
    submission_port/submission_hostport: TLS required, AUTH as user/password
    with any of auth_mechanisms, mail only after AUTH."""
    user = "tester@smtpkit.test"
    password = "s3cret-Pass 9"
    auth_mechanisms = MECHANISMS

    def __init__(self, pki, cert="good", main_extra="", haproxy=False, xclient=False):
        """main_extra: lines appended to main.cf (a TLS configuration)."""
        self.exe = shutil.which("postfix") or "/usr/sbin/postfix"
        if not os.access(self.exe, os.X_OK):
            raise RuntimeError("postfix is not installed (scripts/setup installs it)")
        # Not under pytest's 0700 tmp dir: Postfix's unprivileged daemons must
        # reach the queue, the log and the maildir.
        self.dir = Path(tempfile.mkdtemp(prefix="smtpkit-postfix-"))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.submission_port = free_port()
        self.dovecot = None
        d = self.dir
        for sub in ("etc", "queue", "data", "log", "mail"):
            (d / sub).mkdir()
        pf = pwd.getpwnam("postfix")
        nobody = pwd.getpwnam("nobody")
        os.chown(d / "data", pf.pw_uid, pf.pw_gid)
        os.chown(d / "log", pf.pw_uid, pf.pw_gid)
        os.chown(d / "mail", nobody.pw_uid, nobody.pw_gid)
        shutil.copy(pki[cert].cert, d / "etc" / "cert.pem")
        shutil.copy(pki[cert].key, d / "etc" / "key.pem")
        os.chmod(d / "etc" / "key.pem", 0o600)
        (d / "etc" / "main.cf").write_text(MAIN_CF.format(d=d, uid=nobody.pw_uid, gid=nobody.pw_gid) + main_extra)
        master = MASTER_CF.format(port=self.port, sub_port=self.submission_port,
                                  auth_socket=d / "dovecot" / "auth-smtpd")
        if not ipv6_loopback():
            master = "\n".join(l for l in master.splitlines() if not l.startswith("[::1]")) + "\n"
            (d / "etc" / "main.cf").write_text(
                (d / "etc" / "main.cf").read_text().replace("inet_protocols = all", "inet_protocols = ipv4"))
        # Optional listeners: haproxy_port (PROXY header required first),
        # xclient_port (XCLIENT and XFORWARD from 127.0.0.0/8).
        self.haproxy_port = self.xclient_port = None
        if haproxy:
            self.haproxy_port = free_port()
            master = HAPROXY_CF.format(port=self.haproxy_port) + master
        if xclient:
            self.xclient_port = free_port()
            master = XCLIENT_CF.format(port=self.xclient_port) + master
        (d / "etc" / "master.cf").write_text(master)
        self.config_dir = d / "etc"     # for `sendmail -C DIR`
        self.hostport = "127.0.0.1:%d" % self.port
        self.submission_hostport = "127.0.0.1:%d" % self.submission_port
        self.maildir = d / "mail" / "inbox"
        self.started = False
        try:
            self._start()
        except Exception:
            self.stop()         # a half-started master must not outlive us
            raise

    def messages(self, holding=b"", count=1, timeout=15):
        """The delivered messages (maildir files, in name order) that contain
        HOLDING, as soon as there are COUNT of them, or after TIMEOUT
        seconds whatever there is."""
        end = time.monotonic() + timeout
        while True:
            found = []
            for sub in ("new", "cur"):
                d = self.maildir / sub
                if d.is_dir():
                    found += [data for data in (f.read_bytes() for f in sorted(d.iterdir())) if holding in data]
            if len(found) >= count or time.monotonic() >= end:
                return found
            time.sleep(0.1)

    @property
    def maillog(self):
        try:
            return (self.dir / "log" / "maillog").read_text(errors="replace")
        except OSError as e:
            return "(no maillog: %s)" % e

    def _smtpd_lines(self, word, since=0):
        return [l for l in self.maillog.splitlines()[since:] if "smtpd[" in l and word in l]

    def log_mark(self):
        """The maillog's length once every earlier smtpd session has logged
        its disconnect (postlogd writes late: a session of the previous test
        must not be taken for the next one's)."""
        for _ in range(50):
            if len(self._smtpd_lines(" connect from")) == len(self._smtpd_lines("disconnect from")):
                break
            time.sleep(0.1)
        return len(self.maillog.splitlines())

    def connections_since(self, since):
        """smtpd's 'connect from' lines after log_mark() returned SINCE (the
        queue manager's delivery lines, logged late, are not counted)."""
        return self._smtpd_lines(" connect from", since)

    def disconnect_line(self, since):
        """smtpd's 'disconnect from ... ehlo=1 mail=1 ...' line for the one
        session that began after log_mark() returned SINCE."""
        for _ in range(50):
            new = self._smtpd_lines("disconnect from", since)
            if new:
                assert len(new) == 1, "more than one session since the mark:\n" + "\n".join(new)
                return new[0]
            time.sleep(0.1)
        raise AssertionError("no disconnect line in the maillog\n" + self.maillog[-3000:])

    def _postfix(self, *args):
        return subprocess.run([self.exe, "-c", str(self.dir / "etc"), *args],
                              capture_output=True, text=True, timeout=60)

    def _start(self):
        self.dovecot = DovecotAuth(self.dir / "dovecot", self.user, self.password)
        r = self._postfix("start")
        self.started = True
        out = r.stdout + r.stderr
        # Without a terminal a failed start is silent: wait for the greeting.
        deadline = time.monotonic() + 20
        # (The haproxy listener says nothing before a PROXY header.)
        waiting = [self.port, self.submission_port] + ([self.xclient_port] if self.xclient_port else [])
        while waiting and r.returncode == 0 and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", waiting[0]), timeout=2) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        waiting.pop(0)
                        continue
            except OSError:
                pass
            time.sleep(0.2)
        if not waiting:
            # The probes' own sessions must be in the log before any test
            # takes a mark (postlogd writes late).
            for _ in range(50):
                if len(self._smtpd_lines("disconnect from")) >= 2 + bool(self.xclient_port):
                    break
                time.sleep(0.1)
            return
        raise RuntimeError("private Postfix did not start (rc %d)\n%s\n--- maillog\n%s"
                           % (r.returncode, out, self.maillog))

    def master_pid(self):
        try:
            return int((self.dir / "queue" / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        log = self.maillog
        pid = self.master_pid()
        if self.started:
            self._postfix("stop")
        # `postfix stop` only asks: make sure the master is really gone.
        for _ in range(50):
            if pid is None or not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, 9)
        if self.dovecot:
            self.dovecot.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        return log
