/* cmd_mx.c - `smtpkit mx`: where mail for a domain goes and whether that
 * is set up right (SPEC 7).  Domains are examined concurrently and
 * reported in the order given. */
#define _GNU_SOURCE
#include "cmd.h"
#include "dns.h"
#include "json.h"
#include "mxcheck.h"
#include "options.h"
#include "out.h"
#include "parallel.h"
#include "text.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct mx_args {
	int check, smtp;
	char *jobs;
	struct mailauth_opts auth;
} a;

struct poptOption mx_options[] = {
	{"check", '\0', POPT_ARG_NONE, &a.check, 0,
	 "also SPF, DMARC, MTA-STS, TLS-RPT, TLSA per MX, PTR and forward-confirmed reverse DNS", NULL},
	{"smtp", '\0', POPT_ARG_NONE, &a.smtp, 0,
	 "connect to each MX host on port 25 (or -p): greeting, STARTTLS, TLS, certificate for the MX name", NULL},
	{"jobs", '\0', POPT_ARG_STRING, &a.jobs, 0, "domains examined at once (default 16)", "N"},
	{"spf-ip", '\0', POPT_ARG_STRING, &a.auth.spf_ip, 0,
	 "--check: evaluate SPF (RFC 7208 check_host) for a client at this address", "IP"},
	{"spf-sender", '\0', POPT_ARG_STRING, &a.auth.spf_sender, 0,
	 "--spf-ip: the MAIL FROM address (default postmaster@DOMAIN)", "ADDR"},
	{"spf-helo", '\0', POPT_ARG_STRING, &a.auth.spf_helo, 0, "--spf-ip: the HELO name, for %{h}", "NAME"},
	{"dkim-selector", '\0', POPT_ARG_STRING, &a.auth.dkim_selectors, 0,
	 "--check: look up and judge the DKIM key at SEL._domainkey.DOMAIN", "SEL[,SEL...]"},
	{"dnsbl", '\0', POPT_ARG_STRING, &a.auth.dnsbl, 0,
	 "--check: look every MX address up in these DNS blocklists", "ZONE[,ZONE...]"},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "DNS, connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

struct batch {
	char **names;
	struct mx_domain *domains;
	size_t n;
	const struct mx_opts *o;
};

static void examine(void *ctx, size_t i)
{
	struct batch *b = ctx;
	mx_examine(&b->domains[i], b->names[i], b->o);
}

/* ---- human report ---------------------------------------------------- */

static void print_host(FILE *fp, const struct mx_domain *d, const struct mx_host *h, bool check)
{
	char esc[600], name[600];
	text_escape(h->name, strlen(h->name), name, sizeof name);
	if (d->kind == MX_IMPLICIT || d->kind == MX_NONE)
		out_print(fp, "  implicit MX  %s\n", name);
	else
		out_print(fp, "  MX %5u  %s%s%s\n", h->preference, name, h->tie ? "  (same preference as another)" : "",
			h->cname ? "  (a CNAME!)" : "");
	if (h->ip_literal)
		return;
	if (h->naddrs == 0)
		out_print(fp, "      no address (A: %s, AAAA: %s)\n", dns_status_name(h->a_status),
			dns_status_name(h->aaaa_status));
	for (size_t k = 0; k < h->naddrs; k++) {
		const struct mx_addr *ad = &h->addrs[k];
		out_print(fp, "      %-40s%s", ad->addr, ad->special ? " (private/loopback/documentation)" : "");
		if (check) {
			text_escape(ad->ptr, strlen(ad->ptr), esc, sizeof esc);
			out_print(fp, "  PTR %s%s", ad->ptr[0] ? esc : "none",
				ad->ptr[0] ? (ad->fcrdns ? " (confirmed)" : " (does not resolve back)") : "");
		}
		fputc('\n', fp);
	}
	if (check && h->tlsa_done) {
		if (h->tlsa.status == DNS_OK)
			for (size_t k = 0; k < h->tlsa.n; k++)
				out_print(fp, "      TLSA %u %u %u%s\n", h->tlsa.tlsa[k].usage, h->tlsa.tlsa[k].selector,
					h->tlsa.tlsa[k].mtype, h->tlsa.ad ? " (DNSSEC-validated)" : " (not validated)");
		else
			out_print(fp, "      no TLSA record at _25._tcp.%s (%s)\n", name, dns_status_name(h->tlsa.status));
	}
	if (h->smtp_done) {
		const struct smtp_session *s = &h->smtp;
		if (!s->connected)
			out_print(fp, "      smtp: %s\n", s->err.msg);
		else
			out_print(fp, "      smtp: %s; %s%s%s%s\n", s->greeting.code == 220 ? "greets" : "no greeting",
				s->tls.done ? s->tls.version : (s->starttls_offered ? "STARTTLS failed" : "no STARTTLS"),
				s->tls.done ? ", certificate " : "", s->tls.done ? tls_verdict_name(s->tls.verdict) : "",
				err_is_set(&s->err) ? "; error" : "");
	}
}

/* RFC 7505: the record itself, "MX 0 .", in its place by preference. */
static void print_null_mx(FILE *fp, const struct mx_domain *d)
{
	out_print(fp, "  MX %5u  .  (null MX, %s)\n", d->null_preference,
		  d->null_mixed ? "beside other MX records" : "the domain accepts no mail");
}

static void print_human(FILE *fp, const struct mx_domain *d, const struct out_opts *oo)
{
	char esc[600];
	text_escape(d->name, strlen(d->name), esc, sizeof esc);
	out_print(fp, "%s\n", esc);
	if (!oo->quiet) {
		bool null_shown = !d->null_mx;
		for (size_t i = 0; i < d->nhosts; i++) {
			if (!null_shown && d->hosts[i].preference >= d->null_preference) {
				print_null_mx(fp, d);
				null_shown = true;
			}
			print_host(fp, d, &d->hosts[i], d->checked);
		}
		if (!null_shown)
			print_null_mx(fp, d);
		if (d->status == DNS_OK || d->status == DNS_NODATA)
			out_print(fp, "  DNSSEC: %s\n", d->ad ? "validated (AD bit set)" : "not validated");
		if (d->checked) {
			for (size_t i = 0; i < d->nspf; i++)
				out_print(fp, "  SPF: %s\n", d->spf[i]);
			out_print(fp, "  DMARC: %s\n", d->dmarc ? d->dmarc : "none");
			if (d->mta_sts.txt)
				out_print(fp, "  MTA-STS: %s; policy %s%s%s\n", d->mta_sts.txt,
					d->mta_sts.valid ? "mode " : d->mta_sts.error,
					d->mta_sts.valid ? d->mta_sts.mode : "", "");
			else
				out_print(fp, "  MTA-STS: none\n");
			out_print(fp, "  TLS-RPT: %s\n", d->tls_rpt ? d->tls_rpt : "none");
			if (d->mailauth)
				mailauth_print(fp, d->mailauth, &a.auth);
		}
		for (size_t i = 0; i < d->out.nfindings; i++)
			out_print(fp, "  finding: %s %s: %s\n", out_level_name(d->out.findings[i].level),
				d->out.findings[i].id, d->out.findings[i].text);
	}
	struct err finding = {0};
	if (!err_is_set(&d->err) && mx_exit_code(d) == 1)
		err_set(&finding, ERR_FINDING, NULL, "%s has fail-level findings", esc);
	if (err_is_set(&finding))
		out_result_line(fp, false, &finding, "%s has fail-level findings", esc);
	else
		out_result_line(fp, false, &d->err, "%zu mail host%s", d->nhosts, d->nhosts == 1 ? "" : "s");
}

/* ---- JSON: one object per domain, one per line ------------------------ */

static const char *kind_name(enum mx_kind k)
{
	switch (k) {
	case MX_RECORDS: return "mx";
	case MX_NULL: return "null";
	case MX_IMPLICIT: return "implicit";
	default: return "none";
	}
}

static void json_host(struct json *j, const struct mx_host *h, bool check)
{
	json_object(j);
	json_kstr(j, "host", h->name);
	json_kint(j, "preference", h->preference);
	json_kbool(j, "tie", h->tie);
	json_kbool(j, "cname", h->cname);
	json_kbool(j, "ip_literal", h->ip_literal);
	json_kstr(j, "a_status", dns_status_name(h->a_status));
	json_kstr(j, "aaaa_status", dns_status_name(h->aaaa_status));
	json_key(j, "addresses");
	json_array(j);
	for (size_t k = 0; k < h->naddrs; k++) {
		const struct mx_addr *ad = &h->addrs[k];
		json_object(j);
		json_kstr(j, "address", ad->addr);
		json_kstr(j, "family", ad->v6 ? "ipv6" : "ipv4");
		json_kbool(j, "private", ad->special);
		if (check) {
			json_kstr(j, "ptr", ad->ptr[0] ? ad->ptr : NULL);
			json_kbool(j, "fcrdns", ad->fcrdns);
		}
		json_object_end(j);
	}
	json_array_end(j);
	if (check) {
		json_key(j, "tlsa");
		json_object(j);
		json_kstr(j, "status", dns_status_name(h->tlsa.status));
		json_kbool(j, "ad", h->tlsa.ad);
		json_key(j, "records");
		json_array(j);
		for (size_t k = 0; h->tlsa.status == DNS_OK && k < h->tlsa.n; k++) {
			const struct dns_tlsa *t = &h->tlsa.tlsa[k];
			char hex[140];
			text_hex(t->data, t->len < 64 ? t->len : 64, hex, sizeof hex);
			json_object(j);
			json_kint(j, "usage", t->usage);
			json_kint(j, "selector", t->selector);
			json_kint(j, "mtype", t->mtype);
			json_kstr(j, "data", hex);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	if (h->smtp_done) {
		const struct smtp_session *s = &h->smtp;
		json_key(j, "smtp");
		json_object(j);
		json_kstr(j, "address", h->addrs[0].addr);
		json_kbool(j, "connected", s->connected);
		json_key(j, "greeting");
		out_json_reply(j, &s->greeting, smtp_reply_meaning(SMTP_GREETING, s->greeting.code));
		json_kbool(j, "starttls", s->have_before && ehlo_has(&s->caps_before, "STARTTLS"));
		json_key(j, "tls");
		out_json_tls(j, &s->tls);
		out_json_error(j, &s->err);
		json_object_end(j);
	}
	json_object_end(j);
}

static void print_json(FILE *fp, const struct mx_domain *d)
{
	struct json j;
	json_init(&j, fp);
	int code = mx_exit_code(d);
	json_object(&j);
	out_json_head(&j, "mx");
	json_kstr(&j, "domain", d->name);
	json_kbool(&j, "ok", code == 0);
	json_kint(&j, "exit_code", code);
	out_json_error(&j, &d->err);
	json_kstr(&j, "status", dns_status_name(d->status));
	json_kstr(&j, "kind", kind_name(d->kind));
	json_kbool(&j, "dnssec", d->ad);
	json_kbool(&j, "null_mx", d->null_mx);
	if (d->null_mx)
		json_kint(&j, "null_mx_preference", d->null_preference);
	else
		json_kstr(&j, "null_mx_preference", NULL);
	json_key(&j, "mx");
	json_array(&j);
	for (size_t i = 0; i < d->nhosts; i++)
		json_host(&j, &d->hosts[i], d->checked);
	json_array_end(&j);
	if (d->checked) {
		static const struct mx_mailauth none;
		mailauth_json_spf(&j, d->spf, d->nspf, d->mailauth ? d->mailauth : &none, &a.auth);
		mailauth_json(&j, d->mailauth ? d->mailauth : &none);
		json_kstr(&j, "dmarc", d->dmarc);
		json_key(&j, "mta_sts");
		json_object(&j);
		json_kstr(&j, "txt", d->mta_sts.txt);
		json_kbool(&j, "fetched", d->mta_sts.fetched);
		json_kbool(&j, "valid", d->mta_sts.valid);
		json_kstr(&j, "mode", d->mta_sts.valid ? d->mta_sts.mode : NULL);
		json_key(&j, "mx");
		json_array(&j);
		for (size_t i = 0; d->mta_sts.valid && i < d->mta_sts.nmx; i++)
			json_str(&j, d->mta_sts.mx[i]);
		json_array_end(&j);
		json_kint(&j, "max_age", d->mta_sts.valid ? d->mta_sts.max_age : 0);
		json_kstr(&j, "error", d->mta_sts.txt && !d->mta_sts.valid ? d->mta_sts.error : NULL);
		json_object_end(&j);
		json_kstr(&j, "tls_rpt", d->tls_rpt);
	}
	out_json_findings(&j, &d->out);
	json_object_end(&j);
}

/* ---- driving ---------------------------------------------------------- */

static int run_batch(char **names, size_t n, const struct mx_opts *o, size_t jobs,
		     const struct out_opts *oo, int *worst)
{
	struct batch b = {.names = names, .n = n, .o = o};
	b.domains = calloc(n, sizeof *b.domains);
	if (!b.domains)
		return -1;
	parallel_run(n, jobs, examine, &b);
	for (size_t i = 0; i < n; i++) {
		if (oo->json)
			print_json(stdout, &b.domains[i]);
		else
			print_human(stdout, &b.domains[i], oo);
		*worst = err_worse_exit(*worst, mx_exit_code(&b.domains[i]));
		mx_domain_free(&b.domains[i]);
	}
	fflush(stdout);
	free(b.domains);
	return 0;
}

static int read_name(FILE *fp, char *buf, size_t size)
{
	while (fgets(buf, (int)size, fp)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s && *s != '#') {
			memmove(buf, s, strlen(s) + 1);
			buf[strcspn(buf, " \t")] = '\0';
			return 1;
		}
	}
	return 0;
}

static int check_domain(const char *name, struct err *e)
{
	if (text_has_control(name) || strlen(name) > 253 || !*name || strchr(name, ' '))
		return err_set(e, ERR_USAGE, NULL, "invalid domain \"%s\"", name);
	return 0;
}

/* Domains from standard input, in batches, so memory stays bounded for a
 * million domains and output keeps the input order; an invalid name is
 * reported and skipped. */
static int run_stdin(const struct mx_opts *o, size_t jobs, const struct out_opts *oo, int *worst)
{
	size_t cap = jobs * 8 < 64 ? 64 : jobs * 8, done = 0, k = 0;
	bool progress = isatty(2);
	char **batch = calloc(cap, sizeof *batch);
	char line[1024];
	if (!batch)
		return -1;
	for (;;) {
		int more = read_name(stdin, line, sizeof line);
		if (more) {
			struct err de = {0};
			if (check_domain(line, &de) < 0) {
				out_error(&de);
				*worst = err_worse_exit(*worst, err_exit_code(&de));
				continue;
			}
			batch[k++] = strdup(line);
		}
		if (k == cap || (!more && k > 0)) {
			run_batch(batch, k, o, jobs, oo, worst);
			for (size_t i = 0; i < k; i++)
				free(batch[i]);
			done += k;
			k = 0;
			if (progress)
				out_progress("mx: %zu domains done", done);
		}
		if (!more)
			break;
	}
	if (progress && done)
		out_progress_end();
	free(batch);
	return 0;
}

int cmd_mx(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit mx", argc, argv, mx_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] DOMAIN... | -");
	struct smtp_policy pol;
	struct out_opts oo;
	struct dns_resolver res;
	int worst = 0;
	char **names = NULL;
	size_t n = 0, jobs = 16;
	int smtp_port = 25;

	if (net_parse(ctx, NULL, NULL, &e) < 0)
		goto fail;
	net_host_named();       /* mx finds its hosts: not an account's socket or pipe */
	if (net_policy("localhost", &pol, &oo, &e) < 0 || net_no_local_transport("mx", &e) < 0
	    || net_mx_port(&smtp_port, &e) < 0)
		goto fail;
	if (a.jobs) {
		char *end;
		long v = strtol(a.jobs, &end, 10);
		if (*end || v < 1 || v > 1024) {
			err_set(&e, ERR_USAGE, NULL, "invalid --jobs \"%s\": 1 to 1024", a.jobs);
			goto fail;
		}
		jobs = (size_t)v;
	}
	if (net_resolver(&res, &pol, &e) < 0 || mailauth_opts_check(&a.auth, &e) < 0)
		goto fail;
	if ((a.auth.spf_ip || a.auth.dkim_selectors || a.auth.dnsbl) && !a.check) {
		err_set(&e, ERR_USAGE, NULL, "--spf-ip, --dkim-selector and --dnsbl go with --check");
		goto fail;
	}
	const char *arg;
	bool from_stdin = false;
	while ((arg = poptGetArg(ctx))) {
		if (strcmp(arg, "-") == 0) {
			from_stdin = true;
			continue;
		}
		if (check_domain(arg, &e) < 0)
			goto fail;
		char **v = realloc(names, (n + 1) * sizeof *v);
		if (!v) {
			err_set(&e, ERR_INTERNAL, NULL, "out of memory");
			goto fail;
		}
		names = v;
		names[n++] = strdup(arg);
	}
	if (n == 0 && !from_stdin) {
		err_set(&e, ERR_USAGE, NULL, "mx takes DOMAIN... or - (one per line on standard input)");
		goto fail;
	}
	struct mx_opts o = {.res = &res, .check = a.check, .smtp = a.smtp, .smtp_port = smtp_port, .pol = &pol,
			     .oo = &oo, .auth = &a.auth};
	if (n && run_batch(names, n, &o, jobs, &oo, &worst) < 0) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	if (from_stdin && run_stdin(&o, jobs, &oo, &worst) < 0) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	poptFreeContext(ctx);
	return worst;
fail:
	net_early_error(argc, argv, &e);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	poptFreeContext(ctx);
	return err_exit_code(&e);
}
