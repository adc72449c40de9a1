"""smtpkit as the sendmail of programs nobody here wrote -- git send-email,
bsd-mailx, neomutt, a cron-style pipe -- through an account of the
configuration file, against the private Postfix's submission listener
(STARTTLS required, AUTH through Dovecot).  Each delivery is checked on
Postfix's side: the maildir copy byte for byte against what the program
handed to sendmail (captured with tee on the way), Postfix's own log of the
session (AUTH, STARTTLS), and smtpkit's delivery log line."""
import os
import re
import shutil
import subprocess
import uuid

import pytest

from harness import run as runmod
from test_send_real import strip_trace

TO = "inbox@smtpkit.test"
SENDER = "sender@smtpkit.test"


class Env:
    """A HOME with ~/.config/smtpkit/config holding account "test" (the
    default) for the submission listener, a sendmail link to smtpkit, and a
    delivery log."""

    def __init__(self, tmp_path, postfix, pki):
        self.tmp = tmp_path
        self.postfix = postfix
        self.home = tmp_path / "home"
        cfgdir = self.home / ".config" / "smtpkit"
        cfgdir.mkdir(parents=True)
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.sendmail = self.bin / "sendmail"
        os.symlink(os.path.abspath(runmod.binary()), self.sendmail)
        self.pwfile = tmp_path / "password"
        self.pwfile.write_text(postfix.password + "\n")
        os.chmod(self.pwfile, 0o600)
        self.log = tmp_path / "delivery.log"
        self.config = cfgdir / "config"
        self.ca = pki.ca
        self.write_config("")
        self.env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                        PATH="%s:%s" % (self.bin, os.environ.get("PATH", "")), LC_ALL="C.UTF-8")
        self.env.pop("NO_COLOR", None)

    def write_config(self, extra):
        self.config.write_text(
            "# written by test_sendmail.py\n"
            "account test\n"
            "logfile %s\n"
            "timeout 5\n"
            "\n"
            "[account test]\n"
            "server %s\n"
            "tls starttls\n"
            "cafile %s\n"
            "tls-name localhost\n"
            "user %s\n"
            "password-file %s\n"
            "from %s\n%s"
            % (self.log, self.postfix.submission_hostport, self.ca, self.postfix.user, self.pwfile,
               SENDER, extra))
        os.chmod(self.config, 0o600)

    def run(self, argv, stdin=b"", timeout=60, cwd=None):
        p = subprocess.run([str(a) for a in argv], input=stdin, capture_output=True, env=self.env,
                           timeout=timeout, cwd=cwd)
        for mark in runmod.SANITIZER_MARKS:
            assert mark not in p.stderr.decode(errors="replace"), p.stderr.decode(errors="replace")
        return p

    def tee_sendmail(self, name="capture"):
        """A sendmail command that records its standard input in NAME, then
        runs the sendmail link (argv[0] "sendmail") with the same arguments."""
        cap = self.tmp / name
        script = self.bin / ("tee-" + name)
        script.write_text('#!/bin/sh\ntee %s | exec %s "$@"\n' % (cap, self.sendmail))
        os.chmod(script, 0o755)
        return script, cap

    def log_lines(self):
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def env(tmp_path, postfix, pki):
    return Env(tmp_path, postfix, pki)


def delivered(postfix, token, count=1, timeout=15):
    """The maildir file holding TOKEN (the first of COUNT: every address
    @smtpkit.test lands in one maildir)."""
    found = postfix.messages(token.encode(), count, timeout)
    if len(found) >= count:
        assert len(found) == count, "%d copies of %s" % (len(found), token)
        return found[0]
    raise AssertionError("nothing with %s in the maildir\n--- maillog\n%s" % (token, postfix.maillog[-3000:]))


def headers_of(msg):
    return msg.split(b"\n\n", 1)[0].decode()


def added_on_top(got, captured):
    """got (maildir copy, trace stripped) is captured with only header
    fields added on top; returns the added fields' names."""
    body = strip_trace(got)
    assert body.endswith(captured), "delivered:\n%r\ncaptured:\n%r" % (body, captured)
    extra = body[:len(body) - len(captured)].decode()
    return [l.split(":", 1)[0] for l in extra.splitlines() if l and l[0] not in " \t"]


def session_counts(postfix, before):
    line = postfix.disconnect_line(before)
    return dict(re.findall(r"\b([a-z]+)=(\d+(?:/\d+)?)", line.split("disconnect from", 1)[1]))


def log_fields(line):
    return dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))


def assert_logged(env, queue_id_in_maillog=True, account="test"):
    lines = env.log_lines()
    assert lines, "no delivery log line"
    f = log_fields(lines[-1])
    assert f["account"] == account and f["exit"] == "0" and f["status"] == "sent", lines[-1]
    assert f["host"] == "127.0.0.1" and f["port"] == str(env.postfix.submission_port), lines[-1]
    assert f["tls"] == "yes" and f["auth"] == "yes", lines[-1]
    assert f["queue_id"] and f["queue_id"] in env.postfix.maillog, lines[-1]
    assert env.postfix.password not in "\n".join(lines)
    return f


# --- a cron-style pipe -------------------------------------------------------

def test_cron_pipe_t_i(env):
    """printf ... | sendmail -t -i: recipients from To, Bcc removed, From,
    Date and Message-ID added, nothing on stdout, AUTH inside TLS."""
    token = uuid.uuid4().hex
    msg = ("To: %s\nBcc: hidden@smtpkit.test\nSubject: cron %s\n\nDisk almost full.\n.\nend\n"
           % (TO, token)).encode()
    before = env.postfix.log_mark()
    p = env.run([env.sendmail, "-t", "-i"], stdin=msg)
    assert p.returncode == 0 and p.stdout == b"", p
    got = delivered(env.postfix, token, count=2)      # To and Bcc
    assert added_on_top(got, msg.replace(b"Bcc: hidden@smtpkit.test\n", b"")) == ["From", "Date", "Message-ID"]
    assert re.search(r"^From: %s$" % SENDER, headers_of(strip_trace(got)), re.M)
    c = session_counts(env.postfix, before)
    assert c.get("starttls") == "1" and c.get("auth") == "1" and c.get("rcpt") == "2", c
    f = assert_logged(env)
    assert f["from"] == SENDER and f["recipients"] == "%s,hidden@smtpkit.test" % TO, f
    assert f["size"].isdigit() and int(f["size"]) > len(msg), f


def test_cron_via_sh_pipe(env):
    """The crontab line itself, run by sh with sendmail found on PATH."""
    token = uuid.uuid4().hex
    p = env.run(["sh", "-c", "printf 'To: %s\\nSubject: %s\\n\\nnightly\\n' | sendmail -t -i" % (TO, token)])
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b"", p
    got = strip_trace(delivered(env.postfix, token))
    assert got.endswith(b"Subject: %s\n\nnightly\n" % token.encode()), got
    assert_logged(env)


# --- git send-email ----------------------------------------------------------

def test_git_send_email(env, tmp_path):
    if not shutil.which("git-send-email") and not os.path.exists("/usr/lib/git-core/git-send-email"):
        pytest.fail("git send-email is not installed (scripts/setup installs git-email)")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=Ann Dev", "-c", "user.email=%s" % SENDER]
    token = uuid.uuid4().hex
    env.run(["git", "init", "-q", str(repo)])
    (repo / "README").write_text("hello %s\n.\n..\nline after dots\n" % token)
    assert env.run(git + ["add", "README"], cwd=repo).returncode == 0
    assert env.run(git + ["commit", "-q", "-m", "Add README " + token, "-m", ".\n..dots in the log"], cwd=repo).returncode == 0
    p = env.run(git + ["format-patch", "-1", "-o", str(tmp_path / "out")], cwd=repo)
    patch = p.stdout.decode().strip()
    assert p.returncode == 0 and patch, p
    tee, cap = env.tee_sendmail()
    before = env.postfix.log_mark()
    p = env.run(git + ["send-email", "--sendmail-cmd=%s -a test" % tee, "--confirm=never", "--quiet", "--suppress-cc=all",
                       "--no-validate", "--to=dev@smtpkit.test", patch], cwd=repo)
    assert p.returncode == 0, p
    got = delivered(env.postfix, "Add README " + token)
    # git wrote From, Date and Message-ID itself: nothing added, nothing changed.
    assert added_on_top(got, cap.read_bytes()) == []
    # Dot lines survive both ways (RFC 5321 4.5.2), in the log and in the diff.
    assert b"\n.\n..dots in the log\n" in got and b"\n+..\n" in got
    c = session_counts(env.postfix, before)
    assert c.get("auth") == "1" and c.get("starttls") == "1", c
    f = assert_logged(env)
    assert f["recipients"] == "dev@smtpkit.test" and f["from"] == SENDER, f


# --- bsd-mailx ---------------------------------------------------------------

def mailx(env, sendmail):
    """bsd-mailx, with a MAILRC whose sendmail is SENDMAIL (no system file touched)."""
    mail = shutil.which("bsd-mailx") or shutil.which("mail")
    if not mail:
        pytest.fail("bsd-mailx is not installed (scripts/setup installs it)")
    mailrc = env.tmp / "mailrc"
    mailrc.write_text("set sendmail=%s\n" % sendmail)
    env.env["MAILRC"] = str(mailrc)
    return mail


def test_bsd_mailx(env):
    tee, cap = env.tee_sendmail()
    mail = mailx(env, tee)
    token = uuid.uuid4().hex
    before = env.postfix.log_mark()
    p = env.run([mail, "-s", "mailx " + token, TO], stdin=b"from bsd-mailx\n")
    assert p.returncode == 0, p
    got = delivered(env.postfix, token)
    # mailx writes To and Subject; smtpkit adds what RFC 5322 3.6 requires.
    assert added_on_top(got, cap.read_bytes()) == ["From", "Date", "Message-ID"]
    assert session_counts(env.postfix, before).get("auth") == "1"
    assert_logged(env)


def test_mailx_argv0_is_sendmail(env):
    """mailx runs the link itself: smtpkit must act as sendmail by its name."""
    mail = mailx(env, env.sendmail)
    token = uuid.uuid4().hex
    p = env.run([mail, "-s", token, TO], stdin=b"direct\n")
    assert p.returncode == 0, p
    assert b"direct\n" in delivered(env.postfix, token)


# --- neomutt -----------------------------------------------------------------

def test_neomutt_batch(env, tmp_path):
    mutt = shutil.which("neomutt") or shutil.which("mutt")
    if not mutt:
        pytest.fail("neomutt is not installed (scripts/setup installs it)")
    tee, cap = env.tee_sendmail()
    muttrc = tmp_path / "muttrc"
    muttrc.write_text('set sendmail="%s"\nset from="Ann Dev <%s>"\nset use_from=yes\n'
                      'set record=""\nset folder="%s"\nset spoolfile=""\nset copy=no\n'
                      'set charset="utf-8"\nset send_charset="utf-8"\n'
                      % (tee, SENDER, tmp_path))
    token = uuid.uuid4().hex
    body = tmp_path / "body"
    body.write_text("from neomutt\n")
    before = env.postfix.log_mark()
    p = env.run([mutt, "-n", "-F", muttrc, "-s", "mutt " + token, "--", TO], stdin=body.read_bytes())
    assert p.returncode == 0, p
    got = delivered(env.postfix, token)
    assert added_on_top(got, cap.read_bytes()) == []
    assert re.search(r"^From: Ann Dev <%s>$" % SENDER, headers_of(strip_trace(got)), re.M)
    assert session_counts(env.postfix, before).get("auth") == "1"
    assert_logged(env)


# --- account selection -------------------------------------------------------

OTHER = """
[account other]
inherit test
from *@other.test
password-file {bad}
"""


def test_account_chosen_by_f(env, tmp_path):
    """-f picks the account whose from matches (a wildcard here): "other"
    has a wrong password, so choosing it shows in Postfix's log as a failed
    AUTH; -f sender@smtpkit.test picks "test" and delivers."""
    bad = tmp_path / "badpw"
    bad.write_text("wrong\n")
    os.chmod(bad, 0o600)
    env.write_config(OTHER.format(bad=bad))
    token = uuid.uuid4().hex
    msg = b"To: %s\nSubject: %s\n\nx\n" % (TO.encode(), token.encode())
    before = env.postfix.log_mark()
    p = env.run([env.sendmail, "-f", "someone@other.test", "-t"], stdin=msg)
    assert p.returncode == 77, p
    assert p.stdout == b"" and p.stderr.startswith(b"smtpkit: auth:"), p
    c = session_counts(env.postfix, before)
    assert c.get("auth") == "0/1" and "mail" not in c, c
    f = log_fields(env.log_lines()[-1])
    assert f["account"] == "other" and f["exit"] == "77" and f["status"] == "failed", f

    p = env.run([env.sendmail, "-f", SENDER, "-t"], stdin=msg)
    assert p.returncode == 0, p
    got = strip_trace(delivered(env.postfix, token))
    assert re.search(r"^From: %s$" % SENDER, headers_of(got), re.M)
    assert log_fields(env.log_lines()[-1])["account"] == "test"


def test_inherit_overrides(env, tmp_path):
    env.write_config("\n[account child]\ninherit test\nfrom child@smtpkit.test\nfrom-header on\n")
    token = uuid.uuid4().hex
    msg = b"From: Forged <forged@example.com>\nTo: %s\nSubject: %s\n\nx\n" % (TO.encode(), token.encode())
    p = env.run([env.sendmail, "-a", "child", "-F", "Child Process", "-t"], stdin=msg)
    assert p.returncode == 0, p
    got = headers_of(strip_trace(delivered(env.postfix, token)))
    assert "forged@example.com" not in got and re.search(r"^From: Child Process <child@smtpkit.test>$", got, re.M), got
    assert "Return-Path: <child@smtpkit.test>" in headers_of(delivered(env.postfix, token))
    f = log_fields(env.log_lines()[-1])
    assert f["account"] == "child" and f["from"] == "child@smtpkit.test", f


def test_verbose_transcript_on_stderr(env):
    token = uuid.uuid4().hex
    p = env.run([env.sendmail, "-v", TO], stdin=b"Subject: %s\n\nv\n" % token.encode())
    assert p.returncode == 0 and p.stdout == b"", p
    err = p.stderr.decode()
    assert "STARTTLS" in err and "AUTH" in err and env.postfix.password not in err, err
    delivered(env.postfix, token)


# --- sendmail's options ------------------------------------------------------

@pytest.mark.parametrize("args,code,words", [
    (["-bs", TO], 64, "-bs"),
    (["-bp", TO], 64, "-bp"),
    (["-X", "/tmp/x", TO], 64, "unknown option -X"),
    (["--bogus", TO], 64, "unknown option --bogus"),
    ([TO, "-f"], 64, "needs a value"),
    (["-f", "a@b\r\nRCPT TO:<x@y>", TO], 64, "control character"),
    (["-a", "nosuch", TO], 78, 'unknown account "nosuch"'),
    (["-F", "Eve\r\nBcc: victim@smtpkit.test", TO], 64, "-F contains a control character"),
    (["-C", "/nonexistent/config", TO], 78, "/nonexistent/config: cannot open"),
])
def test_refused_options(env, args, code, words):
    before = env.postfix.log_mark()
    p = env.run([env.sendmail] + args, stdin=b"Subject: x\n\nx\n")
    assert p.returncode == code and words in p.stderr.decode() and p.stdout == b"", p
    assert env.postfix.connections_since(before) == [], "a connection was made"


def test_ignored_options(env):
    """-oi -oem -odb -B8BITMIME -i: accepted and ignored as other
    sendmail implementations do; -N/-R/-V become DSN parameters: with
    NOTIFY=SUCCESS Postfix sends the sender a delivery report, carrying
    the envelope id, into the same maildir."""
    token = uuid.uuid4().hex
    before = env.postfix.log_mark()
    p = env.run([env.sendmail, "-oi", "-oem", "-odb", "-B8BITMIME", "-i", "-N", "success,failure", "-R",
                 "hdrs", "-V", "env" + token[:8], "--", TO], stdin=b"Subject: %s\n\nx\n" % token.encode())
    assert p.returncode == 0, p
    copies = [delivered(env.postfix, token, count=2)]
    import glob
    files = [open(f, "rb").read() for f in glob.glob(str(env.postfix.maildir / "*" / "*"))]
    report = [f for f in files if token.encode() in f and b"multipart/report" in f]
    assert copies and len(report) == 1, files
    assert b"Original-Envelope-Id: env" + token[:8].encode() in report[0], report[0]
    assert session_counts(env.postfix, before).get("mail") == "1"


def test_log_keeps_the_whole_final_reply(smtpkit, scripted, tmp_path):
    """The delivery log's reply field is the final reply's whole last line
    (a 150-character tail included), not a cut-off prefix; so is one of
    470 octets whose 220 tabs each take four characters escaped."""
    from harness.scripted import EHLO_PLAIN, GREETING, read_data, send, serve
    final = b"250 2.0.0 Ok: queued as LONG123 " + b"x" * 150 + b" end-of-reply"
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"), (b"RCPT", b"250 ok\r\n"),
                                           (b"DATA", [send(b"354 go\r\n"), read_data(), send(final + b"\r\n")])])])
    log = tmp_path / "delivery.log"
    cfg = tmp_path / "config"
    cfg.write_text("server %s\ntls none\nfrom %s\nlogfile %s\n" % (srv.hostport, SENDER, log))
    os.chmod(cfg, 0o600)
    r = smtpkit("sendmail", "-C", str(cfg), TO, input=b"Subject: long reply\n\nx\n")
    assert r.rc == 0, r
    line = log.read_text()
    assert ('reply="%s"' % final.decode()) in line and "queue_id=LONG123" in line, line
    tabbed = b"250 2.0.0 Ok: queued as TABS1 " + b"x\t" * 220 + b"END"
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"), (b"RCPT", b"250 ok\r\n"),
                                           (b"DATA", [send(b"354 go\r\n"), read_data(), send(tabbed + b"\r\n")])])])
    cfg.write_text("server %s\ntls none\nfrom %s\nlogfile %s\n" % (srv.hostport, SENDER, log))
    r = smtpkit("sendmail", "-C", str(cfg), TO, input=b"Subject: tabs\n\nx\n")
    assert r.rc == 0, r
    line = log.read_text().splitlines()[-1]
    assert "queue_id=TABS1" in line and line.count("x\\x09") == 220 and 'END"' in line, line
