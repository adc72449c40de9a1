/* spf.h - Sender Policy Framework (RFC 7208): the record's syntax, its
 * macros, and check_host() over src/dns.h with the processing limits. */
#ifndef SMTPKIT_SPF_H
#define SMTPKIT_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"

/* RFC 7208 2.6. */
enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR,
};
const char *spf_result_name(enum spf_result r);

/* ---- the record (RFC 7208 4.6, 12) ---- */

enum spf_mech { SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6, SPF_EXISTS };

struct spf_term {
	char *text;                 /* as written, for reports */
	bool modifier;
	/* directive */
	char qualifier;             /* '+', '-', '~', '?' */
	enum spf_mech mech;
	char *domain;               /* domain-spec (a macro-string), NULL: the current domain */
	int cidr4, cidr6;           /* prefix lengths; 32 and 128 when not given */
	unsigned char net[16];      /* ip4 (first 4 octets) / ip6 */
	/* modifier */
	char *name, *value;
};

struct spf_record {
	struct spf_term *t;
	size_t n;
	const char *redirect, *exp; /* values of those modifiers in t, or NULL */
	char error[200];            /* why the record is a permerror */
};

/* Parse a whole record ("v=spf1 ...").  -1 with r->error set for any
 * syntax error anywhere (RFC 7208 4.6: the record is then a permerror);
 * the terms parsed so far stay in r.  Free with spf_record_free. */
int spf_record_parse(const char *txt, struct spf_record *r);
void spf_record_free(struct spf_record *r);
/* RFC 7208 7.1 macro-string syntax; exp: the explanation letters c, r, t
 * are allowed. */
bool spf_macro_valid(const char *s, size_t len, bool exp);

/* ---- macros (RFC 7208 7) ---- */

struct spf_macro_ctx {
	const char *sender;         /* s */
	const char *local;          /* l */
	const char *sender_domain;  /* o */
	const char *domain;         /* d: the current domain */
	const char *ip_dotted;      /* i: dotted quad or 32 dotted nibbles */
	const char *ip_text;        /* c: the address as usually written */
	bool ipv6;                  /* v: "ip6" or "in-addr" */
	const char *helo;           /* h */
	const char *receiver;       /* r */
	long long now;              /* t */
	/* p: the validated name, asked for only when a macro uses it */
	const char *(*ptr_name)(void *ctx);
	void *ptr_ctx;
};

/* Expand len octets of a macro-string into out (NUL-terminated); -1 when
 * it is not valid or does not fit.  A domain-spec of over 253 octets loses
 * labels from the left (7.3) when as_domain. */
int spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *c, bool exp, bool as_domain,
		     char *out, size_t size);

/* ---- check_host (RFC 7208 4) ---- */

#define SPF_LOOKUP_LIMIT 10     /* 4.6.4 */
#define SPF_VOID_LIMIT 2        /* 4.6.4 */

struct spf_query {
	const char *ip;             /* NULL: check the records only (every term walked, none matches) */
	const char *domain;
	const char *sender;         /* NULL: postmaster@domain */
	const char *helo;           /* NULL: "unknown" */
};

struct spf_eval {
	enum spf_result result;
	char mechanism[300];        /* the term that decided, "" for the default */
	char mechanism_domain[256]; /* the domain whose record held it */
	char explanation[512];      /* exp= on fail, expanded; "" if none (untrusted text) */
	char reason[300];           /* for none, permerror, temperror, and the default */
	int lookups, void_lookups;
	bool plus_all;              /* a record reached allows every address */
	bool ptr;                   /* a record reached uses ptr (5.5: do not) */
};

/* Fill *out; 0, or -1 when the query itself is bad (unparsable IP). */
int spf_check_host(const struct dns_resolver *res, const struct spf_query *q, struct spf_eval *out);

#endif
