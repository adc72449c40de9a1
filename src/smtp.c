/* smtp.c - the session state machine.  One function enters a state (sends
 * its command or does its step), one reads the reply and picks the next
 * state, and set_state() is the only place the state changes.  No syscalls
 * here: the connection layer does all I/O. */
#define _DEFAULT_SOURCE
#include "smtp.h"
#include "smtp_int.h"
#include "auth.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	const char *stage;          /* named in errors and the result line */
	bool reply;                 /* entering the state is answered by a reply */
} state_table[] = {
	[SMTP_CONNECT] = {"CONNECT", "connect", false},
	[SMTP_TLS_IMPLICIT] = {"TLS_IMPLICIT", "tls", false},
	[SMTP_GREETING] = {"GREETING", "greeting", true},
	[SMTP_EHLO] = {"EHLO", "ehlo", true},
	[SMTP_HELO] = {"HELO", "helo", true},
	[SMTP_STARTTLS] = {"STARTTLS", "starttls", true},
	[SMTP_TLS_HANDSHAKE] = {"TLS_HANDSHAKE", "tls", false},
	[SMTP_AUTH] = {"AUTH", "auth", true},
	[SMTP_AUTH_STEP] = {"AUTH_STEP", "auth", true},
	[SMTP_MAIL] = {"MAIL", "mail", true},
	[SMTP_RCPT] = {"RCPT", "rcpt", true},
	[SMTP_DATA] = {"DATA", "data", true},
	[SMTP_DATA_BODY] = {"DATA_BODY", "end-of-data", true},
	[SMTP_BDAT] = {"BDAT", "bdat", true},
	[SMTP_RSET] = {"RSET", "rset", true},
	[SMTP_QUIT] = {"QUIT", "quit", true},
	[SMTP_QUIT_NOWAIT] = {"QUIT_NOWAIT", "quit", false},
	[SMTP_DONE] = {"DONE", "done", false},
};

const char *smtp_state_name(enum smtp_state st)
{
	return state_table[st].name;
}

const char *smtp_stage_name(const struct smtp_session *s)
{
	return state_table[s->state].stage;
}


static void set_state(struct smtp_session *s, enum smtp_state next)
{
	out_info(s->out, 2, "state %s -> %s", state_table[s->state].name, state_table[next].name);
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
		return err_set(&s->err, ERR_INTERNAL, smtp_stage_name(s), "command too long");
	if (shown)
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), shown, strlen(shown));
	else
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	int rc = conn_queue(&s->conn, line, (size_t)n + 2);
	explicit_bzero(line, sizeof line);
	if (rc < 0)
		return err_set(&s->err, ERR_INTERNAL, smtp_stage_name(s), "out of memory");
	return 0;
}

int smtp_flush(struct smtp_session *s)
{
	return conn_flush(&s->conn, &s->err, smtp_stage_name(s));
}

static int send_command(struct smtp_session *s, const char *command)
{
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
		if (conn_read_line(&s->conn, &line, &len, &bare_lf, REPLY_LINE_MAX, e, smtp_stage_name(s)) < 0)
			return -1;
		out_received(s->out, s->in_tls, conn_elapsed(&s->conn), line, len);
		enum reply_status st = reply_feed(r, line, len, bare_lf, &why);
		if (st == REPLY_MALFORMED) {
			/* The first failure is the cause: quote this line only if it
			 * is the error reported. */
			bool first = !err_is_set(e);
			err_set(e, ERR_PROTOCOL, smtp_stage_name(s), "malformed reply: %s", why);
			if (first)
				text_escape(line, len > 200 ? 200 : len, e->reply, sizeof e->reply);
			return -1;
		}
		if (st == REPLY_DONE)
			break;
	}
	if (r->bare_lf)
		s->nonconforming = true;
	out_reply(s->out, r, smtp_stage_name(s), s->in_tls, conn_elapsed(&s->conn));
	return 0;
}

enum smtp_state smtp_fail(struct smtp_session *s, const struct reply *r,
			  enum err_class class, const char *fmt, ...)
{
	if (!err_is_set(&s->err)) {
		va_list ap;
		va_start(ap, fmt);
		s->err.class = class;
		s->err.stage = smtp_stage_name(s);
		vsnprintf(s->err.msg, sizeof s->err.msg, fmt, ap);
		va_end(ap);
		if (r)
			reply_summary(r, s->err.reply, sizeof s->err.reply);
	}
	return SMTP_QUIT_NOWAIT;
}

enum smtp_state smtp_fail_unexpected(struct smtp_session *s, const struct reply *r,
				     const char *what)
{
	if (r->code == 421)
		return smtp_fail(s, r, ERR_TEMP, "server closing the connection (421) %s", what);
	if (reply_class(r) == 4)
		return smtp_fail(s, r, ERR_TEMP, "temporary refusal %s", what);
	if (reply_class(r) == 5)
		return smtp_fail(s, r, ERR_UNAVAILABLE, "refused %s", what);
	return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense %s", r->code, what);
}

/* ---- the machine ------------------------------------------------------ */

/* Enter the current state: send its command or perform its step. */
static int enter(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;

	conn_step(&s->conn, p->timeout_ms);
	switch (s->state) {
	case SMTP_CONNECT:
		if (conn_connect(&s->conn, s->host, s->port, &p->conn, &s->err, smtp_stage_name(s)) < 0)
			return -1;
		s->connected = true;
		out_info(s->out, 0, "Connected to %s port %d in %.1f ms", s->conn.peer_addr,
			 s->port, s->conn.connect_ms);
		return 0;
	case SMTP_TLS_IMPLICIT:
	case SMTP_TLS_HANDSHAKE:
		/* RFC 3207 5 / SPEC 10.2: nothing may arrive between the 220 to
		 * STARTTLS and the handshake; checked in decide(). */
		if (tls_start(&s->conn, &p->tls, &s->tls, &s->err, smtp_stage_name(s)) < 0)
			return -1;
		s->in_tls = true;
		s->out->in_tls = true;
		return 0;
	case SMTP_GREETING:
		return 0;
	case SMTP_EHLO:
	case SMTP_HELO:
		if (smtp_queue_command(s, NULL, "%s %s", s->state == SMTP_EHLO ? "EHLO" : "HELO",
				       p->helo) < 0)
			return -1;
		return smtp_flush(s);
	case SMTP_STARTTLS:
		s->starttls_ms = conn_elapsed(&s->conn);
		if (smtp_queue_command(s, NULL, "STARTTLS") < 0)
			return -1;
		if (p->injection_test && smtp_queue_command(s, NULL, "NOOP") < 0)
			return -1;
		return smtp_flush(s);
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
		/* Already written behind the last command of a pipelined group. */
		if (s->txn && s->txn->quit_sent)
			return 0;
		return send_command(s, "QUIT");
	case SMTP_QUIT_NOWAIT:
		/* After a failure: one short attempt, never a wait for the reply. */
		if (s->txn && s->txn->quit_sent)
			return 0;
		conn_step(&s->conn, 1000);
		out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), "QUIT", 4);
		struct err ignored = {0};
		if (conn_queue(&s->conn, "QUIT\r\n", 6) == 0)
			conn_flush(&s->conn, &ignored, "quit");
		return 0;
	case SMTP_DONE:
		return 0;
	}
	return 0;
}

/* What follows the last EHLO/HELO: STARTTLS, or the stop stage. */
static enum smtp_state after_hello(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	bool want_tls = p->tls_mode != SMTP_TLS_MODE_NONE && !implicit_tls(s) && !s->in_tls;

	if (want_tls && p->stop_after >= SMTP_STAGE_HANDSHAKE) {
		if (s->starttls_offered)
			return SMTP_STARTTLS;
		if (p->tls_mode == SMTP_TLS_MODE_STARTTLS)
			return smtp_fail(s, NULL, ERR_UNAVAILABLE,
					  "STARTTLS is required (--tls starttls) but the server does not offer it");
		out_warn(s->out, "the server does not offer STARTTLS: the session stays unencrypted");
	}
	return smtp_after_hello(s);
}

enum smtp_state smtp_after_hello(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	if (p->stop_after <= SMTP_STAGE_TLS)
		return SMTP_QUIT;
	if (p->auth.user && !s->authenticated)
		return smtp_auth_choose(s);
	if (p->stop_after <= SMTP_STAGE_AUTH || !s->txn)
		return SMTP_QUIT;
	return smtp_txn_begin(s);
}

static enum smtp_state on_greeting(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220) {
		if (s->pol->stop_after == SMTP_STAGE_GREETING)
			return SMTP_QUIT;
		return SMTP_EHLO;
	}
	if (r->code == 554)
		return smtp_fail(s, r, ERR_UNAVAILABLE, "the server refuses service (554 greeting)");
	return smtp_fail_unexpected(s, r, "as a greeting");
}

/* The injection test's verdict, on the first reply read inside TLS.  A
 * NOOP reply is one line; an EHLO reply with extensions is several.  So a
 * multiline first reply means the NOOP was not run; a one-line first reply
 * is followed by the EHLO reply within a few round trips if the NOOP was
 * run, and by nothing if it was the EHLO reply itself.  Returns the reply
 * to treat as EHLO's in *ehlo (r itself, or the one read here). */
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
		if (quiet.class == ERR_TEMP && !started) {
			reply_free(second);     /* nothing came: r was EHLO's reply */
			return 0;
		}
		/* Part of a second reply came: it is the EHLO reply, so read the
		 * rest under a whole step's deadline. */
		struct err rest = {0};
		conn_step(&s->conn, s->pol->timeout_ms);
		if (quiet.class != ERR_TEMP || read_reply(s, second, &rest) < 0) {
			reply_free(second);
			s->err = quiet.class != ERR_TEMP ? quiet : rest;
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

static enum smtp_state on_ehlo_reply(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 250) {
		struct ehlo_caps *caps = s->in_tls ? &s->caps_after : &s->caps_before;
		ehlo_free(caps);
		if (ehlo_parse(r, caps) < 0)
			return smtp_fail(s, r, ERR_INTERNAL, "cannot parse the EHLO reply");
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
		if (s->pol->stop_after == SMTP_STAGE_EHLO)
			return SMTP_QUIT;
		return after_hello(s);
	}
	if (r->code == 421 || reply_class(r) == 4)
		return smtp_fail_unexpected(s, r, "to EHLO");
	if (reply_class(r) == 5 && !s->in_tls) {
		/* RFC 5321 4.1.4: a server that does not know EHLO gets HELO, but
		 * then there is no STARTTLS: required TLS cannot be had. */
		if (s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS)
			return smtp_fail(s, r, ERR_UNAVAILABLE,
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
	out_info(s->out, 0, "HELO accepted: the server offers no extensions");
	if (s->pol->stop_after == SMTP_STAGE_EHLO)
		return SMTP_QUIT;
	return after_hello(s);
}

static enum smtp_state on_starttls(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220) {
		size_t extra = conn_pending(&s->conn);
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
	return smtp_after_hello(s);
}

/* After a handshake: the verdict, then forget everything learned in the
 * clear (RFC 3207 4.2) and greet again. */
static enum smtp_state on_handshake(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	out_tls(s->out, &s->tls);
	if (!s->tls.verified) {
		if (p->tls_verify && !p->tls.insecure)
			return smtp_fail(s, NULL, ERR_UNAVAILABLE,
					  "the server's certificate does not verify: %s (--insecure goes on anyway)",
					  s->tls.status_text);
		out_warn(s->out, "continuing although the certificate is not verified%s",
			 p->tls.insecure ? " (--insecure)" : " (opportunistic TLS)");
	}
	s->starttls_offered = false;
	ehlo_free(&s->caps_after);
	s->have_after = false;
	if (p->stop_after == SMTP_STAGE_HANDSHAKE)
		return SMTP_QUIT;
	return s->state == SMTP_TLS_IMPLICIT ? SMTP_GREETING : SMTP_EHLO;
}

/* Pick the next state from the reply to the current one (r is NULL for
 * states that are steps rather than commands). */
static enum smtp_state decide(struct smtp_session *s, const struct reply *r)
{
	switch (s->state) {
	case SMTP_CONNECT:
		if (s->pol->stop_after == SMTP_STAGE_CONNECT)
			return SMTP_QUIT_NOWAIT;
		return implicit_tls(s) ? SMTP_TLS_IMPLICIT : SMTP_GREETING;
	case SMTP_TLS_IMPLICIT:
	case SMTP_TLS_HANDSHAKE:
		return on_handshake(s);
	case SMTP_GREETING:
		return on_greeting(s, r);
	case SMTP_EHLO:
		return on_ehlo(s, r);
	case SMTP_HELO:
		return on_helo(s, r);
	case SMTP_STARTTLS:
		return on_starttls(s, r);
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
		return smtp_on_rset(s, r);
	case SMTP_QUIT:
		if (r->code != 221)
			out_warn(s->out, "unexpected reply %d to QUIT", r->code);
		return SMTP_DONE;
	case SMTP_QUIT_NOWAIT:
	case SMTP_DONE:
		return SMTP_DONE;
	}
	return SMTP_DONE;
}

/* Where a failure leaves us: a QUIT only when the connection is in a
 * state where the server can read it. */
static enum smtp_state after_failure(const struct smtp_session *s)
{
	if (!s->connected || s->err.class == ERR_IO)
		return SMTP_DONE;
	if (s->state == SMTP_TLS_HANDSHAKE || s->state == SMTP_TLS_IMPLICIT)
		return SMTP_DONE;
	/* Mid-message, a QUIT would be taken as message data. */
	if (s->state == SMTP_DATA_BODY || s->state == SMTP_BDAT)
		return SMTP_DONE;
	if (s->state == SMTP_QUIT || s->state == SMTP_QUIT_NOWAIT)
		return SMTP_DONE;
	return SMTP_QUIT_NOWAIT;
}

int smtp_run(struct smtp_session *s)
{
	while (s->state != SMTP_DONE) {
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
				if (s->state == SMTP_DATA_BODY || s->state == SMTP_BDAT)
					smtp_txn_lost(s, true);
				next = s->state == SMTP_QUIT ? SMTP_DONE : after_failure(s);
			} else
				next = decide(s, &r);
		}
		if (s->state == SMTP_GREETING && r.complete) {
			s->greeting = r;
			s->greeted = true;
		}
		else
			reply_free(&r);
		set_state(s, next);
	}
	if (s->in_tls)
		tls_bye(&s->conn);
	return err_is_set(&s->err) ? -1 : 0;
}
