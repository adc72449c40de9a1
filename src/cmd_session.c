/* cmd_session.c - `smtpkit session`: SMTP typed by hand, or read from a
 * script, on the engine every subcommand runs.  The automatic part
 * (greeting, EHLO, STARTTLS, AUTH) stops where --at says; the dialogue
 * (session.c) goes on from there; the report and the exit status are
 * here. */
#include "cmd.h"
#include "config.h"
#include "findings.h"
#include "json.h"
#include "options.h"
#include "out.h"
#include "secret.h"
#include "session.h"
#include "smtp.h"
#include "smtp_json.h"
#include "text.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	char *at;
	int pipeline;
} a;

struct poptOption session_options[] = {
	{"at", '\0', POPT_ARG_STRING, &a.at, 0,
	 "where smtpkit hands over: connect (after the greeting), ehlo, tls (default) or auth "
	 "(default with --user)", "STAGE"},
	{"pipeline", '\0', POPT_ARG_NONE, &a.pipeline, 0,
	 "a script's commands go in groups, as RFC 2920 allows (to test a server's pipelining)", NULL},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, auth_options, 0, "Authentication:", NULL},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

/* --at's words; "connect" hands over once the greeting is shown. */
static int parse_at(const char *at, bool user, enum smtp_stage *st, struct err *e)
{
	static const struct {
		const char *word;
		enum smtp_stage stage;
	} words[] = {
		{"connect", SMTP_STAGE_GREETING}, {"ehlo", SMTP_STAGE_EHLO},
		{"tls", SMTP_STAGE_TLS}, {"auth", SMTP_STAGE_AUTH},
	};
	if (!at) {
		*st = user ? SMTP_STAGE_AUTH : SMTP_STAGE_TLS;
		return 0;
	}
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(at, words[i].word) == 0) {
			*st = words[i].stage;
			if (*st == SMTP_STAGE_AUTH && !user)
				return err_set(e, ERR_USAGE, NULL, "--at auth needs --user");
			return 0;
		}
	}
	return err_set(e, ERR_USAGE, NULL, "invalid --at \"%s\": connect, ehlo, tls or auth", at);
}

static int check_args(poptContext ctx, struct smtp_policy *pol, struct out_opts *oo, char **host, int *port,
		      struct err *e)
{
	if (net_parse(ctx, NULL, NULL, e) < 0)
		return -1;
	config_apply(session_options);  /* the account's user and password sources */
	if (auth_args_check(e) < 0)
		return -1;
	bool user = auth_args.user != NULL;
	/* As send: submission (587) when logging in, else 25. */
	if (net_one_target(ctx, "session", user ? 587 : 25, host, port, e) < 0
	    || net_policy(*host, pol, oo, e) < 0 || parse_at(a.at, user, &pol->stop_after, e) < 0)
		return -1;
	if (user && auth_args_mechs(&pol->auth.mechs, e) < 0)
		return -1;
	if (a.pipeline && isatty(0))
		return err_set(e, ERR_USAGE, NULL, "--pipeline is for a script on standard input, not a terminal");
	pol->hold = true;
	pol->tls_none_explicit = net_args.tls && strcmp(net_args.tls, "none") == 0;
	pol->data_timeout_ms = net_args.timeout_given ? pol->timeout_ms : 120000;
	return 0;
}

/* Issue 12: 0 when the session ended with QUIT and the last reply before
 * it was positive (2xx, 3xx) and not followed by a local refusal; otherwise the first failure's class: a
 * refusal the session went on after, a script line refused, or what
 * ended the session. */
static const struct err *first_failure(const struct session *se)
{
	const struct smtp_session *s = se->s;
	if (err_is_set(&s->hand.refusal))
		return &s->hand.refusal;
	if (err_is_set(&se->input))
		return &se->input;
	return &s->err;
}

static bool ended_well(const struct session *se)
{
	const struct smtp_session *s = se->s;
	int cls = s->hand.last_code / 100;
	return s->hand.quit && !err_is_set(&s->err) && !err_is_set(&se->input) && !s->hand.last_refused
	       && (cls == 2 || cls == 3);
}

static void report_json(const struct session *se, const struct out *out, const struct err *e)
{
	const struct smtp_session *s = se->s;
	struct json j;
	smtp_json_begin(&j, "session", s, e);
	json_kbool(&j, "ended_with_quit", s->hand.quit);
	json_key(&j, "last_code");
	if (s->hand.last_code)
		json_int(&j, s->hand.last_code);
	else
		json_null(&j);
	json_kbool(&j, "authenticated", s->authenticated);
	smtp_json_end(&j, s, out);
}

static void report_human(const struct session *se, struct out *out, const struct err *e)
{
	const struct smtp_session *s = se->s;
	if (s->hand.quit)
		out_result(out, e, "session with %s ended with QUIT; the last reply before it was %d", s->host,
			   s->hand.last_code);
	else
		out_result(out, e, "session with %s ended", s->host);
}

/* What the person sees once smtpkit hands over (not part of the transcript). */
static void hand_over(const struct session *se, const struct out_opts *oo)
{
	if (!se->in.terminal || oo->quiet)
		return;
	fprintf(se->in.prompt_fp, "Your turn: type SMTP commands (smtpkit runs STARTTLS and AUTH MECH for you);\n"
		"/help lists smtpkit's own commands; Ctrl-D sends QUIT.\n");
}

int cmd_session(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit session", argc, argv, session_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] HOST[:PORT]");
	char *host = NULL, *secret = NULL;
	int port = 0, rc;
	struct smtp_policy pol;
	struct out_opts oo;

	if (check_args(ctx, &pol, &oo, &host, &port, &e) < 0)
		goto fail;
	/* Logging in at once: the secret is read before any connection, so
	 * that a bad source is 78 with nothing sent (SPEC 10.11). */
	if (pol.stop_after == SMTP_STAGE_AUTH && !(secret = auth_args_secret(&e)))
		goto fail;
	pol.auth.user = auth_args.user;
	pol.auth.secret = secret;

	struct out out;
	struct smtp_session s;
	struct session se = {.s = &s, .pol = &pol, .pipeline = a.pipeline, .secret = secret};
	if (auth_args.user && !(se.user = strdup(auth_args.user))) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	/* The person sees every line typed, so the transcript shows them all. */
	oo.show_data = OUT_DATA_ALL;
	out_init(&out, &oo, stdout);
	smtp_init(&s, &pol, &out, host, port);
	smtp_run(&s);
	if (s.state == SMTP_HELD) {
		/* Ctrl-C belongs to the dialogue from here on; before the
		 * hand-over there is nothing to go back to, and it ends smtpkit
		 * as it ends every subcommand (a server slow to greet). */
		session_input_open(&se.in, oo.json ? stderr : stdout);
		hand_over(&se, &oo);
		session_dialogue(&se);
	}
	findings_session(&out, &s);
	findings_starttls(&out, &s);
	const struct err *failure = ended_well(&se) ? &(const struct err){0} : first_failure(&se);
	if (oo.json) {
		report_json(&se, &out, failure);
		if (err_is_set(failure))
			out_error(failure);
	} else {
		report_human(&se, &out, failure);
	}
	rc = err_exit_code(failure);
	text_hide_clear();
	session_free(&se);
	smtp_free(&s);
	out_free(&out);
	free(host);
	poptFreeContext(ctx);
	return rc;
fail:
	net_early_error(argc, argv, &e);
	secret_free(secret);
	free(host);
	poptFreeContext(ctx);
	return err_exit_code(&e);
}
