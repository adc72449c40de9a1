/* smtp.c - the session state machine.  One function enters a state (sends
 * its command or does its step), one reads the reply and picks the next
 * state, and set_state() is the only place the state changes.  No syscalls
 * here: the connection layer does all I/O. */
#define _DEFAULT_SOURCE
#include "smtp.h"
#include "smtp_int.h"
#include "auth.h"
#include "msg.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reply code whose meaning depends on the command it answers; the rest
 * come from codes.c's tables. */
struct smtp_meaning {
	int code;
	const char *meaning;
};

static const struct smtp_meaning auth_meanings[] = {
	{454, "temporary authentication failure (RFC 4954 6)"},
	{503, "bad sequence: already authenticated, or AUTH not allowed now (RFC 4954 4)"},
	{0, NULL},
};

static const struct {
	const char *name;
	const char *step;           /* named in errors and the result line */
	bool reply;                 /* entering the state is answered by a reply */
	enum smtp_stage completes;  /* when its work is done (SMTP_STAGE_ALL: none) */
	const struct smtp_meaning *meanings;    /* ends with code 0 */
} state_table[] = {
	[SMTP_CONNECT] = {"CONNECT", "connect", false, SMTP_STAGE_CONNECT, NULL},
	[SMTP_TLS_IMPLICIT] = {"TLS_IMPLICIT", "tls", false, SMTP_STAGE_HANDSHAKE, NULL},
	[SMTP_GREETING] = {"GREETING", "greeting", true, SMTP_STAGE_GREETING,
		(const struct smtp_meaning[]){
			{220, "service ready (RFC 5321 4.2)"},
			{554, "no SMTP service here (RFC 5321 3.1)"}, {0, NULL}}},
	/* Inside TLS after STARTTLS, EHLO completes SMTP_STAGE_TLS: completes(). */
	[SMTP_EHLO] = {"EHLO", "ehlo", true, SMTP_STAGE_EHLO, NULL},
	[SMTP_HELO] = {"HELO", "helo", true, SMTP_STAGE_EHLO, NULL},
	/* Refused (--tls auto), it ends the handshake stage without TLS. */
	[SMTP_STARTTLS] = {"STARTTLS", "starttls", true, SMTP_STAGE_HANDSHAKE,
		(const struct smtp_meaning[]){
			{220, "ready to start TLS (RFC 3207 4)"},
			{454, "TLS not available for a temporary reason (RFC 3207 4)"},
			{501, "syntax error (no parameters allowed with STARTTLS, RFC 3207 4)"}, {0, NULL}}},
	[SMTP_TLS_HANDSHAKE] = {"TLS_HANDSHAKE", "tls", false, SMTP_STAGE_HANDSHAKE, NULL},
	/* Part of the hello they follow: they complete no stage themselves. */
	[SMTP_XCLIENT] = {"XCLIENT", "xclient", true, SMTP_STAGE_ALL,
		(const struct smtp_meaning[]){
			{220, "XCLIENT accepted: a new greeting; EHLO follows (Postfix XCLIENT_README)"},
			{501, "bad XCLIENT attribute name or value"},
			{503, "XCLIENT not allowed now (inside a mail transaction)"},
			{550, "this client may not use XCLIENT (smtpd_authorized_xclient_hosts)"}, {0, NULL}}},
	[SMTP_XFORWARD] = {"XFORWARD", "xforward", true, SMTP_STAGE_ALL,
		(const struct smtp_meaning[]){
			{250, "XFORWARD attributes taken for the next transaction (Postfix XFORWARD_README)"},
			{501, "bad XFORWARD attribute name or value"},
			{503, "XFORWARD not allowed now (inside a mail transaction)"},
			{550, "this client may not use XFORWARD (smtpd_authorized_xforward_hosts)"}, {0, NULL}}},
	[SMTP_AUTH] = {"AUTH", "auth", true, SMTP_STAGE_AUTH, auth_meanings},
	[SMTP_AUTH_STEP] = {"AUTH_STEP", "auth", true, SMTP_STAGE_AUTH, auth_meanings},
	[SMTP_MAIL] = {"MAIL", "mail", true, SMTP_STAGE_MAIL, NULL},
	[SMTP_RCPT] = {"RCPT", "rcpt", true, SMTP_STAGE_RCPT,
		(const struct smtp_meaning[]){
			{554, "recipient refused: transaction failed (RFC 5321 4.2.3)"}, {0, NULL}}},
	[SMTP_DATA] = {"DATA", "data", true, SMTP_STAGE_ALL, NULL},
	[SMTP_DATA_BODY] = {"DATA_BODY", "end-of-data", true, SMTP_STAGE_ALL, NULL},
	[SMTP_BDAT] = {"BDAT", "bdat", true, SMTP_STAGE_ALL, NULL},
	[SMTP_LMTP_REPLY] = {"LMTP_REPLY", "end-of-data", true, SMTP_STAGE_ALL, NULL},
	[SMTP_RSET] = {"RSET", "rset", true, SMTP_STAGE_ALL, NULL},
	[SMTP_QUIT] = {"QUIT", "quit", true, SMTP_STAGE_ALL, NULL},
	[SMTP_QUIT_NOWAIT] = {"QUIT_NOWAIT", "quit", false, SMTP_STAGE_ALL, NULL},
	/* By hand: the step is the typed command's (smtp_typed_step()). */
	[SMTP_TYPED] = {"TYPED", "command", true, SMTP_STAGE_ALL, NULL},
	[SMTP_TYPED_DATA_END] = {"TYPED_DATA_END", "end-of-data", true, SMTP_STAGE_ALL, NULL},
	[SMTP_TYPED_MESSAGE] = {"TYPED_MESSAGE", "end-of-data", true, SMTP_STAGE_ALL, NULL},
	[SMTP_TYPED_BDAT] = {"TYPED_BDAT", "bdat", true, SMTP_STAGE_ALL, NULL},
	[SMTP_HELD] = {"HELD", "held", false, SMTP_STAGE_ALL, NULL},
	[SMTP_DONE] = {"DONE", "done", false, SMTP_STAGE_ALL, NULL},
	[SMTP_ADVANCE] = {"ADVANCE", "advance", false, SMTP_STAGE_ALL, NULL},
};

/* --quit-after's words; "handshake" is tls-check's own stop. */
static const char *const quit_after_words[] = {
	[SMTP_STAGE_CONNECT] = "connect",
	[SMTP_STAGE_GREETING] = "greeting",
	[SMTP_STAGE_EHLO] = "ehlo",
	[SMTP_STAGE_HANDSHAKE] = "handshake",
	[SMTP_STAGE_TLS] = "tls",
	[SMTP_STAGE_AUTH] = "auth",
	[SMTP_STAGE_MAIL] = "mail",
	[SMTP_STAGE_RCPT] = "rcpt",
	[SMTP_STAGE_ALL] = "all",
};

int smtp_stage_parse(const char *name, enum smtp_stage *st)
{
	for (size_t i = 0; i < sizeof quit_after_words / sizeof quit_after_words[0]; i++) {
		if (i != SMTP_STAGE_HANDSHAKE && i != SMTP_STAGE_ALL && strcmp(name, quit_after_words[i]) == 0) {
			*st = (enum smtp_stage)i;
			return 0;
		}
	}
	return -1;
}

const char *smtp_reply_meaning(enum smtp_state st, int code)
{
	for (const struct smtp_meaning *m = state_table[st].meanings; m && m->code; m++)
		if (m->code == code)
			return m->meaning;
	return NULL;
}

const char *smtp_step_name(const struct smtp_session *s)
{
	if (s->state == SMTP_TYPED)
		return smtp_typed_step(s);
	return state_table[s->state].step;
}

const char *smtp_state_step_name(enum smtp_state st)
{
	return state_table[st].step;
}

static void set_state(struct smtp_session *s, enum smtp_state next)
{
	out_info(s->out, 2, "state %s -> %s", state_table[s->state].name, state_table[next].name);
	if (s->observer)
		s->observer(s->observer_ctx, s, next);
	s->state = next;
}

static void conn_note(void *ctx, const char *fmt, ...)
{
	struct smtp_session *s = ctx;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out_info(s->out, 0, "%s", buf);
}

void smtp_init(struct smtp_session *s, const struct smtp_policy *pol, struct out *out,
	       const char *host, int port)
{
	memset(s, 0, sizeof *s);
	s->pol = pol;
	s->out = out;
	s->host = host;
	s->port = port;
	s->state = SMTP_CONNECT;
	s->stop = pol->stop_after;
	conn_init(&s->conn);
	s->conn.note = conn_note;
	s->conn.note_ctx = s;
}

void smtp_free(struct smtp_session *s)
{
	if (s->auth) {
		auth_free(s->auth);
		free(s->auth);
		s->auth = NULL;
	}
	smtp_hand_free(s);
	conn_close(&s->conn);
	reply_free(&s->greeting);
	ehlo_free(&s->caps_before);
	ehlo_free(&s->caps_after);
	tls_info_free(&s->tls);
}

const struct ehlo_caps *smtp_caps(const struct smtp_session *s)
{
	/* RFC 3207 4.2: inside TLS only what was said inside TLS counts. */
	static const struct ehlo_caps none;
	if (s->in_tls)
		return s->have_after ? &s->caps_after : &none;
	return &s->caps_before;
}

static bool implicit_tls(const struct smtp_session *s)
{
	return s->pol->tls_mode == SMTP_TLS_MODE_IMPLICIT
	       || (s->pol->tls_mode == SMTP_TLS_MODE_AUTO && s->port == 465);
}

/* ---- sending and receiving ------------------------------------------ */

int smtp_queue_command(struct smtp_session *s, const char *shown, const char *fmt, ...)
{
	/* RFC 4954 4: an AUTH line may be 12288 octets (an OAuth token in an
	 * initial response is a few thousand); other commands are far shorter. */
	char line[12288 + 3];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 2)
		return err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "command too long");
	if (shown)
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), shown, strlen(shown));
	else
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	int rc = conn_queue(&s->conn, line, (size_t)n + 2);
	explicit_bzero(line, sizeof line);
	if (rc < 0)
		return err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
	return 0;
}

int smtp_flush(struct smtp_session *s)
{
	return conn_flush(&s->conn, &s->err, smtp_step_name(s));
}

int smtp_expect_quiet(struct smtp_session *s, const char *command)
{
	size_t n = conn_arrived(&s->conn);
	if (n == 0)
		return 0;
	if (err_is_set(&s->err))        /* RSET after a refusal: that stays the cause */
		return -1;
	/* Shown as received, line by line (a partial last line too), and the
	 * first line quoted in the error. */
	const char *p = (const char *)s->conn.rbuf + s->conn.rstart, *end = p + n;
	char quoted[ERR_REPLY_MAX] = "";
	for (int i = 0; p < end && i < 20; i++) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len = lf ? (size_t)(lf - p) : (size_t)(end - p);
		size_t shown = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		out_received(s->out, s->in_tls, conn_elapsed(&s->conn), p, shown);
		if (i == 0)
			text_escape(p, shown < 200 ? shown : 200, quoted, sizeof quoted);
		p += len + (lf != NULL);
	}
	const char *start = (const char *)s->conn.rbuf + s->conn.rstart;
	if (n >= 4 && memcmp(start, "421", 3) == 0 && (start[3] == ' ' || start[3] == '-' || start[3] == '\r'))
		/* RFC 5321 3.8: a server may say 421 and close at any time (an
		 * idle timeout): a temporary failure, not a broken protocol. */
		err_set(&s->err, ERR_REPLY_TEMP, smtp_step_name(s),
			"server closing the connection (421) before %s", command);
	else
		err_set(&s->err, ERR_PROTOCOL, smtp_step_name(s),
			"the server sent %zu bytes before %s, answering nothing: "
			"they would be read as its reply (RFC 5321 4.2)", n, command);
	err_quote(&s->err, quoted);
	return -1;
}

static int send_command(struct smtp_session *s, const char *command)
{
	if (smtp_expect_quiet(s, command) < 0)
		return -1;
	if (smtp_queue_command(s, NULL, "%s", command) < 0)
		return -1;
	return smtp_flush(s);
}

static enum smtp_state on_ehlo_reply(struct smtp_session *s, const struct reply *r);

/* Read one whole reply, showing each line as it arrives. */
static int read_reply(struct smtp_session *s, struct reply *r, struct err *e)
{
	const char *line, *why;
	size_t len;
	bool bare_lf;

	for (;;) {
		if (conn_read_line(&s->conn, &line, &len, &bare_lf, REPLY_LINE_MAX, e, smtp_step_name(s)) < 0)
			return -1;
		out_received(s->out, s->in_tls, conn_elapsed(&s->conn), line, len);
		enum reply_status st = reply_feed(r, line, len, bare_lf, &why);
		if (st == REPLY_MALFORMED) {
			/* The first failure is the cause: quote this line only if it
			 * is the error reported. */
			bool first = !err_is_set(e);
			err_set(e, ERR_PROTOCOL, smtp_step_name(s), "malformed reply: %s", why);
			if (first) {
				char quoted[ERR_REPLY_MAX];
				text_escape(line, len > 200 ? 200 : len, quoted, sizeof quoted);
				err_quote(e, quoted);
			}
			return -1;
		}
		if (st == REPLY_DONE)
			break;
	}
	if (r->bare_lf)
		s->nonconforming = true;
	s->last_code = r->code;
	enum smtp_state like = s->state == SMTP_TYPED ? smtp_typed_like(s) : s->state;
	if (like != SMTP_QUIT) {
		s->hand.last_code = r->code;
		s->hand.last_refused = reply_class(r) == 4 || reply_class(r) == 5;
	}
	const char *in_context = smtp_reply_meaning(like, r->code);
	char challenge[400];
	if ((s->state == SMTP_AUTH || s->state == SMTP_AUTH_STEP)
	    && smtp_auth_challenge_meaning(s, r, challenge, sizeof challenge))
		in_context = challenge;
	out_reply(s->out, r, smtp_step_name(s), in_context, s->in_tls, conn_elapsed(&s->conn));
	return 0;
}

enum smtp_state smtp_fail(struct smtp_session *s, const struct reply *r,
			  enum err_cause cause, const char *fmt, ...)
{
	if (!err_is_set(&s->err)) {
		va_list ap;
		va_start(ap, fmt);
		err_vset(&s->err, cause, smtp_step_name(s), fmt, ap);
		va_end(ap);
		if (r) {
			char quoted[ERR_REPLY_MAX];
			reply_summary(r, quoted, sizeof quoted);
			err_quote(&s->err, quoted);
		}
	}
	return SMTP_QUIT_NOWAIT;
}

enum smtp_state smtp_fail_unexpected(struct smtp_session *s, const struct reply *r,
				     const char *what)
{
	if (r->code == 421)
		return smtp_fail(s, r, ERR_REPLY_TEMP, "server closing the connection (421) %s", what);
	if (reply_class(r) == 4)
		return smtp_fail(s, r, ERR_REPLY_TEMP, "temporary refusal %s", what);
	if (reply_class(r) == 5)
		return smtp_fail(s, r, ERR_REPLY_PERM, "refused %s", what);
	return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense %s", r->code, what);
}

/* ---- the machine ------------------------------------------------------ */

/* Enter the current state: send its command or perform its step. */
static int enter(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;

	conn_step(&s->conn, p->timeout_ms);
	s->conn.interrupt = smtp_hand_interruptible(s->state) ? s->hand.interrupt : NULL;
	if (s->hand.busy)
		*s->hand.busy = s->hand.active && !smtp_hand_interruptible(s->state);
	switch (s->state) {
	case SMTP_CONNECT:
		if (conn_connect(&s->conn, s->host, s->port, &p->conn, &s->err, smtp_step_name(s)) < 0)
			return -1;
		s->connected = true;
		out_info(s->out, 0, "Connected to %s in %.1f ms", s->conn.via, s->conn.connect_ms);
		if (s->conn.proxy_sent[0])
			out_info(s->out, 0, "sent %s", s->conn.proxy_sent);
		if (p->protocol == SMTP_PROTO_LMTP)
			out_info(s->out, 0, "speaking LMTP (RFC 2033): LHLO, one reply per recipient after the data");
		return 0;
	case SMTP_TLS_IMPLICIT:
	case SMTP_TLS_HANDSHAKE:
		/* RFC 3207 5 / SPEC 10.2: nothing may arrive between the 220 to
		 * STARTTLS and the handshake; checked in on_starttls(). */
		if (p->raw_hello)
			return p->raw_hello(p->raw_hello_ctx, &s->conn, &s->err);
		if (tls_start(&s->conn, &p->tls, &s->tls, &s->err, smtp_step_name(s)) < 0)
			return -1;
		s->in_tls = true;
		s->out->in_tls = true;
		return 0;
	case SMTP_GREETING:
		return 0;
	case SMTP_EHLO:
	case SMTP_HELO: {
		/* RFC 2033 4.1: LMTP greets with LHLO, same reply as EHLO. */
		const char *hello = s->state == SMTP_HELO ? "HELO" : p->protocol == SMTP_PROTO_LMTP ? "LHLO" : "EHLO";
		/* After the greeting, a refused EHLO or the handshake the server
		 * waits for us, except that the injection test's NOOP may be
		 * answered inside TLS: check_injection() reads that. */
		bool noop_answer = s->in_tls && p->injection_test && !s->have_after;
		if (!noop_answer && smtp_expect_quiet(s, hello) < 0)
			return -1;
		if (smtp_queue_command(s, NULL, "%s %s", hello, p->helo) < 0)
			return -1;
		return smtp_flush(s);
	}
	case SMTP_STARTTLS:
		if (smtp_expect_quiet(s, "STARTTLS") < 0)
			return -1;
		s->starttls_ms = conn_elapsed(&s->conn);
		if (smtp_queue_command(s, NULL, "STARTTLS") < 0)
			return -1;
		if (p->injection_test && smtp_queue_command(s, NULL, "NOOP") < 0)
			return -1;
		return smtp_flush(s);
	case SMTP_XCLIENT:
		return smtp_enter_xclient(s);
	case SMTP_XFORWARD:
		return smtp_enter_xforward(s);
	case SMTP_LMTP_REPLY:
		conn_step(&s->conn, p->data_timeout_ms);
		return 0;
	case SMTP_AUTH:
		return smtp_enter_auth(s);
	case SMTP_AUTH_STEP:
		return smtp_enter_auth_step(s);
	case SMTP_MAIL:
		return smtp_enter_mail(s);
	case SMTP_RCPT:
		return smtp_enter_rcpt(s);
	case SMTP_DATA:
		return smtp_enter_data(s);
	case SMTP_DATA_BODY:
		return smtp_enter_data_body(s);
	case SMTP_BDAT:
		return smtp_enter_bdat(s);
	case SMTP_RSET:
		return send_command(s, "RSET");
	case SMTP_QUIT:
		/* Unasked bytes before QUIT could only be taken for its reply,
		 * a courtesy: not worth failing a session that did its work. */
		if (s->ahead.quit)
			return 0;
		if (smtp_queue_command(s, NULL, "QUIT") < 0)
			return -1;
		return smtp_flush(s);
	case SMTP_QUIT_NOWAIT:
		/* After a failure: one short attempt, never a wait for the reply. */
		if (s->ahead.quit)
			return 0;
		conn_step(&s->conn, 1000);
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), "QUIT", 4);
		struct err ignored = {0};
		if (conn_queue(&s->conn, "QUIT\r\n", 6) == 0)
			conn_flush(&s->conn, &ignored, "quit");
		return 0;
	case SMTP_TYPED:
		return smtp_enter_typed(s);
	case SMTP_TYPED_DATA_END:
		/* After the typed lines queued behind the 354. */
		if (smtp_queue_command(s, NULL, ".") < 0)
			return -1;
		return smtp_flush_message(s);
	case SMTP_TYPED_MESSAGE:
	case SMTP_TYPED_BDAT: {
		bool bdat = s->state == SMTP_TYPED_BDAT;
		if (smtp_expect_quiet(s, bdat ? "BDAT" : "the message") < 0)
			return -1;
		if (bdat && smtp_queue_command(s, NULL, "BDAT %llu LAST", (unsigned long long)s->hand.msg->size) < 0)
			return -1;
		if (smtp_queue_message(s, s->hand.msg, !bdat) < 0 || (!bdat && smtp_queue_command(s, NULL, ".") < 0))
			return -1;
		return smtp_flush_message(s);
	}
	case SMTP_HELD:
	case SMTP_DONE:
	case SMTP_ADVANCE:
		return 0;
	}
	return 0;
}

/* STARTTLS is still to be done: asked for, not started, not refused. */
static bool tls_pending(const struct smtp_session *s)
{
	return s->pol->tls_mode != SMTP_TLS_MODE_NONE && !implicit_tls(s) && !s->in_tls
	       && !s->starttls_refused;
}

/* The stage the session works on after a hello (or a refused STARTTLS, or
 * AUTH): what smtp_after_hello() and after_hello() will do. */
static enum smtp_stage stage_after_hello(const struct smtp_session *s)
{
	if (tls_pending(s) && (s->starttls_offered || s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS))
		return SMTP_STAGE_HANDSHAKE;
	/* XCLIENT and XFORWARD belong to the hello they follow. */
	if (smtp_x_pending(s))
		return s->in_tls && !implicit_tls(s) ? SMTP_STAGE_TLS : SMTP_STAGE_EHLO;
	if (s->pol->auth.user && !s->authenticated)
		return SMTP_STAGE_AUTH;
	return s->txn ? SMTP_STAGE_MAIL : SMTP_STAGE_ALL;
}

/* What follows the last EHLO/HELO: STARTTLS, or what follows TLS. */
static enum smtp_state after_hello(struct smtp_session *s)
{
	if (stage_after_hello(s) != SMTP_STAGE_HANDSHAKE)
		return smtp_after_hello(s);
	if (s->starttls_offered)
		return SMTP_STARTTLS;
	return smtp_fail(s, NULL, ERR_UNSUPPORTED,
			 "STARTTLS is required (--tls starttls) but the server does not offer it");
}

enum smtp_state smtp_after_hello(struct smtp_session *s)
{
	switch (stage_after_hello(s)) {
	case SMTP_STAGE_AUTH:
		return smtp_auth_choose(s);
	case SMTP_STAGE_MAIL:
		return smtp_txn_begin(s);
	case SMTP_STAGE_EHLO:
	case SMTP_STAGE_TLS:
		return smtp_x_next(s);
	default:
		return SMTP_QUIT;
	}
}

static enum smtp_state on_greeting(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220)
		return SMTP_ADVANCE;
	if (r->code == 554)
		return smtp_fail(s, r, ERR_REPLY_PERM, "the server refuses service (554 greeting)");
	return smtp_fail_unexpected(s, r, "as a greeting");
}

/* The injection test's verdict, on the first reply read inside TLS.  A
 * NOOP reply is one line; an EHLO reply with extensions is several.  So a
 * multiline first reply means the NOOP was not run; a one-line first reply
 * is followed by the EHLO reply within a few round trips if the NOOP was
 * run, and by nothing if it was the EHLO reply itself.  Returns 1 with the
 * EHLO reply in *second when the NOOP was run, 0 when r is EHLO's. */
static int check_injection(struct smtp_session *s, const struct reply *r, struct reply *second)
{
	if (r->nlines > 1)
		return 0;
	int wait = (int)(s->starttls_ms * 4);
	if (wait < 300)
		wait = 300;
	if (wait > s->pol->timeout_ms)
		wait = s->pol->timeout_ms;
	struct err quiet = {0};
	conn_step(&s->conn, wait);
	if (read_reply(s, second, &quiet) < 0) {
		bool started = second->nlines > 0 || conn_pending(&s->conn) > 0;
		if (quiet.cause == ERR_TIMEOUT && !started) {
			reply_free(second);     /* nothing came: r was EHLO's reply */
			return 0;
		}
		/* Part of a second reply came: it is the EHLO reply, so read the
		 * rest under a whole step's deadline. */
		struct err rest = {0};
		conn_step(&s->conn, s->pol->timeout_ms);
		if (quiet.cause != ERR_TIMEOUT || read_reply(s, second, &rest) < 0) {
			reply_free(second);
			s->err = quiet.cause != ERR_TIMEOUT ? quiet : rest;
			return -1;
		}
	}
	s->injection_vulnerable = true;
	out_warn(s->out, "the NOOP sent in the same packet as STARTTLS was answered inside TLS: "
		 "the server runs commands injected before the handshake (CVE-2011-0411)");
	return 1;
}

static enum smtp_state on_ehlo(struct smtp_session *s, const struct reply *r)
{
	struct reply second = {0};
	if (s->in_tls && s->pol->injection_test && !s->have_after && r->code == 250) {
		int rc = check_injection(s, r, &second);
		if (rc < 0)
			return SMTP_DONE;
		if (rc > 0) {
			enum smtp_state next = on_ehlo_reply(s, &second);
			reply_free(&second);
			return next;
		}
	}
	return on_ehlo_reply(s, r);
}

static void warn_no_starttls(struct smtp_session *s)
{
	if (tls_pending(s) && !s->starttls_offered && s->pol->tls_mode == SMTP_TLS_MODE_AUTO
	    && s->pol->conn.transport == CONN_TCP)
		out_warn(s->out, "the server does not offer STARTTLS: the session stays unencrypted");
}

int smtp_take_caps(struct smtp_session *s, const struct reply *r)
{
	struct ehlo_caps *caps = s->in_tls ? &s->caps_after : &s->caps_before;
	ehlo_free(caps);
	if (ehlo_parse(r, caps) < 0) {
		smtp_fail(s, r, ERR_INTERNAL, "cannot parse the EHLO reply");
		return -1;
	}
	if (s->in_tls) {
		s->have_after = true;
		tls_save_session(&s->conn, &s->tls);
		out_caps(s->out, "capabilities inside TLS", caps);
		if (s->have_before)
			out_caps_diff(s->out, &s->caps_before, caps);
	} else {
		s->have_before = true;
		s->starttls_offered = ehlo_has(caps, "STARTTLS");
		out_caps(s->out, "capabilities", caps);
	}
	return 0;
}

static enum smtp_state on_ehlo_reply(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 250)
		return smtp_take_caps(s, r) < 0 ? SMTP_QUIT_NOWAIT : SMTP_ADVANCE;
	if (r->code == 421 || reply_class(r) == 4)
		return smtp_fail_unexpected(s, r, "to EHLO");
	if (reply_class(r) == 5 && s->pol->protocol == SMTP_PROTO_LMTP)
		/* RFC 2033 4.1: LMTP has no HELO to fall back to. */
		return smtp_fail(s, r, ERR_UNSUPPORTED, "LHLO refused: the server does not speak LMTP");
	if (reply_class(r) == 5 && s->pol->protocol == SMTP_PROTO_ESMTP)
		return smtp_fail(s, r, ERR_UNSUPPORTED, "EHLO refused, and --protocol esmtp allows no HELO");
	if (reply_class(r) == 5 && !s->in_tls) {
		/* RFC 5321 4.1.4: a server that does not know EHLO gets HELO, but
		 * then there is no STARTTLS: required TLS cannot be had. */
		if (s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS)
			return smtp_fail(s, r, ERR_UNSUPPORTED,
					  "EHLO refused, so STARTTLS (required) is not available");
		return SMTP_HELO;
	}
	return smtp_fail_unexpected(s, r, "to EHLO");
}

static enum smtp_state on_helo(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 250)
		return smtp_fail_unexpected(s, r, "to HELO");
	s->used_helo = true;
	if (s->pol->protocol == SMTP_PROTO_HELO)
		out_info(s->out, 0, "HELO accepted (--protocol helo): no extensions asked for");
	else
		out_info(s->out, 0, "HELO accepted: the server offers no extensions");
	return SMTP_ADVANCE;
}

static enum smtp_state on_starttls(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220) {
		size_t extra = conn_arrived(&s->conn);
		s->starttls_ms = conn_elapsed(&s->conn) - s->starttls_ms;
		s->data_after_starttls = extra > 0;
		if (extra > 0)
			return smtp_fail(s, NULL, ERR_PROTOCOL,
					  "the server sent %zu bytes after its 220 to STARTTLS, before the TLS handshake: "
					  "an injection attack or a broken server", extra);
		return SMTP_TLS_HANDSHAKE;
	}
	if (reply_class(r) != 4 && reply_class(r) != 5)
		return smtp_fail_unexpected(s, r, "to STARTTLS");
	if (s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS)
		return smtp_fail_unexpected(s, r, "to STARTTLS (required)");
	s->starttls_refused = true;
	out_warn(s->out, "STARTTLS refused: the session stays unencrypted");
	if (s->pol->injection_test) {
		/* The NOOP written behind STARTTLS is answered in clear now. */
		struct reply noop = {0};
		int rc = read_reply(s, &noop, &s->err);
		reply_free(&noop);
		if (rc < 0)
			return SMTP_QUIT_NOWAIT;
	}
	return SMTP_ADVANCE;
}

/* After a handshake: the verdict, then forget everything learned in the
 * clear (RFC 3207 4.2) and greet again. */
static enum smtp_state on_handshake(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	out_tls(s->out, &s->tls);
	if (!s->tls.verified) {
		if (p->tls_verify && !p->tls.insecure)
			return smtp_fail(s, NULL, ERR_VERIFY,
					  "the server's certificate does not verify: %s (--insecure goes on anyway)",
					  s->tls.status_text);
		out_warn(s->out, "continuing although the certificate is not verified%s",
			 p->tls.insecure ? " (--insecure)" : " (opportunistic TLS)");
	}
	s->starttls_offered = false;
	ehlo_free(&s->caps_after);
	s->have_after = false;
	return SMTP_ADVANCE;
}

/* Pick the next state from the reply to the current one (r is NULL for
 * states that are steps rather than commands).  SMTP_ADVANCE: the state
 * did its work, smtp_run() decides whether to stop or go on. */
static enum smtp_state decide(struct smtp_session *s, const struct reply *r)
{
	switch (s->state) {
	case SMTP_CONNECT:
		return SMTP_ADVANCE;
	case SMTP_TLS_IMPLICIT:
	case SMTP_TLS_HANDSHAKE:
		if (s->pol->raw_hello)
			return SMTP_DONE;
		return on_handshake(s);
	case SMTP_GREETING:
		return on_greeting(s, r);
	case SMTP_EHLO:
		return on_ehlo(s, r);
	case SMTP_HELO:
		return on_helo(s, r);
	case SMTP_STARTTLS:
		return on_starttls(s, r);
	case SMTP_XCLIENT:
		return smtp_on_xclient(s, r);
	case SMTP_XFORWARD:
		return smtp_on_xforward(s, r);
	case SMTP_LMTP_REPLY:
		/* By hand (smtpkit session) there is no transaction of ours. */
		return s->txn ? smtp_on_lmtp_reply(s, r) : smtp_on_typed_final(s, r);
	case SMTP_AUTH:
	case SMTP_AUTH_STEP:
		return smtp_on_auth(s, r);
	case SMTP_MAIL:
		return smtp_on_mail(s, r);
	case SMTP_RCPT:
		return smtp_on_rcpt(s, r);
	case SMTP_DATA:
		return smtp_on_data(s, r);
	case SMTP_DATA_BODY:
	case SMTP_BDAT:
		return smtp_on_final(s, r);
	case SMTP_RSET:
		return s->pol->hold ? SMTP_HELD : SMTP_QUIT;
	case SMTP_QUIT:
		if (r->code != 221)
			out_warn(s->out, "unexpected reply %d to QUIT", r->code);
		return SMTP_DONE;
	case SMTP_TYPED:
		return smtp_on_typed(s, r);
	case SMTP_TYPED_DATA_END:
	case SMTP_TYPED_MESSAGE:
	case SMTP_TYPED_BDAT:
		return smtp_on_typed_final(s, r);
	case SMTP_HELD:
		return SMTP_HELD;
	case SMTP_QUIT_NOWAIT:
	case SMTP_DONE:
	case SMTP_ADVANCE:
		return SMTP_DONE;
	}
	return SMTP_DONE;
}

/* The state that follows one that did its work (SMTP_ADVANCE). */
static enum smtp_state advance(struct smtp_session *s)
{
	switch (s->state) {
	case SMTP_CONNECT:
		return implicit_tls(s) ? SMTP_TLS_IMPLICIT : SMTP_GREETING;
	case SMTP_TLS_IMPLICIT:
		return SMTP_GREETING;
	case SMTP_TLS_HANDSHAKE:
	case SMTP_GREETING:
		return s->pol->protocol == SMTP_PROTO_HELO ? SMTP_HELO : SMTP_EHLO;
	case SMTP_EHLO:
	case SMTP_HELO:
		return after_hello(s);
	case SMTP_XFORWARD:
	case SMTP_STARTTLS:
	case SMTP_AUTH:
	case SMTP_AUTH_STEP:
		return smtp_after_hello(s);
	case SMTP_MAIL:
		return SMTP_RCPT;
	case SMTP_RCPT:
		return smtp_txn_after_rcpts(s);
	default:
		return SMTP_QUIT;
	}
}

/* The stage a state completes; inside TLS begun by STARTTLS, the EHLO
 * completes the TLS stage. */
static enum smtp_stage completes(const struct smtp_session *s, enum smtp_state st)
{
	if ((st == SMTP_EHLO || st == SMTP_HELO) && s->in_tls && !implicit_tls(s))
		return SMTP_STAGE_TLS;
	return state_table[st].completes;
}

/* Where a stage comes in this session: with implicit TLS (RFC 8314) the
 * handshake comes before the greeting. */
static int stage_order(const struct smtp_session *s, enum smtp_stage st)
{
	if (st == SMTP_STAGE_HANDSHAKE && implicit_tls(s))
		return 2 * SMTP_STAGE_CONNECT + 1;
	return 2 * (int)st;
}

/* The stage the session works on next, after the current state's work. */
static enum smtp_stage upcoming(const struct smtp_session *s)
{
	switch (s->state) {
	case SMTP_CONNECT:
		return implicit_tls(s) ? SMTP_STAGE_HANDSHAKE : SMTP_STAGE_GREETING;
	case SMTP_TLS_IMPLICIT:
		return SMTP_STAGE_GREETING;
	case SMTP_TLS_HANDSHAKE:
		return SMTP_STAGE_TLS;
	case SMTP_GREETING:
		return SMTP_STAGE_EHLO;
	case SMTP_EHLO:
	case SMTP_HELO:
	case SMTP_STARTTLS:
	case SMTP_XFORWARD:
	case SMTP_AUTH:
	case SMTP_AUTH_STEP:
		return stage_after_hello(s);
	case SMTP_MAIL:
		return SMTP_STAGE_RCPT;
	default:
		return SMTP_STAGE_ALL;
	}
}

bool smtp_goes_past(const struct smtp_session *s, enum smtp_stage st)
{
	return stage_order(s, s->stop) > stage_order(s, st);
}

/* The one stop-after gate: the current state did its work; stop when the
 * policy's stage is the one it completed, or one the session now skips. */
static enum smtp_state stop_or_advance(struct smtp_session *s)
{
	enum smtp_stage stop = s->stop;
	int at = stage_order(s, stop);
	if ((s->state == SMTP_EHLO || s->state == SMTP_HELO) && smtp_goes_past(s, SMTP_STAGE_EHLO))
		warn_no_starttls(s);
	if (stage_order(s, completes(s, s->state)) <= at && at < stage_order(s, upcoming(s))) {
		if (s->pol->hold)
			return SMTP_HELD;               /* smtpkit session takes over */
		if (stop == SMTP_STAGE_CONNECT)
			return SMTP_QUIT_NOWAIT;        /* no greeting read */
		/* Nothing of the transaction stays; MAIL alone (no recipient,
		 * tls-check's mandatory-STARTTLS question) is taken back too. */
		if (stop == SMTP_STAGE_RCPT || (stop == SMTP_STAGE_MAIL && s->txn && s->txn->nrcpt == 0))
			return SMTP_RSET;
		return SMTP_QUIT;
	}
	return advance(s);
}

/* Where a failure leaves us: a QUIT only when the connection is in a
 * state where the server can read it. */
static enum smtp_state after_failure(const struct smtp_session *s)
{
	if (!s->connected || err_class(&s->err) == ERR_CLASS_IO)
		return SMTP_DONE;
	if (s->state == SMTP_TLS_HANDSHAKE || s->state == SMTP_TLS_IMPLICIT)
		return SMTP_DONE;
	/* Mid-message, a QUIT would be taken as message data. */
	if (s->state == SMTP_DATA_BODY || s->state == SMTP_BDAT || s->state == SMTP_TYPED_MESSAGE
	    || s->state == SMTP_TYPED_BDAT || s->state == SMTP_TYPED_DATA_END)
		return SMTP_DONE;
	if (s->state == SMTP_QUIT || s->state == SMTP_QUIT_NOWAIT)
		return SMTP_DONE;
	return SMTP_QUIT_NOWAIT;
}

/* By hand, a refusal the person can act on does not end the session:
 * the server said no and the connection is fine, or smtpkit refused
 * locally before sending anything.  The first is kept in hand.refusal. */
static bool hold_after_refusal(struct smtp_session *s)
{
	if (!s->hand.active || !s->connected || s->conn.eof)
		return false;
	bool reply_refusal = s->last_code >= 400 && s->last_code < 600 && s->last_code != 421;
	switch (s->err.cause) {
	case ERR_UNSUPPORTED:
		break;
	case ERR_AUTH:
	case ERR_REPLY_TEMP:
	case ERR_REPLY_PERM:
		if (reply_refusal)
			break;
		return false;
	default:
		return false;
	}
	out_warn(s->out, "%s", s->err.msg);
	s->hand.last_refused = true;
	if (!err_is_set(&s->hand.refusal))
		s->hand.refusal = s->err;
	memset(&s->err, 0, sizeof s->err);
	return true;
}

/* The one way to the next state: past the stop gate, and by hand past a
 * refusal. */
static void go(struct smtp_session *s, enum smtp_state next)
{
	if (next == SMTP_ADVANCE)
		next = stop_or_advance(s);
	if (next == SMTP_QUIT_NOWAIT && err_is_set(&s->err) && hold_after_refusal(s))
		next = SMTP_HELD;
	set_state(s, next);
}

int smtp_resume(struct smtp_session *s, enum smtp_state next)
{
	go(s, next);
	return smtp_run(s);
}

void smtp_hold_quit(struct smtp_session *s)
{
	if (s->state == SMTP_HELD)
		smtp_resume(s, SMTP_QUIT);
}

int smtp_run(struct smtp_session *s)
{
	while (s->state != SMTP_DONE && s->state != SMTP_HELD) {
		enum smtp_state next;
		struct reply r = {0};
		if (enter(s) < 0) {
			if (s->state == SMTP_DATA_BODY || s->state == SMTP_BDAT)
				smtp_txn_lost(s, false);
			next = after_failure(s);
		} else if (!state_table[s->state].reply) {
			next = decide(s, NULL);
		} else {
			/* A QUIT's reply is a courtesy: failing to read it is no failure. */
			struct err quit_err = {0};
			struct err *e = s->state == SMTP_QUIT ? &quit_err : &s->err;
			if (read_reply(s, &r, e) < 0) {
				if (e->cause == ERR_INTERRUPTED && smtp_hand_abandon(s)) {
					next = SMTP_HELD;
				} else {
					if (s->state == SMTP_DATA_BODY || s->state == SMTP_BDAT
					    || s->state == SMTP_LMTP_REPLY)
						smtp_txn_lost(s, true);
					next = s->state == SMTP_QUIT ? SMTP_DONE : after_failure(s);
				}
			} else
				next = decide(s, &r);
		}
		if (s->state == SMTP_GREETING && r.complete)
			s->greeting = r;
		else
			reply_free(&r);
		go(s, next);
	}
	if (s->hand.busy)
		*s->hand.busy = 0;
	if (s->state == SMTP_DONE && s->in_tls)
		tls_bye(&s->conn);
	if (s->state == SMTP_DONE)
		/* A --pipe program: its exit.  After a failure only a short
		 * grace (SPEC 2: the process ends soon after a deadline). */
		conn_finish(&s->conn, err_is_set(&s->err) ? 500 : 2000);
	return err_is_set(&s->err) ? -1 : 0;
}
