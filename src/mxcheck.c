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

#define MX_THREADS 8




/* ---- jobs run in parallel ------------------------------------------- */

enum job_kind { JOB_TLSA, JOB_PTR, JOB_FCRDNS, JOB_SMTP, JOB_POLICY };

struct job {
	enum job_kind kind;
	size_t host, addr;
};

struct jobs {
	struct mx_domain *d;
	const struct mx_opts *o;
	struct job *v;
	size_t n;
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

int mx_policy_records(const struct dns_answer *a, const char *prefix, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t plen = strlen(prefix);
	for (size_t i = 0; a->status == DNS_OK && i < a->n; i++) {
		const char *t = a->txt[i];
		/* RFC 7208 4.5: "v=spf1" then a space or the end, case-insensitive. */
		if (text_ncasecmp(t, prefix, plen) != 0 || (t[plen] != '\0' && t[plen] != ' ' && t[plen] != ';'))
			continue;
		char **v = realloc(*out, (*n + 1) * sizeof *v);
		if (!v)
			return -1;
		*out = v;
		if (!((*out)[*n] = strdup(t)))
			return -1;
		(*n)++;
	}
	return 0;
}

static void txt_records(const struct dns_resolver *res, const char *name, const char *prefix,
			char ***out, size_t *n, enum dns_status *status)
{
	struct dns_answer a;
	dns_query(res, name, DNS_T_TXT, &a);
	*status = a.status;
	mx_policy_records(&a, prefix, out, n);
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
	if ((d->mailauth = malloc(sizeof *d->mailauth)))
		mailauth_run(d->mailauth, o->res, d, o->auth);
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
	parallel_run(j->n, MX_THREADS, run_job, j);
}

static void jobs_reset(struct jobs *j)
{
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

/* ---- the examination ------------------------------------------------ */



static void findings(struct mx_domain *d)
{
	struct out *out = &d->out;

	if (d->null_mixed)
		out_finding(out, FINDING_FAIL, "null-mx-mixed",
			    "a null MX (\".\") stands beside other MX records (RFC 7505 3)");
	if (d->kind == MX_IMPLICIT && d->hosts[0].naddrs > 0)
		out_finding(out, FINDING_WARN, "implicit-mx",
			    "no MX record: mail goes to the domain's own address (implicit MX, RFC 5321 5.1)");
	for (size_t i = 0; i < d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i];
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
	if (!d->ad)
		out_finding(out, FINDING_WARN, "dnssec-unsigned",
			    "the MX answer is not DNSSEC-validated (no AD bit from the resolver)");
}

static void check_findings(struct mx_domain *d, const struct mx_opts *o)
{
	struct out *out = &d->out;
	if (d->nspf == 0)
		out_finding(out, FINDING_WARN, "no-spf", "no SPF record (v=spf1) at %s", d->name);
	else if (d->nspf > 1)
		out_finding(out, FINDING_FAIL, "spf-multiple",
			    "%zu SPF records at %s: receivers treat that as a permanent error (RFC 7208 4.5)",
			    d->nspf, d->name);
	if (d->mailauth)
		mailauth_findings(out, d->mailauth, o->auth, d->nspf == 1);
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
	size_t reached = 0;
	for (size_t i = 0; i < d->nhosts; i++)
		reached += d->hosts[i].smtp_done && d->hosts[i].smtp.connected;
	for (size_t i = 0; i < d->nhosts; i++) {
		struct mx_host *h = &d->hosts[i];
		if (!h->smtp_done)
			continue;
		if (!h->smtp.connected) {
			/* A sender moves on to the next MX (RFC 5321 5.1): one host
			 * down is a warning while another answers; none is a fail. */
			out_finding_at(&d->out, h->name, h->smtp.port, reached ? FINDING_WARN : FINDING_FAIL,
				       "mx-unreachable", "%s: %s%s", h->name, h->smtp.err.msg,
				       reached ? "" : " (no MX host could be reached)");
			continue;
		}
		struct out tmp;
		struct out_opts oo = {.json = true};
		out_init(&tmp, &oo, NULL);
		findings_session(&tmp, &h->smtp);
		findings_starttls(&tmp, &h->smtp);
		findings_tls(&tmp, &h->smtp.tls, 30);
		for (size_t k = 0; k < tmp.nfindings; k++)
			out_finding_at(&d->out, h->name, h->smtp.port, tmp.findings[k].level, tmp.findings[k].id, "%s: %s", h->name,
				    tmp.findings[k].text);
		out_free(&tmp);
	}
}

void mx_examine(struct mx_domain *d, const char *name, const struct mx_opts *o)
{
	if (mx_lookup(d, name, o->res) < 0)
		return;
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
			check_findings(d, o);
		}
		if (o->smtp)
			smtp_findings(d);
	}
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

