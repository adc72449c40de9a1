/* cmd_sendmail.c - `smtpkit sendmail`, also argv[0] "sendmail": the
 * sendmail command line that mutt, git send-email, mailx, cron and PHP
 * use, turned into `smtpkit send --data -`.  Quiet on success, one line
 * on stderr and the sysexits status on failure, as callers of sendmail
 * expect. */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "out.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct argvec {
	const char **v;
	size_t n, cap;
};

static int push(struct argvec *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		const char **v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

struct sendmail_args {
	const char *from, *full_name, *notify, *ret, *envid, *config, *account;
	bool read_recipients;
	int verbose;
	struct argvec rcpts;
};

static void usage(FILE *fp)
{
	fprintf(fp, "Usage: smtpkit sendmail [-t] [-i] [-f ADDR] [-F NAME] [-N NOTIFY] [-R RET] [-V ENVID]\n"
		    "                        [-a ACCOUNT] [-C FILE] [-v] [--] [RECIPIENT...]\n"
		    "The message is read from standard input.  -bm (the default) only; -bs is not\n"
		    "supported; other -o* and -B* options are accepted and ignored.  -r is -f.\n"
		    "See smtpkit-sendmail(1) and smtpkit-config(5).\n");
}

/* The letters parse() knows, as data for the shell completions
 * (complete.h); parse() itself goes by value_slot(). */
struct poptOption sendmail_options[] = {
	{NULL, 't', POPT_ARG_NONE, NULL, 0, "recipients from the message's To, Cc and Bcc", NULL},
	{NULL, 'i', POPT_ARG_NONE, NULL, 0, "a lone dot does not end the message (always so)", NULL},
	{NULL, 'f', POPT_ARG_STRING, NULL, 0, "envelope sender", "ADDR"},
	{NULL, 'r', POPT_ARG_STRING, NULL, 0, "envelope sender (as -f)", "ADDR"},
	{NULL, 'F', POPT_ARG_STRING, NULL, 0, "full name of the sender", "NAME"},
	{NULL, 'N', POPT_ARG_STRING, NULL, 0, "DSN notify: NEVER or SUCCESS,FAILURE,DELAY", "NOTIFY"},
	{NULL, 'R', POPT_ARG_STRING, NULL, 0, "DSN return: FULL or HDRS", "RET"},
	{NULL, 'V', POPT_ARG_STRING, NULL, 0, "DSN envelope identifier", "ENVID"},
	{NULL, 'a', POPT_ARG_STRING, NULL, 0, "account of the configuration file", "ACCOUNT"},
	{NULL, 'C', POPT_ARG_STRING, NULL, 0, "configuration file", "FILE"},
	{NULL, 'v', POPT_ARG_NONE, NULL, 0, "the report on stderr", NULL},
	{"help", 'h', POPT_ARG_NONE, NULL, 0, "this help", NULL},
	POPT_TABLEEND
};

/* sendmail's option letters that take a value, attached (-fADDR) or as
 * the next argument (-f ADDR). */
static const char **value_slot(struct sendmail_args *s, char c)
{
	switch (c) {
	case 'f': case 'r': return &s->from;
	case 'F': return &s->full_name;
	case 'N': return &s->notify;
	case 'R': return &s->ret;
	case 'V': return &s->envid;
	case 'C': return &s->config;
	case 'a': return &s->account;
	}
	return NULL;
}

/* Parse like getopt with sendmail's letters: clustered flags (-ti),
 * values attached or separate, options and recipients in any order until
 * "--".  Returns 0, 1 for --help, or -1 with e set (64). */
static int parse(int argc, const char **argv, struct sendmail_args *s, struct err *e)
{
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!options || arg[0] != '-' || !arg[1]) {
			if (push(&s->rcpts, arg) < 0)
				return err_set(e, ERR_INTERNAL, NULL, "out of memory");
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options = false;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		if (arg[1] == '-')
			return err_set(e, ERR_USAGE, NULL, "unknown option %s", arg);
		for (const char *p = arg + 1; *p; p++) {
			const char **slot = value_slot(s, *p);
			if (slot || *p == 'b' || *p == 'B') {
				const char *v = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
				if (!v)
					return err_set(e, ERR_USAGE, NULL, "option -%c needs a value", *p);
				if (slot)
					*slot = v;
				else if (*p == 'b' && strcmp(v, "s") == 0)
					return err_set(e, ERR_USAGE, NULL, "-bs (an SMTP dialogue on standard input and "
						       "output) is not supported: smtpkit sendmail delivers one message "
						       "read from standard input (-bm)");
				else if (*p == 'b' && strcmp(v, "m") != 0)
					return err_set(e, ERR_USAGE, NULL, "-b%s is not supported: only -bm, "
						       "deliver the message on standard input", v);
				/* -B8BITMIME, -B7BIT: the body type is found from the
				 * message itself. */
				break;
			}
			if (*p == 'o')
				break;  /* -oi, -oem, -odb ...: sendmail's own queueing options */
			if (*p == 't')
				s->read_recipients = true;
			else if (*p == 'v')
				s->verbose++;
			else if (*p != 'i')
				/* -i: the message ends at end of file, never at a lone
				 * "." line; that is the only way smtpkit reads it. */
				return err_set(e, ERR_USAGE, NULL, "unknown option -%c", *p);
		}
	}
	return 0;
}

int cmd_sendmail(int argc, const char **argv)
{
	struct err e = {0};
	struct sendmail_args s = {0};
	struct argvec a = {0};
	int rc = parse(argc, argv, &s, &e);
	if (rc == 1) {
		usage(stdout);
		free(s.rcpts.v);
		return 0;
	}
	if (rc == 0 && !s.account && s.from) {
		/* msmtp's rule: -f picks the account whose `from` matches. */
		if (config_load(s.config, false, &e) < 0)
			rc = -1;
		else
			s.account = config_account_for_sender(s.from);
	}
	if (rc < 0) {
		out_error(&e);
		if (e.cause == ERR_USAGE)
			out_try_help("sendmail");
		free(s.rcpts.v);
		return err_exit_code(&e);
	}
	bool null_sender = s.from && (!*s.from || strcmp(s.from, "<>") == 0);
	int bad = push(&a, "smtpkit sendmail") | push(&a, "--sendmail-mode") | push(&a, "--data") | push(&a, "-");
	if (s.read_recipients)
		bad |= push(&a, "-t");
	if (s.from)
		bad |= push(&a, null_sender ? "--envelope-from" : "--from") | push(&a, null_sender ? "<>" : s.from);
	const char *pairs[][2] = {
		{"--full-name", s.full_name}, {"--dsn-notify", s.notify}, {"--dsn-ret", s.ret},
		{"--envid", s.envid}, {"--config", s.config}, {"--account", s.account},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (pairs[i][1])
			bad |= push(&a, pairs[i][0]) | push(&a, pairs[i][1]);
	bad |= push(&a, s.verbose ? "--verbose" : "--quiet");
	bad |= push(&a, "--");
	for (size_t i = 0; i < s.rcpts.n; i++)
		bad |= push(&a, s.rcpts.v[i]);
	if (bad) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		out_error(&e);
		rc = err_exit_code(&e);
	} else {
		/* Callers of sendmail read nothing from its standard output: the
		 * report goes to stderr with -v, nowhere without; errors go to
		 * stderr either way. */
		fflush(stdout);
		int fd = s.verbose ? dup(2) : open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		rc = cmd_send((int)a.n, a.v);
		fflush(stdout);
	}
	free(a.v);
	free(s.rcpts.v);
	return rc;
}
