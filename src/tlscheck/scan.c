/* tlscheck/scan.c - asking the server with tls-check's own ClientHellos.
 * The number of connections stays low: a list (suites at a version,
 * groups, signature algorithms) costs one connection per item the server
 * accepts plus one refusal, since each answer names one item and the next
 * offer leaves it out.  Versions run concurrently (at most
 * --max-connections at a time), each list on its own. */
#define _GNU_SOURCE
#include "tlscheck/tlscheck.h"
#include "tlscheck/scan.h"
#include "parallel.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint16_t scan_versions[SCAN_NVERSIONS] = {
	TLSCHECK_SSL2, TLSCHECK_SSL3, TLSCHECK_TLS10, TLSCHECK_TLS11, TLSCHECK_TLS12, TLSCHECK_TLS13,
};

/* ---- one question, one connection -------------------------------------- */

enum ask_result {
	ASK_ANSWERED,               /* rep holds the server's answer */
	ASK_REFUSED,                /* closed or reset right after our ClientHello */
	ASK_FAILED,                 /* nothing learned: rep.why / why say why */
};

struct ask {
	const struct hello_request *rq;
	struct hello_reply rep;
	bool hello_sent;
};

/* The engine's hook: write the ClientHello, read until the answer is
 * complete, under the step's deadline. */
static int raw_hello(void *ctx, struct conn *c, struct err *e)
{
	struct ask *a = ctx;
	unsigned char random[32], hello[HELLO_MAX];
	if (gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof random) < 0)
		return err_set(e, ERR_INTERNAL, "tls", "no random octets for ClientHello.random");
	size_t n = hello_write(a->rq, random, hello, sizeof hello);
	if (n == 0)
		return err_set(e, ERR_INTERNAL, "tls", "ClientHello does not fit");
	if (conn_queue(c, hello, n) < 0 || conn_flush(c, e, "tls") < 0)
		return err_set(e, ERR_CLOSED, "tls", "cannot send the ClientHello");
	a->hello_sent = true;
	unsigned char *buf = malloc(HELLO_REPLY_MAX);
	if (!buf)
		return err_set(e, ERR_INTERNAL, "tls", "out of memory");
	size_t have = 0;
	int rc = -1;
	for (;;) {
		enum hello_status st = hello_parse(buf, have, &a->rep);
		if (st == HELLO_DONE) {
			rc = 0;
			break;
		}
		if (st == HELLO_MALFORMED) {
			err_set(e, ERR_PROTOCOL, "tls", "the answer to the ClientHello is not TLS: %s", a->rep.why);
			break;
		}
		if (have == HELLO_REPLY_MAX) {
			err_set(e, ERR_PROTOCOL, "tls", "the server's first flight is longer than 64 KiB");
			break;
		}
		ssize_t got = conn_read_some(c, buf + have, HELLO_REPLY_MAX - have, e, "tls");
		if (got == 0) {
			err_set(e, ERR_TLS_CLOSED, "tls", "the server closed the connection instead of answering the ClientHello");
			break;
		}
		if (got < 0)
			break;
		have += (size_t)got;
	}
	free(buf);
	return rc;
}

static void pause_between(const struct tlscheck_scan *sc)
{
	if (sc->pause_ms <= 0)
		return;
	struct timespec ts = {sc->pause_ms / 1000, (long)(sc->pause_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static enum ask_result ask(struct tlscheck *tc, struct tlscheck_scan *sc, const struct hello_request *rq,
			   struct hello_reply *rep, char *why, size_t why_size)
{
	struct smtp_policy pol = tc->base;
	struct ask a = {rq, {0}, false};
	struct out out;

	pthread_mutex_lock(&sc->lock);
	bool first = sc->connections++ == 0;
	pthread_mutex_unlock(&sc->lock);
	if (!first)
		pause_between(sc);

	if (tc->implicit)
		pol.tls_mode = SMTP_TLS_MODE_IMPLICIT;
	else
		pol.tls_mode = SMTP_TLS_MODE_STARTTLS;
	pol.tls_verify = false;
	pol.injection_test = false;
	pol.stop_after = SMTP_STAGE_HANDSHAKE;
	pol.raw_hello = raw_hello;
	pol.raw_hello_ctx = &a;
	out_init(&out, &tc->oo, NULL);
	struct smtp_session *s = calloc(1, sizeof *s);
	if (!s) {
		out_free(&out);
		snprintf(why, why_size, "out of memory");
		return ASK_FAILED;
	}
	smtp_init(s, &pol, &out, tc->host, tc->port);
	smtp_run(s);
	conn_close(&s->conn);
	enum ask_result res = ASK_ANSWERED;
	if (err_is_set(&s->err)) {
		snprintf(why, why_size, "%.150s", s->err.msg);
		/* A TLS stack that closes or resets instead of alerting refuses. */
		res = a.hello_sent && (s->err.cause == ERR_TLS_CLOSED || s->err.cause == ERR_CLOSED)
		      ? ASK_REFUSED : ASK_FAILED;
	}
	*rep = a.rep;
	smtp_free(s);
	free(s);
	out_free(&out);
	if (res == ASK_FAILED) {
		pthread_mutex_lock(&sc->lock);
		sc->failed++;
		pthread_mutex_unlock(&sc->lock);
	}
	return res;
}

/* ---- what to offer --------------------------------------------------- */

static size_t all_groups(uint16_t *out, bool ec_only)
{
	size_t n = 0;
	for (size_t i = 0; i < tlscheck_group_count(); i++) {
		uint16_t v = tlscheck_group_at(i)->value;
		if (ec_only && (v >> 8) == 0x01)
			continue;           /* ffdhe */
		out[n++] = v;
	}
	return n;
}

static size_t all_sigalgs(uint16_t *out)
{
	for (size_t i = 0; i < tlscheck_sigalg_count(); i++)
		out[i] = tlscheck_sigalg_at(i)->value;
	return tlscheck_sigalg_count();
}

static size_t suites_for(uint16_t version, uint16_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < tlscheck_suite_count() && n < SCAN_MAX_LIST; i++)
		if (tlscheck_suite_fits(tlscheck_suite_at(i), version))
			out[n++] = tlscheck_suite_at(i)->value;
	return n;
}

static bool contains(const uint16_t *list, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool remove_value(uint16_t *list, size_t *n, uint16_t v)
{
	for (size_t i = 0; i < *n; i++) {
		if (list[i] == v) {
			memmove(list + i, list + i + 1, (*n - i - 1) * sizeof *list);
			(*n)--;
			return true;
		}
	}
	return false;
}

static bool answered_at(const struct hello_reply *r, uint16_t version)
{
	if (r->answer == HELLO_SSL2_SERVER_HELLO)
		return version == TLSCHECK_SSL2;
	if (r->answer == HELLO_RETRY_REQUEST)
		return version == TLSCHECK_TLS13 && r->version == TLSCHECK_TLS13;
	return r->answer == HELLO_SERVER_HELLO && r->version == version;
}

static void note(char *why, size_t size, const struct hello_reply *r, const char *fallback)
{
	if (r->answer == HELLO_ALERT)
		snprintf(why, size, "alert %u", r->alert);
	else if (r->answer == HELLO_SERVER_HELLO)
		snprintf(why, size, "the server answered with %s", tlscheck_version_name(r->version));
	else
		snprintf(why, size, "%s", fallback);
}

/* What one request offers: its lists live here. */
struct offer {
	uint16_t suites[SCAN_MAX_LIST], groups[64], sigalgs[64];
};

/* A request at version with no suite yet, every group (or the elliptic
 * ones) and every signature algorithm. */
static void request_init(const struct tlscheck *tc, struct hello_request *rq, struct offer *o,
			 uint16_t version, bool ec_only)
{
	memset(rq, 0, sizeof *rq);
	rq->version = version;
	rq->suites = o->suites;
	rq->ngroups = all_groups(o->groups, ec_only);
	rq->groups = o->groups;
	rq->nsigalgs = all_sigalgs(o->sigalgs);
	rq->sigalgs = o->sigalgs;
	rq->sni = tc->base.tls.sni;
}

/* ---- versions and their suites --------------------------------------- */

static void scan_version(struct tlscheck *tc, struct tlscheck_scan *sc, size_t vi)
{
	struct scan_version *v = &sc->v[vi];
	struct offer o;
	uint16_t *offer = o.suites;
	struct hello_request rq;
	struct hello_reply rep;
	char why[160] = "";

	request_init(tc, &rq, &o, v->version, false);
	rq.nsuites = suites_for(v->version, offer);
	rq.offer_compression = v->version != TLSCHECK_TLS13 && v->version != TLSCHECK_SSL2;

	enum ask_result res = ask(tc, sc, &rq, &rep, why, sizeof why);
	if (res == ASK_FAILED) {
		v->offer = TLSCHECK_UNKNOWN;
		snprintf(v->why, sizeof v->why, "%s", why);
		return;
	}
	if (res == ASK_REFUSED || !answered_at(&rep, v->version)) {
		v->offer = TLSCHECK_NOT_OFFERED;
		note(v->why, sizeof v->why, &rep, res == ASK_REFUSED ? why : "refused");
		return;
	}
	v->offer = TLSCHECK_OFFERED;
	v->first = rep;
	v->compression = rep.compression == 1;
	if (v->version == TLSCHECK_SSL2) {
		/* SSLv2's SERVER-HELLO lists every spec the server shares
		 * (first.ssl2_specs): one connection says it all. */
		v->suites.asked = v->suites.complete = true;
		return;
	}
	if (!sc->ciphers) {
		/* Without the enumeration, the suite chosen is still graded. */
		v->suites.v[v->suites.n++] = rep.suite;
		snprintf(v->suites.why, sizeof v->suites.why, "not enumerated (--ciphers)");
		return;
	}

	/* Offer all, remove the chosen one, repeat (the server's order when
	 * it has one). */
	struct scan_list *l = &v->suites;
	l->asked = true;
	for (;;) {
		if (!remove_value(offer, &rq.nsuites, rep.suite)) {
			snprintf(l->why, sizeof l->why, "the server chose suite 0x%04X, which was not offered", rep.suite);
			break;
		}
		l->v[l->n++] = rep.suite;
		if (rq.nsuites == 0 || l->n == SCAN_MAX_LIST) {
			l->complete = true;
			break;
		}
		rq.offer_compression = false;
		res = ask(tc, sc, &rq, &rep, why, sizeof why);
		if (res == ASK_FAILED) {
			snprintf(l->why, sizeof l->why, "%s", why);
			break;
		}
		if (res == ASK_REFUSED || !answered_at(&rep, v->version)) {
			l->complete = true;
			break;
		}
	}
	/* Whose order: the first two, offered the other way round (one more
	 * connection). */
	if (l->n >= 2) {
		uint16_t two[2] = {l->v[1], l->v[0]};
		rq.suites = two;
		rq.nsuites = 2;
		res = ask(tc, sc, &rq, &rep, why, sizeof why);
		if (res == ASK_ANSWERED && answered_at(&rep, v->version))
			v->order = rep.suite == l->v[0] ? SCAN_ORDER_SERVER : SCAN_ORDER_CLIENT;
	}
}

/* ---- groups, DH, signature algorithms, fallback ----------------------- */

static uint16_t best_tls12(const struct tlscheck_scan *sc)
{
	for (size_t i = SCAN_NVERSIONS - 1; i-- > 0;)       /* TLS 1.2 down, 1.3 left out */
		if (sc->v[i].offer == TLSCHECK_OFFERED && sc->v[i].version >= TLSCHECK_TLS10)
			return sc->v[i].version;
	return 0;
}

/* Suites of the version's accepted list whose key exchange is kx ("ECDHE",
 * "DHE"), at most max; all such suites when the list was not asked. */
static size_t suites_with_kx(const struct tlscheck_scan *sc, uint16_t version, const char *kx,
			     uint16_t *out, size_t max)
{
	const struct scan_version *v = tlscheck_scan_version(sc, version);
	bool known = v && v->suites.n;
	size_t count = known ? v->suites.n : tlscheck_suite_count(), n = 0;
	for (size_t i = 0; i < count && n < max; i++) {
		const struct tlscheck_suite_info *s = known ? tlscheck_suite_find(v->suites.v[i]) : tlscheck_suite_at(i);
		if (s && tlscheck_suite_fits(s, version) && strcmp(s->kx, kx) == 0)
			out[n++] = s->value;
	}
	return n;
}

enum list_kind { LIST_GROUPS13, LIST_GROUPS12, LIST_SIGALGS12 };

/* The curve of an ECDSA leaf: up to TLS 1.2 the client's groups also name
 * the curves it can verify (RFC 8422 5.1.1), so it stays offered. */
static uint16_t cert_curve(const struct tlscheck *tc)
{
	const struct tls_info *info = tc->best;
	if (!info || info->ncerts == 0 || strncmp(info->certs[0].key_type, "EC", 2) != 0)
		return 0;
	switch (info->certs[0].key_bits) {
	case 256: return 0x0017;
	case 384: return 0x0018;
	case 521: return 0x0019;
	default: return 0;
	}
}

static void scan_list(struct tlscheck *tc, struct tlscheck_scan *sc, enum list_kind kind)
{
	struct offer o;
	uint16_t items[64], offered[65];
	struct hello_request rq;
	struct scan_list *l = kind == LIST_GROUPS13 ? &sc->groups13 : kind == LIST_GROUPS12 ? &sc->groups12 : &sc->sigalgs12;
	struct hello_reply rep;
	char why[160];
	uint16_t version = kind == LIST_GROUPS13 ? TLSCHECK_TLS13 : TLSCHECK_TLS12;

	request_init(tc, &rq, &o, version, kind == LIST_GROUPS12);
	if (kind == LIST_GROUPS13) {
		rq.nsuites = suites_for(version, o.suites);
	} else {
		rq.nsuites = suites_with_kx(sc, version, "ECDHE", o.suites, SCAN_MAX_LIST);
		if (kind == LIST_SIGALGS12)
			rq.nsuites += suites_with_kx(sc, version, "DHE", o.suites + rq.nsuites,
						     SCAN_MAX_LIST - rq.nsuites);
	}
	size_t nitems = kind == LIST_SIGALGS12 ? rq.nsigalgs : rq.ngroups;
	memcpy(items, kind == LIST_SIGALGS12 ? o.sigalgs : o.groups, nitems * sizeof *items);
	if (rq.nsuites == 0) {
		snprintf(l->why, sizeof l->why, "no suite to ask with");
		return;
	}
	l->asked = true;
	uint16_t pin = kind == LIST_GROUPS12 ? cert_curve(tc) : 0;
	for (;;) {
		if (kind == LIST_SIGALGS12) {
			rq.sigalgs = items;
			rq.nsigalgs = nitems;
		} else {
			/* The certificate's curve, once found, stays last. */
			memcpy(offered, items, nitems * sizeof *items);
			rq.ngroups = nitems;
			if (pin && !contains(items, nitems, pin))
				offered[rq.ngroups++] = pin;
			rq.groups = offered;
		}
		enum ask_result res = ask(tc, sc, &rq, &rep, why, sizeof why);
		if (res == ASK_FAILED) {
			snprintf(l->why, sizeof l->why, "%s", why);
			return;
		}
		if (res == ASK_REFUSED || !answered_at(&rep, rq.version)) {
			l->complete = true;
			return;
		}
		uint16_t chosen = kind == LIST_SIGALGS12 ? rep.sigalg : rep.group;
		if (chosen == 0) {
			snprintf(l->why, sizeof l->why, "the server's answer does not name it");
			return;
		}
		if (pin && chosen == pin && !contains(items, nitems, pin)) {
			/* The certificate's curve comes last in our list: a server
			 * following the client's order (as its suite order showed)
			 * accepts none of the others; one imposing its own order
			 * may just prefer it. */
			const struct scan_version *v12 = tlscheck_scan_version(sc, TLSCHECK_TLS12);
			if (v12 && v12->order == SCAN_ORDER_CLIENT)
				l->complete = true;
			else
				snprintf(l->why, sizeof l->why,
					 "the server prefers the certificate's curve, which must stay offered");
			return;
		}
		if (!remove_value(items, &nitems, chosen)) {
			snprintf(l->why, sizeof l->why, "the server chose 0x%04X, which was not offered", chosen);
			return;
		}
		l->v[l->n++] = chosen;
		if (nitems == 0) {
			l->complete = true;
			return;
		}
	}
}

/* Finite-field DH suites: DHE, and anonymous DH (RFC 5246 A.5). */
static bool is_ffdh(const struct tlscheck_suite_info *s)
{
	return strcmp(s->kx, "DHE") == 0 || (strcmp(s->kx, "DH") == 0 && strcmp(s->au, "anon") == 0);
}

/* The server's own finite-field groups, with no ffdhe group offered so
 * that it uses what it is configured with (RFC 7919 4).  OpenSSL's
 * automatic choice follows the suite's strength and authentication (1024
 * bits for 128-bit anonymous suites), so one connection per class of
 * accepted suites: signed or anonymous, 128 bits or more. */
static void scan_dh(struct tlscheck *tc, struct tlscheck_scan *sc)
{
	uint16_t version = best_tls12(sc);
	const struct scan_version *v = tlscheck_scan_version(sc, version);
	struct offer o;
	struct hello_request rq;
	struct hello_reply rep;
	char why[160];
	request_init(tc, &rq, &o, version, true);
	for (unsigned cls = 0; cls < 4; cls++) {
		uint16_t *suites = o.suites;
		size_t n = 0;
		bool anon = cls & 1, strong = cls & 2;
		size_t count = v && v->suites.asked ? v->suites.n : tlscheck_suite_count();
		for (size_t i = 0; i < count && n < SCAN_MAX_LIST; i++) {
			const struct tlscheck_suite_info *s = v && v->suites.asked ? tlscheck_suite_find(v->suites.v[i])
							      : tlscheck_suite_at(i);
			if (!s || !is_ffdh(s) || !tlscheck_suite_fits(s, version)
			    || (strcmp(s->au, "anon") == 0) != anon || (s->bits > 128) != strong)
				continue;
			suites[n++] = s->value;
		}
		if (n == 0)
			continue;
		rq.nsuites = n;
		sc->dh_asked = true;
		if (ask(tc, sc, &rq, &rep, why, sizeof why) != ASK_ANSWERED || !answered_at(&rep, version)
		    || !rep.dh_bits)
			continue;
		if (!sc->dh_bits || rep.dh_bits < sc->dh_bits)
			sc->dh_bits = rep.dh_bits;
		if (rep.dh_bits > sc->dh_bits_max)
			sc->dh_bits_max = rep.dh_bits;
	}
}

/* TLS 1.3 signature algorithms (RFC 8446 4.2.3) as GnuTLS names them;
 * key: the leaf key type (GnuTLS's name) that signs with them. */
static const struct {
	uint16_t value;
	const char *gnutls, *key;
} sigalgs13[] = {
	{0x0804, "SIGN-RSA-PSS-RSAE-SHA256", "RSA"}, {0x0805, "SIGN-RSA-PSS-RSAE-SHA384", "RSA"},
	{0x0806, "SIGN-RSA-PSS-RSAE-SHA512", "RSA"}, {0x0809, "SIGN-RSA-PSS-SHA256", "RSA-PSS"},
	{0x080A, "SIGN-RSA-PSS-SHA384", "RSA-PSS"}, {0x080B, "SIGN-RSA-PSS-SHA512", "RSA-PSS"},
	{0x0403, "SIGN-ECDSA-SECP256R1-SHA256", "EC/ECDSA"}, {0x0503, "SIGN-ECDSA-SECP384R1-SHA384", "EC/ECDSA"},
	{0x0603, "SIGN-ECDSA-SECP521R1-SHA512", "EC/ECDSA"}, {0x0807, "SIGN-EdDSA-Ed25519", "EdDSA (Ed25519)"},
	{0x0808, "SIGN-EdDSA-Ed448", "EdDSA (Ed448)"},
};

/* The server signs its CertificateVerify under encryption: asked with
 * GnuTLS, one handshake per algorithm the leaf's key type can use. */
static void scan_sigalgs13(struct tlscheck *tc, struct tlscheck_scan *sc)
{
	const char *key = tc->best && tc->best->ncerts ? tc->best->certs[0].key_type : "";
	struct scan_list *l = &sc->sigalgs13;
	l->asked = true;
	l->complete = true;
	for (size_t i = 0; i < sizeof sigalgs13 / sizeof sigalgs13[0]; i++) {
		if (strcmp(key, sigalgs13[i].key) != 0)
			continue;
		char prio[96], why[160];
		snprintf(prio, sizeof prio, ":-VERS-ALL:+VERS-TLS1.3:-SIGN-ALL:+%s", sigalgs13[i].gnutls);
		pthread_mutex_lock(&sc->lock);
		sc->connections++;
		pthread_mutex_unlock(&sc->lock);
		pause_between(sc);
		enum tlscheck_offer o = tlscheck_gnutls_ask(tc, prio, why, sizeof why);
		if (o == TLSCHECK_OFFERED) {
			l->v[l->n++] = sigalgs13[i].value;
		} else if (o == TLSCHECK_UNKNOWN) {
			l->complete = false;
			snprintf(l->why, sizeof l->why, "%s", why);
			pthread_mutex_lock(&sc->lock);
			sc->failed++;
			pthread_mutex_unlock(&sc->lock);
		}
	}
}

/* RFC 7507: a ClientHello below the best version with TLS_FALLBACK_SCSV
 * must be refused with inappropriate_fallback (86). */
static void scan_fallback(struct tlscheck *tc, struct tlscheck_scan *sc)
{
	uint16_t best = 0, lower = 0;
	for (size_t i = SCAN_NVERSIONS; i-- > 0;) {
		if (sc->v[i].offer != TLSCHECK_OFFERED || sc->v[i].version < TLSCHECK_SSL3)
			continue;
		if (!best)
			best = sc->v[i].version;
		else if (!lower)
			lower = sc->v[i].version;
	}
	if (!lower)
		return;
	struct offer o;
	struct hello_request rq;
	struct hello_reply rep;
	char why[160];
	request_init(tc, &rq, &o, lower, false);
	rq.nsuites = suites_for(lower, o.suites);
	rq.fallback_scsv = true;
	enum ask_result res = ask(tc, sc, &rq, &rep, why, sizeof why);
	if (res == ASK_ANSWERED)
		sc->fallback = rep.answer == HELLO_ALERT && rep.alert == 86 ? 1
			       : answered_at(&rep, lower) ? 0 : -1;
}

/* ---- running ---------------------------------------------------------- */

struct scan_run {
	struct tlscheck *tc;
	struct tlscheck_scan *sc;
};

static void lists_job(void *ctx, size_t i)
{
	struct scan_run *r = ctx;
	switch (i) {
	case 0:
		if (tlscheck_scan_version(r->sc, TLSCHECK_TLS13)->offer == TLSCHECK_OFFERED)
			scan_list(r->tc, r->sc, LIST_GROUPS13);
		break;
	case 1:
		if (tlscheck_scan_version(r->sc, TLSCHECK_TLS12)->offer == TLSCHECK_OFFERED)
			scan_list(r->tc, r->sc, LIST_GROUPS12);
		break;
	case 2:
		if (tlscheck_scan_version(r->sc, TLSCHECK_TLS12)->offer == TLSCHECK_OFFERED)
			scan_list(r->tc, r->sc, LIST_SIGALGS12);
		break;
	case 3:
		if (best_tls12(r->sc))
			scan_dh(r->tc, r->sc);
		break;
	case 4:
		if (tlscheck_scan_version(r->sc, TLSCHECK_TLS13)->offer == TLSCHECK_OFFERED && r->tc->best)
			scan_sigalgs13(r->tc, r->sc);
		break;
	default:
		scan_fallback(r->tc, r->sc);
		break;
	}
}

void tlscheck_scan_init(struct tlscheck_scan *sc)
{
	pthread_mutex_init(&sc->lock, NULL);
	sc->fallback = -1;
	for (size_t i = 0; i < SCAN_NVERSIONS; i++) {
		sc->v[i].version = scan_versions[i];
		sc->v[i].offer = TLSCHECK_UNKNOWN;
	}
}

void tlscheck_scan_old_version(struct tlscheck *tc, struct tlscheck_scan *sc, size_t i)
{
	scan_version(tc, sc, i);
}

static void tls_versions_job(void *ctx, size_t i)
{
	struct scan_run *r = ctx;
	scan_version(r->tc, r->sc, 2 + i);
}

void tlscheck_scan_run(struct tlscheck *tc, struct tlscheck_scan *sc)
{
	struct scan_run r = {tc, sc};
	unsigned threads = sc->max_connections ? sc->max_connections : 1;
	if (sc->versions_tls)
		parallel_run(SCAN_NVERSIONS - 2, threads, tls_versions_job, &r);
	if (sc->ciphers)
		parallel_run(6, threads, lists_job, &r);
}

bool tlscheck_scan_any_offered(const struct tlscheck_scan *sc)
{
	for (size_t i = 0; i < SCAN_NVERSIONS; i++)
		if (sc->v[i].offer == TLSCHECK_OFFERED)
			return true;
	return false;
}

void tlscheck_scan_free(struct tlscheck_scan *sc)
{
	pthread_mutex_destroy(&sc->lock);
}

const struct scan_version *tlscheck_scan_version(const struct tlscheck_scan *sc, uint16_t version)
{
	for (size_t i = 0; i < SCAN_NVERSIONS; i++)
		if (sc->v[i].version == version)
			return &sc->v[i];
	return NULL;
}

const struct hello_reply *tlscheck_scan_tls12_facts(const struct tlscheck_scan *sc, uint16_t *version)
{
	uint16_t best = best_tls12(sc);
	const struct scan_version *v = best ? tlscheck_scan_version(sc, best) : NULL;
	if (!v)
		return NULL;
	if (version)
		*version = best;
	return &v->first;
}
