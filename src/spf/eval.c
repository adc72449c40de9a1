/* eval.c - check_host() (RFC 7208 4, 5, 6) over src/dns.h: mechanisms in
 * order, include and redirect, the DNS lookup and void lookup limits
 * (4.6.4), exp= on fail (6.2). */
#define _GNU_SOURCE
#include "spf/spf.h"
#include "text.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Nesting is bounded by the lookup limit already; this guards the stack
 * should the limit ever be raised. */
#define SPF_MAX_DEPTH 20

struct state {
	const struct dns_resolver *res;
	bool check_only;
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char ip[16];
	char ip_dotted[80], ip_text[64];
	char sender[600], local[300], sender_domain[300];
	const char *helo;
	char ptr_name[256];         /* %{p}, computed once */
	bool ptr_done;
	struct spf_eval *out;
};

struct frame {
	struct state *st;
	const char *domain;
};

/* ---- helpers ---- */

static bool match_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static bool addr_match(const struct state *st, const char *addr, int cidr4, int cidr6)
{
	unsigned char a[16];
	if (st->family == AF_INET)
		return inet_pton(AF_INET, addr, a) == 1 && match_prefix(a, st->ip, cidr4);
	return inet_pton(AF_INET6, addr, a) == 1 && match_prefix(a, st->ip, cidr6);
}

/* RFC 7208 4.3: a domain that is not a multi-label name of valid labels
 * gives none. */
static bool domain_ok(const char *d)
{
	size_t n = strlen(d), label = 0;
	if (n == 0 || n > 253 || !strchr(d, '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (label == 0 && i != n - 1)
				return false;
			label = 0;
		} else if (++label > 63 || (unsigned char)d[i] <= ' ' || (unsigned char)d[i] > '~') {
			return false;
		}
	}
	return true;
}

static enum spf_result set_reason(struct state *st, enum spf_result r, const char *fmt, const char *arg)
{
	char shown[200];
	text_escape(arg, strlen(arg), shown, sizeof shown);
	snprintf(st->out->reason, sizeof st->out->reason, fmt, shown);
	return r;
}

/* The errors every lookup can have; NXDOMAIN and NODATA are "void"
 * (4.6.4).  Returns 1 to go on, 0 void, -1 temperror (reason set). */
static int lookup(struct state *st, const char *name, int type, struct dns_answer *a, bool count_void)
{
	dns_query(st->res, name, type, a);
	switch (a->status) {
	case DNS_OK:
		return 1;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		if (count_void)
			st->out->void_lookups++;
		return 0;
	default:
		set_reason(st, SPF_TEMPERROR, "DNS lookup failed for %s", name);
		snprintf(st->out->reason + strlen(st->out->reason), sizeof st->out->reason - strlen(st->out->reason),
			 " (%s)", dns_status_name(a->status));
		return -1;
	}
}

static const char *validated_name(void *ctx);

static void macro_ctx(struct state *st, const char *domain, struct spf_macro_ctx *c)
{
	*c = (struct spf_macro_ctx){
		.sender = st->sender, .local = st->local, .sender_domain = st->sender_domain, .domain = domain,
		.ip_dotted = st->ip_dotted, .ip_text = st->ip_text, .ipv6 = st->family == AF_INET6,
		.helo = st->helo, .receiver = "unknown", .now = (long long)time(NULL),
		.ptr_name = validated_name, .ptr_ctx = st,
	};
}

/* The target of a mechanism: its domain-spec expanded, or the current
 * domain.  -1: permerror (reason set). */
static int target(struct frame *f, const struct spf_term *t, char *out, size_t size)
{
	if (!t->domain) {
		snprintf(out, size, "%s", f->domain);
		return 0;
	}
	struct spf_macro_ctx c;
	macro_ctx(f->st, f->domain, &c);
	if (spf_macro_expand(t->domain, strlen(t->domain), &c, false, true, out, size) < 0) {
		set_reason(f->st, SPF_PERMERROR, "cannot expand the macros of \"%s\"", t->text);
		return -1;
	}
	return 0;
}

/* 4.6.4: include, a, mx, ptr, exists and redirect count; the eleventh is
 * a permerror. */
static bool count_lookup(struct state *st, const char *term)
{
	if (++st->out->lookups > SPF_LOOKUP_LIMIT) {
		set_reason(st, SPF_PERMERROR, "more than 10 DNS lookups (RFC 7208 4.6.4), at \"%s\"", term);
		return false;
	}
	return true;
}

static bool too_many_voids(struct state *st, const char *term)
{
	if (st->out->void_lookups > SPF_VOID_LIMIT) {
		set_reason(st, SPF_PERMERROR, "more than 2 void DNS lookups (RFC 7208 4.6.4), at \"%s\"", term);
		return true;
	}
	return false;
}

/* Address records of name for the client's family: 1 match, 0 none,
 * -1 temperror. */
static int a_match(struct state *st, const char *name, int cidr4, int cidr6, bool count_void)
{
	struct dns_answer a;
	int rc = lookup(st, name, st->family == AF_INET ? DNS_T_A : DNS_T_AAAA, &a, count_void);
	int match = 0;
	for (size_t i = 0; rc > 0 && i < a.n; i++)
		if (!st->check_only && addr_match(st, a.addrs[i], cidr4, cidr6))
			match = 1;
	dns_answer_free(&a);
	return rc < 0 ? -1 : match;
}

/* 5.5: PTR names of the address (at most 10) whose own addresses include
 * it; the first that is domain or under it, else any (for %{p}). */
static bool ptr_validated(struct state *st, const char *domain, char *found, size_t size)
{
	char rev[100];
	struct dns_answer p;
	bool ok = false;
	found[0] = '\0';
	if (dns_reverse_name(st->ip_text, rev, sizeof rev) < 0)
		return false;
	if (lookup(st, rev, DNS_T_PTR, &p, domain != NULL) <= 0) {
		dns_answer_free(&p);
		return false;
	}
	for (size_t i = 0; i < p.n && i < 10 && !ok; i++) {
		const char *name = p.names[i];
		struct dns_answer a;
		if (lookup(st, name, st->family == AF_INET ? DNS_T_A : DNS_T_AAAA, &a, false) > 0) {
			for (size_t k = 0; k < a.n; k++) {
				if (!addr_match(st, a.addrs[k], 32, 128))
					continue;
				size_t nl = strlen(name), dl = domain ? strlen(domain) : 0;
				bool under = domain && (text_casecmp(name, domain) == 0
						       || (nl > dl && name[nl - dl - 1] == '.'
							   && text_casecmp(name + nl - dl, domain) == 0));
				if (!found[0] || under)
					snprintf(found, size, "%s", name);
				if (under || !domain)
					ok = true;
				break;
			}
		}
		dns_answer_free(&a);
	}
	dns_answer_free(&p);
	return domain ? ok : found[0] != '\0';
}

static const char *validated_name(void *ctx)
{
	struct state *st = ctx;
	if (!st->ptr_done) {
		st->ptr_done = true;
		if (st->check_only || !ptr_validated(st, NULL, st->ptr_name, sizeof st->ptr_name))
			snprintf(st->ptr_name, sizeof st->ptr_name, "unknown");
	}
	return st->ptr_name;
}

static enum spf_result check_host(struct state *st, const char *domain, int depth);

/* One mechanism: 1 match, 0 no match, -1 with *err the error result. */
static int mechanism(struct frame *f, const struct spf_term *t, enum spf_result *err, int depth)
{
	struct state *st = f->st;
	char name[300];
	int rc;

	switch (t->mech) {
	case SPF_ALL:
		return !st->check_only;
	case SPF_IP4:
		return !st->check_only && st->family == AF_INET && match_prefix(t->net, st->ip, t->cidr4);
	case SPF_IP6:
		return !st->check_only && st->family == AF_INET6 && match_prefix(t->net, st->ip, t->cidr6);
	default:
		break;
	}
	if (!count_lookup(st, t->text) || target(f, t, name, sizeof name) < 0) {
		*err = SPF_PERMERROR;
		return -1;
	}
	switch (t->mech) {
	case SPF_INCLUDE: {
		/* 5.2: pass matches; fail, softfail, neutral do not; the
		 * errors carry up; none is a permerror. */
		/* What decided inside is not what decides here unless it passed. */
		char saved[sizeof st->out->mechanism], saved_domain[sizeof st->out->mechanism_domain];
		memcpy(saved, st->out->mechanism, sizeof saved);
		memcpy(saved_domain, st->out->mechanism_domain, sizeof saved_domain);
		enum spf_result r = check_host(st, name, depth + 1);
		memcpy(st->out->mechanism, saved, sizeof saved);
		memcpy(st->out->mechanism_domain, saved_domain, sizeof saved_domain);
		if (r == SPF_TEMPERROR || r == SPF_PERMERROR) {
			*err = r;
			return -1;
		}
		if (r == SPF_NONE) {
			*err = set_reason(st, SPF_PERMERROR, "include:%s has no SPF record (RFC 7208 5.2)", name);
			return -1;
		}
		return r == SPF_PASS && !st->check_only;
	}
	case SPF_A:
		rc = a_match(st, name, t->cidr4, t->cidr6, true);
		break;
	case SPF_MX: {
		struct dns_answer mx;
		rc = lookup(st, name, DNS_T_MX, &mx, true);
		/* 4.6.4: at most 10 MX records are looked at. */
		if (rc > 0 && mx.n > 10) {
			dns_answer_free(&mx);
			*err = set_reason(st, SPF_PERMERROR, "%s has more than 10 MX records (RFC 7208 4.6.4)", name);
			return -1;
		}
		int match = 0;
		for (size_t i = 0; rc > 0 && i < mx.n && !match; i++) {
			if (strcmp(mx.mx[i].host, ".") == 0)
				continue;       /* RFC 7505 null MX */
			int m = a_match(st, mx.mx[i].host, t->cidr4, t->cidr6, false);
			if (m < 0)
				rc = -1;
			match |= m > 0;
		}
		dns_answer_free(&mx);
		if (rc > 0)
			rc = match;
		break;
	}
	case SPF_PTR: {
		char found[256];
		if (st->check_only)
			return 0;
		/* 5.5: a DNS error here is no match, never temperror. */
		rc = ptr_validated(st, name, found, sizeof found) ? 1 : 0;
		st->out->reason[0] = '\0';
		break;
	}
	case SPF_EXISTS: {
		/* 5.7: an A query whatever the client's family. */
		struct dns_answer a;
		rc = lookup(st, name, DNS_T_A, &a, true);
		dns_answer_free(&a);
		if (rc > 0)
			rc = !st->check_only;
		break;
	}
	default:
		rc = 0;
	}
	if (rc < 0) {
		*err = SPF_TEMPERROR;
		return -1;
	}
	if (too_many_voids(st, t->text)) {
		*err = SPF_PERMERROR;
		return -1;
	}
	return rc;
}

/* 6.2: the explanation, from the exp= domain's one TXT record, expanded;
 * any problem leaves none. */
static void explanation(struct frame *f, const char *spec)
{
	struct state *st = f->st;
	struct spf_macro_ctx c;
	char name[300];
	macro_ctx(st, f->domain, &c);
	if (spf_macro_expand(spec, strlen(spec), &c, false, true, name, sizeof name) < 0)
		return;
	struct dns_answer a;
	dns_query(st->res, name, DNS_T_TXT, &a);
	if (a.status == DNS_OK && a.n == 1
	    && spf_macro_expand(a.txt[0], strlen(a.txt[0]), &c, true, false, st->out->explanation,
				sizeof st->out->explanation) < 0)
		st->out->explanation[0] = '\0';
	dns_answer_free(&a);
}

static enum spf_result qualifier_result(char q)
{
	switch (q) {
	case '-': return SPF_FAIL;
	case '~': return SPF_SOFTFAIL;
	case '?': return SPF_NEUTRAL;
	default: return SPF_PASS;
	}
}

static enum spf_result check_host(struct state *st, const char *domain, int depth)
{
	struct frame f = {st, domain};
	if (depth > SPF_MAX_DEPTH)
		return set_reason(st, SPF_PERMERROR, "includes nested too deeply at %s", domain);
	if (!domain_ok(domain))
		return set_reason(st, SPF_NONE, "\"%s\" is not a valid domain (RFC 7208 4.3)", domain);

	/* 4.4, 4.5: the TXT records that are SPF records; exactly one. */
	struct dns_answer a;
	dns_query(st->res, domain, DNS_T_TXT, &a);
	if (a.status != DNS_OK && a.status != DNS_NODATA && a.status != DNS_NXDOMAIN) {
		set_reason(st, SPF_TEMPERROR, "DNS lookup failed for %s", domain);
		dns_answer_free(&a);
		return SPF_TEMPERROR;
	}
	if (depth > 0 && a.status != DNS_OK)
		st->out->void_lookups++;
	const char *txt = NULL;
	size_t nspf = 0;
	for (size_t i = 0; a.status == DNS_OK && i < a.n; i++)
		if (text_ncasecmp(a.txt[i], "v=spf1", 6) == 0 && (a.txt[i][6] == '\0' || a.txt[i][6] == ' ')) {
			txt = a.txt[i];
			nspf++;
		}
	if (nspf != 1) {
		enum spf_result r = nspf ? SPF_PERMERROR : SPF_NONE;
		set_reason(st, r, nspf ? "more than one SPF record at %s (RFC 7208 4.5)" : "no SPF record at %s", domain);
		dns_answer_free(&a);
		return r;
	}
	struct spf_record rec;
	int prc = spf_record_parse(txt, &rec);
	dns_answer_free(&a);
	if (prc < 0) {
		char shown[300];
		text_escape(domain, strlen(domain), shown, sizeof shown);
		snprintf(st->out->reason, sizeof st->out->reason, "%.170s (in the record of %.100s)", rec.error, shown);
		spf_record_free(&rec);
		return SPF_PERMERROR;
	}
	if (depth == 0 || st->check_only)
		for (size_t i = 0; i < rec.n; i++) {
			const struct spf_term *t = &rec.t[i];
			if (!t->modifier && t->mech == SPF_ALL && t->qualifier == '+')
				st->out->plus_all = true;
			if (!t->modifier && t->mech == SPF_PTR)
				st->out->ptr = true;
		}

	enum spf_result result = SPF_NEUTRAL;
	bool decided = false;
	for (size_t i = 0; i < rec.n && !decided; i++) {
		const struct spf_term *t = &rec.t[i];
		if (t->modifier)
			continue;
		enum spf_result err = SPF_PERMERROR;
		int m = mechanism(&f, t, &err, depth);
		if (m < 0) {
			result = err;
			decided = true;
		} else if (m > 0) {
			result = qualifier_result(t->qualifier);
			decided = true;
			snprintf(st->out->mechanism, sizeof st->out->mechanism, "%s", t->text);
			snprintf(st->out->mechanism_domain, sizeof st->out->mechanism_domain, "%s", domain);
			st->out->reason[0] = '\0';
			if (result == SPF_FAIL && rec.exp)
				explanation(&f, rec.exp);
		}
	}
	/* 6.1: a redirect beside an "all" is ignored (the walk of the check
	 * mode, where all never matches, must not follow it either). */
	bool has_all = false;
	for (size_t i = 0; i < rec.n; i++)
		has_all |= !rec.t[i].modifier && rec.t[i].mech == SPF_ALL;
	if (!decided && rec.redirect && !has_all) {
		/* 6.1: only when no mechanism matched; none there is a
		 * permerror, and this record's exp= no longer applies. */
		char name[300];
		struct spf_macro_ctx c;
		macro_ctx(st, domain, &c);
		if (!count_lookup(st, "redirect")) {
			result = SPF_PERMERROR;
		} else if (spf_macro_expand(rec.redirect, strlen(rec.redirect), &c, false, true, name, sizeof name) < 0) {
			result = set_reason(st, SPF_PERMERROR, "cannot expand redirect=%s", rec.redirect);
		} else {
			result = check_host(st, name, depth + 1);
			if (result == SPF_NONE)
				result = set_reason(st, SPF_PERMERROR, "redirect=%s has no SPF record (RFC 7208 6.1)", name);
		}
	} else if (!decided && depth == 0) {
		set_reason(st, SPF_NEUTRAL, "no mechanism matched in the record of %s: neutral (RFC 7208 4.7)", domain);
	}
	spf_record_free(&rec);
	return result;
}

/* ---- the query ---- */

static int parse_ip(struct state *st, const char *ip)
{
	char buf[INET6_ADDRSTRLEN + 4];
	if (inet_pton(AF_INET, ip, st->ip) == 1) {
		st->family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, st->ip) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		st->family = AF_INET6;
		/* RFC 7208 5: an IPv4-mapped IPv6 address is the IPv4 client. */
		if (memcmp(st->ip, mapped, 12) == 0) {
			memmove(st->ip, st->ip + 12, 4);
			st->family = AF_INET;
		}
	} else {
		return -1;
	}
	inet_ntop(st->family, st->ip, buf, sizeof buf);
	snprintf(st->ip_text, sizeof st->ip_text, "%s", buf);
	/* 7.3 i: dotted quad, or 32 nibbles separated by dots. */
	if (st->family == AF_INET) {
		snprintf(st->ip_dotted, sizeof st->ip_dotted, "%s", buf);
	} else {
		char *p = st->ip_dotted;
		for (int i = 0; i < 16; i++)
			p += sprintf(p, "%s%x.%x", i ? "." : "", st->ip[i] >> 4, st->ip[i] & 15);
	}
	return 0;
}

int spf_check_host(const struct dns_resolver *res, const struct spf_query *q, struct spf_eval *out)
{
	struct state st = {.res = res, .check_only = q->ip == NULL, .out = out};
	memset(out, 0, sizeof *out);
	/* A placeholder for the macros when only checking the record. */
	if (parse_ip(&st, q->ip ? q->ip : "192.0.2.0") < 0)
		return -1;
	st.helo = q->helo ? q->helo : "unknown";
	/* 4.3: no local part means "postmaster". */
	if (q->sender && *q->sender) {
		const char *at = strrchr(q->sender, '@');
		snprintf(st.sender, sizeof st.sender, "%s%s", at == q->sender ? "postmaster" : "", q->sender);
		if (at) {
			snprintf(st.local, sizeof st.local, "%.*s", at == q->sender ? 10 : (int)(at - q->sender),
				 at == q->sender ? "postmaster" : q->sender);
			snprintf(st.sender_domain, sizeof st.sender_domain, "%s", at + 1);
		} else {
			snprintf(st.sender, sizeof st.sender, "postmaster@%s", q->sender);
			snprintf(st.local, sizeof st.local, "postmaster");
			snprintf(st.sender_domain, sizeof st.sender_domain, "%s", q->sender);
		}
	} else {
		snprintf(st.sender, sizeof st.sender, "postmaster@%s", q->domain);
		snprintf(st.local, sizeof st.local, "postmaster");
		snprintf(st.sender_domain, sizeof st.sender_domain, "%s", q->domain);
	}
	out->result = check_host(&st, q->domain, 0);
	if (out->result == SPF_PERMERROR || out->result == SPF_TEMPERROR || out->result == SPF_NONE)
		out->mechanism[0] = out->mechanism_domain[0] = '\0';
	if (out->result != SPF_PERMERROR && out->result != SPF_TEMPERROR && out->result != SPF_NONE
	    && out->result != SPF_NEUTRAL)
		out->reason[0] = '\0';
	if (out->result == SPF_NEUTRAL && out->mechanism[0])
		out->reason[0] = '\0';
	return 0;
}
