/* cmd_config.c - `smtpkit config`: show the effective settings and where
 * each came from, check the files, or convert an msmtp configuration. */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "msmtprc.h"
#include "options.h"
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
	int show, check, import, list_accounts, json;
	char *msmtprc;
	char *account, *config;
	int no_config;
} c;

enum { OPT_IMPORT = 1 };

struct poptOption config_options[] = {
	{"show", '\0', POPT_ARG_NONE, &c.show, 0,
	 "the effective settings of the account (-a, else the default), secrets hidden, and where each was set", NULL},
	{"check", '\0', POPT_ARG_NONE, &c.check, 0,
	 "read the files and put every account (or -a) through send's checks, sending nothing; exit 78 on a fault", NULL},
	{"import-msmtprc", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, &c.msmtprc, OPT_IMPORT,
	 "print the smtpkit configuration equivalent to an msmtp one (default ~/.msmtprc, "
	 "else $XDG_CONFIG_HOME/msmtp/config); writes no file", "FILE"},
	{"list-accounts", '\0', POPT_ARG_NONE, &c.list_accounts, 0,
	 "the accounts' names, one a line (for shell completion of -a)", NULL},
	{"json", '\0', POPT_ARG_NONE, &c.json, 0, "--show: one JSON document on stdout (smtpkit-json(7))", NULL},
	{"account", 'a', POPT_ARG_STRING, &c.account, 0, "the account to show or check", "NAME"},
	{"config", '\0', POPT_ARG_STRING, &c.config, 0, "this file instead of the search order", "FILE"},
	{"no-config", '\0', POPT_ARG_NONE, &c.no_config, 0, "read no configuration file", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

static int show(void)
{
	const char *acc = config_account();
	if (!config_nfiles())
		printf("# no configuration file read\n");
	for (size_t i = 0; i < config_nfiles(); i++)
		printf("# read: %s\n", config_file(i));
	printf("# account: %s\n", acc ? acc : "(none: top-level settings only)");
	for (size_t i = 0; i < config_count(); i++) {
		const struct config_entry *e = config_at(i);
		char where[600];
		snprintf(where, sizeof where, "%s:%d%s%s%s", e->file, e->line, e->account ? " [account " : "",
			 e->account ? e->account : "", e->account ? "]" : "");
		printf("%-20s %-32s # %s\n", e->key, config_key_is_secret(e->key) ? "(hidden)" : e->value, where);
	}
	return 0;
}

/* config --show --json: the same settings, each with where it was set. */
static int show_json(void)
{
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, "config");
	json_kbool(&j, "ok", true);
	json_kint(&j, "exit_code", 0);
	json_key(&j, "error");
	json_null(&j);
	json_key(&j, "files");
	json_array(&j);
	for (size_t i = 0; i < config_nfiles(); i++)
		json_str(&j, config_file(i));
	json_array_end(&j);
	json_kstr(&j, "account", config_account());
	json_key(&j, "settings");
	json_array(&j);
	for (size_t i = 0; i < config_count(); i++) {
		const struct config_entry *e = config_at(i);
		bool secret = config_key_is_secret(e->key);
		json_object(&j);
		json_kstr(&j, "key", e->key);
		json_kstr(&j, "value", secret ? NULL : e->value);
		json_kbool(&j, "secret", secret);
		json_kstr(&j, "file", e->file);
		json_kint(&j, "line", e->line);
		json_kstr(&j, "account", e->account);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	return 0;
}

static int list_accounts(void)
{
	for (size_t i = 0; i < config_naccounts(); i++)
		printf("%s\n", config_account_at(i));
	return 0;
}

/* One account (NULL: the top-level settings) as `send` would take it:
 * its values through send's own option checks, as a --dry-run in a child
 * process, so that nothing is sent and none of send's state stays here.
 * The child says what is wrong (file:line for a value of the file); its
 * exit status is returned. */
static int check_as_send(const char *account)
{
	const char *argv[16];
	int n = 0;
	/* A copy: send reads the files again, freeing the config's names. */
	char *name = account ? strdup(account) : NULL;
	if (account && !name)
		return 71;
	argv[n++] = "smtpkit send";
	if (c.config) {
		argv[n++] = "--config";
		argv[n++] = c.config;
	}
	if (name) {
		argv[n++] = "--account";
		argv[n++] = name;
	}
	argv[n++] = "--dry-run";
	argv[n++] = "--body";
	argv[n++] = "x";
	argv[n++] = "--to";
	argv[n++] = "check@example.invalid";
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		fflush(NULL);
		_exit(cmd_send(n, argv));
	}
	int status, rc = 71;            /* EX_OSERR: no child, or lost */
	pid_t got = -1;
	while (pid > 0 && (got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (got == pid)
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 70;
	free(name);
	return rc;
}

static int check(void)
{
	size_t n = config_naccounts();
	int worst = 0;
	/* -a: that account; else every one, or the top level when there is none. */
	for (size_t i = 0; config_nfiles() && i < (c.account || !n ? 1 : n); i++) {
		const char *name = c.account ? c.account : n ? config_account_at(i) : NULL;
		int rc = check_as_send(name);
		if (rc && name)
			fprintf(stderr, "smtpkit: account \"%s\" fails smtpkit send's checks (above)\n", name);
		else if (rc)
			fprintf(stderr, "smtpkit: the top-level settings fail smtpkit send's checks (above)\n");
		if (rc && !worst)
			worst = rc;
	}
	if (worst)
		/* What the file holds is at fault, whatever send called it. */
		return err_class_exit_code(ERR_CLASS_CONFIG);
	if (c.account) {
		printf("ok: account %s; files:", c.account);
		for (size_t i = 0; i < config_nfiles(); i++)
			printf(" %s", config_file(i));
		printf("\n");
		return 0;
	}
	printf("ok: %zu account%s", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : ": ", config_account_at(i));
	printf("; default: %s; files:", config_account() ? config_account() : "none");
	for (size_t i = 0; i < config_nfiles(); i++)
		printf(" %s", config_file(i));
	if (!config_nfiles())
		printf(" none");
	printf("\n");
	return 0;
}

/* msmtp's own search: ~/.msmtprc, else $XDG_CONFIG_HOME/msmtp/config. */
static char *default_msmtprc(void)
{
	char buf[4096];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	if (home && *home) {
		snprintf(buf, sizeof buf, "%s/.msmtprc", home);
		FILE *fp = fopen(buf, "r");
		if (fp) {
			fclose(fp);
			return strdup(buf);
		}
	}
	if (xdg && *xdg)
		snprintf(buf, sizeof buf, "%s/msmtp/config", xdg);
	else if (home && *home)
		snprintf(buf, sizeof buf, "%s/.config/msmtp/config", home);
	else
		return NULL;
	return strdup(buf);
}

#define MSMTPRC_MAX (1024 * 1024)

static int import(const char *path, struct err *e)
{
	char *def = path ? NULL : default_msmtprc();
	if (!path && !(path = def))
		return err_set(e, ERR_NOINPUT, NULL, "no msmtp configuration: HOME is not set; give FILE");
	FILE *fp = fopen(path, "r");
	if (!fp) {
		err_set(e, ERR_NOINPUT, NULL, "%s: cannot open: %s", path, strerror(errno));
		free(def);
		return -1;
	}
	char *text = malloc(MSMTPRC_MAX + 1);
	size_t len = text ? fread(text, 1, MSMTPRC_MAX + 1, fp) : 0;
	bool bad = ferror(fp);
	fclose(fp);
	int rc = 0;
	if (!text)
		rc = err_set(e, ERR_INTERNAL, NULL, "out of memory");
	else if (bad)
		rc = err_set(e, ERR_NOINPUT, NULL, "%s: cannot read", path);
	else if (len > MSMTPRC_MAX)
		rc = err_set(e, ERR_INPUT, NULL, "%s: larger than %d octets: not an msmtp configuration", path, MSMTPRC_MAX);
	char *out = rc == 0 ? msmtprc_convert(text, len, path) : NULL;
	if (rc == 0 && !out)
		rc = err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (out)
		fputs(out, stdout);
	free(out);
	free(text);
	free(def);
	return rc;
}

int cmd_config(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit config", argc, argv, config_options, 0);
	poptSetOtherOptionHelp(ctx, "--show | --check | --import-msmtprc [FILE]");
	int rc, opt;
	while ((opt = poptGetNextOpt(ctx)) > 0)
		if (opt == OPT_IMPORT)
			c.import = 1;
	if (opt < -1)
		rc = err_set(&e, ERR_USAGE, NULL, "%s: %s", poptBadOption(ctx, POPT_BADOPTION_NOALIAS),
			     poptStrerror(opt));
	else if (poptPeekArg(ctx))
		rc = err_set(&e, ERR_USAGE, NULL, "unexpected argument \"%s\"", poptPeekArg(ctx));
	else if (c.show + c.check + c.import + c.list_accounts != 1)
		rc = err_set(&e, ERR_USAGE, NULL, "give one of --show, --check, --import-msmtprc, --list-accounts");
	else if (c.json && !c.show)
		rc = err_set(&e, ERR_USAGE, NULL, "--json goes with --show");
	else if (c.config && c.no_config)
		rc = err_set(&e, ERR_USAGE, NULL, "--config and --no-config exclude each other");
	else if (c.import)
		rc = import(c.msmtprc, &e);
	else if (net_check_value("--account", c.account, &e) < 0 || config_load(c.config, c.no_config, &e) < 0
		 || config_select(c.account, &e) < 0)
		rc = -1;
	else
		rc = c.list_accounts ? list_accounts() : c.show ? c.json ? show_json() : show() : check();
	if (rc < 0 && c.json) {
		out_json_early_error("config", &e);
		rc = err_exit_code(&e);
	} else if (rc < 0) {
		out_error(&e);
		if (e.cause == ERR_USAGE)
			out_try_help("config");
		rc = err_exit_code(&e);
	}
	config_free();
	poptFreeContext(ctx);
	return rc;
}
