"""`smtpkit send --count`: many messages over sessions held open.  What the
server saw is the reference: Postfix's maildir (every message by its
Message-ID and X-Smtpkit-Seq), aiosmtpd's record with its own timestamps,
and scripted servers that throttle, refuse, stall or drop, whose counts the
summary must match."""
import re
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from harness.aiosmtpd_server import free_port
from harness.cases import CA, T
from harness.scripted import GREETING, close, send, serve, sleep

SENDER = "load@example.org"


def ca(pki):
    return [a.replace("{ca}", pki.ca) for a in CA]


def load(smtpkit, hostport, *extra, env=None, timeout=60):
    return smtpkit("send", "-s", hostport, "--from", SENDER, "--subject", "load", "--body", "load test",
                   *extra, timeout=timeout, env=env)


# --- Postfix: delivered and counted ---------------------------------------------

def maildir_messages(postfix, want, timeout=20):
    """The delivered messages of load runs, once WANT of them are there."""
    return postfix.messages(b"X-Smtpkit-Seq:", want, timeout)


def test_postfix_messages_over_connections_all_delivered(smtpkit, postfix, pki):
    """60 messages over 3 STARTTLS+AUTH sessions to the submission port: each
    arrives once, with its own Message-ID and sequence number 1..60."""
    r = load(smtpkit, postfix.submission_hostport, *ca(pki), *T, "--user", postfix.user, "--to",
             "alice@smtpkit.test", "--count", "60", "--connections", "3", "--json",
             env={"SMTPKIT_PASSWORD": postfix.password})
    assert r.rc == 0, r
    doc = r.json()
    assert doc["mode"] == "load" and doc["totals"]["accepted"] == 60 and doc["totals"]["sent"] == 60, doc
    assert doc["sessions"]["opened"] == 3 and doc["setup_ms"]["tls"] and doc["setup_ms"]["auth"], doc
    msgs = [m for m in maildir_messages(postfix, 60) if b"X-Smtpkit-Seq:" in m]
    ours = [m for m in msgs if re.search(rb"Message-ID: <load-", m)]
    seqs = sorted(int(re.search(rb"X-Smtpkit-Seq: (\d+)", m).group(1)) for m in ours)
    ids = {re.search(rb"Message-ID: (<load-[^>]+>)", m).group(1) for m in ours}
    # Earlier runs in the same maildir have other nonces: take this run's.
    nonce = sorted(ids)[0].split(b"-")[1] if ids else b""
    this = [m for m in ours if b"<load-" + nonce + b"-" in m]
    seqs = sorted(int(re.search(rb"X-Smtpkit-Seq: (\d+)", m).group(1)) for m in this)
    assert seqs == list(range(1, 61)), seqs
    assert all(m.count(b"\nMessage-ID:") + m.startswith(b"Message-ID:") == 1 for m in this)


def test_per_connection_limit_opens_new_sessions(smtpkit, postfix):
    r = load(smtpkit, postfix.hostport, "--tls", "none", *T, "--to", "alice@smtpkit.test", "--count", "10",
             "--per-connection", "3", "--json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["sessions"]["opened"] == 4 and doc["sessions"]["max_transactions"] == 3, doc
    assert doc["totals"]["accepted"] == 10


# --- aiosmtpd: rate, rotation, headers -------------------------------------------

class Stamped:
    def __init__(self):
        self.got = []           # (monotonic time, rcpt_tos, content)

    async def handle_DATA(self, server, session, envelope):
        self.got.append((time.monotonic(), list(envelope.rcpt_tos), envelope.content))
        return "250 OK queued as S%d" % len(self.got)


@pytest.fixture
def stamped():
    h = Stamped()
    port = free_port()
    c = Controller(h, hostname="127.0.0.1", port=port)
    c.start()
    h.hostport = "127.0.0.1:%d" % port
    yield h
    c.stop()


def test_rate_is_held_on_the_servers_clock(smtpkit, stamped):
    """--rate 25 for 25 messages: on the server's clock the first and last
    are about a second apart (loosely: at least 0.75 s), not a burst."""
    r = load(smtpkit, stamped.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "25",
             "--rate", "25", "--connections", "2")
    assert r.rc == 0, r
    assert len(stamped.got) == 25
    span = stamped.got[-1][0] - stamped.got[0][0]
    assert span >= 0.75, span


def test_to_file_rotates_and_headers(smtpkit, stamped, tmp_path):
    f = tmp_path / "rcpts"
    f.write_text("# the list\none@example.net\n\ntwo@example.net\nthree@example.net\n")
    r = load(smtpkit, stamped.hostport, "--tls", "none", *T, "--to-file", str(f), "--count", "7")
    assert r.rc == 0, r
    assert [g[1] for g in stamped.got] == [["one@example.net"], ["two@example.net"], ["three@example.net"],
                                           ["one@example.net"], ["two@example.net"], ["three@example.net"],
                                           ["one@example.net"]]
    seqs = [int(re.search(rb"X-Smtpkit-Seq: (\d+)", g[2]).group(1)) for g in stamped.got]
    assert seqs == list(range(1, 8))
    r = load(smtpkit, stamped.hostport, "--tls", "none", *T, "--to", "x@example.net", "--count", "2",
             "--no-seq-header")
    assert r.rc == 0 and all(b"X-Smtpkit-Seq" not in g[2] for g in stamped.got[7:]), r


def test_message_id_of_data_replaced(smtpkit, stamped, tmp_path):
    f = tmp_path / "m.eml"
    f.write_text("From: a@example.org\nTo: b@example.net\nSubject: s\nMessage-ID: <fixed@example.org>\n\nbody\n")
    r = smtpkit("send", "-s", stamped.hostport, "--tls", "none", *T, "--data", str(f), "b@example.net",
                "--count", "3")
    assert r.rc == 0, r
    ids = [re.findall(rb"Message-ID: (\S+)", g[2]) for g in stamped.got]
    assert all(len(i) == 1 and i[0].startswith(b"<load-") for i in ids), ids
    assert len({i[0] for i in ids}) == 3


# --- scripted servers: what the summary says matches what the server saw -----------

EHLO = b"250-mx.scripted.test\r\n250 8BITMIME\r\n"


def counting(after, then):
    """A MAIL rule: 250 for the first AFTER messages, then THEN."""
    def rule(srv):
        return b"250 ok\r\n" if len(srv.messages) < after else then
    return rule


def data_rules():
    from harness.scripted import read_data
    return [(b"RCPT", b"250 ok\r\n"), (b"DATA", [send(b"354 go\r\n"), read_data(), send(b"250 queued\r\n")]),
            (b"RSET", b"250 ok\r\n")]


def test_421_after_k_messages(smtpkit, scripted):
    """421 at the 5th MAIL, then the server is gone (a second connection is
    refused): 4 accepted, 1 temp-failed with the 421 quoted, the rest
    failed to connect; exit 75."""
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO),
                                           (b"MAIL", counting(4, [send(b"421 4.7.0 too many messages\r\n"), close()]))]
                                          + data_rules())])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "8", "--json")
    assert r.rc == 75, r
    srv.finish()
    doc = r.json()
    t = doc["totals"]
    assert t["accepted"] == len(srv.messages) == 4, (doc, srv.report())
    assert t["temp_failed"] == 1 and t["failed"] == 3, doc
    four21 = [x for x in doc["replies"] if x["reply"].startswith("421 4.7.0 too many messages")]
    assert four21 and four21[0]["count"] == 1 and four21[0]["first_message"] == 5, doc["replies"]
    assert doc["throttling"]["first_message"] == 5


def test_452_throttling_counted_session_goes_on(smtpkit, scripted):
    """452 to RCPT from the 4th message on: temp-failed, answered with RSET
    on the same session; accepted matches the server's count."""
    def rcpt(srv):
        return b"250 ok\r\n" if len(srv.messages) < 3 else b"452 4.5.3 slow down\r\n"
    from harness.scripted import read_data
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO), (b"MAIL", b"250 ok\r\n"), (b"RCPT", rcpt),
                                           (b"DATA", [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]),
                                           (b"RSET", b"250 ok\r\n")])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "6")
    assert r.rc == 75, r
    srv.finish()
    assert len(srv.messages) == 3 and srv.plain.count(b"RSET\r\n") == 3, srv.report()
    assert re.search(r"accepted\s+3\b", r.out) and re.search(r"temp-failed\s+3\b", r.out), r
    assert "452 4.5.3 slow down" in r.out and "first: message 4" in r.out, r
    assert srv.connections == 1


def test_550_refusals_exit_69(smtpkit, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO), (b"MAIL", b"250 ok\r\n"),
                                           (b"RCPT", b"550 5.1.1 no such user\r\n"), (b"RSET", b"250 ok\r\n")])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "3", "--json")
    assert r.rc == 67, r            # every recipient refused permanently
    doc = r.json()
    assert doc["totals"]["refused"] == 3 and doc["totals"]["accepted"] == 0, doc


def test_stall_ends_at_the_deadline(smtpkit, scripted):
    """The 3rd message's final reply never comes: it fails at --timeout,
    nothing hangs, and it is not counted as accepted."""
    from harness.scripted import read_data

    def data(srv):
        if len(srv.messages) < 2:
            return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]
        return [send(b"354 go\r\n"), read_data(), sleep(8)]
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO), (b"MAIL", b"250 ok\r\n"), (b"RCPT", b"250 ok\r\n"),
                                           (b"DATA", data)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", "--timeout", "1", "--connect-timeout", "1", "--to",
             "a@example.net", "--count", "4", "--json")
    assert r.rc == 75, r
    assert r.secs < 6, r
    doc = r.json()
    assert doc["totals"]["accepted"] == 2 and doc["totals"]["failed"] == 2, doc


def test_drop_mid_data(smtpkit, scripted):
    def data(srv):
        if len(srv.messages) < 1:
            from harness.scripted import read_data
            return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]
        return [send(b"354 go\r\n"), close()]
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO), (b"MAIL", b"250 ok\r\n"), (b"RCPT", b"250 ok\r\n"),
                                           (b"DATA", data)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "2", "--json")
    assert r.rc == 74, r
    doc = r.json()
    assert doc["totals"]["accepted"] == 1 and doc["totals"]["failed"] == 1, doc
    srv.finish()
    assert len(srv.messages) == 1


def test_verbose_shows_the_first_session_only(smtpkit, stamped):
    r = load(smtpkit, stamped.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "6",
             "--connections", "2", "-v")
    assert r.rc == 0, r
    assert r.out.count("-> EHLO") == 1 and r.out.count("-> MAIL FROM") >= 1, r


@pytest.mark.parametrize("args,why", [
    (["--to", "a@example.net", "--count", "2"], "go with --server"),
    (["-s", "127.0.0.1:1", "--to", "a@example.net", "--connections", "2"], "go with --count"),
    (["-s", "127.0.0.1:1", "--to", "a@example.net", "--count", "0"], "invalid --count"),
    (["-s", "127.0.0.1:1", "--to", "a@example.net", "--count", "2", "--rate", "x"], "invalid --rate"),
    (["-s", "127.0.0.1:1", "--to", "a@example.net", "--count", "2", "--dry-run"], "not with"),
    (["-s", "127.0.0.1:1", "--to", "a@example.net", "--count", "2", "--header", "Message-ID: <x@y>"],
     "its own Message-ID"),
])
def test_usage_errors(smtpkit, args, why):
    r = smtpkit("send", "--from", SENDER, "--body", "x", *args)
    assert r.rc == 64 and why in r.err, r


def test_to_file_unreadable(smtpkit, tmp_path):
    r = smtpkit("send", "-s", "127.0.0.1:1", "--from", SENDER, "--body", "x", "--count", "2",
                "--to-file", str(tmp_path / "missing"))
    assert r.rc == 66 and "--to-file" in r.err, r


# --- pipelining across transactions (RFC 2920 3.1) ----------------------------------

from harness.scripted import EHLO_PLAIN, ScriptedServer, mark, read_data  # noqa: E402


def slow_final(srv):
    """354, the message, then 0.3 s before its 250: what arrives meanwhile
    (the next MAIL group, if it was written behind the dot) is marked."""
    n = len(srv.messages) + 1
    return [send(b"354 go\r\n"), read_data(), sleep(0.3), mark("after %d" % n), send(b"250 ok queued\r\n")]


def test_next_mail_group_written_behind_the_end_of_data(smtpkit, scripted):
    """With PIPELINING, message n+1's MAIL, RCPT and DATA leave in the same
    group as message n's final dot: they have all arrived while the server
    still holds back n's reply.  One round trip a message."""
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"),
                                           (b"RCPT", b"250 ok\r\n"), (b"DATA", slow_final)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "3", "--json")
    assert r.rc == 0, r
    srv.finish()
    assert len(srv.messages) == 3 and not srv.errors, srv.report()
    for n in (1, 2):
        ahead = srv.marks["after %d" % n]
        assert ahead == b"MAIL FROM:<%s> SIZE=%d\r\nRCPT TO:<a@example.net>\r\nDATA\r\n" % (
            SENDER.encode(), len(srv.messages[n]) - 3), (n, ahead)
    assert srv.marks["after 3"] == b"", srv.marks     # the last: nothing behind it
    doc = r.json()
    assert doc["totals"]["accepted"] == 3 and doc["sessions"]["opened"] == 1, doc
    # Latency counts from each message's own MAIL: at least the 0.3 s hold.
    assert doc["latency_ms"]["p50"] >= 250, doc["latency_ms"]


def test_no_pipelining_waits_for_each_reply(smtpkit, scripted):
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"),
                                           (b"RCPT", b"250 ok\r\n"), (b"DATA", slow_final)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "2",
             "--no-pipelining")
    assert r.rc == 0, r
    srv.finish()
    assert srv.marks == {"after 1": b"", "after 2": b""}, srv.marks


def test_refused_message_leaves_the_session_open(smtpkit, scripted):
    """451 to the 2nd message's data: that message is temp-failed; the
    transaction is over at that reply (RFC 5321 4.1.1.4), so the 3rd,
    written behind it, goes on in the same session."""
    def data(srv):
        final = b"451 4.3.0 try again later\r\n" if len(srv.messages) == 1 else b"250 ok\r\n"
        return [send(b"354 go\r\n"), read_data(), send(final)]
    srv = scripted([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"),
                                           (b"RCPT", b"250 ok\r\n"), (b"DATA", data)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "4", "--json")
    assert r.rc == 75, r
    srv.finish()
    assert len(srv.messages) == 4 and srv.connections == 1 and not srv.errors, srv.report()
    assert srv.plain.count(b"RSET") == 0
    doc = r.json()
    assert doc["totals"]["accepted"] == 3 and doc["totals"]["temp_failed"] == 1, doc
    assert doc["sessions"]["opened"] == 1, doc
    assert doc["replies"][0]["reply"].startswith("451 4.3.0 try again later"), doc["replies"]
    assert doc["replies"][0]["first_message"] == 2


class Redialled(ScriptedServer):
    """The script again on a second connection, once the first is over
    (the server keeps one connection's state: one handle at a time)."""
    MAX_CONNECTIONS = 2
    one_at_a_time = threading.Lock()

    def handle(self, sock, peer):
        with self.one_at_a_time:
            self.buf, self.eof, self.tls = b"", False, False
            super().handle(sock, peer)


def test_421_after_a_dot_with_the_next_written_behind_it(smtpkit, pki):
    """421 and a close after the 2nd message's data, with the 3rd's MAIL
    group already written behind its dot: the 3rd is sent again, whole, on a
    new session, and arrives once; every message has one outcome."""
    def data(srv):
        if len(srv.messages) == 1:
            return [send(b"354 go\r\n"), read_data(), send(b"421 4.7.0 closing\r\n"), close()]
        return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]
    srv = Redialled([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"),
                                            (b"RCPT", b"250 ok\r\n"), (b"DATA", data)])], pki)
    try:
        r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "4",
                 "--json")
        assert r.rc == 75, r
        doc = r.json()
        assert doc["totals"] == dict(doc["totals"], sent=4, accepted=3, temp_failed=1, failed=0), doc
        assert doc["sessions"]["opened"] == 2, doc
        seqs = [int(re.search(rb"X-Smtpkit-Seq: (\d+)", m).group(1)) for m in srv.messages]
        assert seqs == [1, 2, 3, 4], srv.report()
    finally:
        srv.finish(timeout=0)


def test_lmtp_partial_refusal_keeps_the_session(smtpkit, scripted):
    """LMTP (RFC 2033 4.2), two recipients, the second over quota after each
    message: every message is temp-failed (delivered to one only, without
    --allow-partial), the session goes on, nothing counted as accepted."""
    def data(srv):
        return [send(b"354 go\r\n"), read_data(), send(b"250 2.0.0 ok\r\n452 4.2.2 over quota\r\n")]
    srv = scripted([send(GREETING), serve([(b"LHLO", EHLO_PLAIN), (b"MAIL", b"250 ok\r\n"),
                                           (b"RCPT", b"250 ok\r\n"), (b"DATA", data)])])
    r = load(smtpkit, srv.hostport, "--protocol", "lmtp", "--tls", "none", *T, "--to", "a@example.net",
             "--to", "b@example.net", "--count", "3", "--json")
    assert r.rc == 75, r
    srv.finish()
    assert len(srv.messages) == 3 and srv.connections == 1 and not srv.errors, srv.report()
    doc = r.json()
    assert doc["totals"]["accepted"] == 0 and doc["totals"]["temp_failed"] == 3, doc
    assert doc["sessions"]["opened"] == 1, doc


@pytest.mark.parametrize("chunking", [True, False])
def test_exim_bs_over_pipe_every_message_delivered(smtpkit, chunking):
    """Exim (-bs over --pipe): with CHUNKING each message is one BDAT group;
    without, each MAIL group rides behind the previous dot.  Either way
    Exim delivers all 6, each once, and the summary names the program."""
    from harness.exim_pipe import EximPipe
    try:
        exim = EximPipe()
    except Exception as e:
        pytest.fail("Exim fixture: %s" % e, pytrace=False)
    try:
        extra = [] if chunking else ["--no-chunking"]
        r = smtpkit("send", "--pipe", exim.command, "--from", SENDER, "--to", "inbox@smtpkit.test", "--body", "x",
                    "--count", "6", "-v", *extra, *T)
        assert r.rc == 0, str(r) + exim.log
        sent = [ln for ln in r.out.splitlines() if ln.startswith(" -> ")]
        assert (" -> BDAT" in r.out) == chunking
        if not chunking:
            dots = [i for i, ln in enumerate(sent) if ln == " -> ."]
            assert len(dots) == 6 and all(sent[i + 1].startswith(" -> MAIL FROM") for i in dots[:-1]), sent
        assert re.search(r"=== load: 6 messages over 1 connection to program unshare \(pid \d+\)", r.out), r.out
        got = exim.delivered()
        seqs = sorted(int(re.search(rb"X-Smtpkit-Seq: (\d+)", m).group(1)) for m in got)
        assert seqs == [1, 2, 3, 4, 5, 6], exim.log
    finally:
        exim.stop()


@pytest.mark.parametrize("ehlo", [EHLO_PLAIN, EHLO], ids=["pipelining", "no-pipelining"])
def test_mail_refused_throttling_session_goes_on(smtpkit, scripted, ehlo):
    """452 to the 3rd and 4th MAIL (a relay throttling by message count):
    those two are temp-failed, the replies pipelined behind each refusal
    (503s) are read, no RSET is needed, and the session goes on."""
    state = {"mails": 0, "refused": False}

    def mail(srv):
        state["mails"] += 1
        state["refused"] = state["mails"] in (3, 4)
        return b"452 4.3.1 too many messages, slow down\r\n" if state["refused"] else b"250 ok\r\n"

    def rcpt(srv):
        return b"503 5.5.1 need MAIL first\r\n" if state["refused"] else b"250 ok\r\n"

    def data(srv):
        if state["refused"]:
            return b"503 5.5.1 need RCPT first\r\n"
        return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]
    srv = scripted([send(GREETING), serve([(b"EHLO", ehlo), (b"MAIL", mail), (b"RCPT", rcpt), (b"DATA", data)])])
    r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "6", "--json")
    assert r.rc == 75, r
    srv.finish()
    assert len(srv.messages) == 4 and srv.connections == 1 and not srv.errors, srv.report()
    assert b"RSET" not in srv.plain, srv.report()
    doc = r.json()
    assert doc["totals"] == dict(doc["totals"], sent=6, accepted=4, temp_failed=2, refused=0, failed=0), doc
    assert doc["replies"][0]["reply"].startswith("452 4.3.1 too many messages"), doc["replies"]
    assert doc["replies"][0]["count"] == 2 and doc["throttling"]["first_message"] == 3, doc


def test_server_limit_per_connection(smtpkit, pki):
    """A server that takes 3 messages a connection (421 at the 4th MAIL, as
    Exim's smtp_accept_max_per_connection does): without --per-connection
    the 4th is temp-failed and the session reopened for the rest; with
    --per-connection 3 the limit is never met and every message arrives."""
    def mail(srv):
        return b"421 4.7.0 too many messages in this connection\r\n" if srv.in_conn == 3 else b"250 ok\r\n"

    def data(srv):
        srv.in_conn += 1
        return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]

    class PerConnection(Redialled):
        def handle(self, sock, peer):
            self.in_conn = 0
            super().handle(sock, peer)

    for extra, want in (([], dict(accepted=5, temp_failed=1)), (["--per-connection", "3"], dict(accepted=6))):
        srv = PerConnection([send(GREETING), serve([(b"EHLO", EHLO_PLAIN), (b"MAIL", mail),
                                                    (b"RCPT", b"250 ok\r\n"), (b"DATA", data)])], pki)
        try:
            r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "6",
                     "--json", *extra)
            doc = r.json()
            assert doc["totals"] == dict(doc["totals"], sent=6, failed=0, **want), (extra, doc)
            assert doc["sessions"]["opened"] == 2 and r.rc == (0 if extra else 75), (extra, doc)
            assert len(srv.messages) == want["accepted"], srv.report()
        finally:
            srv.finish(timeout=0)


def test_progress_line_on_a_terminal(terminal, stamped):
    """On a terminal, one line on stderr rewritten while the load runs
    (sent, accepted, temp-failed, refused, failed, msgs/s, open sessions),
    no transcript; then the summary.  With --json, no progress line."""
    args = ["send", "-s", stamped.hostport, "--tls", "none", "--from", SENDER, "--to", "a@example.net",
            "--body", "x", "--count", "40", "--rate", "20", "--connections", "2"]
    t = terminal(args)
    s = t.wait_for(" open", timeout=5)
    line = re.search(r"sent (\d+)  accepted (\d+)  temp-failed 0  refused 0  failed 0  \d+ msgs/s  (\d) open", s)
    assert line and int(line.group(2)) < 40 and line.group(3) in ("1", "2"), t.report(s)
    assert t.exit_status(timeout=10) == 0, t.report()
    s = t.screen()
    assert "sent 40  accepted 40  temp-failed 0" in s and "=== load: 40 messages" in s, t.report(s)
    assert s.count(" msgs/s  ") == 1 and "-> MAIL" not in s, t.report(s)      # one line, rewritten
    t = terminal(args + ["--json"], name="json")
    assert t.exit_status(timeout=10) == 0, t.report()
    s = t.screen()
    assert " open" not in s and '"accepted":40' in s.replace("\n", ""), t.report(s)


@pytest.mark.parametrize("ehlo", [EHLO_PLAIN, EHLO], ids=["pipelining", "no-pipelining"])
def test_refusal_then_close_next_message_sent_again(smtpkit, pki, ehlo):
    """The server refuses the 2nd message (550 to its data with PIPELINING,
    to its MAIL without) and closes, as Exim's ACL drop does: the 3rd, whose
    MAIL went unanswered and none of whose message was sent, is sent again
    on a new session, not counted as failed."""
    mails = {"n": 0}

    def mail(srv):
        mails["n"] += 1
        if ehlo is EHLO and mails["n"] == 2:
            return [send(b"550 5.7.1 policy: dropped\r\n"), close()]
        return b"250 ok\r\n"

    def data(srv):
        if ehlo is EHLO_PLAIN and len(srv.messages) == 1:
            return [send(b"354 go\r\n"), read_data(), send(b"550 5.7.1 policy: dropped\r\n"), close()]
        return [send(b"354 go\r\n"), read_data(), send(b"250 ok\r\n")]
    srv = Redialled([send(GREETING), serve([(b"EHLO", ehlo), (b"MAIL", mail), (b"RCPT", b"250 ok\r\n"),
                                            (b"DATA", data)])], pki)
    try:
        r = load(smtpkit, srv.hostport, "--tls", "none", *T, "--to", "a@example.net", "--count", "4", "--json")
        doc = r.json()
        assert doc["totals"] == dict(doc["totals"], sent=4, accepted=3, refused=1, failed=0), doc
        assert r.rc == 69 and doc["sessions"]["opened"] == 2, doc
        seqs = [int(re.search(rb"X-Smtpkit-Seq: (\d+)", m).group(1)) for m in srv.messages]
        assert seqs == ([1, 2, 3, 4] if ehlo is EHLO_PLAIN else [1, 3, 4]), srv.report()
    finally:
        srv.finish(timeout=0)
