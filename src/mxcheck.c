/* mxcheck.c - examining a mail domain: MX, addresses, faults, policy
 * records; lookups for several hosts run concurrently. */
#define _GNU_SOURCE
#include "mxcheck.h"
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
	unsigned char b[16];
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
	return inet_pton(AF_INET, trimmed, b) == 1 || inet_pton(AF_INET6, trimmed, b) == 1;
}

static int by_preference(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;
	if (x->preference != y->preference)
		return (int)x->preference - (int)y->preference;
	return text_casecmp(x->name, y->name);
}

/* ---- jobs run in parallel ------------------------------------------- */

enum job_kind { JOB_A, JOB_AAAA, JOB_TLSA, JOB_PTR, JOB_FCRDNS, JOB_SMTP, JOB_POLICY };

struct job {
	enum job_kind kind;
	size_t host, addr;
};

struct jobs {
	struct mx_domain *d;
	const struct mx_opts *o;
	struct job *v;
	size_t n;
	/* results of address lookups, merged after the pool (no locking) */
	struct dns_answer *answers;
};

static int add_job(struct jobs *j, enum job_kind kind, size_t host, size_t addr)
{
	struct job *v = realloc(j->v, (j->n + 1) * sizeof *v);
	if (!v)
		return -1;
	j->v = v;
	j->v[j->n++] = (struct job){kind, host, addr};
	return 0;
}

static void txt_records(const struct dns_resolver *res, const char *name, const char *prefix,
			char ***out, size_t *n, enum dns_status *status)
{
	struct dns_answer a;
	dns_query(res, name, DNS_T_TXT, &a);
	*status = a.status;
	*out = NULL;
	*n = 0;
	size_t plen = strlen(prefix);
	for (size_t i = 0; a.status == DNS_OK && i < a.n; i++) {
		const char *t = a.txt[i];
		/* RFC 7208 4.5: "v=spf1" then a space or the end, case-insensitive. */
		if (text_ncasecmp(t, prefix, plen) != 0 || (t[plen] != '\0' && t[plen] != ' ' && t[plen] != ';'))
			continue;
		char **v = realloc(*out, (*n + 1) * sizeof *v);
		if (!v)
			break;
		*out = v;
		if (((*out)[*n] = strdup(t)))
			(*n)++;
	}
	dns_answer_free(&a);
}

static void policy_records(struct mx_domain *d, const struct mx_opts *o)
{
	char name[300];
	size_t n;
	char **v;
	enum dns_status st;

	txt_records(o->res, d->name, "v=spf1", &d->spf, &d->nspf, &d->txt_status);
	snprintf(name, sizeof name, "_dmarc.%s", d->name);
	txt_records(o->res, name, "v=DMARC1", &v, &n, &d->dmarc_status);
	if (n > 0)
		d->dmarc = v[0];
	for (size_t i = 1; i < n; i++)
		free(v[i]);
	free(v);
	snprintf(name, sizeof name, "_smtp._tls.%s", d->name);
	txt_records(o->res, name, "v=TLSRPTv1", &v, &n, &st);
	if (n > 0)
		d->tls_rpt = v[0];
	for (size_t i = 1; i < n; i++)
		free(v[i]);
	free(v);
	mtasts_check(&d->mta_sts, o->res, d->name, o->pol ? o->pol->tls.cafile : NULL,
		     o->pol ? o->pol->timeout_ms : 10000);
}

static void smtp_host(struct mx_domain *d, const struct mx_opts *o, struct mx_host *h)
{
	static const struct smtp_policy none;
	struct smtp_policy *pol = malloc(sizeof *pol);
	if (!pol || h->naddrs == 0) {
		free(pol);
		return;
	}
	*pol = o->pol ? *o->pol : none;
	pol->tls_verify = false;            /* RFC 7435: report, do not refuse */
	pol->tls.verify_name = h->name;
	pol->tls.sni = h->name;
	pol->stop_after = SMTP_STAGE_TLS;
	struct out_opts oo = o->oo ? *o->oo : (struct out_opts){0};
	oo.json = true;
	out_init(&h->smtp_out, &oo, NULL);
	smtp_init(&h->smtp, pol, &h->smtp_out, h->addrs[0].addr, o->smtp_port ? o->smtp_port : 25);
	smtp_run(&h->smtp);
	h->smtp_done = true;
	(void)d;
	/* The session keeps a pointer to its policy: freed with the host. */
}

static void run_job(void *ctx, size_t i)
{
	struct jobs *j = ctx;
	struct job *job = &j->v[i];
	struct mx_domain *d = j->d;
	struct mx_host *h = job->host < d->nhosts ? &d->hosts[job->host] : NULL;
	char name[300];

	switch (job->kind) {
	case JOB_A:
		dns_query(j->o->res, h->name, DNS_T_A, &j->answers[i]);
		break;
	case JOB_AAAA:
		dns_query(j->o->res, h->name, DNS_T_AAAA, &j->answers[i]);
		break;
	case JOB_TLSA:
		snprintf(name, sizeof name, "_25._tcp.%s", h->name);
		dns_query(j->o->res, name, DNS_T_TLSA, &h->tlsa);
		h->tlsa_done = true;
		break;
	case JOB_PTR: {
		struct mx_addr *ad = &h->addrs[job->addr];
		struct dns_answer a;
		if (dns_reverse_name(ad->addr, name, sizeof name) < 0)
			break;
		dns_query(j->o->res, name, DNS_T_PTR, &a);
		ad->ptr_status = a.status;
		if (a.status == DNS_OK && a.n > 0)
			snprintf(ad->ptr, sizeof ad->ptr, "%s", a.names[0]);
		dns_answer_free(&a);
		break;
	}
	case JOB_FCRDNS: {
		struct mx_addr *ad = &h->addrs[job->addr];
		struct dns_answer a;
		if (!ad->ptr[0])
			break;
		dns_query(j->o->res, ad->ptr, ad->v6 ? DNS_T_AAAA : DNS_T_A, &a);
		for (size_t k = 0; a.status == DNS_OK && k < a.n; k++)
			ad->fcrdns |= strcmp(a.addrs[k], ad->addr) == 0;
		dns_answer_free(&a);
		break;
	}
	case JOB_SMTP:
		smtp_host(d, j->o, h);
		break;
	case JOB_POLICY:
		policy_records(d, j->o);
		break;
	}
}

static void run_jobs(struct jobs *j)
{
	j->answers = calloc(j->n ? j->n : 1, sizeof *j->answers);
	if (!j->answers)
		return;
	parallel_run(j->n, MX_THREADS, run_job, j);
}

static void jobs_reset(struct jobs *j)
{
	for (size_t i = 0; j->answers && i < j->n; i++)
		dns_answer_free(&j->answers[i]);
	free(j->answers);
	free(j->v);
	j->answers = NULL;
	j->v = NULL;
	j->n = 0;
}

/* ---- the examination ------------------------------------------------ */

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

/* Addresses of every host (A and AAAA of all hosts at once). */
static void resolve_hosts(struct mx_domain *d, const struct mx_opts *o)
{
	struct jobs j = {.d = d, .o = o};
	for (size_t i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].ip_literal)
			continue;
		add_job(&j, JOB_A, i, 0);
		add_job(&j, JOB_AAAA, i, 0);
	}
	run_jobs(&j);
	for (size_t i = 0; j.answers && i < j.n; i++) {
		struct mx_host *h = &d->hosts[j.v[i].host];
		const struct dns_answer *a = &j.answers[i];
		bool v6 = j.v[i].kind == JOB_AAAA;
		if (v6)
			h->aaaa_status = a->status;
		else
			h->a_status = a->status;
		/* RFC 2181 10.3: an MX target must not be an alias. */
		if (a->canonical[0] && text_casecmp(a->canonical, h->name) != 0)
			h->cname = true;
		h->ad = a->ad;
		add_addresses(h, a, v6);
	}
	jobs_reset(&j);
}

/* The MX query and what it means (RFC 5321 5.1, RFC 7505). */
static int find_hosts(struct mx_domain *d, const struct mx_opts *o)
{
	struct dns_answer mx;
	dns_query(o->res, d->name, DNS_T_MX, &mx);
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
	bool null_mx = false;
	for (size_t i = 0; mx.status == DNS_OK && i < mx.n; i++) {
		if (strcmp(mx.mx[i].host, ".") == 0 || mx.mx[i].host[0] == '\0') {
			null_mx = true;
			continue;
		}
		add_host(d, mx.mx[i].host, mx.mx[i].preference);
	}
	dns_answer_free(&mx);
	if (null_mx && d->nhosts == 0) {
		d->kind = MX_NULL;
		return err_set(&d->err, ERR_NOHOST, "dns", "%s accepts no mail: null MX (RFC 7505)", d->name);
	}
	if (null_mx)
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

static void findings(struct mx_domain *d)
{
	struct out *out = &d->out;
	size_t with_address = 0;

	if (d->null_mixed)
		out_finding(out, FINDING_FAIL, "null-mx-mixed",
			    "a null MX (\".\") stands beside other MX records (RFC 7505 3)");
	if (d->kind == MX_IMPLICIT && d->hosts[0].naddrs > 0)
		out_finding(out, FINDING_WARN, "implicit-mx",
			    "no MX record: mail goes to the domain's own address (implicit MX, RFC 5321 5.1)");
	for (size_t i = 0; i < d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i];
		for (size_t k = 0; k < d->nhosts; k++)
			if (k != i && d->hosts[k].preference == h->preference)
				h->tie = true;
		for (size_t k = 0; k < i; k++)
			if (text_casecmp(d->hosts[k].name, h->name) == 0) {
				h->duplicate = true;
				out_finding(out, FINDING_WARN, "mx-duplicate", "%s is listed more than once", h->name);
			}
		if (h->ip_literal) {
			out_finding(out, FINDING_FAIL, "mx-ip-literal",
				    "MX %s is an IP address; an MX must name a host (RFC 5321 5.1)", h->name);
			continue;
		}
		if (h->cname)
			out_finding(out, FINDING_FAIL, "mx-cname",
				    "MX %s is an alias (CNAME); it must name the host itself (RFC 2181 10.3)", h->name);
		if (h->naddrs == 0 && (h->a_status == DNS_NXDOMAIN || h->a_status == DNS_NODATA)
		    && (h->aaaa_status == DNS_NXDOMAIN || h->aaaa_status == DNS_NODATA) && d->kind != MX_IMPLICIT)
			out_finding(out, FINDING_FAIL, "mx-no-address", "MX %s has no address (%s)", h->name,
				    dns_status_name(h->a_status));
		with_address += h->naddrs > 0;
		for (size_t k = 0; k < h->naddrs; k++) {
			if (h->addrs[k].special)
				out_finding(out, FINDING_WARN, "mx-private-address",
					    "MX %s has the private, loopback or documentation address %s",
					    h->name, h->addrs[k].addr);
			for (size_t m = 0; m < i; m++)
				for (size_t q = 0; !h->duplicate && q < d->hosts[m].naddrs; q++)
					if (strcmp(d->hosts[m].addrs[q].addr, h->addrs[k].addr) == 0)
						out_finding(out, FINDING_WARN, "mx-duplicate",
							    "%s and %s share the address %s", d->hosts[m].name,
							    h->name, h->addrs[k].addr);
		}
	}
	if (d->kind == MX_IMPLICIT && with_address == 0) {
		const struct mx_host *h = &d->hosts[0];
		bool a_none = h->a_status == DNS_NXDOMAIN || h->a_status == DNS_NODATA;
		bool aaaa_none = h->aaaa_status == DNS_NXDOMAIN || h->aaaa_status == DNS_NODATA;
		/* "No mail host" is permanent only when the DNS said so; a lookup
		 * that failed is a temporary failure. */
		if (a_none && aaaa_none) {
			d->kind = MX_NONE;
			err_set(&d->err, ERR_NOHOST, "dns", "%s has no MX and no address: no mail host", d->name);
		} else {
			err_set(&d->err, ERR_DNS, "dns", "%s has no MX, and its address lookup failed (A: %s, AAAA: %s)",
				d->name, dns_status_name(h->a_status), dns_status_name(h->aaaa_status));
		}
	}
	if (!d->ad)
		out_finding(out, FINDING_WARN, "dnssec-unsigned",
			    "the MX answer is not DNSSEC-validated (no AD bit from the resolver)");
}

static void check_findings(struct mx_domain *d)
{
	struct out *out = &d->out;
	if (d->nspf == 0)
		out_finding(out, FINDING_WARN, "no-spf", "no SPF record (v=spf1) at %s", d->name);
	else if (d->nspf > 1)
		out_finding(out, FINDING_FAIL, "spf-multiple",
			    "%zu SPF records at %s: receivers treat that as a permanent error (RFC 7208 4.5)",
			    d->nspf, d->name);
	if (!d->dmarc)
		out_finding(out, FINDING_WARN, "no-dmarc", "no DMARC record at _dmarc.%s", d->name);
	struct mtasts *m = &d->mta_sts;
	if (m->txt && !m->valid)
		out_finding(out, FINDING_FAIL, "mta-sts-invalid", "MTA-STS: %s", m->error);
	if (m->txt && m->valid && strcmp(m->mode, "none") != 0)
		for (size_t i = 0; i < d->nhosts; i++)
			if (!mtasts_match(m, d->hosts[i].name))
				out_finding(out, FINDING_FAIL, "mta-sts-mx-mismatch",
					    "MX %s matches no mx pattern of the MTA-STS policy (mode %s)",
					    d->hosts[i].name, m->mode);
	for (size_t i = 0; i < d->nhosts; i++)
		for (size_t k = 0; k < d->hosts[i].naddrs; k++) {
			struct mx_addr *ad = &d->hosts[i].addrs[k];
			if (!ad->fcrdns)
				out_finding(out, FINDING_WARN, "no-fcrdns",
					    "%s (%s): %s", ad->addr, d->hosts[i].name,
					    ad->ptr[0] ? "its PTR name does not resolve back to it" : "no PTR record");
		}
}

static void smtp_findings(struct mx_domain *d)
{
	for (size_t i = 0; i < d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i];
		if (!h->smtp_done || !h->smtp.connected)
			continue;
		struct out tmp;
		struct out_opts oo = {.json = true};
		out_init(&tmp, &oo, NULL);
		findings_session(&tmp, &h->smtp);
		findings_tls(&tmp, &h->smtp.tls, 30);
		for (size_t k = 0; k < tmp.nfindings; k++)
			out_finding_at(&d->out, h->name, h->smtp.port, tmp.findings[k].level, tmp.findings[k].id, "%s: %s", h->name,
				    tmp.findings[k].text);
		out_free(&tmp);
	}
}

void mx_examine(struct mx_domain *d, const char *name, const struct mx_opts *o)
{
	memset(d, 0, sizeof *d);
	struct out_opts oo = {.json = true};
	out_init(&d->out, &oo, NULL);
	d->name = strdup(name);
	size_t len = d->name ? strlen(d->name) : 0;
	if (len > 1 && d->name[len - 1] == '.')
		d->name[len - 1] = '\0';
	if (!d->name || find_hosts(d, o) < 0)
		return;
	resolve_hosts(d, o);
	findings(d);
	if (o->check || o->smtp) {
		struct jobs j = {.d = d, .o = o};
		if (o->check) {
			add_job(&j, JOB_POLICY, 0, 0);
			for (size_t i = 0; i < d->nhosts; i++) {
				if (!d->hosts[i].ip_literal)
					add_job(&j, JOB_TLSA, i, 0);
				for (size_t k = 0; k < d->hosts[i].naddrs; k++)
					add_job(&j, JOB_PTR, i, k);
			}
		}
		if (o->smtp)
			for (size_t i = 0; i < d->nhosts; i++)
				add_job(&j, JOB_SMTP, i, 0);
		run_jobs(&j);
		jobs_reset(&j);
		if (o->check) {
			for (size_t i = 0; i < d->nhosts; i++)
				for (size_t k = 0; k < d->hosts[i].naddrs; k++)
					add_job(&j, JOB_FCRDNS, i, k);
			run_jobs(&j);
			jobs_reset(&j);
			d->checked = true;
			check_findings(d);
		}
		if (o->smtp)
			smtp_findings(d);
	}
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
	mtasts_free(&d->mta_sts);
	out_free(&d->out);
	free(d->name);
	memset(d, 0, sizeof *d);
}

int mx_exit_code(const struct mx_domain *d)
{
	if (err_is_set(&d->err))
		return err_exit_code(&d->err);
	for (size_t i = 0; i < d->out.nfindings; i++)
		if (d->out.findings[i].level == FINDING_FAIL)
			return 1;
	return 0;
}

int mx_route(const struct dns_resolver *res, const char *domain, struct mx_domain *d,
	     struct err *e)
{
	struct mx_opts o = {.res = res};
	mx_examine(d, domain, &o);
	if (err_is_set(&d->err)) {
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
