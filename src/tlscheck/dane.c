/* tlscheck/dane.c - DANE for SMTP (RFC 7672): the TLSA records of
 * _PORT._tcp.HOST from src/dns (with the AD bit), matched against the
 * chain the server sent through gnutls-dane's raw API.  Usage 3 (DANE-EE)
 * binds the key and ignores names and dates; usage 2 (DANE-TA) binds an
 * issuer in the chain, and the name is still ours to check (gnutls-dane
 * does not).  Usages 0 and 1 are unusable for SMTP (RFC 7672 3.1.3). */
#define _GNU_SOURCE
#include "tlscheck/tlscheck.h"
#include "dns.h"
#include "text.h"

#include <gnutls/dane.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	/* Long (full certificate) data: keep the start. */
	if (text_hex(b, n, out, size) < 2 * n && size > 4)
		snprintf(out + size - 4, 4, "...");
}

void tlscheck_dane_lookup(struct tlscheck *tc)
{
	struct tlscheck_dane *d = &tc->dane;
	struct dns_answer a;
	memset(&a, 0, sizeof a);
	dns_query(&tc->resolver, d->qname, DNS_T_TLSA, &a);
	snprintf(d->lookup, sizeof d->lookup, "%s", dns_status_name(a.status));
	d->ad = a.ad;
	switch (a.status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		d->state = TLSCHECK_DANE_NONE;
		dns_answer_free(&a);
		return;
	default:
		d->state = TLSCHECK_DANE_ERROR;
		snprintf(d->why, sizeof d->why, "TLSA lookup failed: %s%s%s", dns_status_name(a.status),
			 a.why[0] ? ": " : "", a.why);
		dns_answer_free(&a);
		return;
	}
	for (size_t i = 0; i < a.n && d->n < TLSCHECK_MAX_TLSA; i++) {
		const struct dns_tlsa *t = &a.tlsa[i];
		struct tlscheck_tlsa *x = &d->tlsa[d->n++];
		x->usage = t->usage;
		x->selector = t->selector;
		x->mtype = t->mtype;
		hex(t->full ? t->full : t->data, t->len, x->data_hex, sizeof x->data_hex);
		x->usable = t->usage == 2 || t->usage == 3;
		if (!x->usable)
			snprintf(x->why, sizeof x->why, "usage %u is unusable for SMTP (RFC 7672 3.1.3)", t->usage);
	}
	d->state = a.ad ? TLSCHECK_DANE_NO_USABLE : TLSCHECK_DANE_INSECURE;
	/* The association data is needed after the handshakes: stash it. */
	d->raw = calloc(d->n, sizeof *d->raw);
	d->raw_len = calloc(d->n, sizeof *d->raw_len);
	for (size_t i = 0; d->raw && d->raw_len && i < d->n; i++) {
		const struct dns_tlsa *t = &a.tlsa[i];
		const unsigned char *data = t->full ? t->full : t->data;
		d->raw[i] = malloc(t->len + 3);
		if (!d->raw[i])
			continue;
		d->raw[i][0] = (char)t->usage;
		d->raw[i][1] = (char)t->selector;
		d->raw[i][2] = (char)t->mtype;
		memcpy(d->raw[i] + 3, data, t->len);
		d->raw_len[i] = (int)t->len + 3;
	}
	dns_answer_free(&a);
}

/* DER of the chain the server sent, from the PEM tls.c kept. */
static size_t chain_der(const struct tls_info *info, gnutls_datum_t *der, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < info->ncerts && n < max; i++) {
		if (!info->certs[i].pem)
			break;
		gnutls_datum_t pem = {(unsigned char *)info->certs[i].pem,
				      (unsigned)strlen(info->certs[i].pem)};
		if (gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der[n]) < 0)
			break;
		n++;
	}
	return n;
}

/* The path from the leaf up to chain[ta] holds with chain[ta] as the only
 * trust anchor (dates are reported by the certificate findings). */
static bool path_to(const gnutls_datum_t *der, size_t ta)
{
	gnutls_x509_crt_t crts[TLS_MAX_CERTS];
	size_t n = 0;
	bool ok = false;
	for (; n <= ta; n++) {
		if (gnutls_x509_crt_init(&crts[n]) < 0)
			goto out;
		if (gnutls_x509_crt_import(crts[n], &der[n], GNUTLS_X509_FMT_DER) < 0) {
			n++;
			goto out;
		}
	}
	unsigned status = 0;
	unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
	ok = gnutls_x509_crt_list_verify(crts, (unsigned)ta, &crts[ta], 1, NULL, 0, flags, &status) == 0
	     && status == 0;
out:
	for (size_t i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return ok;
}

/* One record against the chain, through gnutls-dane. */
static bool match_record(dane_state_t st, char *raw, int raw_len, const gnutls_datum_t *der,
			 size_t n, unsigned usage, char *why, size_t size)
{
	char *data[2] = {raw, NULL};
	int len[2] = {raw_len, 0};
	dane_query_t q = NULL;
	/* The AD bit was read by us; gnutls-dane is told the data is secure. */
	if (dane_raw_tlsa(st, &q, data, len, 1, 0) < 0 || !q) {
		snprintf(why, size, "the record does not parse");
		return false;
	}
	unsigned verify = 0;
	bool ok = false;
	if (usage == 3) {
		ok = dane_verify_crt_raw(st, der, (unsigned)n, GNUTLS_CRT_X509, q, 0,
					 DANE_VFLAG_ONLY_CHECK_EE_USAGE, &verify) == 0 && verify == 0;
		snprintf(why, size, ok ? "matches the server's certificate (DANE-EE: names and dates are not checked)"
			 : "does not match the server's certificate");
	} else {
		/* gnutls-dane compares the record with the leaf's issuer only:
		 * slide the chain so that each certificate above the leaf is
		 * tried as the trust anchor RFC 7672 3.1.2 allows. */
		for (size_t ta = 1; ta < n && !ok; ta++) {
			verify = 0;
			if (dane_verify_crt_raw(st, &der[ta - 1], (unsigned)(n - ta + 1), GNUTLS_CRT_X509, q, 0,
						DANE_VFLAG_ONLY_CHECK_CA_USAGE, &verify) == 0
			    && verify == 0 && (ta == 1 || path_to(der, ta))) {
				ok = true;
				snprintf(why, size, "matches certificate %zu of the chain (DANE-TA)", ta);
			}
		}
		if (!ok)
			snprintf(why, size, n < 2 ? "the server sent no issuer certificate to match (DANE-TA)"
				 : "matches no issuer in the server's chain");
	}
	dane_query_deinit(q);
	return ok;
}

void tlscheck_dane_match(struct tlscheck *tc)
{
	struct tlscheck_dane *d = &tc->dane;
	if (d->state != TLSCHECK_DANE_NO_USABLE && d->state != TLSCHECK_DANE_INSECURE)
		goto done;
	if (!tc->best || !d->raw || !d->raw_len)
		goto done;
	gnutls_datum_t der[TLS_MAX_CERTS];
	size_t n = chain_der(tc->best, der, TLS_MAX_CERTS);
	dane_state_t st = NULL;
	if (n == 0 || dane_state_init(&st, DANE_F_IGNORE_DNSSEC | DANE_F_IGNORE_LOCAL_RESOLVER) < 0) {
		snprintf(d->why, sizeof d->why, "cannot match: %s", n == 0 ? "no certificate" : "dane_state_init failed");
		if (d->state == TLSCHECK_DANE_NO_USABLE)
			d->state = TLSCHECK_DANE_ERROR;
		goto free_der;
	}
	size_t usable = 0;
	bool any = false;
	for (size_t i = 0; i < d->n; i++) {
		struct tlscheck_tlsa *x = &d->tlsa[i];
		if (!x->usable || !d->raw[i])
			continue;
		usable++;
		x->matched = match_record(st, d->raw[i], d->raw_len[i], der, n, x->usage, x->why, sizeof x->why);
		if (x->matched && x->usage == 2 && !tc->best->name_ok) {
			/* RFC 7672 3.2.3: with DANE-TA the name must still match. */
			x->matched = false;
			snprintf(x->why, sizeof x->why,
				 "matches an issuer (DANE-TA) but the certificate does not match the name %.60s",
				 tc->best->verify_name);
		}
		if (x->matched && !any) {
			any = true;
			d->matched_usage = x->usage;
		}
	}
	dane_state_deinit(st);
	if (d->state == TLSCHECK_DANE_NO_USABLE && usable > 0)
		d->state = any ? TLSCHECK_DANE_MATCH : TLSCHECK_DANE_MISMATCH;
	bool ee = false, ta = false;
	for (size_t i = 0; i < d->n; i++) {
		const struct tlscheck_tlsa *x = &d->tlsa[i];
		if (!x->usable || !x->why[0])
			continue;
		if (!x->matched)
			d->unmatched++;
		ee |= x->matched && x->usage == 3;
		ta |= x->matched && x->usage == 2;
	}
	d->rollover_ready = any && ((ee && ta) || d->unmatched > 0);
free_der:
	for (size_t i = 0; i < n; i++)
		gnutls_free(der[i].data);
done:
	for (size_t i = 0; d->raw && i < d->n; i++)
		free(d->raw[i]);
	free(d->raw);
	free(d->raw_len);
	d->raw = NULL;
	d->raw_len = NULL;
}
