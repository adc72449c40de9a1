/* smtp.c - the session state machine.  One function enters a state (sends
 * its command or does its step), one reads the reply and picks the next
 * state, and set_state() is the only place the state changes.  No syscalls
 * here: the connection layer does all I/O. */
#include "smtp.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
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
	[SMTP_QUIT] = {"QUIT", "quit", true},
	[SMTP_QUIT_NOWAIT] = {"QUIT_NOWAIT", "quit", false},
	[SMTP_DONE] = {"DONE", "done", false},
};

const char *smtp_state_name(enum smtp_state st)
{
	return state_table[st].name;
}

static const char *stage(const struct smtp_session *s)
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
	conn_close(&s->conn);
	reply_free(&s->greeting);
	ehlo_free(&s->caps_before);
	ehlo_free(&s->caps_after);
	tls_info_free(&s->tls);
}

const struct ehlo_caps *smtp_caps(const struct smtp_session *s)
{
	return s->in_tls && s->have_after ? &s->caps_after : &s->caps_before;
}

static bool implicit_tls(const struct smtp_session *s)
{
	return s->pol->tls_mode == SMTP_TLS_MODE_IMPLICIT
	       || (s->pol->tls_mode == SMTP_TLS_MODE_AUTO && s->port == 465);
}

/* ---- sending and receiving ------------------------------------------ */

static int send_command(struct smtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int send_command(struct smtp_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 2)
		return err_set(&s->err, ERR_INTERNAL, stage(s), "command too long");
	out_sent(s->out, s->in_tls, conn_elapsed(&s->conn), line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	if (conn_queue(&s->conn, line, (size_t)n + 2) < 0)
		return err_set(&s->err, ERR_INTERNAL, stage(s), "out of memory");
	return conn_flush(&s->conn, &s->err, stage(s));
}

/* Read one whole reply, showing each line as it arrives. */
static int read_reply(struct smtp_session *s, struct reply *r, struct err *e)
{
	const char *line, *why;
	size_t len;
	bool bare_lf;

	for (;;) {
		if (conn_read_line(&s->conn, &line, &len, &bare_lf, REPLY_LINE_MAX, e, stage(s)) < 0)
			return -1;
		out_received(s->out, s->in_tls, conn_elapsed(&s->conn), line, len);
		enum reply_status st = reply_feed(r, line, len, bare_lf, &why);
		if (st == REPLY_MALFORMED) {
			err_set(e, ERR_PROTOCOL, stage(s), "malformed reply: %s", why);
			text_escape(line, len > 200 ? 200 : len, e->reply, sizeof e->reply);
			return -1;
		}
		if (st == REPLY_DONE)
			break;
	}
	if (r->bare_lf)
		s->nonconforming = true;
	out_reply(s->out, r, s->in_tls, conn_elapsed(&s->conn));
	return 0;
}

/* Record a failure caused by a reply, quoting it; returns the state that
 * ends the session. */
static enum smtp_state fail_reply(struct smtp_session *s, const struct reply *r,
				  enum err_class class, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum smtp_state fail_reply(struct smtp_session *s, const struct reply *r,
				  enum err_class class, const char *fmt, ...)
{
	if (!err_is_set(&s->err)) {
		va_list ap;
		va_start(ap, fmt);
		s->err.class = class;
		s->err.stage = stage(s);
		vsnprintf(s->err.msg, sizeof s->err.msg, fmt, ap);
		va_end(ap);
		if (r)
			reply_summary(r, s->err.reply, sizeof s->err.reply);
	}
	return SMTP_QUIT_NOWAIT;
}

/* 4xx is temporary (75), 5xx permanent (69); anything else where a
 * refusal was the only alternative makes no sense (76). */
static enum smtp_state fail_unexpected(struct smtp_session *s, const struct reply *r,
				       const char *what)
{
	if (r->code == 421)
		return fail_reply(s, r, ERR_TEMP, "server closing the connection (421) %s", what);
	if (reply_class(r) == 4)
		return fail_reply(s, r, ERR_TEMP, "temporary refusal %s", what);
	if (reply_class(r) == 5)
		return fail_reply(s, r, ERR_UNAVAILABLE, "refused %s", what);
	return fail_reply(s, r, ERR_PROTOCOL, "reply code %d makes no sense %s", r->code, what);
}

/* ---- the machine ------------------------------------------------------ */

/* Enter the current state: send its command or perform its step. */
static int enter(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;

	conn_step(&s->conn, p->timeout_ms);
	switch (s->state) {
	case SMTP_CONNECT:
		if (conn_connect(&s->conn, s->host, s->port, &p->conn, &s->err, stage(s)) < 0)
			return -1;
		s->connected = true;
		out_info(s->out, 0, "Connected to %s port %d in %.1f ms", s->conn.peer_addr,
			 s->port, s->conn.connect_ms);
		return 0;
	case SMTP_TLS_IMPLICIT:
	case SMTP_TLS_HANDSHAKE:
		/* RFC 3207 5 / SPEC 10.2: nothing may arrive between the 220 to
		 * STARTTLS and the handshake; checked in decide(). */
		if (tls_start(&s->conn, &p->tls, &s->tls, &s->err, stage(s)) < 0)
			return -1;
		s->in_tls = true;
		return 0;
	case SMTP_GREETING:
		return 0;
	case SMTP_EHLO:
		return send_command(s, "EHLO %s", p->helo);
	case SMTP_HELO:
		return send_command(s, "HELO %s", p->helo);
	case SMTP_STARTTLS:
		return send_command(s, "STARTTLS");
	case SMTP_QUIT:
		return send_command(s, "QUIT");
	case SMTP_QUIT_NOWAIT:
		/* After a failure: one short attempt, never a wait for the reply. */
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

	if (want_tls && p->stop_after >= SMTP_STAGE_TLS) {
		if (s->starttls_offered)
			return SMTP_STARTTLS;
		if (p->tls_mode == SMTP_TLS_MODE_STARTTLS)
			return fail_reply(s, NULL, ERR_UNAVAILABLE,
					  "STARTTLS is required (--tls starttls) but the server does not offer it");
		out_warn(s->out, "the server does not offer STARTTLS: the session stays unencrypted");
	}
	return SMTP_QUIT;
}

static enum smtp_state on_greeting(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220) {
		if (s->pol->stop_after == SMTP_STAGE_GREETING)
			return SMTP_QUIT;
		return SMTP_EHLO;
	}
	if (r->code == 554)
		return fail_reply(s, r, ERR_UNAVAILABLE, "the server refuses service (554 greeting)");
	return fail_unexpected(s, r, "as a greeting");
}

static enum smtp_state on_ehlo(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 250) {
		struct ehlo_caps *caps = s->in_tls ? &s->caps_after : &s->caps_before;
		ehlo_free(caps);
		if (ehlo_parse(r, caps) < 0)
			return fail_reply(s, r, ERR_INTERNAL, "cannot parse the EHLO reply");
		if (s->in_tls) {
			s->have_after = true;
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
		return fail_unexpected(s, r, "to EHLO");
	if (reply_class(r) == 5 && !s->in_tls) {
		/* RFC 5321 4.1.4: a server that does not know EHLO gets HELO, but
		 * then there is no STARTTLS: required TLS cannot be had. */
		if (s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS)
			return fail_reply(s, r, ERR_UNAVAILABLE,
					  "EHLO refused, so STARTTLS (required) is not available");
		return SMTP_HELO;
	}
	return fail_unexpected(s, r, "to EHLO");
}

static enum smtp_state on_helo(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 250)
		return fail_unexpected(s, r, "to HELO");
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
		if (extra > 0)
			return fail_reply(s, NULL, ERR_PROTOCOL,
					  "the server sent %zu bytes after its 220 to STARTTLS, before the TLS handshake: "
					  "an injection attack or a broken server", extra);
		return SMTP_TLS_HANDSHAKE;
	}
	if (reply_class(r) != 4 && reply_class(r) != 5)
		return fail_unexpected(s, r, "to STARTTLS");
	if (s->pol->tls_mode == SMTP_TLS_MODE_STARTTLS)
		return fail_unexpected(s, r, "to STARTTLS (required)");
	s->starttls_refused = true;
	out_warn(s->out, "STARTTLS refused: the session stays unencrypted");
	return SMTP_QUIT;
}

/* After a handshake: the verdict, then forget everything learned in the
 * clear (RFC 3207 4.2) and greet again. */
static enum smtp_state on_handshake(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	out_tls(s->out, &s->tls);
	if (!s->tls.verified) {
		if (p->tls_verify && !p->tls.insecure)
			return fail_reply(s, NULL, ERR_UNAVAILABLE,
					  "the server's certificate is not verified (%s): %s",
					  tls_verdict_name(s->tls.verdict), s->tls.status_text);
		out_warn(s->out, "continuing although the certificate is not verified%s",
			 p->tls.insecure ? " (--insecure)" : " (opportunistic TLS)");
	}
	s->starttls_offered = false;
	ehlo_free(&s->caps_after);
	s->have_after = false;
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
			next = after_failure(s);
		} else if (!state_table[s->state].reply) {
			next = decide(s, NULL);
		} else {
			/* A QUIT's reply is a courtesy: failing to read it is no failure. */
			struct err quit_err = {0};
			struct err *e = s->state == SMTP_QUIT ? &quit_err : &s->err;
			if (read_reply(s, &r, e) < 0)
				next = s->state == SMTP_QUIT ? SMTP_DONE : after_failure(s);
			else
				next = decide(s, &r);
		}
		if (s->state == SMTP_GREETING && r.code)
			s->greeting = r;
		else
			reply_free(&r);
		set_state(s, next);
	}
	if (s->in_tls)
		tls_bye(&s->conn);
	return err_is_set(&s->err) ? -1 : 0;
}
