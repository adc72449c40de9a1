"""The accept loop under every threaded test server of the harness (the
scripted SMTP server, the TLS servers, the raw HTTPS server, probe's
multi-connection ports): a listener on HOST:PORT (port 0: an ephemeral one),
a thread that accepts, a thread per connection running the subclass's
handle(sock, peer), and stop() that ends them all.

    class Greeter(AcceptLoop):
        def handle(self, sock, peer):        # the socket is closed afterwards
            sock.sendall(b"220 hello\\r\\n")
    srv = Greeter()                          # listening on srv.hostport
    ...
    srv.stop(timeout=5)    # connections get 5 s to end, then are shut down

A subclass sets up its own state before calling AcceptLoop.__init__, which
starts the accept thread.  A socket a handler makes from the one it was
given (a TLS wrap) is handed to track(): it is closed when handle() returns
and shut down by stop() if it is still open.

.accepted counts the connections, .peers lists their addresses; stop() also
takes a connection still waiting in the backlog, so accepted == 0 after
stop() means that no client connected at all.  MAX_CONNECTIONS = 1 closes
the listener after the first accept: a second connection is refused, not
left hanging.  .errors collects what a handler raised (a harness bug, or the
subclass's own record of a client's mistakes).
"""
import socket
import threading
import time

__all__ = ["AcceptLoop", "ipv6_loopback"]


def ipv6_loopback():
    """Whether a server can listen on ::1 here."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class AcceptLoop:
    BACKLOG = 16
    MAX_CONNECTIONS = None      # None: any number

    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                                      socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind((host, port))
        except OSError as e:
            self.listener.close()
            raise OSError(e.errno, "cannot listen on %s port %d: %s"
                          % (host, port, e.strerror)) from None
        self.listener.listen(self.BACKLOG)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.peers = []
        self.errors = getattr(self, "errors", [])
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._socks, self._threads = [], []
        self._mine = threading.local()      # .socks: the sockets of this connection
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()

    @property
    def hostport(self):
        return ("[%s]:%d" if ":" in self.host else "%s:%d") % (self.host, self.port)

    def handle(self, sock, peer):
        raise NotImplementedError

    def track(self, sock):
        """SOCK, made from the accepted one, is closed with it when handle()
        returns, and shut down by stop() if it is still open then."""
        with self.lock:
            self._socks.append(sock)
        self._mine.socks.append(sock)
        return sock

    def stop(self, timeout=0):
        """Give the connections TIMEOUT seconds to end on their own (with
        MAX_CONNECTIONS, to be made and to end), then end everything: the
        listener, every connection, every thread.  Calling it again is harmless."""
        end = time.monotonic() + timeout
        if self.MAX_CONNECTIONS:
            self._accept_thread.join(timeout)
        for t in list(self._threads):
            t.join(max(0.0, end - time.monotonic()))
        self._stop.set()
        self._accept_thread.join(5)
        self._take_backlog()
        for s in list(self._socks):
            try:
                socket.socket.shutdown(s, socket.SHUT_RDWR)    # wakes a blocked read
            except OSError:
                pass
        for t in list(self._threads):
            t.join(5)
        for s in list(self._socks) + [self.listener]:
            try:
                s.close()
            except OSError:
                pass
        return self

    # -- inside

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._take(sock, peer)
            if self.MAX_CONNECTIONS and self.accepted >= self.MAX_CONNECTIONS:
                self.listener.close()
                return

    def _take(self, sock, peer):
        with self.lock:
            self.accepted += 1
            self.peers.append(peer)
            self._socks.append(sock)
            t = threading.Thread(target=self._serve, args=(sock, peer), daemon=True)
            self._threads.append(t)
        t.start()

    def _serve(self, sock, peer):
        self._mine.socks = [sock]
        try:
            self.handle(sock, peer)
        except Exception as e:          # a harness bug: make it visible
            with self.lock:
                self.errors.append("server exception: %r" % (e,))
        finally:
            for s in self._mine.socks:
                try:
                    s.close()
                except OSError:
                    pass

    def _take_backlog(self):
        """Count (and close) connections the kernel completed but nobody
        accepted: a client that connected and left before the loop saw it."""
        try:
            self.listener.setblocking(False)
            while True:
                sock, peer = self.listener.accept()
                with self.lock:
                    self.accepted += 1
                    self.peers.append(peer)
                sock.close()
        except OSError:
            pass
