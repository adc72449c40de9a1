/* cmd_probe.c - `smtpkit probe`: which ports of a host work and what each
 * offers (SPEC 6): the options, the ports or MX hosts to probe, and the
 * outcome.  The sessions are probe_run.c's, the report probe_report.c's. */
#include "cmd.h"
#include "config.h"
#include "probe.h"
#include "findings.h"
#include "msg.h"
#include "mxcheck.h"
#include "options.h"
#include "out.h"
#include "smtp.h"
#include "text.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MAX_PORTS 32

static struct probe_args {
	char *ports;
	char *relay_test;
	char *mx;
} a;

struct poptOption probe_options[] = {
	{"ports", '\0', POPT_ARG_STRING, &a.ports, 0, "ports to probe (default 25,465,587,2525)", "LIST"},
	{"relay-test", '\0', POPT_ARG_STRING, &a.relay_test, 0,
	 "MAIL and RCPT to this outside address without AUTH, then RSET: is it an open relay?", "ADDR"},
	{"mx", '\0', POPT_ARG_STRING, &a.mx, 0, "probe every MX host of DOMAIN on port 25", "DOMAIN"},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

static int parse_ports(const char *list, int *ports, size_t *n, struct err *e)
{
	*n = 0;
	const char *p = list ? list : "25,465,587,2525";
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > 65535 || (*end && *end != ','))
			return err_set(e, ERR_USAGE, NULL, "invalid --ports \"%s\": a comma-separated list of ports", list);
		if (*n >= PROBE_MAX_PORTS)
			return err_set(e, ERR_USAGE, NULL, "--ports: at most %d ports", PROBE_MAX_PORTS);
		ports[(*n)++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (*n == 0)
		return err_set(e, ERR_USAGE, NULL, "--ports: no port given");
	return 0;
}

/* What probe looks at: HOST's ports, or the MX hosts of --mx DOMAIN. */
struct targets {
	char *host;                         /* HOST, or DOMAIN with --mx */
	char *hosts[PROBE_MAX_PORTS];       /* --mx: one column per MX host */
	size_t nhosts;
	int ports[PROBE_MAX_PORTS];
	size_t nports;
};

static int mx_targets(poptContext ctx, struct targets *t, struct smtp_policy *pol, struct out_opts *oo,
		      struct err *e)
{
	if (poptPeekArg(ctx) || a.ports)
		return err_set(e, ERR_USAGE, NULL, "--mx DOMAIN takes no HOST and no --ports (MX hosts are probed on 25, or -p)");
	t->host = strdup(a.mx);
	int mx_port = 25;
	struct dns_resolver res;
	struct mx_domain d;
	if (!t->host)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	net_host_named();
	if (net_mx_port(&mx_port, e) < 0 || net_policy(t->host, pol, oo, e) < 0
	    || net_no_local_transport("probe", e) < 0
	    || net_resolver(&res, pol, e) < 0)
		return -1;
	if (mx_route(&res, a.mx, &d, e) < 0) {
		mx_domain_free(&d);
		return -1;
	}
	for (size_t i = 0; i < d.nhosts && t->nhosts < PROBE_MAX_PORTS; i++) {
		if (d.hosts[i].ip_literal)
			continue;
		t->hosts[t->nhosts] = strdup(d.hosts[i].name);
		t->ports[t->nhosts++] = mx_port;
	}
	mx_domain_free(&d);
	t->nports = t->nhosts;
	if (t->nports == 0)
		return err_set(e, ERR_NOHOST, "dns", "%s has no MX host to probe", a.mx);
	return 0;
}

static int host_targets(poptContext ctx, struct targets *t, struct smtp_policy *pol, struct out_opts *oo,
			struct err *e)
{
	int target_port = 0;
	const char *arg = poptGetArg(ctx);
	/* With an account, its server's host is the default HOST; its port
	 * is not a probe's: every port of the list is probed. */
	bool account_host = !arg;
	if (account_host)
		arg = config_take("server");
	if (config_gave("port"))
		net_args.port = NULL;
	if (!arg || poptPeekArg(ctx))
		return err_set(e, ERR_USAGE, NULL, "probe takes exactly one HOST");
	if (net_parse_target(arg, &t->host, &target_port, e) < 0) {
		err_option(e, account_host ? "server" : NULL);
		return -1;
	}
	if (account_host)
		target_port = 0;
	if (net_args.port && !a.ports)
		a.ports = net_args.port;        /* -p P is --ports P */
	else if (target_port || net_args.port)
		return err_set(e, ERR_USAGE, NULL, "probe takes its ports from --ports or -p (one of them), not HOST:PORT");
	net_host_named();
	if (parse_ports(a.ports, t->ports, &t->nports, e) < 0 || net_policy(t->host, pol, oo, e) < 0
	    || net_no_local_transport("probe", e) < 0)
		return -1;
	return 0;
}

/* One port_probe per column, each with its own policy. */
static int prepare(struct probe *p, const struct targets *t, const struct smtp_policy *pol,
		   const struct out_opts *oo, const char *relay, struct err *e)
{
	*p = (struct probe){.mx = t->nhosts > 0};
	p->ports = calloc(t->nports, sizeof *p->ports);
	if (!p->ports)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	p->n = t->nports;
	struct out_opts collect = *oo;
	collect.json = true;            /* per-port outs only collect */
	for (size_t i = 0; i < t->nports; i++) {
		struct port_probe *pp = &p->ports[i];
		pp->host = t->nhosts ? t->hosts[i] : t->host;
		pp->port = t->ports[i];
		pp->pol = *pol;
		/* Each MX host's certificate must name that host (RFC 7672 3.2.2 style). */
		pp->pol.tls.verify_name = net_args.tls_name ? net_args.tls_name : pp->host;
		pp->pol.tls.sni = conn_is_address(pp->host) ? NULL : pp->pol.tls.verify_name;
		out_init(&pp->out, &collect, NULL);
		if (relay) {
			pp->rcpt.address = relay;
			pp->txn = (struct smtp_txn){.mail_from = relay, .rcpts = &pp->rcpt, .nrcpt = 1};
		}
	}
	return 0;
}

/* The run's outcome: a local fault, no host, no answer, no greeting, a
 * fail-level finding, or success. */
static void outcome(const struct probe *p, const struct out *all, const char *host, struct err *result)
{
	size_t open = 0, greeted = 0;
	for (size_t i = 0; i < p->n; i++) {
		open += p->ports[i].s.connected;
		greeted += p->ports[i].s.greeting.code != 0;
	}
	/* A local fault (unreadable --cafile, bad client key) spoils every
	 * port alike: it is the result, not a fact about one port. */
	for (size_t i = 0; i < p->n && !err_is_set(result); i++) {
		enum err_cause c = p->ports[i].s.err.cause;
		if (c == ERR_NOINPUT || c == ERR_CONFIG || c == ERR_INTERNAL)
			*result = p->ports[i].s.err;
	}
	/* SPEC 9: a name that does not exist is 68, not a connect failure. */
	bool nohost = open == 0;
	for (size_t i = 0; i < p->n; i++)
		nohost &= p->ports[i].s.err.cause == ERR_NOHOST;
	if (nohost && !err_is_set(result))
		*result = p->ports[0].s.err;
	if (open == 0)
		err_set(result, ERR_CONNECT, "connect", "no port of %s answered", host);
	else if (greeted == 0)
		/* Open but silent everywhere: nothing there speaks SMTP in time. */
		err_set(result, ERR_TIMEOUT, "greeting", "no port of %s sent a greeting (%zu open)", host, open);
	else
		for (size_t i = 0; i < all->nfindings; i++)
			if (all->findings[i].level == FINDING_FAIL)
				err_set(result, ERR_FINDING, NULL, "%s", all->findings[i].text);
}

static void report(struct probe *p, struct out *all, const char *host, const struct out_opts *oo,
		   const struct err *result)
{
	if (oo->json) {
		probe_report_json(p, all, host, result);
		if (err_is_set(result) && result->cause != ERR_FINDING)
			out_error(result);
		return;
	}
	size_t open = 0, fails = 0;
	for (size_t i = 0; i < p->n; i++)
		open += p->ports[i].s.connected;
	for (size_t i = 0; i < all->nfindings; i++)
		fails += all->findings[i].level == FINDING_FAIL;
	probe_report_human(p, all, host, a.relay_test != NULL);
	if (fails)
		out_result(all, result, "%zu of %zu ports open, %zu fail-level finding%s", open, p->n,
			   fails, fails == 1 ? "" : "s");
	else
		out_result(all, result, "%zu of %zu ports open, no fail-level finding", open, p->n);
}

int cmd_probe(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit probe", argc, argv, probe_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] HOST");
	struct targets t = {0};
	struct smtp_policy pol;
	struct out_opts oo;
	struct probe p = {0};
	char *relay = NULL;
	int rc;

	if (net_parse(ctx, NULL, NULL, &e) < 0
	    || (a.mx ? mx_targets : host_targets)(ctx, &t, &pol, &oo, &e) < 0
	    || (a.relay_test && !(relay = msg_addr_spec(a.relay_test, false, ERR_USAGE, &e))))
		goto fail;
	/* Report certificates, never stop on them; EHLO inside TLS is the end. */
	pol.tls_verify = false;
	pol.stop_after = a.relay_test ? SMTP_STAGE_RCPT : SMTP_STAGE_TLS;
	if (prepare(&p, &t, &pol, &oo, relay, &e) < 0)
		goto fail;
	probe_run(&p);

	struct out all;
	struct err result = {0};
	out_init(&all, &oo, stdout);
	for (size_t i = 0; i < p.n; i++)
		probe_port_findings(&p.ports[i], &all, p.ports[i].host);
	outcome(&p, &all, t.host, &result);
	report(&p, &all, t.host, &oo, &result);
	rc = err_exit_code(&result);
	out_free(&all);
	goto done;
fail:
	net_early_error(argc, argv, &e);
	rc = err_exit_code(&e);
done:
	probe_free(&p);
	free(relay);
	free(t.host);
	for (size_t i = 0; i < t.nhosts; i++)
		free(t.hosts[i]);
	poptFreeContext(ctx);
	return rc;
}
