"""smtpkit on a real terminal: a tmux server of its own (its own socket
name, so that nothing else's tmux is touched), a 120x40 window, keys sent
with send-keys and the screen read with capture-pane, as a person would
type and read.  Every byte written to the terminal is also kept (pipe-pane)
so that a test can assert that something never appeared, not even briefly.

    t = Terminal(tmp_path, ["session", "--tls", "none", hostport])
    t.wait_prompt("smtp> ")
    t.type("NOOP")
    t.wait_for("250")
    t.key("C-d")
    assert t.exit_status() == 0
    t.close()                      # kills this tmux server only

Waits poll the screen until the text is there or a deadline passes: no
fixed sleeps.  The program runs under sh with its exit status written to a
file; the sh traps SIGINT (as an interactive shell would not die of it), so
that Ctrl-C reaches smtpkit alone in effect.
"""
import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path

from .run import REPO, SANITIZER_MARKS, binary

WIDTH, HEIGHT = 120, 40
POLL = 0.05


class Terminal:
    def __init__(self, tmp_path, args, env=None):
        self.dir = tmp_path
        self.name = "smtpkit-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.home = tmp_path / "home"
        self.state = tmp_path / "state"
        self.home.mkdir(exist_ok=True)
        self.exit_file = tmp_path / "exit-status"
        self.log = tmp_path / "terminal.log"
        go = tmp_path / "go"
        # tmux runs it from elsewhere: an absolute path (a relative
        # $SMTPKIT is taken from the worktree root, as the docs say).
        exe = binary()
        if not os.path.isabs(exe) and not os.path.exists(exe):
            exe = str(REPO / exe)
        exe = os.path.abspath(exe)
        assert os.access(exe, os.X_OK), "smtpkit binary not found at %s (build it, or set SMTPKIT)" % exe
        env_vars = {"HOME": str(self.home), "XDG_STATE_HOME": str(self.state), "NO_COLOR": "1",
                    "LC_ALL": "C.UTF-8", "TERM": "tmux-256color"}
        env_vars.update(env or {})
        self.state = Path(env_vars["XDG_STATE_HOME"])
        exports = "".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in env_vars.items())
        unsets = "unset SMTPKIT_PASSWORD\n" if "SMTPKIT_PASSWORD" not in env_vars else ""
        script = tmp_path / "run-smtpkit.sh"
        # Start only once pipe-pane is listening: the log then holds
        # every byte smtpkit writes.  The sleep keeps the pane (and the
        # last screen) until close().
        script.write_text(
            "trap : INT\n%s%s"
            "while [ ! -e %s ]; do sleep 0.02; done\n"
            "%s %s\n"
            "echo $? > %s.tmp && mv %s.tmp %s\n"
            "exec sleep 120\n"
            % (exports, unsets, shlex.quote(str(go)), shlex.quote(exe),
               " ".join(shlex.quote(str(a)) for a in args),
               shlex.quote(str(self.exit_file)), shlex.quote(str(self.exit_file)),
               shlex.quote(str(self.exit_file))))
        self.argv = [exe] + [str(a) for a in args]
        self._tmux("-f", "/dev/null", "new-session", "-d", "-c", str(tmp_path), "-x", str(WIDTH), "-y", str(HEIGHT),
                   "sh " + shlex.quote(str(script)))
        self._tmux("pipe-pane", "-o", "cat >> " + shlex.quote(str(self.log)))
        go.touch()

    def _tmux(self, *args, check=True):
        # The tmux client needs a UTF-8 locale to pass non-ASCII keys on.
        env = dict(os.environ, LC_ALL="C.UTF-8")
        env.pop("TMUX", None)
        r = subprocess.run(["tmux", "-L", self.name, *args], capture_output=True, env=env, timeout=10)
        if check:
            assert r.returncode == 0, "tmux %s: %s" % (" ".join(args), r.stderr.decode(errors="replace"))
        return r.stdout.decode(errors="replace")

    # -- reading

    def screen(self):
        """The whole pane, scrollback included, wrapped lines joined."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-")

    def raw(self):
        """Every byte written to the terminal so far."""
        return self.log.read_bytes() if self.log.exists() else b""

    def last_line(self, screen=None):
        lines = [ln for ln in (screen or self.screen()).splitlines() if ln.strip()]
        return lines[-1] if lines else ""

    def wait_for(self, text, count=1, timeout=5):
        """Poll until TEXT is on the screen COUNT times; returns the screen."""
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if s.count(text) >= count:
                return s
            self._check_running(s, "%r (x%d) on the terminal" % (text, count))
            if time.monotonic() > end:
                raise AssertionError("%r (x%d) not on the terminal after %ss\n%s"
                                     % (text, count, timeout, self.report(s)))
            time.sleep(POLL)

    def wait_prompt(self, prompt, timeout=5):
        """Poll until the last line of the screen is PROMPT, nothing typed."""
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if self.last_line(s).rstrip() == prompt.rstrip():
                return s
            self._check_running(s, "prompt %r" % prompt)
            if time.monotonic() > end:
                raise AssertionError("prompt %r not shown after %ss\n%s" % (prompt, timeout, self.report(s)))
            time.sleep(POLL)

    def _check_running(self, screen, waiting_for):
        """A wait fails at once when smtpkit has ended (a crash, a sanitizer
        report) instead of running to its deadline."""
        if self.exit_file.exists():
            raise AssertionError("smtpkit ended (exit %s) before %s\n%s"
                                 % (self.exit_file.read_text().strip(), waiting_for, self.report(screen)))

    # -- typing

    def type(self, text, enter=True):
        if text:
            self._tmux("send-keys", "-l", "--", text)
        if enter:
            self._tmux("send-keys", "Enter")

    def key(self, *names):
        self._tmux("send-keys", *names)

    # -- the end

    def exit_status(self, timeout=5):
        """smtpkit's exit status, once it has ended (fails after TIMEOUT)."""
        end = time.monotonic() + timeout
        while not self.exit_file.exists():
            if time.monotonic() > end:
                raise AssertionError("smtpkit still running after %ss\n%s" % (timeout, self.report()))
            time.sleep(POLL)
        rc = int(self.exit_file.read_text().strip())
        text = self.raw().decode(errors="replace")
        for mark in SANITIZER_MARKS:
            assert mark not in text, "sanitizer report on the terminal\n%s" % self.report()
        return rc

    def report(self, screen=None):
        return "$ %s\n--- terminal\n%s" % (" ".join(self.argv), screen if screen is not None else self.screen())

    def close(self):
        """Kill this terminal's own tmux server (and so what runs in it),
        and remove its socket, which tmux leaves behind."""
        self._tmux("kill-server", check=False)
        sock = os.path.join(os.environ.get("TMUX_TMPDIR") or "/tmp", "tmux-%d" % os.getuid(), self.name)
        try:
            os.unlink(sock)
        except FileNotFoundError:
            pass
