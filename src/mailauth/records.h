/* records.h - the policy records of sender authentication, parsed: DKIM
 * key records (RFC 6376 3.6.1, RFC 8463), DMARC (RFC 7489 6.3, and the
 * np= tag of DMARCbis), BIMI (draft-brand-indicators-for-message-
 * identification 4.2).  Pure: no DNS here. */
#ifndef SMTPKIT_MAILAUTH_RECORDS_H
#define SMTPKIT_MAILAUTH_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

struct dkim_key {
	bool valid;
	char error[200];
	char type[16];              /* "rsa", "ed25519" */
	unsigned bits;
	bool revoked;               /* p= empty (3.6.1) */
	bool testing;               /* t=y */
	bool strict;                /* t=s */
};
/* 0 and k->valid, or -1 with k->error set. */
int dkim_key_parse(const char *txt, struct dkim_key *k);

#define DMARC_URI_MAX 8

struct dmarc {
	bool valid;
	char error[200];
	char p[16], sp[16], np[16]; /* "none", "quarantine", "reject"; sp/np "" when not given */
	char adkim, aspf;           /* 'r' or 's' */
	int pct;                    /* 0..100, 100 when not given */
	bool psd_y, psd_n;          /* DMARCbis psd= */
	bool testing;               /* DMARCbis t=y: the policy is not applied (pct= replaced) */
	char rua[DMARC_URI_MAX][300], ruf[DMARC_URI_MAX][300];
	size_t nrua, nruf;
};
int dmarc_parse(const char *txt, struct dmarc *d);
/* The domain of a mailto: report URI ("mailto:a@b.example!10m" ->
 * "b.example"); false when it is not a mailto: URI with a domain. */
bool dmarc_uri_domain(const char *uri, char *out, size_t size);

struct bimi {
	bool valid;
	char error[200];
	char l[600], a[600];        /* logo (SVG over HTTPS) and evidence (VMC) locations */
	bool declined;              /* v=BIMI1 with l= empty: the domain declines BIMI */
};
int bimi_parse(const char *txt, struct bimi *b);

#endif
