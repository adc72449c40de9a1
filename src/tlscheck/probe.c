/* tlscheck/probe.c - the connections of `smtpkit tls-check`: each is the
 * engine's session with its own priority string and stop stage, run on a
 * bounded pool of threads so that the check lasts about as long as its
 * slowest connection.  Nothing here prints: every session collects its
 * output, read by the report once all have ended. */
#define _GNU_SOURCE
#include "tlscheck/tlscheck.h"
#include "parallel.h"

#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *vers;
} version_table[TLSCHECK_NVERSIONS] = {
	{"TLS1.0", "VERS-TLS1.0"},
	{"TLS1.1", "VERS-TLS1.1"},
	{"TLS1.2", "VERS-TLS1.2"},
	{"TLS1.3", "VERS-TLS1.3"},
};

static const char *base_priority(const struct tlscheck *tc)
{
	return tc->base.tls.priority ? tc->base.tls.priority : "NORMAL";
}

/* A probe's policy: the shared options, never aborting on a certificate
 * (tls-check reports it), TLS from the first byte or by STARTTLS. */
static void attempt_setup(const struct tlscheck *tc, struct tlscheck_conn *c, const char *restrict_prio,
		       enum smtp_stage stop_after)
{
	c->pol = tc->base;
	if (tc->implicit)
		c->pol.tls_mode = SMTP_TLS_MODE_IMPLICIT;
	else
		/* AUTO ends with QUIT when STARTTLS is missing or refused: a
		 * finding here, not an error.  On 465 AUTO would mean implicit. */
		c->pol.tls_mode = tc->port == 465 ? SMTP_TLS_MODE_STARTTLS : SMTP_TLS_MODE_AUTO;
	c->pol.tls_verify = false;
	c->pol.injection_test = false;
	c->pol.stop_after = stop_after;
	snprintf(c->priority, sizeof c->priority, "%s%s", base_priority(tc),
		 restrict_prio ? restrict_prio : "");
	c->pol.tls.priority = c->priority;
}

void tlscheck_conn_run(const struct tlscheck *tc, struct tlscheck_conn *c, struct smtp_txn *txn)
{
	out_init(&c->out, &tc->oo, NULL);
	smtp_init(&c->s, &c->pol, &c->out, tc->host, tc->port);
	c->s.txn = txn;
	smtp_run(&c->s);
	conn_close(&c->s.conn);
	c->ran = true;
}

void tlscheck_conn_free(struct tlscheck_conn *c)
{
	if (!c->ran)
		return;
	smtp_free(&c->s);
	out_free(&c->out);
	c->ran = false;
}

/* How a probe that asked for one version, suite or group ended.  A refused
 * or dropped handshake means "not offered"; anything before the handshake
 * (no STARTTLS, a timeout, a 421) leaves the question open. */
static enum tlscheck_offer classify(const struct smtp_session *s, char *why, size_t size)
{
	if (s->tls.done) {
		if (why)
			why[0] = '\0';
		return TLSCHECK_OFFERED;
	}
	const struct err *e = &s->err;
	if (why) {
		if (err_is_set(e))
			snprintf(why, size, "%.250s", e->msg);
		else if (s->starttls_refused)
			snprintf(why, size, "STARTTLS refused");
		else
			snprintf(why, size, "STARTTLS not offered");
	}
	if (e->cause == ERR_TLS || e->cause == ERR_TLS_CLOSED)
		return TLSCHECK_NOT_OFFERED;
	return TLSCHECK_UNKNOWN;
}

enum tlscheck_offer tlscheck_gnutls_ask(const struct tlscheck *tc, const char *restrict_prio, char *why,
					size_t size)
{
	struct tlscheck_conn c;
	memset(&c, 0, sizeof c);
	attempt_setup(tc, &c, restrict_prio, SMTP_STAGE_HANDSHAKE);
	tlscheck_conn_run(tc, &c, NULL);
	enum tlscheck_offer o = classify(&c.s, why, size);
	tlscheck_conn_free(&c);
	return o;
}

void tlscheck_init(struct tlscheck *tc)
{
	for (size_t i = 0; i < TLSCHECK_NVERSIONS; i++) {
		tc->versions[i].name = version_table[i].name;
		tc->versions[i].vers = version_table[i].vers;
	}
	out_init(&tc->report, &tc->oo, NULL);
}

/* The main connection: default priority (so the best version), the
 * STARTTLS injection test, EHLO inside TLS; then a second connection that
 * offers the first one's session for resumption. */
static void run_main(struct tlscheck *tc)
{
	struct tlscheck_conn *m = &tc->main;
	attempt_setup(tc, m, NULL, SMTP_STAGE_TLS);
	m->pol.injection_test = tc->injection_test && !tc->implicit;
	tlscheck_conn_run(tc, m, NULL);
	if (!m->s.tls.done || !m->s.tls.session_data)
		return;
	struct tlscheck_conn *r = &tc->resume;
	attempt_setup(tc, r, NULL, SMTP_STAGE_HANDSHAKE);
	r->pol.tls.resume = m->s.tls.session_data;
	r->pol.tls.resume_len = m->s.tls.session_len;
	tc->resume_tried = true;
	tlscheck_conn_run(tc, r, NULL);
}

static void run_version(struct tlscheck *tc, size_t i)
{
	struct tlscheck_version *v = &tc->versions[i];
	char restrict_prio[64];
	snprintf(restrict_prio, sizeof restrict_prio, ":-VERS-ALL:+%s", v->vers);
	attempt_setup(tc, &v->conn, restrict_prio, SMTP_STAGE_HANDSHAKE);
	tlscheck_conn_run(tc, &v->conn, NULL);
	v->offer = classify(&v->conn.s, v->why, sizeof v->why);
}

/* Whether the plain session asking MAIL before STARTTLS runs. */
static bool mandatory_asked(const struct tlscheck *tc)
{
	return !tc->quick && !tc->implicit;
}

/* The first connections, all at once: main, the four GnuTLS versions,
 * then (not with --quick) SSLv2 and SSLv3 by our own ClientHellos and the
 * plain MAIL question, and the TLSA lookup. */
static void phase1_job(void *ctx, size_t i)
{
	struct tlscheck *tc = ctx;
	if (i == 0) {
		run_main(tc);
		return;
	}
	i--;
	if (i < TLSCHECK_NVERSIONS) {
		run_version(tc, i);
		return;
	}
	i -= TLSCHECK_NVERSIONS;
	if (!tc->quick) {
		if (i < 2) {
			tlscheck_scan_old_version(tc, &tc->scan, i);
			return;
		}
		i -= 2;
	}
	if (mandatory_asked(tc)) {
		if (i == 0) {
			mandatory_tls_ask(&tc->base, &tc->oo, tc->host, tc->port, &tc->mandatory);
			return;
		}
		i--;
	}
	tlscheck_dane_lookup(tc);
}

/* The session the report describes: the main connection's, else (when its
 * handshake failed, e.g. only a version outside the default priority) the
 * best version probe's. */
static void pick_best(struct tlscheck *tc)
{
	if (tc->main.ran && tc->main.s.tls.done) {
		tc->best = &tc->main.s.tls;
		tc->best_from = "main";
		return;
	}
	for (size_t v = TLSCHECK_NVERSIONS; v-- > 0;) {
		if (tc->versions[v].conn.ran && tc->versions[v].conn.s.tls.done) {
			tc->best = &tc->versions[v].conn.s.tls;
			tc->best_from = tc->versions[v].name;
			return;
		}
	}
}

/* GnuTLS can only speak the suites it has: a version our own ClientHello
 * found offered is offered, whatever GnuTLS's probe said. */
static void merge_versions(struct tlscheck *tc)
{
	for (size_t i = 0; i < TLSCHECK_NVERSIONS; i++) {
		const struct scan_version *sv = tlscheck_scan_version(&tc->scan, (uint16_t)(TLSCHECK_TLS10 + i));
		struct tlscheck_version *v = &tc->versions[i];
		if (!sv || sv->offer == TLSCHECK_UNKNOWN || v->offer == TLSCHECK_OFFERED)
			continue;
		v->offer = sv->offer;
		snprintf(v->why, sizeof v->why, "%s", sv->offer == TLSCHECK_OFFERED ? "" : sv->why);
	}
}

bool tlscheck_tls_offered(const struct tlscheck *tc)
{
	return tc->best != NULL;
}

void tlscheck_run(struct tlscheck *tc)
{
	int64_t t0 = deadline_now_ms();
	bool dane = tc->dane.qname[0] != '\0';
	size_t threads = tc->max_connections;
	size_t own = (tc->quick ? 0 : 2) + (mandatory_asked(tc) ? 1 : 0);
	tlscheck_scan_init(&tc->scan);
	tc->scan.ciphers = tc->scan.versions_tls = tc->ciphers;
	tc->scan.max_connections = tc->max_connections;
	tc->scan.pause_ms = tc->pause_ms;
	parallel_run(1 + TLSCHECK_NVERSIONS + own + (dane ? 1 : 0), threads, phase1_job, tc);
	pick_best(tc);
	if (!tc->quick && tc->main.s.connected && tlscheck_starttls_missing(tc) == NULL) {
		/* No GnuTLS handshake at all: ask TLS 1.0-1.3 with our own
		 * ClientHellos too, which offer what GnuTLS lacks. */
		tc->scan.versions_tls = tc->ciphers || !tc->best;
		tlscheck_scan_run(tc, &tc->scan);
		tc->scanned = true;
		merge_versions(tc);
	}
	if (dane)
		tlscheck_dane_match(tc);
	tc->elapsed_ms = (double)(deadline_now_ms() - t0);
}

void tlscheck_free(struct tlscheck *tc)
{
	tlscheck_conn_free(&tc->main);
	tlscheck_conn_free(&tc->resume);
	for (size_t i = 0; i < TLSCHECK_NVERSIONS; i++)
		tlscheck_conn_free(&tc->versions[i].conn);
	tlscheck_scan_free(&tc->scan);
	out_free(&tc->report);
}
