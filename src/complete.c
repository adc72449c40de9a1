/* complete.c - the option listing behind the shell completions. */
#include "complete.h"
#include "auth.h"

#include <string.h>

/* Values a shell can offer for an option's argument.  The parsers check
 * them with their own comparisons; tests/integration/test_completion.py
 * runs every value here through its parser, so a word listed here that the
 * parser refuses fails the tests. */
static const struct known_values {
	const char *option;         /* long name */
	const char *kind;           /* word or list */
	const char *values;         /* space-separated; NULL: the AUTH mechanisms */
} known_values[] = {
	{"tls", "word", "auto starttls implicit none"},                  /* SPEC 2 */
	{"color", "word", "auto always never"},
	{"protocol", "word", "smtp esmtp helo lmtp"},
	{"proxy-protocol", "word", "v1 v2"},
	{"quit-after", "word", "connect greeting ehlo tls auth mail rcpt"},  /* SPEC 3 */
	{"at", "word", "connect ehlo tls auth"},                          /* session */
	{"show-data", "word", "all none"},
	{"dsn-ret", "word", "FULL HDRS"},                                 /* RFC 3461 4.3 */
	{"dsn-notify", "list", "NEVER SUCCESS FAILURE DELAY"},            /* RFC 3461 4.1 */
	{"dkim-canon", "word", "relaxed/relaxed relaxed/simple simple/relaxed simple/simple relaxed simple"},
	{"auth", "list", NULL},                                           /* RFC 4954 */
};

static void field(FILE *fp, const char *s)
{
	/* A description never holds a tab or newline today; the listing's
	 * format must survive one that does. */
	fputc('\t', fp);
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, fp);
}

void complete_dump_subcommand(FILE *fp, const char *name, const char *summary)
{
	fputs("sub", fp);
	field(fp, name);
	field(fp, summary);
	fputc('\n', fp);
}

/* An option's values; a letter alone (sendmail's -N, -R) has those of the
 * long option its placeholder stands for. */
static const struct known_values *values_of(const struct poptOption *o)
{
	static const char *const placeholders[][2] = {{"NOTIFY", "dsn-notify"}, {"RET", "dsn-ret"}};
	const char *name = o->longName;
	for (size_t i = 0; !name && o->argDescrip && i < sizeof placeholders / sizeof placeholders[0]; i++)
		if (strcmp(o->argDescrip, placeholders[i][0]) == 0)
			name = placeholders[i][1];
	for (size_t i = 0; name && i < sizeof known_values / sizeof known_values[0]; i++)
		if (strcmp(known_values[i].option, name) == 0)
			return &known_values[i];
	return NULL;
}

/* How the argument is completed, from its placeholder in --help. */
static const char *kind_of(const struct poptOption *o)
{
	const char *d = o->argDescrip ? o->argDescrip : "";
	if ((o->longName && strcmp(o->longName, "account") == 0) || strcmp(d, "ACCOUNT") == 0)
		return "account";
	if (strcmp(d, "FILE|DIR") == 0)
		return "file";
	if (strncmp(d, "FILE", 4) == 0 || strcmp(d, "PATH") == 0)
		return "file";
	if (strcmp(d, "DIR") == 0)
		return "dir";
	if (strcmp(d, "CMD") == 0 || strstr(d, "COMMAND"))
		return "command";
	return "text";
}

static void dump_option(FILE *fp, const char *sub, const struct poptOption *o)
{
	char longname[80] = "", shortname[3] = "";
	if (o->longName)
		snprintf(longname, sizeof longname, "--%s", o->longName);
	if (o->shortName)
		snprintf(shortname, sizeof shortname, "-%c", o->shortName);
	const char *kind = "flag", *values = "";
	char mechs[256] = "";
	if ((o->argInfo & POPT_ARG_MASK) != POPT_ARG_NONE) {
		const struct known_values *k = values_of(o);
		kind = k ? k->kind : kind_of(o);
		if (k && k->values)
			values = k->values;
		else if (k) {
			for (int m = 0; m < AUTH_MECH_COUNT; m++) {
				size_t len = strlen(mechs);
				snprintf(mechs + len, sizeof mechs - len, "%s%s", m ? " " : "",
					 auth_mech_name((enum auth_mech)m));
			}
			values = mechs;
		}
	}
	fputs("opt", fp);
	field(fp, sub);
	field(fp, longname);
	field(fp, shortname);
	field(fp, kind);
	field(fp, values);
	field(fp, o->descrip);
	fputc('\n', fp);
}

void complete_dump_options(FILE *fp, const char *sub, const struct poptOption *table)
{
	for (const struct poptOption *o = table; o->longName || o->shortName || o->arg; o++) {
		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			/* POPT_AUTOHELP's table: --help and --usage (and -?). */
			complete_dump_options(fp, sub, o->arg);
			continue;
		}
		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_CALLBACK || (o->argInfo & POPT_ARGFLAG_DOC_HIDDEN))
			continue;
		dump_option(fp, sub, o);
	}
}
