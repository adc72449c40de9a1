"""A SOCKS5 proxy from Debian (microsocks) on a loopback ephemeral port,
with or without a username and password (RFC 1929).  Our own child,
stopped by its PID."""
import shutil
import socket
import subprocess
import time

from .aiosmtpd_server import free_port
from .child import stop_child


class Microsocks:
    def __init__(self, user=None, password=None):
        exe = shutil.which("microsocks")
        if not exe:
            raise RuntimeError("microsocks is not installed (scripts/setup installs it)")
        self.port = free_port()
        self.hostport = "127.0.0.1:%d" % self.port
        argv = [exe, "-i", "127.0.0.1", "-p", str(self.port)]
        if user:
            argv += ["-u", user, "-P", password]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("microsocks did not start")
                time.sleep(0.05)

    def stop(self):
        stop_child(self.proc)
