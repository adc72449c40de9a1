/* tlscheck_probe.c - the connections of `smtpkit tls-check`: each is the
 * engine's session with its own priority string and stop stage, run on a
 * bounded pool of threads so that the check lasts about as long as its
 * slowest connection.  Nothing here prints: every session collects its
 * output, read by the report once all have ended. */
#define _GNU_SOURCE
#include "tlscheck.h"
#include "parallel.h"

#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *vers;
	gnutls_protocol_t proto;
} version_table[TLSCHECK_NVERSIONS] = {
	{"TLS1.0", "VERS-TLS1.0", GNUTLS_TLS1_0},
	{"TLS1.1", "VERS-TLS1.1", GNUTLS_TLS1_1},
	{"TLS1.2", "VERS-TLS1.2", GNUTLS_TLS1_2},
	{"TLS1.3", "VERS-TLS1.3", GNUTLS_TLS1_3},
};

/* Groups GnuTLS can offer (RFC 8446 4.2.7, RFC 7919). */
static const char *const group_names[TLSCHECK_NGROUPS] = {
	"X25519", "SECP256R1", "SECP384R1", "SECP521R1", "X448",
	"FFDHE2048", "FFDHE3072", "FFDHE4096", "FFDHE6144", "FFDHE8192",
};

/* Candidates for --ciphers: what NORMAL offers plus the legacy suites a
 * server may still accept (3DES, RC4, CAMELLIA, CCM-8, DHE-DSS). */
#define WIDE_PRIORITY "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC:+ARCFOUR-128:" \
	"+CAMELLIA-128-CBC:+CAMELLIA-256-CBC:+CAMELLIA-128-GCM:+CAMELLIA-256-GCM:" \
	"+AES-128-CCM-8:+AES-256-CCM-8:+DHE-DSS:+SHA256:+SHA384:+MD5"

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

static void attempt_run(const struct tlscheck *tc, struct tlscheck_conn *c)
{
	out_init(&c->out, &tc->oo, NULL);
	smtp_init(&c->s, &c->pol, &c->out, tc->host, tc->port);
	smtp_run(&c->s);
	conn_close(&c->s.conn);
	c->ran = true;
}

static void attempt_free(struct tlscheck_conn *c)
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
	attempt_run(tc, m);
	if (!m->s.tls.done || !m->s.tls.session_data)
		return;
	struct tlscheck_conn *r = &tc->resume;
	attempt_setup(tc, r, NULL, SMTP_STAGE_HANDSHAKE);
	r->pol.tls.resume = m->s.tls.session_data;
	r->pol.tls.resume_len = m->s.tls.session_len;
	tc->resume_tried = true;
	attempt_run(tc, r);
}

static void run_version(struct tlscheck *tc, size_t i)
{
	struct tlscheck_version *v = &tc->versions[i];
	char restrict_prio[64];
	snprintf(restrict_prio, sizeof restrict_prio, ":-VERS-ALL:+%s", v->vers);
	attempt_setup(tc, &v->conn, restrict_prio, SMTP_STAGE_HANDSHAKE);
	attempt_run(tc, &v->conn);
	v->offer = classify(&v->conn.s, v->why, sizeof v->why);
}

static void phase1_job(void *ctx, size_t index)
{
	struct tlscheck *tc = ctx;
	if (index == 0)
		run_main(tc);
	else if (index <= TLSCHECK_NVERSIONS)
		run_version(tc, index - 1);
	else
		tlscheck_dane_lookup(tc);
}

/* ---- --ciphers: one connection per suite and version, per group ------ */

static bool kx_fits_key(const char *kx, const char *key_type)
{
	if (!kx || !key_type[0])
		return true;
	if (strstr(key_type, "RSA"))
		return strcmp(kx, "RSA") == 0 || strcmp(kx, "DHE-RSA") == 0 || strcmp(kx, "ECDHE-RSA") == 0;
	if (strncmp(key_type, "EC", 2) == 0 || strncmp(key_type, "Ed", 2) == 0)
		return strcmp(kx, "ECDHE-ECDSA") == 0;
	if (strcmp(key_type, "DSA") == 0)
		return strcmp(kx, "DHE-DSS") == 0;
	return true;
}

/* Every candidate suite at every offered version.  Suites whose key
 * exchange cannot use the leaf's key type are not tried (documented). */
static void list_suites(struct tlscheck *tc)
{
	gnutls_priority_t prio;
	if (gnutls_priority_init(&prio, WIDE_PRIORITY, NULL) < 0)
		return;
	const char *key_type = tc->best && tc->best->ncerts ? tc->best->certs[0].key_type : "";
	size_t cap = 0;
	for (size_t v = 0; v < TLSCHECK_NVERSIONS; v++) {
		if (tc->versions[v].offer != TLSCHECK_OFFERED)
			continue;
		gnutls_protocol_t proto = version_table[v].proto;
		for (unsigned idx = 0;; idx++) {
			unsigned sidx;
			int rc = gnutls_priority_get_cipher_suite_index(prio, idx, &sidx);
			if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (rc < 0)
				continue;
			unsigned char id[2];
			gnutls_kx_algorithm_t kx;
			gnutls_cipher_algorithm_t cipher;
			gnutls_mac_algorithm_t mac;
			gnutls_protocol_t min;
			const char *name = gnutls_cipher_suite_info(sidx, id, &kx, &cipher, &mac, &min);
			if (!name)
				continue;
			bool tls13 = min == GNUTLS_TLS1_3;
			if (tls13 != (proto == GNUTLS_TLS1_3) || (!tls13 && min > proto))
				continue;
			const char *kxn = tls13 ? NULL : gnutls_kx_get_name(kx);
			if (!kx_fits_key(kxn, key_type))
				continue;
			if (tc->nsuites == cap) {
				cap = cap ? cap * 2 : 64;
				struct tlscheck_suite *p = realloc(tc->suites, cap * sizeof *p);
				if (!p)
					break;
				tc->suites = p;
			}
			struct tlscheck_suite *su = &tc->suites[tc->nsuites++];
			memset(su, 0, sizeof *su);
			su->version = v;
			snprintf(su->name, sizeof su->name, "%s", name);
			if (tls13)
				snprintf(su->restrict_prio, sizeof su->restrict_prio,
					 ":-VERS-ALL:+%s:-CIPHER-ALL:+%s", tc->versions[v].vers,
					 gnutls_cipher_get_name(cipher));
			else
				snprintf(su->restrict_prio, sizeof su->restrict_prio,
					 ":-VERS-ALL:+%s:-CIPHER-ALL:+%s:-MAC-ALL:+%s:-KX-ALL:+%s",
					 tc->versions[v].vers, gnutls_cipher_get_name(cipher),
					 gnutls_mac_get_name(mac), kxn);
		}
	}
	gnutls_priority_deinit(prio);
}

/* Groups are asked at the best version offered. */
static size_t group_version(const struct tlscheck *tc)
{
	for (size_t v = TLSCHECK_NVERSIONS; v-- > 0;)
		if (tc->versions[v].offer == TLSCHECK_OFFERED)
			return v;
	return TLSCHECK_NVERSIONS;
}

static const char *cert_curve(const struct tls_info *info)
{
	if (!info || info->ncerts == 0 || strncmp(info->certs[0].key_type, "EC", 2) != 0)
		return NULL;
	switch (info->certs[0].key_bits) {
	case 256: return "SECP256R1";
	case 384: return "SECP384R1";
	case 521: return "SECP521R1";
	default: return NULL;
	}
}

static void phase2_job(void *ctx, size_t index)
{
	struct tlscheck *tc = ctx;
	struct tlscheck_conn c;
	memset(&c, 0, sizeof c);
	char restrict_prio[200];
	if (index < tc->nsuites) {
		struct tlscheck_suite *su = &tc->suites[index];
		attempt_setup(tc, &c, su->restrict_prio, SMTP_STAGE_HANDSHAKE);
		attempt_run(tc, &c);
		su->offer = classify(&c.s, NULL, 0);
		/* The IANA name, as the session reports it everywhere else. */
		if (su->offer == TLSCHECK_OFFERED)
			snprintf(su->name, sizeof su->name, "%s", c.s.tls.cipher);
	} else {
		struct tlscheck_group *g = &tc->groups[index - tc->nsuites];
		size_t v = group_version(tc);
		/* Up to TLS 1.2 the groups also name the curves the client can
		 * verify (RFC 8422 5.1.1): an ECDSA certificate's curve must be
		 * listed, after the group asked about, or nothing is accepted. */
		const char *curve = v < 3 ? cert_curve(tc->best) : NULL;
		snprintf(restrict_prio, sizeof restrict_prio, ":-VERS-ALL:+%s:-GROUP-ALL:+GROUP-%s%s%s",
			 tc->versions[v].vers, g->name, curve && strcmp(curve, g->name) ? ":+GROUP-" : "",
			 curve && strcmp(curve, g->name) ? curve : "");
		attempt_setup(tc, &c, restrict_prio, SMTP_STAGE_HANDSHAKE);
		attempt_run(tc, &c);
		g->offer = classify(&c.s, NULL, 0);
		/* TLS 1.2 DHE without RFC 7919 uses the server's own group. */
		if (g->offer == TLSCHECK_OFFERED && strcmp(c.s.tls.group, g->name) != 0)
			g->offer = TLSCHECK_NOT_OFFERED;
	}
	attempt_free(&c);
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

bool tlscheck_tls_offered(const struct tlscheck *tc)
{
	return tc->best != NULL;
}

void tlscheck_run(struct tlscheck *tc)
{
	int64_t t0 = deadline_now_ms();
	bool dane = tc->dane.qname[0] != '\0';
	parallel_run(1 + TLSCHECK_NVERSIONS + (dane ? 1 : 0), TLSCHECK_THREADS, phase1_job, tc);
	pick_best(tc);
	if (tc->ciphers && tc->best) {
		list_suites(tc);
		if (group_version(tc) < TLSCHECK_NVERSIONS) {
			tc->ngroups = TLSCHECK_NGROUPS;
			for (size_t i = 0; i < tc->ngroups; i++)
				tc->groups[i].name = group_names[i];
		}
		parallel_run(tc->nsuites + tc->ngroups, TLSCHECK_THREADS, phase2_job, tc);
	}
	if (dane)
		tlscheck_dane_match(tc);
	tc->elapsed_ms = (double)(deadline_now_ms() - t0);
}

void tlscheck_free(struct tlscheck *tc)
{
	attempt_free(&tc->main);
	attempt_free(&tc->resume);
	for (size_t i = 0; i < TLSCHECK_NVERSIONS; i++)
		attempt_free(&tc->versions[i].conn);
	free(tc->suites);
	tc->suites = NULL;
	out_free(&tc->report);
}
