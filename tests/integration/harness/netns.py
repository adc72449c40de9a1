"""A private network namespace, for tests whose subject is a port NUMBER.

`probe` decides by number: implicit TLS on 465, `no-starttls` is a fail on
587 and 2525 and a warning on 25.  Those ports cannot be ephemeral, and on
the host's loopback they may be taken (by a developer's server, by a
concurrent test run).  A network namespace has its own 127.0.0.1 and ::1
with every port free, so the test owns 25, 465, 587 and 2525 outright.

Namespaces belong to threads in Linux: one worker thread unshares its
network namespace and runs, on request, whatever must live in it -- binding
listeners, starting smtpkit (a child forked from that thread inherits it).
Threads it starts (the scripted servers') inherit it too.

Where unshare(2) is not permitted (not root, no CAP_SYS_ADMIN), `Host` runs
the same calls on the host's loopback; the caller must then check that the
ports are free and fail, not skip, when they are not.
"""
import ctypes
import fcntl
import os
import queue
import socket
import struct
import threading

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


class Host:
    """Same interface as NetNS, on the host's own network."""
    private = False

    def call(self, fn, *args, **kw):
        return fn(*args, **kw)

    def close(self):
        pass


class NetNS:
    """.call(fn, ...) runs fn in the namespace and returns (or raises) its
    result.  Raises OSError at creation when unshare(2) is refused."""
    private = True

    def __init__(self):
        self._jobs = queue.Queue()
        started = queue.Queue()
        self._thread = threading.Thread(target=self._main, args=(started,), daemon=True)
        self._thread.start()
        err = started.get(timeout=10)
        if err is not None:
            self._thread.join(5)
            raise err

    def _main(self, started):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            started.put(OSError(e, "unshare(CLONE_NEWNET): %s" % os.strerror(e)))
            return
        try:
            _loopback_up()
        except OSError as e:
            started.put(e)
            return
        started.put(None)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, args, kw, done = job
            try:
                done.put((True, fn(*args, **kw)))
            except BaseException as e:      # handed to the caller's thread
                done.put((False, e))

    def call(self, fn, *args, **kw):
        done = queue.Queue()
        self._jobs.put((fn, args, kw, done))
        ok, value = done.get()
        if not ok:
            raise value
        return value

    def close(self):
        """The namespace goes away with the last socket in it."""
        self._jobs.put(None)
        self._thread.join(10)


def open_namespace():
    """A private namespace when permitted, else the host (see Host)."""
    try:
        return NetNS()
    except OSError:
        return Host()
