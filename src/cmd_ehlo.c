/* cmd_ehlo.c - `smtpkit ehlo`: greeting and EHLO capabilities, before and
 * after TLS (SPEC 4).  Never sends MAIL. */
#include "cmd.h"
#include "findings.h"
#include "json.h"
#include "options.h"
#include "out.h"
#include "smtp.h"
#include "smtp_json.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>

struct poptOption ehlo_options[] = {
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

static void report_json(const struct smtp_session *s, const struct out *out, const struct err *e)
{
	struct json j;
	smtp_json_begin(&j, "ehlo", s, e);
	json_kbool(&j, "helo_fallback", s->used_helo);
	json_kbool(&j, "starttls_offered", s->have_before && ehlo_has(&s->caps_before, "STARTTLS"));
	smtp_json_end(&j, s, out);
}

static void report_human(const struct smtp_session *s, struct out *out, const struct err *e)
{
	for (size_t i = 0; i < out->nfindings; i++)
		if (!out->o.quiet && out->fp)
			out_print(out->fp, "finding: %s %s: %s\n", out_level_name(out->findings[i].level),
				out->findings[i].id, out->findings[i].text);
	const struct ehlo_caps *caps = smtp_caps(s);
	if (s->in_tls)
		out_result(out, e, "%s offers %zu extensions inside TLS (%s, %s)",
			   caps->domain ? caps->domain : s->host, caps->n, s->tls.version,
			   tls_verdict_name(s->tls.verdict));
	else if (s->used_helo)
		out_result(out, e, "%s answers HELO only, without TLS", s->host);
	else
		out_result(out, e, "%s offers %zu extensions, without TLS",
			   caps->domain ? caps->domain : s->host, caps->n);
}

int cmd_ehlo(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit ehlo", argc, argv, ehlo_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] HOST[:PORT]");
	char *host = NULL;
	int port = 0, rc;
	struct smtp_policy pol;
	struct out_opts oo;

	if (net_parse(ctx, NULL, NULL, &e) < 0)
		goto fail;
	if (net_one_target(ctx, "ehlo", 25, &host, &port, &e) < 0 || net_policy(host, &pol, &oo, &e) < 0)
		goto fail;
	/* ehlo stops after the EHLO inside TLS; it never sends MAIL. */
	pol.stop_after = SMTP_STAGE_TLS;

	struct out out;
	struct smtp_session s;
	out_init(&out, &oo, stdout);
	smtp_init(&s, &pol, &out, host, port);
	smtp_run(&s);
	findings_session(&out, &s);
	findings_starttls(&out, &s);
	findings_tls(&out, &s.tls, 30);
	if (oo.json) {
		report_json(&s, &out, &s.err);
		if (err_is_set(&s.err))
			out_error(&s.err);
	} else {
		report_human(&s, &out, &s.err);
	}
	rc = err_exit_code(&s.err);
	smtp_free(&s);
	out_free(&out);
	free(host);
	poptFreeContext(ctx);
	return rc;
fail:
	net_early_error(argc, argv, &e);
	free(host);
	poptFreeContext(ctx);
	return err_exit_code(&e);
}
