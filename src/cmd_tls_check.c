/* cmd_tls_check.c - `smtpkit tls-check`: what TLS a server really offers
 * and the certificate's verdict (SPEC 5).  Every connection is the engine's
 * session stopped at a stage (tlscheck/probe.c); this file reads the
 * options, decides whether the check could run, and picks the report. */
#include "cmd.h"
#include "config.h"
#include "options.h"
#include "tlscheck/tlscheck.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	int ciphers, show_certs, no_injection_test, quick;
	int warn_days;
	int max_connections, pause_ms;
} tc_args = {.warn_days = 30, .max_connections = 8};

struct poptOption tls_check_options[] = {
	{"name", '\0', POPT_ARG_STRING, &net_args.tls_name, 0,
	 "name the certificate must match (same as --tls-name; default HOST)", "NAME"},
	{"ciphers", '\0', POPT_ARG_NONE, &tc_args.ciphers, 0,
	 "enumerate the suites accepted at each version (server order), groups, DH size, signature algorithms", NULL},
	{"quick", '\0', POPT_ARG_NONE, &tc_args.quick, 0,
	 "only the GnuTLS handshakes: no ClientHellos of smtpkit's own (no SSLv2/SSLv3, no grading of suites)", NULL},
	{"max-connections", '\0', POPT_ARG_INT, &tc_args.max_connections, 0,
	 "connections open at a time (default 8; MX hosts rate-limit scanners)", "N"},
	{"pause", '\0', POPT_ARG_INT, &tc_args.pause_ms, 0,
	 "wait MS milliseconds before each connection of the scan (default 0)", "MS"},
	{"show-certs", '\0', POPT_ARG_NONE, &tc_args.show_certs, 0, "print the chain in PEM", NULL},
	{"warn-days", '\0', POPT_ARG_INT, &tc_args.warn_days, 0,
	 "warn when the certificate expires within N days (default 30)", "N"},
	{"no-injection-test", '\0', POPT_ARG_NONE, &tc_args.no_injection_test, 0,
	 "do not pipeline a NOOP behind STARTTLS (CVE-2011-0411 test)", NULL},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

/* The TLSA base name (RFC 7672 2.2.1): HOST when it is a name, else the
 * name given with --name; an address alone has none. */
static void dane_name(struct tlscheck *tc, bool name_given)
{
	const char *base = !conn_is_address(tc->host) ? tc->host : name_given ? tc->name : NULL;
	if (!base || !*base) {
		tc->dane.state = TLSCHECK_DANE_NOT_LOOKED;
		return;
	}
	size_t len = strlen(base);
	if (base[len - 1] == '.')
		len--;
	snprintf(tc->dane.qname, sizeof tc->dane.qname, "_%d._tcp.%.*s", tc->port, (int)len, base);
}

/* The check ran when something answered up to the point where TLS is
 * asked for; otherwise the main connection's failure is the result. */
static void check_ran(struct tlscheck *tc)
{
	const struct smtp_session *m = &tc->main.s;
	if (tlscheck_tls_offered(tc) || !err_is_set(&m->err))
		return;
	if (m->data_after_starttls)
		return;
	if (m->have_before && !m->starttls_offered)
		return;
	if (m->err.cause == ERR_TLS || m->err.cause == ERR_TLS_CLOSED)
		return;
	tc->err = m->err;
}

int cmd_tls_check(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit tls-check", argc, argv, tls_check_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] HOST[:PORT]");
	char *host = NULL;
	int port = 0, rc;
	struct tlscheck *tc = NULL;

	if (net_parse(ctx, NULL, NULL, &e) < 0)
		goto fail;
	/* tls-check reaches the host it checks: not an account's socket or
	 * pipe, and an account's tls none (its relay's) does not apply. */
	net_host_named();
	if (net_args.tls && strcmp(net_args.tls, "none") == 0 && config_gave("tls"))
		net_args.tls = NULL;
	if (net_one_target(ctx, "tls-check", 25, &host, &port, &e) < 0)
		goto fail;
	if (tc_args.warn_days < 0 || tc_args.warn_days > 36500) {
		err_set(&e, ERR_USAGE, NULL, "invalid --warn-days %d: 0 to 36500", tc_args.warn_days);
		goto fail;
	}
	if (tc_args.max_connections < 1 || tc_args.max_connections > 64) {
		err_set(&e, ERR_USAGE, NULL, "invalid --max-connections %d: 1 to 64", tc_args.max_connections);
		goto fail;
	}
	if (tc_args.pause_ms < 0 || tc_args.pause_ms > 600000) {
		err_set(&e, ERR_USAGE, NULL, "invalid --pause %d: 0 to 600000 ms", tc_args.pause_ms);
		goto fail;
	}
	if (tc_args.quick && tc_args.ciphers) {
		err_set(&e, ERR_USAGE, NULL, "--quick and --ciphers exclude each other");
		goto fail;
	}
	tc = calloc(1, sizeof *tc);
	if (!tc) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	if (net_policy(host, &tc->base, &tc->oo, &e) < 0 || net_no_local_transport("tls-check", &e) < 0)
		goto fail;
	if (tc->base.tls_mode == SMTP_TLS_MODE_NONE) {
		err_set(&e, ERR_USAGE, NULL, "tls-check with --tls none has nothing to check");
		goto fail;
	}
	if (net_check_value("--name", net_args.tls_name, &e) < 0)
		goto fail;
	if (net_resolver(&tc->resolver, &tc->base, &e) < 0)
		goto fail;

	tc->host = host;
	tc->port = port;
	tc->implicit = tc->base.tls_mode == SMTP_TLS_MODE_IMPLICIT
		       || (tc->base.tls_mode == SMTP_TLS_MODE_AUTO && port == 465);
	tc->name = tc->base.tls.verify_name;
	tc->warn_days = tc_args.warn_days;
	tc->ciphers = tc_args.ciphers;
	tc->show_certs = tc_args.show_certs;
	tc->injection_test = !tc_args.no_injection_test;
	tc->quick = tc_args.quick;
	tc->max_connections = (unsigned)tc_args.max_connections;
	tc->pause_ms = tc_args.pause_ms;
	tlscheck_init(tc);
	dane_name(tc, net_args.tls_name != NULL);

	tlscheck_run(tc);
	check_ran(tc);
	tlscheck_findings(tc);
	if (tc->oo.json) {
		tlscheck_report_json(tc);
		if (err_is_set(&tc->err))
			out_error(&tc->err);
	} else {
		tlscheck_report_human(tc);
	}
	rc = tlscheck_exit_code(tc);
	tlscheck_free(tc);
	free(tc);
	free(host);
	poptFreeContext(ctx);
	return rc;
fail:
	net_early_error(argc, argv, &e);
	free(tc);
	free(host);
	poptFreeContext(ctx);
	return err_exit_code(&e);
}
