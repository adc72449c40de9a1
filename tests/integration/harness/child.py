"""Fixture servers run as our own children: stopped by their PID (never by
name), their log read for failure messages."""
import subprocess


def stop_child(proc):
    """SIGTERM, then SIGKILL after 10 s; the pipe to its output closed."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def log_text(path):
    try:
        return path.read_text(errors="replace")
    except OSError as e:
        return "(no %s: %s)" % (path.name, e)
