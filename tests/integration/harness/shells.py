"""Asking bash, zsh and fish what they would complete, with smtpkit's
completion scripts loaded: each returns the candidates for a command line
(completing its last word).  The shells run as children of the test, each
stopped before the function returns."""
import os
import pty
import select
import subprocess
import time
from pathlib import Path

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def _env(bindir, home):
    e = dict(os.environ)
    e["PATH"] = "%s:%s" % (bindir, e.get("PATH", "/usr/bin:/bin"))
    e["HOME"] = str(home)
    e.pop("XDG_CONFIG_HOME", None)
    e["LC_ALL"] = "C.UTF-8"
    return e


def bash_complete(script_dir, bindir, home, line):
    """bash with bash-completion: the function `complete -p smtpkit` names,
    called as readline would call it.  The shells run in HOME."""
    prog = r'''
source %s
source %s/smtpkit
compopt() { :; }    # readline's own; there is no readline here
line=$1
COMP_LINE=$line
COMP_POINT=${#line}
read -ra COMP_WORDS <<<"$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
fn=$(complete -p smtpkit | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
"$fn" smtpkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\n' "${COMPREPLY[@]}"
''' % (BASH_COMPLETION, script_dir)
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog, "bash", line], cwd=home,
                       capture_output=True, text=True, timeout=20, env=_env(bindir, home))
    assert p.returncode == 0, p.stderr
    return sorted(w for w in p.stdout.splitlines() if w)


def fish_complete(script_dir, bindir, home, line):
    """fish's own `complete -C` with the script sourced."""
    p = subprocess.run(["fish", "--no-config", "-c",
                        "source %s/smtpkit.fish; complete -C$argv[1]" % script_dir, line],
                       cwd=home, capture_output=True, text=True, timeout=20, env=_env(bindir, home))
    assert p.returncode == 0 and not p.stderr, p.stderr
    return sorted(l.split("\t")[0] for l in p.stdout.splitlines() if l)


# zsh completes only inside its line editor, so it runs on a pseudo-terminal:
# TAB is bound to a completion widget that runs the normal completion with
# compadd wrapped to print every match it is given (marked), then a marker.
ZSH_SETUP = r'''
PS1='%% '; unsetopt beep
fpath=(%s $fpath)
autoload -Uz compinit && compinit -u -D
compadd() {
  local -a __m
  builtin compadd -O __m "$@"
  print -rn -- ${__m/#/$'\n<M>'}
  builtin compadd "$@"
}
__capture() { _main_complete; print -rn -- $'\n<EN'$'D>\n' }
zle -C capture complete-word __capture
bindkey '^I' capture
'''


def zsh_complete(script_dir, bindir, home, line, timeout=20):
    pid, fd = pty.fork()
    if pid == 0:                                      # the child: zsh on the pty
        try:
            os.chdir(home)
            os.execve("/usr/bin/zsh", ["zsh", "-f", "-i"], _env(bindir, home))
        finally:
            os._exit(127)
    out = b""
    try:
        for cmd in (ZSH_SETUP % script_dir).strip().splitlines():
            os.write(fd, cmd.encode() + b"\n")
        os.write(fd, line.encode() + b"\t")
        deadline = time.monotonic() + timeout
        while b"<END>" not in out.replace(b"\r", b""):
            left = deadline - time.monotonic()
            assert left > 0, "zsh gave no completion in %ss:\n%s" % (timeout, out.decode(errors="replace"))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
    finally:
        os.kill(pid, 9)                               # by PID: our child
        os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode(errors="replace").replace("\r", "")
    text = text[:text.rindex("<END>")]
    return sorted({l[3:].split("\x1b")[0].strip() for l in text.split("\n") if l.startswith("<M>")} - {""})


SHELLS = {"bash": bash_complete, "zsh": zsh_complete, "fish": fish_complete}


def complete(shell, script_dir, bindir, home, line):
    return SHELLS[shell](Path(script_dir), bindir, home, line)
