/* mxroute.c - where mail for a domain goes: the MX query, null and
 * implicit MX, preference order, the hosts' addresses. */
#define _DEFAULT_SOURCE
#include "mxroute.h"
#include "mailauth/mailauth.h"
#include "parallel.h"
#include "text.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MX_THREADS 8

/* Addresses a public MX must not have: RFC 1918, loopback, link-local,
 * shared (RFC 6598), documentation (RFC 5737, RFC 3849), unique local. */
bool mx_special_address(const char *addr)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, addr, b) == 1) {
		return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254)
		       || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168)
		       || (b[0] == 100 && (b[1] & 0xc0) == 64)
		       || (b[0] == 192 && b[1] == 0 && b[2] == 2)
		       || (b[0] == 198 && b[1] == 51 && b[2] == 100)
		       || (b[0] == 203 && b[1] == 0 && b[2] == 113);
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		static const unsigned char loop[16] = {[15] = 1}, any[16] = {0};
		return memcmp(b, loop, 16) == 0 || memcmp(b, any, 16) == 0 || (b[0] & 0xfe) == 0xfc
		       || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		       || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
	}
	return false;
}

static bool ip_literal(const char *name)
{
	char buf[256];
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), name + 1);
		name = buf;
	}
	if (strncmp(name, "IPv6:", 5) == 0)
		name += 5;
	/* An MX target like "192.0.2.1." is an IP literal with a root dot. */
	char trimmed[256];
	snprintf(trimmed, sizeof trimmed, "%s", name);
	n = strlen(trimmed);
	if (n && trimmed[n - 1] == '.')
		trimmed[n - 1] = '\0';
	return conn_is_address(trimmed);
}

static int by_preference(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;
	if (x->preference != y->preference)
		return (int)x->preference - (int)y->preference;
	return text_casecmp(x->name, y->name);
}

static int add_host(struct mx_domain *d, const char *name, uint16_t pref)
{
	struct mx_host *v = realloc(d->hosts, (d->nhosts + 1) * sizeof *v);
	if (!v)
		return -1;
	d->hosts = v;
	struct mx_host *h = &d->hosts[d->nhosts++];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	h->preference = pref;
	h->ip_literal = ip_literal(name);
	return 0;
}

static void add_addresses(struct mx_host *h, const struct dns_answer *a, bool v6)
{
	if (a->status != DNS_OK)
		return;
	struct mx_addr *v = realloc(h->addrs, (h->naddrs + a->n) * sizeof *v);
	if (!v)
		return;
	h->addrs = v;
	for (size_t i = 0; i < a->n; i++) {
		struct mx_addr *ad = &h->addrs[h->naddrs++];
		memset(ad, 0, sizeof *ad);
		snprintf(ad->addr, sizeof ad->addr, "%s", a->addrs[i]);
		ad->v6 = v6;
		ad->special = mx_special_address(ad->addr);
	}
}

/* Addresses of every host: A and AAAA of all hosts at once. */
struct host_lookups {
	struct mx_domain *d;
	const struct dns_resolver *res;
	struct dns_answer *answers;         /* two per host: A, AAAA */
};

static void lookup_one(void *ctx, size_t i)
{
	struct host_lookups *l = ctx;
	const struct mx_host *h = &l->d->hosts[i / 2];
	if (!h->ip_literal)
		dns_query(l->res, h->name, i % 2 ? DNS_T_AAAA : DNS_T_A, &l->answers[i]);
}

static void resolve_hosts(struct mx_domain *d, const struct dns_resolver *res)
{
	struct host_lookups l = {.d = d, .res = res};
	l.answers = calloc(2 * d->nhosts + 1, sizeof *l.answers);
	if (!l.answers)
		return;
	parallel_run(2 * d->nhosts, MX_THREADS, lookup_one, &l);
	for (size_t i = 0; i < 2 * d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i / 2];
		const struct dns_answer *a = &l.answers[i];
		bool v6 = i % 2;
		if (h->ip_literal)
			continue;
		if (v6)
			h->aaaa_status = a->status;
		else
			h->a_status = a->status;
		/* RFC 2181 10.3: an MX target must not be an alias. */
		if (a->canonical[0] && text_casecmp(a->canonical, h->name) != 0)
			h->cname = true;
		h->ad = a->ad;
		add_addresses(h, a, v6);
		dns_answer_free(&l.answers[i]);
	}
	free(l.answers);
}

/* The MX query and what it means (RFC 5321 5.1, RFC 7505). */
static int find_hosts(struct mx_domain *d, const struct dns_resolver *res)
{
	struct dns_answer mx;
	dns_query(res, d->name, DNS_T_MX, &mx);
	d->status = mx.status;
	d->ad = mx.ad;
	if (mx.status == DNS_NXDOMAIN) {
		dns_answer_free(&mx);
		return err_set(&d->err, dns_err_cause(mx.status), "dns", "%s does not exist (NXDOMAIN)", d->name);
	}
	if (mx.status != DNS_OK && mx.status != DNS_NODATA) {
		err_set(&d->err, dns_err_cause(mx.status), "dns", "MX lookup for %s failed: %s%s%s", d->name,
			dns_status_name(mx.status), mx.why[0] ? ": " : "", mx.why);
		dns_answer_free(&mx);
		return -1;
	}
	for (size_t i = 0; mx.status == DNS_OK && i < mx.n; i++) {
		if (strcmp(mx.mx[i].host, ".") == 0 || mx.mx[i].host[0] == '\0') {
			if (!d->null_mx || mx.mx[i].preference < d->null_preference)
				d->null_preference = mx.mx[i].preference;
			d->null_mx = true;
			continue;
		}
		add_host(d, mx.mx[i].host, mx.mx[i].preference);
	}
	dns_answer_free(&mx);
	if (d->null_mx && d->nhosts == 0) {
		d->kind = MX_NULL;
		return err_set(&d->err, ERR_NOHOST, "dns", "%s accepts no mail: null MX (RFC 7505)", d->name);
	}
	if (d->null_mx)
		d->null_mixed = true;
	if (d->nhosts == 0) {
		/* RFC 5321 5.1: no MX, so the domain itself is the mail host. */
		d->kind = MX_IMPLICIT;
		add_host(d, d->name, 0);
	} else {
		d->kind = MX_RECORDS;
		qsort(d->hosts, d->nhosts, sizeof *d->hosts, by_preference);
	}
	return 0;
}

/* RFC 5321 5.1: with no MX, the domain's own address; without one there
 * is no mail host.  That is permanent only when the DNS said so; a lookup
 * that failed is a temporary failure. */
static void no_mail_host(struct mx_domain *d)
{
	const struct mx_host *h = &d->hosts[0];
	if (d->kind != MX_IMPLICIT || h->naddrs > 0)
		return;
	bool a_none = h->a_status == DNS_NXDOMAIN || h->a_status == DNS_NODATA;
	bool aaaa_none = h->aaaa_status == DNS_NXDOMAIN || h->aaaa_status == DNS_NODATA;
	if (a_none && aaaa_none) {
		d->kind = MX_NONE;
		err_set(&d->err, ERR_NOHOST, "dns", "%s has no MX and no address: no mail host", d->name);
	} else {
		err_set(&d->err, ERR_DNS, "dns", "%s has no MX, and its address lookup failed (A: %s, AAAA: %s)",
			d->name, dns_status_name(h->a_status), dns_status_name(h->aaaa_status));
	}
}

int mx_lookup(struct mx_domain *d, const char *name, const struct dns_resolver *res)
{
	memset(d, 0, sizeof *d);
	struct out_opts oo = {.json = true};
	out_init(&d->out, &oo, NULL);
	d->name = strdup(name);
	if (!d->name)
		return err_set(&d->err, ERR_INTERNAL, "dns", "out of memory");
	size_t len = strlen(d->name);
	if (len > 1 && d->name[len - 1] == '.')
		d->name[len - 1] = '\0';
	if (find_hosts(d, res) < 0)
		return -1;
	resolve_hosts(d, res);
	for (size_t i = 0; i < d->nhosts; i++)
		for (size_t k = 0; k < d->nhosts; k++)
			if (k != i && d->hosts[k].preference == d->hosts[i].preference)
				d->hosts[i].tie = true;
	no_mail_host(d);
	return 0;
}

int mx_route(const struct dns_resolver *res, const char *domain, struct mx_domain *d,
	     struct err *e)
{
	if (mx_lookup(d, domain, res) < 0 || err_is_set(&d->err)) {
		*e = d->err;
		return -1;
	}
	/* RFC 5321 5.1: hosts of equal preference in random order, to spread
	 * the load. */
	for (size_t i = 0; i < d->nhosts;) {
		size_t end = i;
		while (end < d->nhosts && d->hosts[end].preference == d->hosts[i].preference)
			end++;
		for (size_t k = end - 1; k > i; k--) {
			unsigned r = 0;
			if (getrandom(&r, sizeof r, 0) != sizeof r)
				r = (unsigned)k;
			size_t pick = i + r % (k - i + 1);
			struct mx_host tmp = d->hosts[k];
			d->hosts[k] = d->hosts[pick];
			d->hosts[pick] = tmp;
		}
		i = end;
	}
	return 0;
}

void mx_domain_free(struct mx_domain *d)
{
	for (size_t i = 0; i < d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i];
		free(h->addrs);
		dns_answer_free(&h->tlsa);
		if (h->smtp_done) {
			const struct smtp_policy *pol = h->smtp.pol;
			smtp_free(&h->smtp);
			out_free(&h->smtp_out);
			free((void *)pol);
		}
	}
	free(d->hosts);
	for (size_t i = 0; i < d->nspf; i++)
		free(d->spf[i]);
	free(d->spf);
	free(d->dmarc);
	free(d->tls_rpt);
	mailauth_free(d->mailauth);
	mtasts_free(&d->mta_sts);
	out_free(&d->out);
	free(d->name);
	memset(d, 0, sizeof *d);
}
