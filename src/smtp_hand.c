/* smtp_hand.c - the session machine driven by hand (smtpkit session):
 * commands typed are written and their replies read and explained by the
 * same machine every subcommand runs; STARTTLS and AUTH typed run the
 * machine's own states.  No syscalls here. */
#define _DEFAULT_SOURCE
#include "smtp.h"
#include "smtp_int.h"
#include "auth.h"
#include "msg.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Verbs whose replies have a meaning of their own in the machine's state
 * table, and the step names the transcript gives the rest. */
static const struct {
	const char *verb;
	enum smtp_state like;
	const char *step;
} verbs[] = {
	{"EHLO", SMTP_EHLO, "ehlo"}, {"HELO", SMTP_HELO, "helo"}, {"LHLO", SMTP_EHLO, "lhlo"},
	{"STARTTLS", SMTP_STARTTLS, "starttls"}, {"AUTH", SMTP_AUTH, "auth"},
	{"MAIL", SMTP_MAIL, "mail"}, {"RCPT", SMTP_RCPT, "rcpt"}, {"DATA", SMTP_DATA, "data"},
	{"BDAT", SMTP_BDAT, "bdat"}, {"RSET", SMTP_RSET, "rset"}, {"QUIT", SMTP_QUIT, "quit"},
	{"NOOP", SMTP_TYPED, "noop"}, {"VRFY", SMTP_TYPED, "vrfy"}, {"EXPN", SMTP_TYPED, "expn"},
	{"HELP", SMTP_TYPED, "help"}, {"ETRN", SMTP_TYPED, "etrn"}, {"XCLIENT", SMTP_TYPED, "xclient"},
	{"XFORWARD", SMTP_TYPED, "xforward"},
};

static void classify(struct smtp_typed *t, bool sasl)
{
	t->like = SMTP_TYPED;
	t->step = "command";
	if (sasl) {
		/* RFC 4954 4: the line after a 334 is the client's SASL response. */
		t->like = SMTP_AUTH_STEP;
		t->step = "auth";
		t->secret = true;
		return;
	}
	size_t n = strcspn(t->line, " \t");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strlen(verbs[i].verb) == n && text_ncasecmp(t->line, verbs[i].verb, n) == 0) {
			t->like = verbs[i].like;
			t->step = verbs[i].step;
			/* AUTH typed with its own initial response carries a secret. */
			t->secret = t->like == SMTP_AUTH && t->line[n] != '\0';
			return;
		}
	}
}

const char *smtp_typed_step(const struct smtp_session *s)
{
	const struct smtp_hand *h = &s->hand;
	return h->answered < h->ntyped ? h->typed[h->answered].step : "command";
}

enum smtp_state smtp_typed_like(const struct smtp_session *s)
{
	const struct smtp_hand *h = &s->hand;
	return h->answered < h->ntyped ? h->typed[h->answered].like : SMTP_TYPED;
}

static void forget_typed(struct smtp_hand *h)
{
	for (size_t i = 0; i < h->ntyped; i++) {
		if (h->typed[i].secret)
			explicit_bzero(h->typed[i].line, strlen(h->typed[i].line));
		free(h->typed[i].line);
	}
	free(h->typed);
	h->typed = NULL;
	h->ntyped = h->answered = 0;
	h->written = false;
}

void smtp_hand_free(struct smtp_session *s)
{
	forget_typed(&s->hand);
	free(s->hand.data);
	s->hand.data = NULL;
}

/* Hide a typed secret from everything shown of what the server says
 * (SPEC 10.11), as AUTH run by smtpkit does. */
static int hide(struct smtp_session *s, const char *secret)
{
	if (s->out->o.show_secrets || !*secret || text_hide(secret, strlen(secret)) == 0)
		return 0;
	return err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
}

int smtp_enter_typed(struct smtp_session *s)
{
	struct smtp_hand *h = &s->hand;
	if (h->written)
		return 0;               /* the group is written: read the next reply */
	if (smtp_expect_quiet(s, "the command typed") < 0)
		return -1;
	for (size_t i = 0; i < h->ntyped; i++) {
		const struct smtp_typed *t = &h->typed[i];
		char shown[64];
		const char *show = NULL;
		if (t->secret) {
			/* "AUTH PLAIN <hidden>"; a SASL response line hidden whole.
			 * The words are split as classify() split them (a TAB
			 * too): a verb alone must not be read past its end. */
			const char *arg = t->line;
			if (t->like == SMTP_AUTH) {
				arg += strcspn(arg, " \t");
				if (*arg)
					arg++;
			}
			const char *mech_end = strpbrk(arg, " \t");
			if (t->like == SMTP_AUTH && mech_end) {
				snprintf(shown, sizeof shown, "%.*s %s", (int)(mech_end - t->line), t->line,
					 TEXT_SECRET_MARK);
				if (hide(s, mech_end + 1) < 0)
					return -1;
			} else {
				snprintf(shown, sizeof shown, "%s", TEXT_SECRET_MARK);
				if (hide(s, t->line) < 0)
					return -1;
			}
			if (!s->out->o.show_secrets)
				show = shown;
		}
		if (smtp_queue_command(s, show, "%s", t->line) < 0)
			return -1;
	}
	h->written = true;
	return smtp_flush(s);
}

static void note_refusal(struct smtp_session *s, const struct reply *r, const char *step)
{
	int cls = reply_class(r);
	if ((cls != 4 && cls != 5) || err_is_set(&s->hand.refusal))
		return;
	err_set(&s->hand.refusal, cls == 4 ? ERR_REPLY_TEMP : ERR_REPLY_PERM, step,
		"%s refused %s", step, cls == 4 ? "for now" : "permanently");
	char quoted[ERR_REPLY_MAX];
	reply_summary(r, quoted, sizeof quoted);
	err_quote(&s->hand.refusal, quoted);
}

static void accepted(struct smtp_session *s, const struct reply *r)
{
	char id[128] = "";
	smtp_reply_queue_id(r, id, sizeof id);
	if (id[0])
		out_info(s->out, 0, "message accepted, queued as %s", id);
	else
		out_info(s->out, 0, "message accepted");
}

enum smtp_state smtp_on_typed(struct smtp_session *s, const struct reply *r)
{
	struct smtp_hand *h = &s->hand;
	const struct smtp_typed *t = &h->typed[h->answered];
	enum smtp_state like = t->like;
	const char *step = t->step;

	h->sasl = (like == SMTP_AUTH || like == SMTP_AUTH_STEP) && r->code == 334;
	if (r->code == 421)
		return smtp_fail(s, r, ERR_REPLY_TEMP, "server closing the connection (421)");
	if (like == SMTP_EHLO && r->code == 250 && smtp_take_caps(s, r) < 0)
		return SMTP_QUIT_NOWAIT;
	if (like == SMTP_HELO && r->code == 250)
		s->used_helo = true;
	if (like == SMTP_AUTH_STEP || like == SMTP_AUTH) {
		if (r->code == 235)
			s->authenticated = true;
	}
	note_refusal(s, r, step);
	h->answered++;
	if ((like == SMTP_MAIL && r->code == 250) || like == SMTP_RSET)
		h->lmtp_rcpts = 0;
	if (like == SMTP_RCPT && reply_class(r) == 2)
		h->lmtp_rcpts++;
	if (like == SMTP_QUIT) {
		if (r->code != 221)
			out_warn(s->out, "unexpected reply %d to QUIT", r->code);
		h->quit = true;
		return SMTP_DONE;
	}
	if (like == SMTP_DATA_BODY && r->code == 250)
		accepted(s, r);
	if (like == SMTP_DATA && r->code == 354) {
		if (!h->data && !(h->data = malloc(sizeof *h->data)))
			return smtp_fail(s, NULL, ERR_INTERNAL, "out of memory");
		out_data_begin(s->out, h->data, s->in_tls);
		h->in_data = true;
	}
	if (h->answered < h->ntyped)
		return SMTP_TYPED;
	forget_typed(h);
	return SMTP_HELD;
}

enum smtp_state smtp_on_typed_final(struct smtp_session *s, const struct reply *r)
{
	struct smtp_hand *h = &s->hand;
	const char *step = smtp_step_name(s);
	h->in_data = false;
	h->msg = NULL;
	if (r->code == 421)
		return smtp_fail(s, r, ERR_REPLY_TEMP, "server closing the connection (421)");
	if (r->code == 250)
		accepted(s, r);
	else if (reply_class(r) != 4 && reply_class(r) != 5)
		return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense to the end of a message",
				 r->code);
	note_refusal(s, r, step);
	if (s->pol->protocol == SMTP_PROTO_LMTP) {
		/* RFC 2033 4.2: one reply per recipient accepted since MAIL. */
		if (s->state != SMTP_LMTP_REPLY)
			h->lmtp_owed = h->lmtp_rcpts;
		if (h->lmtp_owed > 0)
			h->lmtp_owed--;
		if (h->lmtp_owed > 0)
			return SMTP_LMTP_REPLY;
		h->lmtp_rcpts = 0;
	}
	return SMTP_HELD;
}

bool smtp_hand_interruptible(enum smtp_state st)
{
	return st == SMTP_TYPED || st == SMTP_TYPED_DATA_END || st == SMTP_TYPED_MESSAGE
	       || st == SMTP_TYPED_BDAT || st == SMTP_LMTP_REPLY;
}

bool smtp_hand_abandon(struct smtp_session *s)
{
	struct smtp_hand *h = &s->hand;
	if (!h->active || !smtp_hand_interruptible(s->state))
		return false;
	if (s->state != SMTP_TYPED) {
		/* The message is all on the wire; only its replies are owed:
		 * one, or with LMTP one per recipient accepted (RFC 2033 4.2). */
		size_t n = 1;
		if (s->pol->protocol == SMTP_PROTO_LMTP)
			n = s->state == SMTP_LMTP_REPLY ? h->lmtp_owed : h->lmtp_rcpts;
		if (n == 0)
			n = 1;
		const char *step = smtp_step_name(s);
		h->in_data = false;
		h->msg = NULL;
		h->lmtp_rcpts = h->lmtp_owed = 0;
		forget_typed(h);
		if (!(h->typed = calloc(n, sizeof *h->typed)))
			return false;
		h->ntyped = n;
		for (size_t i = 0; i < n; i++) {
			if (!(h->typed[i].line = strdup("."))) {
				forget_typed(h);
				return false;
			}
			h->typed[i].like = SMTP_DATA_BODY;
			h->typed[i].step = step;
		}
		h->written = true;
	}
	size_t owed = h->ntyped - h->answered;
	out_warn(s->out, "stopped waiting (Ctrl-C): %zu %s still to come, read before the next command",
		 owed, owed == 1 ? "reply" : "replies");
	memset(&s->err, 0, sizeof s->err);
	return true;
}

/* ---- what the session command calls ----------------------------------- */

static int held(struct smtp_session *s)
{
	return s->state == SMTP_HELD ? 0 : -1;
}

/* Nothing is typed at a session that is over; the caller checks first,
 * but a state that is not held must never be driven. */
static int begin(struct smtp_session *s)
{
	struct smtp_hand *h = &s->hand;
	if (s->state != SMTP_HELD)
		return err_set(&s->err, ERR_INTERNAL, "held", "the session is not waiting for a command");
	h->active = true;
	if (h->written && h->answered < h->ntyped) {
		/* Replies owed since a Ctrl-C come first: nothing new is written
		 * while one is awaited (they would be taken for its reply). */
		smtp_resume(s, SMTP_TYPED);
		if (s->state != SMTP_HELD)
			return -1;
		if (h->written && h->answered < h->ntyped)
			return 1;
	}
	return 0;
}

/* A local refusal: nothing sent, the session stays held. */
static int refuse(struct smtp_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct smtp_session *s, const char *fmt, ...)
{
	struct err e = {0};
	va_list ap;
	va_start(ap, fmt);
	err_vset(&e, ERR_UNSUPPORTED, smtp_step_name(s), fmt, ap);
	va_end(ap);
	out_warn(s->out, "%s", e.msg);
	s->hand.last_refused = true;
	if (!err_is_set(&s->hand.refusal))
		s->hand.refusal = e;
	return 0;
}

int smtp_hand_commands(struct smtp_session *s, const char *const *lines, size_t n)
{
	struct smtp_hand *h = &s->hand;
	if (begin(s) != 0 || n == 0)
		return held(s);
	forget_typed(h);
	if (!(h->typed = calloc(n, sizeof *h->typed)))
		return err_set(&s->err, ERR_INTERNAL, "command", "out of memory");
	bool sasl = h->sasl;
	for (size_t i = 0; i < n; i++, h->ntyped++) {
		if (!(h->typed[i].line = strdup(lines[i]))) {
			forget_typed(h);
			return err_set(&s->err, ERR_INTERNAL, "command", "out of memory");
		}
		classify(&h->typed[i], sasl && i == 0);
	}
	h->sasl = false;
	smtp_resume(s, SMTP_TYPED);
	return held(s);
}

int smtp_hand_starttls(struct smtp_session *s)
{
	if (begin(s) != 0)
		return held(s);
	if (s->in_tls)
		return refuse(s, "%s: TLS is already on (RFC 3207 4.2: STARTTLS once)", "STARTTLS");
	/* Through the handshake and the EHLO inside TLS. */
	s->stop = SMTP_STAGE_TLS;
	out_info(s->out, 0, "STARTTLS by smtpkit: the handshake, the certificate, then EHLO again "
		 "(RFC 3207 4.2: what was said before TLS no longer counts)");
	smtp_resume(s, SMTP_STARTTLS);
	return held(s);
}

int smtp_hand_auth(struct smtp_session *s)
{
	if (begin(s) != 0)
		return held(s);
	if (s->auth) {
		auth_free(s->auth);
		free(s->auth);
		s->auth = NULL;
	}
	s->stop = SMTP_STAGE_AUTH;
	smtp_resume(s, smtp_auth_choose(s));
	return held(s);
}

int smtp_hand_data_line(struct smtp_session *s, const char *line, size_t len)
{
	struct smtp_hand *h = &s->hand;
	if (begin(s) != 0)
		return held(s);
	if (!h->in_data)
		return refuse(s, "%s: no 354 to DATA yet", "message line");
	/* RFC 5321 4.5.2: a line that begins with a dot gets another. */
	char wire[MSG_LINE_MAX + 4];
	size_t n = 0;
	if (len > MSG_LINE_MAX)
		return refuse(s, "%s: over 998 octets (RFC 5321 4.5.3.1.6): not sent", "message line");
	if (len > 0 && line[0] == '.')
		wire[n++] = '.';
	memcpy(wire + n, line, len);
	n += len;
	memcpy(wire + n, "\r\n", 2);
	n += 2;
	out_data_feed(s->out, h->data, conn_elapsed(&s->conn), wire, n);
	if (conn_queue(&s->conn, wire, n) < 0)
		return err_set(&s->err, ERR_INTERNAL, "data", "out of memory");
	/* Typed lines leave in the final dot's write, unless they pile up. */
	if (s->conn.wlen >= 65536) {
		conn_step(&s->conn, s->pol->timeout_ms);
		if (conn_flush(&s->conn, &s->err, "data") < 0) {
			smtp_resume(s, SMTP_DONE);
			return -1;
		}
	}
	return 0;
}

int smtp_hand_data_end(struct smtp_session *s)
{
	if (begin(s) != 0)
		return held(s);
	if (!s->hand.in_data)
		return refuse(s, "%s: no 354 to DATA yet", "end of message");
	out_data_end(s->out, s->hand.data);
	conn_step(&s->conn, s->pol->timeout_ms);
	smtp_resume(s, SMTP_TYPED_DATA_END);
	return held(s);
}

int smtp_hand_message(struct smtp_session *s, struct msg *m, bool bdat)
{
	struct smtp_hand *h = &s->hand;
	if (begin(s) != 0)
		return held(s);
	if (h->in_data)
		return refuse(s, "%s: a message is being typed: end it with a line holding only \".\"", "/data");
	if (bdat && !ehlo_has(smtp_caps(s), "CHUNKING"))
		return refuse(s, "%s: the server does not offer CHUNKING (RFC 3030)", "BDAT");
	if (!bdat) {
		const char *data = "DATA";
		if (smtp_hand_commands(s, &data, 1) < 0 || !h->in_data)
			return held(s);
		/* The message goes whole from the file: no lines typed. */
		h->in_data = false;
	}
	h->msg = m;
	smtp_resume(s, bdat ? SMTP_TYPED_BDAT : SMTP_TYPED_MESSAGE);
	return held(s);
}

void smtp_hand_drop(struct smtp_session *s)
{
	struct smtp_hand *h = &s->hand;
	if (h->in_data && h->data)
		out_data_end(s->out, h->data);
	h->in_data = false;
	out_warn(s->out, "closing the connection without the final \".\": the server discards the message");
	smtp_resume(s, SMTP_DONE);
}

int smtp_hand_quit(struct smtp_session *s)
{
	if (begin(s) != 0)
		return held(s);
	s->hand.quit = true;
	smtp_hold_quit(s);
	return err_is_set(&s->err) ? -1 : 0;
}
