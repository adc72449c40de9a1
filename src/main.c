/* main.c - the table of subcommands and the dispatch to them. */
#include "cmd.h"
#include "complete.h"
#include "err.h"
#include "out.h"
#include "version.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct subcommand {
	const char *name;
	int (*run)(int argc, const char **argv);
	const char *summary;
	const struct poptOption *options;
} subcommands[] = {
	{"send", cmd_send, "[options] [RECIPIENT...]   compose or relay one message", send_options},
	{"ehlo", cmd_ehlo, "[options] HOST[:PORT]      greeting + EHLO capabilities, before and after TLS", ehlo_options},
	{"tls-check", cmd_tls_check, "[options] HOST[:PORT]      what TLS the server really offers, certificate verdict",
	 tls_check_options},
	{"probe", cmd_probe, "[options] HOST             which of ports 25, 465, 587, 2525 work and what each supports",
	 probe_options},
	{"mx", cmd_mx, "[options] DOMAIN... | -    mail routing of a domain: MX, addresses, policy records", mx_options},
	{"session", cmd_session, "[options] HOST[:PORT]      type SMTP by hand (or from a script), chores done for you",
	 session_options},
	{"sendmail", cmd_sendmail, "[sendmail options] [RCPT...]   sendmail-compatible: message on stdin", sendmail_options},
	{"config", cmd_config, "--show | --check | --import-msmtprc [FILE]   the accounts file", config_options},
};

static void usage(FILE *fp)
{
	fprintf(fp, "Usage: smtpkit SUBCOMMAND [OPTIONS] [ARGS]\n\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(fp, "  smtpkit %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(fp, "  smtpkit help [SUBCOMMAND]   smtpkit --version   smtpkit SUBCOMMAND --help\n\n"
		    "See smtpkit(1) and smtpkit-SUBCOMMAND(1).\n");
}

static const struct subcommand *find(const char *name)
{
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

static int unknown(const char *name, bool show_usage)
{
	struct err e = {0};
	err_set(&e, ERR_USAGE, NULL, "unknown subcommand \"%s\"", name);
	out_error(&e);
	if (show_usage)
		usage(stderr);
	return err_exit_code(&e);
}

int main(int argc, const char **argv)
{
	/* SPEC 10.9: a peer closing mid-write is an error we report, not a
	 * signal that kills us. */
	signal(SIGPIPE, SIG_IGN);

	/* Installed as /usr/sbin/sendmail (a link): mutt, cron, git and PHP
	 * run it under that name. */
	const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argc > 0 && argv[0] ? argv[0] : "";
	if (strcmp(base, "sendmail") == 0)
		return cmd_sendmail(argc, argv);

	if (argc < 2) {
		usage(stderr);
		return err_class_exit_code(ERR_CLASS_USAGE);
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		version_print(stdout);
		return 0;
	}
	/* Hidden: the option tables for scripts/completions.py. */
	if (strcmp(name, "--dump-options") == 0) {
		for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
			complete_dump_subcommand(stdout, subcommands[i].name, subcommands[i].summary);
		for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
			complete_dump_options(stdout, subcommands[i].name, subcommands[i].options);
		return 0;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		const struct subcommand *sub = find(argv[2]);
		if (!sub)
			return unknown(argv[2], false);
		char prog[64];
		snprintf(prog, sizeof prog, "smtpkit %s", sub->name);
		const char *help_argv[] = {prog, "--help", NULL};
		return sub->run(2, help_argv);
	}
	const struct subcommand *sub = find(name);
	if (!sub)
		return unknown(name, true);
	/* popt names the program from argv[0] in --help: "smtpkit ehlo". */
	char prog[64];
	snprintf(prog, sizeof prog, "smtpkit %s", sub->name);
	argv[1] = prog;
	return sub->run(argc - 1, argv + 1);
}
