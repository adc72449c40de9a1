/* mailauth.c - the lookups behind `mx --check`'s sender authentication
 * checks, and their findings. */
#define _GNU_SOURCE
#include "mailauth/mailauth.h"
#include "mxroute.h"
#include "text.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ---- */

static bool dns_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')
		      || s[i] == '-' || s[i] == '.' || s[i] == '_') || (s[i] == '.' && s[i + 1] == '.'))
			return false;
	return true;
}

static int check_list(const char *what, const char *list, struct err *e)
{
	size_t count = 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (!dns_name_ok(p, len) || ++count > MAILAUTH_MAX_LIST)
			return err_set(e, ERR_USAGE, NULL, "invalid %s \"%s\": up to %d DNS names, comma-separated", what,
				       list, MAILAUTH_MAX_LIST);
		p += len;
		if (*p && !*++p)
			return err_set(e, ERR_USAGE, NULL, "invalid %s \"%s\": an empty name", what, list);
	}
	return count ? 0 : err_set(e, ERR_USAGE, NULL, "invalid %s: empty", what);
}

int mailauth_opts_check(const struct mailauth_opts *o, struct err *e)
{
	unsigned char buf[16];
	const char *vals[][2] = {
		{"--spf-ip", o->spf_ip}, {"--spf-sender", o->spf_sender}, {"--spf-helo", o->spf_helo},
		{"--dkim-selector", o->dkim_selectors}, {"--dnsbl", o->dnsbl},
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		if (vals[i][1] && (text_has_control(vals[i][1]) || strchr(vals[i][1], ' ') || strlen(vals[i][1]) > 1000))
			return err_set(e, ERR_USAGE, NULL, "invalid %s: no spaces or control characters", vals[i][0]);
	if (o->spf_ip && inet_pton(AF_INET, o->spf_ip, buf) != 1 && inet_pton(AF_INET6, o->spf_ip, buf) != 1)
		return err_set(e, ERR_USAGE, NULL, "invalid --spf-ip \"%s\": an IPv4 or IPv6 address", o->spf_ip);
	if (!o->spf_ip && (o->spf_sender || o->spf_helo))
		return err_set(e, ERR_USAGE, NULL, "--spf-sender and --spf-helo go with --spf-ip");
	if ((o->dkim_selectors && check_list("--dkim-selector", o->dkim_selectors, e) < 0)
	    || (o->dnsbl && check_list("--dnsbl", o->dnsbl, e) < 0))
		return -1;
	return 0;
}

/* ---- lookups ---- */

static void dkim_keys(struct mx_mailauth *m, const struct dns_resolver *res, const char *domain, const char *sels)
{
	for (const char *p = sels; *p && m->ndkim < MAILAUTH_MAX_LIST;) {
		size_t len = strcspn(p, ",");
		struct mailauth_dkim *k = &m->dkim[m->ndkim++];
		char name[600];
		snprintf(k->selector, sizeof k->selector, "%.*s", (int)(len < 253 ? len : 253), p);
		snprintf(name, sizeof name, "%s._domainkey.%s", k->selector, domain);
		struct dns_answer a;
		dns_query(res, name, DNS_T_TXT, &a);
		k->status = a.status;
		/* Key records need not carry v=; any TXT there is a candidate. */
		for (size_t i = 0; a.status == DNS_OK && i < a.n; i++) {
			if (k->nrecords++ == 0) {
				snprintf(k->record, sizeof k->record, "%s", a.txt[i]);
				dkim_key_parse(a.txt[i], &k->key);
			}
		}
		dns_answer_free(&a);
		p += len;
		if (*p)
			p++;
	}
}

/* The DMARC record at _dmarc.NAME, if there is one: 1, 0 none, -1 a DNS failure. */
static int dmarc_at(const struct dns_resolver *res, const char *name, char *out, size_t size)
{
	char q[300];
	struct dns_answer a;
	snprintf(q, sizeof q, "_dmarc.%s", name);
	dns_query(res, q, DNS_T_TXT, &a);
	int rc = a.status == DNS_OK || a.status == DNS_NXDOMAIN || a.status == DNS_NODATA ? 0 : -1;
	for (size_t i = 0; a.status == DNS_OK && i < a.n; i++)
		if (text_ncasecmp(a.txt[i], "v=DMARC1", 8) == 0 && (a.txt[i][8] == ';' || a.txt[i][8] == ' '
								   || a.txt[i][8] == '\0')) {
			snprintf(out, size, "%s", a.txt[i]);
			rc = 1;
			break;
		}
	dns_answer_free(&a);
	return rc;
}

/* DMARCbis 4.10: walk up from the domain (at most 8 labels).  The policy
 * domain is the first name with a record; the organizational domain is
 * the shortest name with one that is not a public suffix domain (psd=y;
 * then it is the name just below), or the name with psd=n. */
static void dmarc_tree_walk(struct mx_mailauth *m, const struct dns_resolver *res, const struct mx_domain *d)
{
	const char *labels[128];
	size_t n = 0;
	for (const char *p = d->name; *p && n < 128; p = strchr(p, '.') ? strchr(p, '.') + 1 : "")
		labels[n++] = p;
	size_t start = n > 8 ? n - 8 : 0;
	snprintf(m->org_domain, sizeof m->org_domain, "%s", d->name);
	if (d->dmarc) {
		m->dmarc_found = true;
		snprintf(m->dmarc_record, sizeof m->dmarc_record, "%s", d->dmarc);
		snprintf(m->policy_domain, sizeof m->policy_domain, "%s", d->name);
	}
	for (size_t i = 0; i + 1 < n; i++) {
		if (i > 0 && i < start)
			continue;
		char rec[1024];
		const char *name = labels[i];
		int found = i == 0 ? (d->dmarc ? 1 : 0) : dmarc_at(res, name, rec, sizeof rec);
		if (i == 0 && d->dmarc)
			snprintf(rec, sizeof rec, "%s", d->dmarc);
		if (found <= 0)
			continue;
		if (!m->dmarc_found) {
			m->dmarc_found = true;
			m->dmarc_inherited = true;
			snprintf(m->dmarc_record, sizeof m->dmarc_record, "%s", rec);
			snprintf(m->policy_domain, sizeof m->policy_domain, "%s", name);
		}
		struct dmarc dm;
		dmarc_parse(rec, &dm);
		if (dm.psd_y) {
			snprintf(m->org_domain, sizeof m->org_domain, "%s", i > 0 ? labels[i - 1] : name);
			break;
		}
		snprintf(m->org_domain, sizeof m->org_domain, "%s", name);
		if (dm.psd_n)
			break;
	}
}

static bool in_domain(const char *name, const char *org)
{
	size_t nl = strlen(name), ol = strlen(org);
	return text_casecmp(name, org) == 0
	       || (nl > ol && name[nl - ol - 1] == '.' && text_casecmp(name + nl - ol, org) == 0);
}

/* RFC 7489 7.1: a report destination outside the organizational domain
 * must say it takes reports for this one, at POLICY._report._dmarc.DEST. */
static void report_authorisation(struct mx_mailauth *m, const struct dns_resolver *res)
{
	const struct dmarc *dm = &m->dmarc;
	for (size_t i = 0; i < dm->nrua + dm->nruf && m->ndests < 2 * DMARC_URI_MAX; i++) {
		const char *uri = i < dm->nrua ? dm->rua[i] : dm->ruf[i - dm->nrua];
		struct mailauth_report_dest *t = &m->dests[m->ndests++];
		snprintf(t->uri, sizeof t->uri, "%s", uri);
		dmarc_uri_domain(uri, t->domain, sizeof t->domain);
		t->external = !in_domain(t->domain, m->org_domain);
		t->authorized = !t->external;
		t->status = DNS_OK;
		if (!t->external)
			continue;
		char name[600];
		snprintf(name, sizeof name, "%s._report._dmarc.%s", m->policy_domain, t->domain);
		struct dns_answer a;
		dns_query(res, name, DNS_T_TXT, &a);
		t->status = a.status;
		for (size_t k = 0; a.status == DNS_OK && k < a.n; k++)
			t->authorized |= text_ncasecmp(a.txt[k], "v=DMARC1", 8) == 0;
		dns_answer_free(&a);
	}
}

static void bimi(struct mx_mailauth *m, const struct dns_resolver *res, const char *domain)
{
	char name[300];
	struct dns_answer a;
	snprintf(name, sizeof name, "default._bimi.%s", domain);
	dns_query(res, name, DNS_T_TXT, &a);
	m->bimi_status = a.status;
	for (size_t i = 0; a.status == DNS_OK && i < a.n; i++)
		if (text_ncasecmp(a.txt[i], "v=BIMI1", 7) == 0) {
			snprintf(m->bimi_record, sizeof m->bimi_record, "%s", a.txt[i]);
			bimi_parse(a.txt[i], &m->bimi);
			break;
		}
	dns_answer_free(&a);
}

void mailauth_run(struct mx_mailauth *m, const struct dns_resolver *res, const struct mx_domain *d,
		  const struct mailauth_opts *o)
{
	memset(m, 0, sizeof *m);
	struct spf_query q = {
		.ip = o ? o->spf_ip : NULL, .domain = d->name, .sender = o ? o->spf_sender : NULL,
		.helo = o ? o->spf_helo : NULL,
	};
	m->spf_done = spf_check_host(res, &q, &m->spf) == 0;
	struct dns_answer a;
	dns_query(res, d->name, DNS_T_SPF, &a);
	m->spf_rr = a.status == DNS_OK && a.n > 0;
	dns_answer_free(&a);
	if (o && o->dkim_selectors)
		dkim_keys(m, res, d->name, o->dkim_selectors);
	dmarc_tree_walk(m, res, d);
	if (m->dmarc_found && dmarc_parse(m->dmarc_record, &m->dmarc) == 0)
		report_authorisation(m, res);
	bimi(m, res, d->name);
	if (o && o->dnsbl)
		mailauth_dnsbl(m, res, d, o->dnsbl);
}

void mailauth_free(struct mx_mailauth *m)
{
	if (m)
		free(m->dnsbl);
	free(m);
}

/* ---- findings ---- */

static void spf_findings(struct out *out, const struct mx_mailauth *m, const struct mailauth_opts *o)
{
	const struct spf_eval *s = &m->spf;
	if (s->result == SPF_PERMERROR) {
		bool lookups = s->lookups > SPF_LOOKUP_LIMIT, voids = s->void_lookups > SPF_VOID_LIMIT;
		out_finding(out, FINDING_FAIL,
			    lookups ? "spf-too-many-lookups" : voids ? "spf-void-lookups" : "spf-permerror",
			    "SPF: permerror: %s", s->reason);
	} else if (s->result == SPF_TEMPERROR) {
		out_finding(out, FINDING_WARN, "spf-temperror", "SPF: temperror: %s", s->reason);
	}
	if (s->plus_all)
		out_finding(out, FINDING_FAIL, "spf-plus-all",
			    "SPF: \"+all\" (or \"all\") lets every address on the Internet pass (RFC 7208 5.1)");
	if (s->ptr)
		out_finding(out, FINDING_WARN, "spf-ptr",
			    "SPF: the ptr mechanism is slow and unreliable; RFC 7208 5.5 says not to use it");
	if (o && o->spf_ip && (s->result == SPF_FAIL || s->result == SPF_SOFTFAIL))
		out_finding(out, s->result == SPF_FAIL ? FINDING_FAIL : FINDING_WARN, "spf-fail",
			    "SPF: %s is not allowed to send for this domain (%s, by \"%s\")", o->spf_ip,
			    spf_result_name(s->result), s->mechanism);
}

static void dkim_findings(struct out *out, const struct mx_mailauth *m)
{
	for (size_t i = 0; i < m->ndkim; i++) {
		const struct mailauth_dkim *k = &m->dkim[i];
		const char *sel = k->selector;
		if (k->nrecords == 0) {
			bool dns_failed = k->status != DNS_OK && k->status != DNS_NXDOMAIN && k->status != DNS_NODATA;
			out_finding(out, dns_failed ? FINDING_WARN : FINDING_FAIL, "dkim-key-missing",
				    "DKIM: no key record at %s._domainkey (%s)", sel, dns_status_name(k->status));
			continue;
		}
		if (k->nrecords > 1)
			out_finding(out, FINDING_WARN, "dkim-key-multiple",
				    "DKIM: %zu TXT records at %s._domainkey; verifiers may take any (RFC 6376 3.6.2.2)",
				    k->nrecords, sel);
		if (!k->key.valid) {
			out_finding(out, FINDING_FAIL, "dkim-key-invalid", "DKIM: the key at selector %s: %s", sel, k->key.error);
			continue;
		}
		if (k->key.revoked)
			out_finding(out, FINDING_WARN, "dkim-key-revoked",
				    "DKIM: the key at selector %s is revoked (empty p=, RFC 6376 3.6.1)", sel);
		else if (strcmp(k->key.type, "rsa") == 0 && k->key.bits < 2048)
			out_finding(out, k->key.bits < 1024 ? FINDING_FAIL : FINDING_WARN, "dkim-key-weak",
				    "DKIM: selector %s has a %u-bit RSA key (%s)", sel, k->key.bits,
				    k->key.bits < 1024 ? "verifiers ignore it, RFC 8301 3.2" : "2048 bits advised");
		if (k->key.testing)
			out_finding(out, FINDING_WARN, "dkim-key-testing",
				    "DKIM: selector %s is in testing mode (t=y): verifiers may ignore failures", sel);
	}
}

/* RFC 7489 6.3: a record found above the domain applies through sp=. */
static const char *effective_policy(const struct mx_mailauth *m)
{
	return m->dmarc_inherited && m->dmarc.sp[0] ? m->dmarc.sp : m->dmarc.p;
}

static bool enforced(const struct mx_mailauth *m)
{
	return m->dmarc.valid && text_casecmp(effective_policy(m), "none") != 0 && m->dmarc.pct == 100
	       && !m->dmarc.testing;
}

static void dmarc_findings(struct out *out, const struct mx_mailauth *m)
{
	const struct dmarc *dm = &m->dmarc;
	if (!m->dmarc_found)
		return;                     /* no-dmarc is mxcheck's */
	if (!dm->valid) {
		out_finding(out, FINDING_FAIL, "dmarc-invalid", "DMARC at %s: %s", m->policy_domain, dm->error);
		return;
	}
	/* p=none is monitoring, a choice shown in the report, not a fault;
	 * an enforcing policy applied to part of the mail is worth saying. */
	if (text_casecmp(effective_policy(m), "none") != 0 && dm->testing)
		out_finding(out, FINDING_WARN, "dmarc-pct",
			    "DMARC policy %s is in test mode (t=y): receivers do not apply it", effective_policy(m));
	else if (text_casecmp(effective_policy(m), "none") != 0 && dm->pct < 100)
		out_finding(out, FINDING_WARN, "dmarc-pct",
			    "DMARC policy %s applies to %d%% of failing mail only (pct=%d)", effective_policy(m), dm->pct,
			    dm->pct);
	for (size_t i = 0; i < m->ndests; i++) {
		const struct mailauth_report_dest *t = &m->dests[i];
		if (t->authorized)
			continue;
		bool failed = t->status != DNS_OK && t->status != DNS_NXDOMAIN && t->status != DNS_NODATA;
		out_finding(out, FINDING_WARN, failed ? "dmarc-report-unchecked" : "dmarc-report-unauthorized",
			    failed ? "DMARC reports to %s: %s._report._dmarc.%s could not be looked up"
				   : "DMARC reports to %s are not accepted: no v=DMARC1 record at %s._report._dmarc.%s "
				     "(RFC 7489 7.1)",
			    t->uri, m->policy_domain, t->domain);
	}
}

static void bimi_findings(struct out *out, const struct mx_mailauth *m)
{
	if (!m->bimi_record[0])
		return;
	if (!m->bimi.valid)
		out_finding(out, FINDING_FAIL, "bimi-invalid", "BIMI: %s", m->bimi.error);
	else if (!m->bimi.declined && !enforced(m))
		out_finding(out, FINDING_WARN, "bimi-dmarc-not-enforced",
			    "BIMI needs DMARC at enforcement (p=quarantine or reject, pct=100); mail clients show no logo");
}

static void dnsbl_findings(struct out *out, const struct mx_mailauth *m)
{
	for (size_t i = 0; i < m->ndnsbl; i++) {
		const struct mailauth_dnsbl *b = &m->dnsbl[i];
		if (b->state == DNSBL_LISTED)
			out_finding(out, FINDING_FAIL, "dnsbl-listed", "%s is listed in %s (%s)%s%s", b->addr, b->zone,
				    b->answer, b->reason[0] ? ": " : "", b->reason);
		else if (b->state == DNSBL_UNCHECKED)
			out_finding(out, FINDING_WARN, "dnsbl-unchecked", "%s could not be checked in %s: %s", b->addr,
				    b->zone, b->reason);
	}
}

void mailauth_findings(struct out *out, const struct mx_mailauth *m, const struct mailauth_opts *o,
		       bool has_spf)
{
	if (m->spf_rr)
		out_finding(out, FINDING_WARN, "spf-rr-type",
			    "SPF: a record of the SPF RR type (99), which RFC 7208 3.1 retired: only the TXT record counts");
	/* No SPF record, or several: no-spf and spf-multiple (mxcheck.c) say it. */
	if (m->spf_done && has_spf)
		spf_findings(out, m, o);
	dkim_findings(out, m);
	dmarc_findings(out, m);
	bimi_findings(out, m);
	dnsbl_findings(out, m);
}
