/* dkim.h - DKIM signing (RFC 6376, RFC 8463): canonicalization, the
 * signer, and the key records that verifiers read. */
#ifndef SMTPKIT_DKIM_H
#define SMTPKIT_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "msg.h"

/* ---- canonicalization (RFC 6376 3.4) ---- */

enum dkim_canon { DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED };

/* The body, streamed: fed in pieces of any size, handed on in pieces to
 * emit (a hash update).  Memory is constant whatever the body's size. */
struct dkim_body {
	enum dkim_canon canon;
	void (*emit)(void *ctx, const char *p, size_t n);
	void *ctx;
	unsigned long long empty_lines;  /* empty lines held back: dropped if the body ends here */
	bool line_has_content;           /* the current line has emitted something */
	bool wsp_pending;                /* relaxed: a run of WSP not yet emitted as one SP */
	bool cr_pending;                 /* a CR whose LF may come in the next piece */
	bool emitted_any;                /* simple: an empty body becomes one CRLF */
	char buf[4096];
	size_t len;
};

void dkim_body_init(struct dkim_body *b, enum dkim_canon canon,
		    void (*emit)(void *ctx, const char *p, size_t n), void *ctx);
void dkim_body_feed(struct dkim_body *b, const char *p, size_t n);
void dkim_body_end(struct dkim_body *b);

/* One header field, name and value as they appear (value: everything
 * after the colon, folding CRLFs included, without the final CRLF),
 * canonicalized into out (allocated, NUL-terminated, *outlen set; the
 * final CRLF is not added).  NULL when out of memory. */
char *dkim_header_canon(enum dkim_canon canon, const char *field, size_t len, size_t *outlen);

/* "relaxed/simple", "relaxed" (body simple, RFC 6376 3.5 c=), ... */
int dkim_canon_parse(const char *s, enum dkim_canon *header, enum dkim_canon *body);
const char *dkim_canon_name(enum dkim_canon c);

/* ---- the signer ---- */

struct dkim_opts {
	const char *key_file;       /* PEM: RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8) */
	const char *selector;
	const char *domain;         /* NULL: the From header's domain */
	const char *headers;        /* "from:to:subject" or with commas; NULL: the default set */
	const char *canon;          /* NULL: relaxed/relaxed */
};

struct dkim_signer;

/* Check the options and load the key, before the message is read:
 * 64 for a bad selector, domain, header list or canonicalization; 66 for
 * a key file that cannot be read; 78 for one that others may read or
 * that holds no usable key (RSA 1024 to 4096 bits, or Ed25519). */
struct dkim_signer *dkim_signer_new(const struct dkim_opts *o, struct err *e);
/* Sign the built message: its DKIM-Signature header goes before it
 * (msg_prepend).  65 for a message without a From header (or with one
 * whose domain cannot be read when no domain was given). */
int dkim_sign(struct dkim_signer *s, struct msg *m, struct err *e);
/* What was signed, for the report: "d=example.org s=sel a=rsa-sha256 (2048 bits)". */
const char *dkim_signer_describe(const struct dkim_signer *s);
void dkim_signer_free(struct dkim_signer *s);

#endif
