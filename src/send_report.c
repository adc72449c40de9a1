/* send_report.c - what `send` prints: per-recipient lines and the result,
 * or one JSON document covering every delivery. */
#include "send.h"
#include "json.h"
#include "msg.h"

#include <stdio.h>
#include <string.h>

int send_exit_code(const struct send_delivery *v, size_t n)
{
	int worst = 0;
	for (size_t i = 0; i < n; i++)
		worst = err_worse_exit(worst, err_exit_code(&v[i].err));
	return worst;
}

static void json_delivery(struct json *j, const struct send_delivery *d)
{
	const struct smtp_session *s = &d->s;
	const struct smtp_txn *t = &d->txn;

	json_kstr(j, "domain", d->domain);
	json_kstr(j, "mx", d->mx[0] ? d->mx : NULL);
	out_json_error(j, &d->err);
	json_key(j, "server");
	if (d->ran) {
		json_object(j);
		out_json_server(j, s->host, s->port, s->conn.peer_addr, s->conn.via, &s->pol->conn);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "recipients");
	json_array(j);
	for (size_t i = 0; i < t->nrcpt; i++) {
		const struct smtp_rcpt *r = &t->rcpts[i];
		json_object(j);
		json_kstr(j, "address", r->address);
		json_key(j, "code");
		if (r->code)
			json_int(j, r->code);
		else
			json_null(j);
		json_kstr(j, "enhanced", r->enhanced[0] ? r->enhanced : NULL);
		json_kstr(j, "reply", r->code ? r->text : NULL);
		json_kbool(j, "accepted", r->accepted);
		json_key(j, "transaction");
		if (r->transaction)
			json_int(j, r->transaction);
		else
			json_null(j);
		json_kstr(j, "queue_id", r->queue_id[0] ? r->queue_id : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_kbool(j, "delivered", t->delivered);
	json_kbool(j, "maybe_delivered", t->maybe_delivered);
	json_kstr(j, "queue_id", t->queue_id[0] ? t->queue_id : NULL);
	json_kint(j, "transactions", t->ntransactions);
	json_key(j, "rcptmax");
	if (t->rcptmax)
		json_int(j, (long long)t->rcptmax);
	else
		json_null(j);
	json_kbool(j, "authenticated", d->ran && s->authenticated);
	out_json_capabilities(j, d->ran && s->have_before ? &s->caps_before : NULL,
			      d->ran && s->have_after ? &s->caps_after : NULL);
	json_key(j, "tls");
	out_json_tls(j, d->ran ? &s->tls : NULL);
	out_json_findings(j, &d->out);
	out_json_transcript(j, &d->out);
}

/* Through --server the document describes the one session at the top
 * level; direct delivery adds "deliveries", one per recipient domain. */
static void report_json(struct send_delivery *v, size_t n, bool relay)
{
	const struct send_delivery *first = &v[0];
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, "send");
	int code = send_exit_code(v, n);
	json_kbool(&j, "ok", code == 0);
	json_kint(&j, "exit_code", code);
	json_key(&j, "envelope");
	json_object(&j);
	json_kstr(&j, "from", first->txn.mail_from);
	json_key(&j, "recipients");
	json_array(&j);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].txn.nrcpt; k++)
			json_str(&j, v[i].txn.rcpts[k].address);
	json_array_end(&j);
	json_object_end(&j);
	json_key(&j, "message");
	json_object(&j);
	json_kint(&j, "size", (long long)first->txn.msg->size);
	json_kbool(&j, "eightbit", first->txn.msg->eightbit);
	json_object_end(&j);
	if (relay) {
		json_delivery(&j, first);
	} else {
		const struct send_delivery *worst = first;
		for (size_t i = 0; i < n; i++)
			if (err_exit_code(&v[i].err) == code && code != 0)
				worst = &v[i];
		out_json_error(&j, &worst->err);
		json_key(&j, "deliveries");
		json_array(&j);
		for (size_t i = 0; i < n; i++) {
			json_object(&j);
			json_delivery(&j, &v[i]);
			json_object_end(&j);
		}
		json_array_end(&j);
	}
	json_object_end(&j);
}

/* With LIMITS RCPTMAX: " in 2 transactions (LIMITS RCPTMAX=2: 2+1
 * recipients)"; the queue ids of every transaction, ", queued as A, B". */
static void split_text(const struct smtp_txn *t, char *split, size_t ssize, char *ids, size_t isize)
{
	size_t n = 0, k = 0;
	split[0] = ids[0] = '\0';
	if (t->ntransactions > 1 || smtp_txn_planned(t) > 1) {
		n += (size_t)snprintf(split, ssize, " in %zu transactions (LIMITS RCPTMAX=%zu: ",
				      smtp_txn_planned(t), t->rcptmax);
		for (size_t i = 0; i < t->nrcpt && n < ssize; i += t->rcptmax) {
			size_t m = t->nrcpt - i < t->rcptmax ? t->nrcpt - i : t->rcptmax;
			n += (size_t)snprintf(split + n, ssize - n, "%s%zu", i ? "+" : "", m);
		}
		if (n < ssize)
			snprintf(split + n, ssize - n, " recipients)");
	}
	unsigned last = 0;
	for (size_t i = 0; i < t->nrcpt && k < isize; i++) {
		const struct smtp_rcpt *r = &t->rcpts[i];
		if (!r->queue_id[0] || r->transaction == last)
			continue;
		last = r->transaction;
		k += (size_t)snprintf(ids + k, isize - k, "%s%s", k ? ", " : ", queued as ", r->queue_id);
	}
}

static void report_human(struct send_delivery *v, size_t n, const char *quit_after, bool relay)
{
	size_t total = 0, delivered = 0;
	for (size_t i = 0; i < n; i++) {
		struct send_delivery *d = &v[i];
		struct out *out = &d->out;
		const struct smtp_txn *t = &d->txn;
		total += t->nrcpt;
		delivered += t->ndelivered;
		for (size_t k = 0; k < t->nrcpt && out->fp && !out->o.quiet; k++) {
			const struct smtp_rcpt *r = &t->rcpts[k];
			if (r->code)
				out_print(out->fp, "recipient <%s>: %s: %s\n", r->address,
					r->accepted ? "accepted" : "refused", r->text);
			else
				out_print(out->fp, "recipient <%s>: not reached\n", r->address);
		}
		for (size_t k = 0; k < out->nfindings && out->fp && !out->o.quiet; k++)
			out_print(out->fp, "finding: %s %s: %s\n", out_level_name(out->findings[k].level),
				out->findings[k].id, out->findings[k].text);
		if (!relay && out->fp && !out->o.quiet) {
			char split[160], ids[512];
			split_text(t, split, sizeof split, ids, sizeof ids);
			if (err_is_set(&d->err))
				out_print(out->fp, "domain %s: failed at %s: %s\n", d->domain,
					d->err.stage ? d->err.stage : "start", d->err.msg);
			else
				out_print(out->fp, "domain %s: delivered via %s%s%s\n", d->domain, d->mx, split, ids);
		}
	}
	struct send_delivery *first = &v[0];
	int code = send_exit_code(v, n);
	const struct send_delivery *worst = first;
	for (size_t i = 0; i < n; i++)
		if (code && err_exit_code(&v[i].err) == code) {
			worst = &v[i];
			break;
		}
	if (code) {
		out_result(&first->out, &worst->err, "%s", "");
		return;
	}
	if (first->pol.stop_after < SMTP_STAGE_ALL) {
		out_result(&first->out, &worst->err, "stopped after %s as asked (--quit-after); nothing delivered",
			   quit_after);
		return;
	}
	if (relay) {
		char split[160], ids[512];
		split_text(&first->txn, split, sizeof split, ids, sizeof ids);
		if (first->pol.conn.transport != CONN_TCP && first->s.conn.via[0])
			/* --socket, --pipe: the socket or the program, not a port */
			out_result(&first->out, &worst->err, "delivered to %zu of %zu recipient%s via %s%s%s",
				   delivered, total, total == 1 ? "" : "s", first->s.conn.via, split, ids);
		else
			out_result(&first->out, &worst->err, "delivered to %zu of %zu recipient%s via %s port %d%s%s",
				   delivered, total, total == 1 ? "" : "s", first->s.host, first->s.port, split, ids);
	} else
		out_result(&first->out, &worst->err, "delivered to %zu of %zu recipient%s in %zu domain%s",
			   delivered, total, total == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

/* --allow-partial: the refused recipients on stderr, the message went on. */
static void report_refused(const struct send_delivery *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct smtp_txn *t = &v[i].txn;
		if (!t->allow_partial || err_is_set(&v[i].err))
			continue;
		for (size_t k = 0; k < t->nrcpt; k++) {
			const struct smtp_rcpt *r = &t->rcpts[k];
			if (!r->code || r->accepted)
				continue;
			struct err e = {0};
			err_set(&e, r->code >= 500 ? ERR_REPLY_PERM : ERR_REPLY_TEMP, "rcpt", "<%s> refused",
				r->address);
			err_quote(&e, r->text);
			out_error(&e);
		}
	}
}

void send_report(struct send_delivery *v, size_t n, const struct out_opts *oo,
		 const char *quit_after, bool relay)
{
	if (oo->json) {
		report_json(v, n, relay);
		int code = send_exit_code(v, n);
		for (size_t i = 0; i < n && code; i++)
			if (err_exit_code(&v[i].err) == code) {
				out_error(&v[i].err);
				break;
			}
	} else {
		report_human(v, n, quit_after, relay);
	}
	report_refused(v, n);
}
