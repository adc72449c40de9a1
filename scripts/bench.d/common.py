"""What the bench scripts share."""
import shutil
import subprocess
import time
from pathlib import Path


def snapshot(exe, work):
    """A private copy of the smtpkit binary, so that a rebuild of build/
    during the bench (by a concurrent `meson compile`) cannot pull it away
    mid-run.  Retried while the copy is not runnable (caught mid-link)."""
    dst = Path(work) / "smtpkit"
    for _ in range(50):
        try:
            shutil.copy2(exe, dst)
            if subprocess.run([str(dst), "--version"], capture_output=True).returncode == 0:
                return str(dst)
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("cannot get a runnable copy of %s" % exe)
