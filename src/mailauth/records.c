/* records.c - DKIM key, DMARC and BIMI records read through the tag-list
 * parser, with each specification's own rules on top. */
#define _GNU_SOURCE
#include "mailauth/records.h"
#include "mailauth/taglist.h"
#include "text.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *error, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *error, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(error, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is word one of the colon-separated items of list (case-insensitive)? */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ":");
		if (n == wl && text_ncasecmp(p, word, n) == 0)
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* ---- DKIM key records (RFC 6376 3.6.1) ---- */

static int rsa_bits(const char *b64, struct dkim_key *k)
{
	size_t len;
	unsigned char *der = text_b64_decode(b64, strlen(b64), &len);
	if (!der)
		return fail(k->error, sizeof k->error, "p= is not valid base64");
	gnutls_pubkey_t pub;
	gnutls_datum_t d = {der, (unsigned)len};
	int rc = -1;
	if (gnutls_pubkey_init(&pub) == 0) {
		if (gnutls_pubkey_import(pub, &d, GNUTLS_X509_FMT_DER) == 0) {
			int pk = gnutls_pubkey_get_pk_algorithm(pub, &k->bits);
			if (pk == GNUTLS_PK_RSA)
				rc = 0;
			else
				fail(k->error, sizeof k->error, "k=rsa but p= holds a %s key",
				     gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
		} else {
			fail(k->error, sizeof k->error, "p= is not a DER SubjectPublicKeyInfo (RFC 6376 3.6.1)");
		}
		gnutls_pubkey_deinit(pub);
	}
	free(der);
	return rc;
}

int dkim_key_parse(const char *txt, struct dkim_key *k)
{
	struct taglist tl;
	memset(k, 0, sizeof *k);
	int rc = -1;
	if (taglist_parse(txt, &tl) < 0) {
		fail(k->error, sizeof k->error, "not a tag list: %s", tl.error);
		goto done;
	}
	const char *v = taglist_get(&tl, "v", false), *kt = taglist_get(&tl, "k", false);
	const char *h = taglist_get(&tl, "h", false), *p = taglist_get(&tl, "p", false);
	const char *s = taglist_get(&tl, "s", false), *t = taglist_get(&tl, "t", false);
	/* 3.6.1: v= is optional, but when there it is "DKIM1" and first. */
	if (v && (strcmp(v, "DKIM1") != 0 || strcmp(tl.t[0].name, "v") != 0)) {
		fail(k->error, sizeof k->error, "v= must be \"DKIM1\" and the first tag");
		goto done;
	}
	snprintf(k->type, sizeof k->type, "%s", kt ? kt : "rsa");
	if (strcmp(k->type, "rsa") != 0 && strcmp(k->type, "ed25519") != 0) {
		fail(k->error, sizeof k->error, "unknown key type k=%.20s", k->type);
		goto done;
	}
	if (h && !list_has(h, "sha256")) {
		fail(k->error, sizeof k->error, "h= does not allow sha256, the only hash verifiers take (RFC 8301)");
		goto done;
	}
	if (s && !list_has(s, "*") && !list_has(s, "email")) {
		fail(k->error, sizeof k->error, "s= does not allow email");
		goto done;
	}
	if (t) {
		k->testing = list_has(t, "y");
		k->strict = list_has(t, "s");
	}
	if (!p) {
		fail(k->error, sizeof k->error, "no p= tag (the public key)");
		goto done;
	}
	if (!*p) {
		k->revoked = true;
		k->valid = true;
		rc = 0;
		goto done;
	}
	if (strcmp(k->type, "ed25519") == 0) {
		/* RFC 8463 4.2: the raw 32-octet key, not an SPKI. */
		size_t len;
		unsigned char *raw = text_b64_decode(p, strlen(p), &len);
		if (!raw) {
			fail(k->error, sizeof k->error, "p= is not valid base64");
			goto done;
		}
		free(raw);
		if (len != 32) {
			fail(k->error, sizeof k->error, "an Ed25519 p= holds 32 octets, not %zu (RFC 8463 4.2)", len);
			goto done;
		}
		k->bits = 256;
	} else if (rsa_bits(p, k) < 0) {
		goto done;
	}
	k->valid = true;
	rc = 0;
done:
	taglist_free(&tl);
	return rc;
}

/* ---- DMARC (RFC 7489 6.3) ---- */

static bool policy_ok(const char *v)
{
	return text_casecmp(v, "none") == 0 || text_casecmp(v, "quarantine") == 0 || text_casecmp(v, "reject") == 0;
}

static int uri_list(const char *v, char (*out)[300], size_t *n, char *error, size_t esize, const char *tag)
{
	*n = 0;
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ",");
		if (*n < DMARC_URI_MAX && len > 0) {
			snprintf(out[*n], 300, "%.*s", (int)(len < 299 ? len : 299), p);
			char dom[256];
			if (!dmarc_uri_domain(out[*n], dom, sizeof dom))
				return fail(error, esize, "%s= \"%.80s\" is not a mailto: address (RFC 7489 6.2)", tag, out[*n]);
			(*n)++;
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

bool dmarc_uri_domain(const char *uri, char *out, size_t size)
{
	if (text_ncasecmp(uri, "mailto:", 7) != 0)
		return false;
	const char *at = strrchr(uri + 7, '@');
	if (!at || at == uri + 7)
		return false;
	size_t len = strcspn(at + 1, "!");
	if (len == 0 || len >= size)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = at[1 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	memcpy(out, at + 1, len);
	out[len] = '\0';
	return true;
}

int dmarc_parse(const char *txt, struct dmarc *d)
{
	struct taglist tl;
	memset(d, 0, sizeof *d);
	d->adkim = d->aspf = 'r';
	d->pct = 100;
	int rc = -1;
	if (taglist_parse(txt, &tl) < 0) {
		fail(d->error, sizeof d->error, "not a tag list: %s", tl.error);
		goto done;
	}
	/* 6.3: v=DMARC1 first, then p= (required; DMARCbis lets a missing
	 * p= read as none when rua= is there -- still worth a warning). */
	if (tl.n == 0 || strcmp(tl.t[0].name, "v") != 0 || strcmp(tl.t[0].value, "DMARC1") != 0) {
		fail(d->error, sizeof d->error, "the record must start with v=DMARC1");
		goto done;
	}
	const char *p = taglist_get(&tl, "p", true), *sp = taglist_get(&tl, "sp", true);
	const char *np = taglist_get(&tl, "np", true), *pct = taglist_get(&tl, "pct", true);
	const char *adkim = taglist_get(&tl, "adkim", true), *aspf = taglist_get(&tl, "aspf", true);
	const char *rua = taglist_get(&tl, "rua", true), *ruf = taglist_get(&tl, "ruf", true);
	const char *psd = taglist_get(&tl, "psd", true);
	if (!p || !policy_ok(p)) {
		if (p)
			fail(d->error, sizeof d->error, "p=%.20s is not none, quarantine or reject", p);
		else
			fail(d->error, sizeof d->error, "no p= tag (RFC 7489 6.3)");
		goto done;
	}
	if ((sp && !policy_ok(sp)) || (np && !policy_ok(np))) {
		fail(d->error, sizeof d->error, "sp= and np= take none, quarantine or reject");
		goto done;
	}
	snprintf(d->p, sizeof d->p, "%s", p);
	snprintf(d->sp, sizeof d->sp, "%s", sp ? sp : "");
	snprintf(d->np, sizeof d->np, "%s", np ? np : "");
	if ((adkim && strcmp(adkim, "r") != 0 && strcmp(adkim, "s") != 0)
	    || (aspf && strcmp(aspf, "r") != 0 && strcmp(aspf, "s") != 0)) {
		fail(d->error, sizeof d->error, "adkim= and aspf= take r or s");
		goto done;
	}
	d->adkim = adkim ? adkim[0] : 'r';
	d->aspf = aspf ? aspf[0] : 'r';
	if (pct) {
		char *end;
		long v = strtol(pct, &end, 10);
		if (*end || !*pct || v < 0 || v > 100) {
			fail(d->error, sizeof d->error, "pct=%.20s is not 0 to 100", pct);
			goto done;
		}
		d->pct = (int)v;
	}
	const char *t = taglist_get(&tl, "t", true);
	if (t && strcmp(t, "y") != 0 && strcmp(t, "n") != 0) {
		fail(d->error, sizeof d->error, "t= takes y or n");
		goto done;
	}
	d->testing = t && strcmp(t, "y") == 0;
	d->psd_y = psd && strcmp(psd, "y") == 0;
	d->psd_n = psd && strcmp(psd, "n") == 0;
	if ((rua && uri_list(rua, d->rua, &d->nrua, d->error, sizeof d->error, "rua") < 0)
	    || (ruf && uri_list(ruf, d->ruf, &d->nruf, d->error, sizeof d->error, "ruf") < 0))
		goto done;
	d->valid = true;
	rc = 0;
done:
	taglist_free(&tl);
	return rc;
}

/* ---- BIMI ---- */

int bimi_parse(const char *txt, struct bimi *b)
{
	struct taglist tl;
	memset(b, 0, sizeof *b);
	int rc = -1;
	if (taglist_parse(txt, &tl) < 0) {
		fail(b->error, sizeof b->error, "not a tag list: %s", tl.error);
		goto done;
	}
	if (tl.n == 0 || strcmp(tl.t[0].name, "v") != 0 || strcmp(tl.t[0].value, "BIMI1") != 0) {
		fail(b->error, sizeof b->error, "the record must start with v=BIMI1");
		goto done;
	}
	const char *l = taglist_get(&tl, "l", false), *a = taglist_get(&tl, "a", false);
	snprintf(b->l, sizeof b->l, "%s", l ? l : "");
	snprintf(b->a, sizeof b->a, "%s", a ? a : "");
	b->declined = !l || !*l;
	/* The logo and the evidence document are fetched over HTTPS only. */
	if ((l && *l && text_ncasecmp(l, "https://", 8) != 0) || (a && *a && text_ncasecmp(a, "https://", 8) != 0)) {
		fail(b->error, sizeof b->error, "l= and a= must be https:// URLs");
		goto done;
	}
	b->valid = true;
	rc = 0;
done:
	taglist_free(&tl);
	return rc;
}
