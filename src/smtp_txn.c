/* smtp_txn.c - the mail transaction states: MAIL, RCPT, DATA or BDAT, the
 * message, RSET; pipelined (RFC 2920) and chunked (RFC 3030) when offered. */
#define _DEFAULT_SOURCE
#include "smtp_int.h"
#include "deadline.h"
#include "msg.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_CHUNK 65536

static bool offered(const struct smtp_session *s, const char *keyword)
{
	return ehlo_has(smtp_caps(s), keyword);
}

static bool pipelining(const struct smtp_session *s)
{
	return offered(s, "PIPELINING") && !s->txn->no_pipelining;
}

static bool chunking(const struct smtp_session *s)
{
	return offered(s, "CHUNKING") && !s->txn->no_chunking;
}

/* RFC 9422 LIMITS RCPTMAX=n: recipients per transaction; 0 if none. */
static size_t rcptmax(const struct smtp_session *s)
{
	const struct ehlo_cap *c = ehlo_find(smtp_caps(s), "LIMITS");
	for (size_t i = 0; c && i < c->nparams; i++) {
		/* RFC 9422 2: "RCPTMAX=" digits; keywords are case-insensitive. */
		char key[9];
		snprintf(key, sizeof key, "%.8s", c->params[i]);
		if (text_casecmp(key, "RCPTMAX=") == 0) {
			const char *v = c->params[i] + 8;
			size_t max = 0;
			for (; *v >= '0' && *v <= '9' && max < 1000000; v++)
				max = max * 10 + (size_t)(*v - '0');
			if (*v == '\0' && max > 0)
				return max;
		}
	}
	return 0;
}

static void next_batch(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	size_t max = rcptmax(s);
	t->batch_start = t->batch_end;
	t->batch_end = t->nrcpt;
	if (max && t->batch_end - t->batch_start > max)
		t->batch_end = t->batch_start + max;
	t->rcptmax = max;
	t->ntransactions++;
	for (size_t i = t->batch_start; i < t->batch_end; i++)
		t->rcpts[i].transaction = t->ntransactions;
	t->rcpt_reply = 0;
	t->dot_only = false;
	s->ahead = (struct smtp_ahead){0};
}

size_t smtp_txn_planned(const struct smtp_txn *t)
{
	return t->rcptmax ? (t->nrcpt + t->rcptmax - 1) / t->rcptmax : 1;
}

static size_t batch_size(const struct smtp_txn *t)
{
	return t->batch_end - t->batch_start;
}

static size_t batch_accepted(const struct smtp_txn *t)
{
	size_t n = 0;
	for (size_t i = t->batch_start; i < t->batch_end; i++)
		n += t->rcpts[i].accepted;
	return n;
}

/* The checks that need the server's capabilities, before MAIL: NULL when
 * the transaction can go ahead, else why not. */
static const char *txn_obstacle(struct smtp_session *s, char *why, size_t size)
{
	struct smtp_txn *t = s->txn;
	uint64_t limit = 0;

	/* No message: an envelope-only probe (relay test) that stops at RCPT. */
	if (t->msg && ehlo_size(smtp_caps(s), &limit) == 1 && limit > 0 && t->msg->size > limit) {
		snprintf(why, size, "the message is %llu octets; the server accepts at most %llu (SIZE, RFC 1870)",
			 (unsigned long long)t->msg->size, (unsigned long long)limit);
		return why;
	}
	/* RFC 6152 3: 8-bit data only to a server that says 8BITMIME; we do not
	 * convert a raw message. */
	if (t->msg && t->msg->eightbit && !offered(s, "8BITMIME"))
		return "the message has 8-bit content and the server does not offer 8BITMIME";
	if (t->smtputf8 && !offered(s, "SMTPUTF8"))
		return "an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)";
	if ((t->dsn_notify || t->dsn_ret || t->envid) && !offered(s, "DSN"))
		return "delivery status notifications requested and the server does not offer DSN (RFC 3461)";
	if (t->requiretls && !s->in_tls)
		return "--requiretls: the session is not encrypted";
	if (t->requiretls && !offered(s, "REQUIRETLS"))
		return "--requiretls: the server does not offer REQUIRETLS (RFC 8689)";
	return NULL;
}

enum smtp_state smtp_txn_begin(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	char buf[256];
	const char *why = txn_obstacle(s, buf, sizeof buf);

	if (why)
		return smtp_fail(s, NULL, ERR_UNSUPPORTED, "%s", why);
	/* Already begun: written behind a pipelined AUTH PLAIN. */
	if (s->ahead.mail)
		return SMTP_MAIL;
	t->batch_end = 0;
	next_batch(s);
	return SMTP_MAIL;
}

int smtp_hold_txn(struct smtp_session *s, struct smtp_txn *t, struct smtp_txn *next)
{
	if (s->state != SMTP_HELD)
		return err_set(&s->err, ERR_INTERNAL, "mail", "the session is not held open");
	/* Written behind the last transaction's end of data: only its
	 * replies are read now. */
	bool written = s->next_txn == t && s->next_ahead.mail;
	s->ahead = written ? s->next_ahead : (struct smtp_ahead){0};
	s->next_txn = next;
	s->next_ahead = (struct smtp_ahead){0};
	s->txn = t;
	s->stop = SMTP_STAGE_ALL;
	smtp_resume(s, smtp_txn_begin(s));
	return s->state == SMTP_HELD ? 0 : -1;
}

void smtp_txn_reset(struct smtp_txn *t)
{
	for (size_t i = 0; i < t->nrcpt; i++) {
		struct smtp_rcpt *r = &t->rcpts[i];
		r->code = 0;
		r->accepted = false;
		r->enhanced[0] = r->text[0] = r->queue_id[0] = '\0';
		r->transaction = 0;
	}
	t->queue_id[0] = t->final_reply[0] = '\0';
	t->delivered = t->maybe_delivered = t->dot_only = t->message_sent = false;
	t->ndelivered = t->rcptmax = 0;
	t->ntransactions = 0;
	t->batch_start = t->batch_end = t->rcpt_reply = 0;
	t->final_next = t->final_left = 0;
}

static int queue_mail(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	char params[512] = "";
	size_t n = 0;
	uint64_t limit;

	if (t->msg && ehlo_size(smtp_caps(s), &limit) == 1)
		n += (size_t)snprintf(params + n, sizeof params - n, " SIZE=%llu",
				      (unsigned long long)t->msg->size);
	if (t->msg && t->msg->eightbit)
		n += (size_t)snprintf(params + n, sizeof params - n, " BODY=8BITMIME");
	if (t->smtputf8)
		n += (size_t)snprintf(params + n, sizeof params - n, " SMTPUTF8");
	if (t->dsn_ret)
		n += (size_t)snprintf(params + n, sizeof params - n, " RET=%s", t->dsn_ret);
	if (t->envid) {
		char x[320];    /* 100 characters, each at most "+XX" */
		text_xtext(t->envid, x, sizeof x);
		n += (size_t)snprintf(params + n, sizeof params - n, " ENVID=%s", x);
	}
	if (t->requiretls)
		snprintf(params + n, sizeof params - n, " REQUIRETLS");
	t->begun_us = deadline_now_us();
	return smtp_queue_command(s, NULL, "MAIL FROM:<%s>%s", t->mail_from, params);
}

static int queue_rcpt(struct smtp_session *s, size_t i)
{
	struct smtp_txn *t = s->txn;
	if (t->dsn_notify)
		return smtp_queue_command(s, NULL, "RCPT TO:<%s> NOTIFY=%s", t->rcpts[i].address,
					  t->dsn_notify);
	return smtp_queue_command(s, NULL, "RCPT TO:<%s>", t->rcpts[i].address);
}

static bool last_batch(const struct smtp_txn *t)
{
	return t->batch_end >= t->nrcpt;
}

/* Each write under its own deadline so that a large message cannot trip
 * a step timeout, yet a stalled server still does. */
int smtp_queue_message(struct smtp_session *s, struct msg *m, bool stuff)
{
	struct msg_dotstuff ds = {0};
	/* A small message needs small buffers: send --count sends thousands,
	 * and 64 KiB pieces would cost an mmap each. */
	size_t chunk = m->size < BODY_CHUNK ? (size_t)m->size + 1 : BODY_CHUNK;
	char *in = malloc(chunk), *out = stuff ? malloc(2 * chunk) : NULL;
	struct out_data *shown = malloc(sizeof *shown);
	int rc = -1;

	if (!in || (stuff && !out) || !shown) {
		err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
		goto done;
	}
	out_data_begin(s->out, shown, s->in_tls);
	if (msg_rewind(m) < 0) {
		err_set(&s->err, ERR_INPUT, smtp_step_name(s), "cannot re-read the message");
		goto done;
	}
	for (;;) {
		ssize_t n = msg_read(m, in, chunk);
		if (n < 0) {
			err_set(&s->err, ERR_INPUT, smtp_step_name(s), "cannot read the message spool");
			goto done;
		}
		if (n == 0)
			break;
		const char *wire = in;
		size_t len = (size_t)n;
		if (stuff) {
			len = msg_dotstuff(&ds, in, (size_t)n, out);
			wire = out;
		}
		out_data_feed(s->out, shown, conn_elapsed(&s->conn), wire, len);
		int q = conn_queue(&s->conn, wire, len);
		if (q < 0) {
			err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
			goto done;
		}
		if (s->conn.wlen >= BODY_CHUNK) {
			conn_step(&s->conn, s->pol->timeout_ms);
			if (smtp_flush(s) < 0)
				goto done;
		}
	}
	out_data_end(s->out, shown);
	out_info(s->out, 0, "message: %llu octets, %llu lines%s", (unsigned long long)m->size,
		 shown->lines, stuff ? " (dot-stuffed on the wire, RFC 5321 4.5.2)" : "");
	rc = 0;
done:
	free(in);
	free(out);
	free(shown);
	return rc;
}

static int queue_next(struct smtp_session *s);

/* BDAT n LAST and the message, and QUIT behind it on the last batch. */
static int queue_bdat(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	if (smtp_queue_command(s, NULL, "BDAT %llu LAST", (unsigned long long)t->msg->size) < 0)
		return -1;
	t->message_sent = true;
	if (smtp_queue_message(s, t->msg, false) < 0)
		return -1;
	s->ahead.data = s->ahead.bdat = true;
	if (queue_next(s) < 0)
		return -1;
	if (last_batch(t) && pipelining(s) && !s->pol->hold) {
		if (smtp_queue_command(s, NULL, "QUIT") < 0)
			return -1;
		s->ahead.quit = true;
	}
	return 0;
}

/* MAIL, and with PIPELINING the RCPTs and - when one refusal cannot leave
 * a partial delivery - DATA or BDAT with the message, queued as one group.
 * BDAT carries the message itself: it is not queued behind a pipelined
 * AUTH, whose failure must leave nothing deliverable. */
static int queue_mail_group(struct smtp_session *s, bool allow_bdat)
{
	struct smtp_txn *t = s->txn;

	if (queue_mail(s) < 0)
		return -1;
	s->ahead.mail = true;
	if (pipelining(s) && smtp_goes_past(s, SMTP_STAGE_MAIL)) {
		for (size_t i = t->batch_start; i < t->batch_end; i++)
			if (queue_rcpt(s, i) < 0)
				return -1;
		s->ahead.rcpts = batch_size(t);
		if (smtp_goes_past(s, SMTP_STAGE_RCPT) && (batch_size(t) == 1 || t->allow_partial)) {
			if (chunking(s) && allow_bdat) {
				if (queue_bdat(s) < 0)
					return -1;
			} else {
				if (smtp_queue_command(s, NULL, "DATA") < 0)
					return -1;
				s->ahead.data = true;
			}
		}
	}
	return 0;
}

/* On a held session told which transaction follows (send --count), its
 * MAIL group goes behind this one's end of data: RFC 2920 3.1 lets the
 * message content begin a group, and the transaction is over at the
 * final reply whatever it says, so nothing (no RSET) can be owed in
 * between.  DATA, never BDAT: none of its message leaves before its
 * replies are read.  Only once a recipient of this one was accepted (a
 * refusal of them all is answered with RSET, and a BDAT written with its
 * MAIL has no answers yet), and not before another batch of this one. */
static int queue_next(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn, *next = s->next_txn;
	char why[256];
	if (!next || !pipelining(s) || batch_accepted(t) == 0 || !last_batch(t))
		return 0;
	struct smtp_ahead now = s->ahead;
	int rc = 0;
	s->txn = next;
	if (!txn_obstacle(s, why, sizeof why)) {
		next->batch_end = 0;
		next_batch(s);
		rc = queue_mail_group(s, false);
		s->next_ahead = s->ahead;
	}
	s->txn = t;
	s->ahead = now;
	return rc;
}

bool smtp_txn_pipeline_behind_auth(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	char buf[256];
	if (!t || !pipelining(s) || !smtp_goes_past(s, SMTP_STAGE_AUTH) || txn_obstacle(s, buf, sizeof buf))
		return false;
	t->batch_end = 0;
	next_batch(s);
	return queue_mail_group(s, false) == 0;
}

/* With PIPELINING the whole group goes out in one write (RFC 2920 3.1);
 * with several recipients and no --allow-partial the data waits for the
 * RCPT replies, so that a refused recipient still delivers nothing. */
int smtp_enter_mail(struct smtp_session *s)
{
	if (s->ahead.mail)
		return 0;
	if (smtp_expect_quiet(s, "MAIL") < 0 || queue_mail_group(s, true) < 0)
		return -1;
	conn_step(&s->conn, s->pol->timeout_ms);
	return smtp_flush(s);
}

int smtp_enter_rcpt(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	if (t->rcpt_reply < s->ahead.rcpts)
		return 0;
	if (smtp_expect_quiet(s, "RCPT") < 0 || queue_rcpt(s, t->batch_start + t->rcpt_reply) < 0)
		return -1;
	s->ahead.rcpts++;
	return smtp_flush(s);
}

int smtp_enter_data(struct smtp_session *s)
{
	if (s->ahead.data)
		return 0;
	if (smtp_expect_quiet(s, "DATA") < 0 || smtp_queue_command(s, NULL, "DATA") < 0)
		return -1;
	s->ahead.data = true;
	return smtp_flush(s);
}

int smtp_flush_message(struct smtp_session *s)
{
	conn_step(&s->conn, s->pol->timeout_ms);
	if (smtp_flush(s) < 0)
		return -1;
	conn_step(&s->conn, s->pol->data_timeout_ms);
	return 0;
}

int smtp_enter_data_body(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	/* After the 354 (the last reply of a pipelined group too). */
	if (smtp_expect_quiet(s, "the message") < 0)
		return -1;
	if (t->dot_only) {
		/* RFC 2920 3.1: DATA accepted although no recipient was: end it
		 * empty, and the server must refuse it. */
		out_info(s->out, 0, "no recipient accepted: ending the data with the dot alone");
	} else {
		t->message_sent = true;
		if (smtp_queue_message(s, t->msg, true) < 0)
			return -1;
	}
	if (smtp_queue_command(s, NULL, ".") < 0 || queue_next(s) < 0)
		return -1;
	if (!t->dot_only && last_batch(t) && pipelining(s) && !s->pol->hold) {
		if (smtp_queue_command(s, NULL, "QUIT") < 0)
			return -1;
		s->ahead.quit = true;
	}
	return smtp_flush_message(s);
}

int smtp_enter_bdat(struct smtp_session *s)
{
	if (s->ahead.data) {
		conn_step(&s->conn, s->pol->data_timeout_ms);
		return 0;
	}
	if (smtp_expect_quiet(s, "BDAT") < 0 || queue_bdat(s) < 0)
		return -1;
	return smtp_flush_message(s);
}

/* A refusal that ends a transaction, not the session: on a session held
 * open for more (send --count), unless the server is closing it. */
static bool goes_on(const struct smtp_session *s, const struct reply *r)
{
	return s->pol->hold && (reply_class(r) == 4 || reply_class(r) == 5) && r->code != 421;
}

enum smtp_state smtp_on_mail(struct smtp_session *s, const struct reply *r)
{
	s->txn->mail_code = r->code;
	snprintf(s->txn->mail_enhanced, sizeof s->txn->mail_enhanced, "%s", r->enhanced);
	if (r->code != 250) {
		enum smtp_state next = smtp_fail_unexpected(s, r, "to MAIL FROM");
		if (!goes_on(s, r))
			return next;    /* pipelined replies would follow: not read */
		/* Held open: the replies to what was pipelined behind it are
		 * read (refusals, with no transaction open) and the session
		 * goes on. */
		return s->ahead.rcpts ? SMTP_RCPT : SMTP_HELD;
	}
	return SMTP_ADVANCE;
}

/* The failure for refused recipients: 67 when every one was refused
 * permanently, 75 when a refusal was temporary; for a partial refusal
 * without --allow-partial 69 (any permanent) or 75 (SPEC 9). */
static enum smtp_state refused(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	size_t n = batch_size(t), ok = batch_accepted(t);
	bool any_perm = false, all_perm = true;

	for (size_t i = t->batch_start; i < t->batch_end; i++) {
		if (t->rcpts[i].accepted)
			continue;
		any_perm |= t->rcpts[i].code >= 500;
		all_perm &= t->rcpts[i].code >= 500;
	}
	bool first = !err_is_set(&s->err);
	/* With LIMITS RCPTMAX, earlier transactions may have gone through.
	 * Named after the refusals, even when read behind a pipelined DATA. */
	char earlier[160] = "";
	if (t->ndelivered)
		snprintf(earlier, sizeof earlier,
			 " in this transaction (%u of %zu, LIMITS RCPTMAX=%zu); earlier ones were delivered: %zu of %zu recipients",
			 t->ntransactions, smtp_txn_planned(t), t->rcptmax, t->ndelivered, t->nrcpt);
	const char *stage = smtp_state_step_name(SMTP_RCPT);
	if (ok == 0)
		err_set(&s->err, all_perm ? ERR_RCPTS_REFUSED : ERR_REPLY_TEMP, stage,
			"%s refused: nothing sent%s", n == 1 ? "the recipient was" : "every recipient was", earlier);
	else
		err_set(&s->err, any_perm ? ERR_REPLY_PERM : ERR_REPLY_TEMP, stage,
			"%zu of %zu recipients refused: nothing sent%s (--allow-partial sends to the others)",
			n - ok, n, earlier);
	/* Quoting the first refusal. */
	for (size_t i = t->batch_start; first && i < t->batch_end; i++) {
		if (!t->rcpts[i].accepted && t->rcpts[i].code) {
			err_quote(&s->err, t->rcpts[i].text);
			break;
		}
	}
	/* A QUIT already written behind BDAT ends the session anyway. */
	if (s->ahead.quit)
		return SMTP_QUIT;
	/* After a refused MAIL no transaction is open: nothing to reset. */
	return s->pol->hold && t->mail_code != 250 ? SMTP_HELD : SMTP_RSET;
}

/* Every recipient of the batch has its reply: go on, or say why not. */
static enum smtp_state after_rcpts(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	size_t n = batch_size(t), ok = batch_accepted(t);

	/* Pipelined DATA/BDAT: their replies come next whatever happened. */
	if (s->ahead.data)
		return s->ahead.bdat ? SMTP_BDAT : SMTP_DATA;
	if (ok == 0 || (ok < n && !t->allow_partial))
		return refused(s);
	return SMTP_ADVANCE;
}

enum smtp_state smtp_txn_after_rcpts(struct smtp_session *s)
{
	return chunking(s) ? SMTP_BDAT : SMTP_DATA;
}

enum smtp_state smtp_on_rcpt(struct smtp_session *s, const struct reply *r)
{
	struct smtp_txn *t = s->txn;
	struct smtp_rcpt *rc = &t->rcpts[t->batch_start + t->rcpt_reply];

	rc->code = r->code;
	memcpy(rc->enhanced, r->enhanced, sizeof rc->enhanced);
	reply_summary(r, rc->text, sizeof rc->text);
	if (r->code == 250 || r->code == 251)
		rc->accepted = true;
	else if (r->code == 421)
		return smtp_fail_unexpected(s, r, "to RCPT TO");
	else if (reply_class(r) != 4 && reply_class(r) != 5)
		return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense to RCPT TO", r->code);
	t->rcpt_reply++;
	if (t->rcpt_reply < batch_size(t))
		return SMTP_RCPT;
	return after_rcpts(s);
}

enum smtp_state smtp_on_data(struct smtp_session *s, const struct reply *r)
{
	struct smtp_txn *t = s->txn;
	size_t ok = batch_accepted(t);
	if (r->code == 354) {
		t->dot_only = ok == 0;
		return SMTP_DATA_BODY;
	}
	if (reply_class(r) != 4 && reply_class(r) != 5)
		return smtp_fail(s, r, ERR_PROTOCOL,
				 "reply code %d makes no sense to DATA (354 expected): no message sent", r->code);
	if (ok == 0)
		return refused(s);
	enum smtp_state next = smtp_fail_unexpected(s, r, "to DATA");
	/* Held open, the session goes on after RSET ends the transaction. */
	return goes_on(s, r) ? SMTP_RSET : next;
}

/* "250 2.0.0 Ok: queued as 4Xb1cd" (Postfix, aiosmtpd) or
 * "250 OK id=1abcde-000123-AB" (Exim). */
void smtp_reply_queue_id(const struct reply *r, char *out, size_t size)
{
	static const char *const marks[] = {"queued as ", "id="};
	for (size_t i = 0; i < r->nlines; i++) {
		for (size_t k = 0; k < 2; k++) {
			const char *p = strstr(r->lines[i], marks[k]);
			if (!p || (k == 1 && p != r->lines[i] && p[-1] != ' '))
				continue;
			p += strlen(marks[k]);
			size_t n = strcspn(p, " ;,)");
			if (n == 0)
				continue;
			text_escape(p, n < size / 4 ? n : size / 4 - 1, out, size);
			return;
		}
	}
}

/* The next batch of recipients (LIMITS RCPTMAX), or the end. */
static enum smtp_state next_transaction(struct smtp_session *s)
{
	struct smtp_txn *t = s->txn;
	if (!last_batch(t)) {
		next_batch(s);
		return SMTP_MAIL;
	}
	return s->pol->hold ? SMTP_HELD : SMTP_QUIT;
}

/* The reply to the end of data (DATA) or to BDAT LAST. */
enum smtp_state smtp_on_final(struct smtp_session *s, const struct reply *r)
{
	struct smtp_txn *t = s->txn;
	size_t ok = batch_accepted(t);

	if (ok == 0) {
		if (r->code == 250)
			return smtp_fail(s, r, ERR_PROTOCOL,
					 "the server accepted a message that has no accepted recipient");
		return refused(s);
	}
	if (s->pol->protocol == SMTP_PROTO_LMTP) {
		t->final_next = t->batch_start;
		t->final_left = ok;
		return smtp_on_lmtp_reply(s, r);
	}
	if (r->code != 250) {
		enum smtp_state next = smtp_fail_unexpected(s, r, "the message");
		/* RFC 5321 4.1.1.4: the transaction is over at this reply,
		 * whatever it says; held open, the session goes on. */
		return goes_on(s, r) ? SMTP_HELD : next;
	}
	t->delivered = true;
	t->ndelivered += ok;
	smtp_reply_queue_id(r, t->queue_id, sizeof t->queue_id);
	if (r->nlines) {
		/* The whole line (at most 512 octets, RFC 5321 4.5.3.1.5), each
		 * octet escaped to at most four: final_reply holds it. */
		size_t last = r->nlines - 1, max = 512;
		int n = snprintf(t->final_reply, sizeof t->final_reply, "%d ", r->code);
		text_escape(r->lines[last], r->lens[last] < max ? r->lens[last] : max, t->final_reply + n,
			    sizeof t->final_reply - (size_t)n);
	}
	for (size_t i = t->batch_start; i < t->batch_end; i++)
		if (t->rcpts[i].accepted)
			memcpy(t->rcpts[i].queue_id, t->queue_id, sizeof t->queue_id);
	if (t->queue_id[0])
		out_info(s->out, 0, "accepted for %zu recipient%s, queued as %s", ok, ok == 1 ? "" : "s",
			 t->queue_id);
	else
		out_info(s->out, 0, "accepted for %zu recipient%s", ok, ok == 1 ? "" : "s");
	return next_transaction(s);
}

/* RFC 2033 4.2: after the data an LMTP server answers once for each
 * recipient accepted at RCPT, in RCPT order: each recipient's result is
 * that reply.  When some are refused, the others have their copy
 * already: without --allow-partial that is a failure, as a refused RCPT
 * is in SMTP (69 if a refusal was permanent, else 75; 67 or 75 when
 * every one was refused). */
enum smtp_state smtp_on_lmtp_reply(struct smtp_session *s, const struct reply *r)
{
	struct smtp_txn *t = s->txn;
	while (t->final_next < t->batch_end && !t->rcpts[t->final_next].accepted)
		t->final_next++;
	if (t->final_next >= t->batch_end || t->final_left == 0)
		return smtp_fail(s, r, ERR_INTERNAL, "LMTP reply without a recipient");
	struct smtp_rcpt *rc = &t->rcpts[t->final_next++];
	t->final_left--;
	if (r->code == 421)
		return smtp_fail_unexpected(s, r, "to the end of data");
	if (reply_class(r) != 2 && reply_class(r) != 4 && reply_class(r) != 5)
		return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense to the end of data", r->code);
	rc->code = r->code;
	memcpy(rc->enhanced, r->enhanced, sizeof rc->enhanced);
	reply_summary(r, rc->text, sizeof rc->text);
	rc->accepted = reply_class(r) == 2;
	if (rc->accepted) {
		smtp_reply_queue_id(r, rc->queue_id, sizeof rc->queue_id);
		if (!t->queue_id[0])
			memcpy(t->queue_id, rc->queue_id, sizeof t->queue_id);
		t->delivered = true;
		t->ndelivered++;
		out_info(s->out, 0, "delivered to %s", rc->address);
	} else {
		out_info(s->out, 0, "refused for %s after the data", rc->address);
	}
	if (t->final_left > 0)
		return SMTP_LMTP_REPLY;

	size_t n = batch_size(t), ok = batch_accepted(t);
	bool any_perm = false, all_perm = true;
	const char *quote = NULL;
	for (size_t i = t->batch_start; i < t->batch_end; i++) {
		if (t->rcpts[i].accepted)
			continue;
		any_perm |= t->rcpts[i].code >= 500;
		all_perm &= t->rcpts[i].code >= 500;
		if (!quote && t->rcpts[i].code)
			quote = t->rcpts[i].text;
	}
	if (ok == n || (ok > 0 && t->allow_partial))
		return next_transaction(s);
	bool first = !err_is_set(&s->err);
	if (ok == 0)
		err_set(&s->err, all_perm ? ERR_RCPTS_REFUSED : ERR_REPLY_TEMP, smtp_step_name(s),
			"%s refused (LMTP: the replies after the data, RFC 2033 4.2)",
			n == 1 ? "the recipient was" : "every recipient was");
	else
		err_set(&s->err, any_perm ? ERR_REPLY_PERM : ERR_REPLY_TEMP, smtp_step_name(s),
			"%zu of %zu recipients refused after the data (LMTP, RFC 2033 4.2); "
			"the others have the message", n - ok, n);
	if (first && quote)
		err_quote(&s->err, quote);
	if (s->pol->hold)
		return SMTP_HELD;       /* every reply is read: the transaction is over */
	return s->ahead.quit ? SMTP_QUIT : SMTP_QUIT_NOWAIT;
}

void smtp_txn_lost(struct smtp_session *s, bool reading_reply)
{
	struct smtp_txn *t = s->txn;
	if (reading_reply) {
		/* RFC 5321 6.1 / RFC 1047: the server may have taken
		 * responsibility without our seeing it. */
		t->maybe_delivered = true;
		err_append(&s->err, " after the whole message was sent: it may have been delivered");
	} else {
		err_append(&s->err, " while sending the message: it was not delivered");
	}
}
