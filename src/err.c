/* err.c - the error value: from its cause to an exit class, and from the
 * class to the exit status (SPEC 9) and its rank. */
#include "err.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static const struct {
	const char *name;           /* error.cause in JSON */
	enum err_class class;
} cause_table[] = {
	[ERR_NONE] = {"none", ERR_CLASS_OK},
	[ERR_USAGE] = {"usage", ERR_CLASS_USAGE},
	[ERR_CONFIG] = {"config", ERR_CLASS_CONFIG},
	[ERR_INPUT] = {"input", ERR_CLASS_DATAERR},
	[ERR_NOINPUT] = {"noinput", ERR_CLASS_NOINPUT},
	[ERR_LOCAL_IO] = {"local-io", ERR_CLASS_IO},
	[ERR_INTERNAL] = {"internal", ERR_CLASS_INTERNAL},
	[ERR_NOHOST] = {"nohost", ERR_CLASS_NOHOST},
	[ERR_DNS] = {"dns", ERR_CLASS_TEMP},
	[ERR_CONNECT] = {"connect", ERR_CLASS_TEMP},
	[ERR_REFUSED] = {"refused", ERR_CLASS_TEMP},
	[ERR_TIMEOUT] = {"timeout", ERR_CLASS_TEMP},
	[ERR_CLOSED] = {"closed", ERR_CLASS_IO},
	[ERR_TLS] = {"tls", ERR_CLASS_UNAVAILABLE},
	[ERR_TLS_CLOSED] = {"tls-closed", ERR_CLASS_IO},
	[ERR_VERIFY] = {"verify", ERR_CLASS_UNAVAILABLE},
	[ERR_PROTOCOL] = {"protocol", ERR_CLASS_PROTOCOL},
	[ERR_UNSUPPORTED] = {"unsupported", ERR_CLASS_UNAVAILABLE},
	[ERR_REPLY_TEMP] = {"reply-temporary", ERR_CLASS_TEMP},
	[ERR_REPLY_PERM] = {"reply-permanent", ERR_CLASS_UNAVAILABLE},
	[ERR_RCPTS_REFUSED] = {"recipients-refused", ERR_CLASS_ALL_REFUSED},
	[ERR_AUTH] = {"auth", ERR_CLASS_AUTH},
	[ERR_FINDING] = {"finding", ERR_CLASS_FINDING},
	/* session goes on after one; should it end a run, the wait did not finish */
	[ERR_INTERRUPTED] = {"interrupted", ERR_CLASS_TEMP},
};

/* rank: when several outcomes make one exit status (send to several
 * domains, mx over many), the lower rank wins.  A bug first; then the
 * permanent outcomes, because a retry cannot make the whole run succeed
 * (a server breaking the protocol, a refusal, a name that does not exist,
 * the caller's own mistakes); then what a retry may change (I/O,
 * temporary); findings last. */
static const struct {
	const char *name;           /* error.class in JSON */
	int exit_code;
	int rank;
} class_table[] = {
	[ERR_CLASS_OK] = {"none", 0, 99},
	[ERR_CLASS_INTERNAL] = {"internal", 70, 0},
	[ERR_CLASS_PROTOCOL] = {"protocol", 76, 1},
	[ERR_CLASS_UNAVAILABLE] = {"unavailable", 69, 2},
	[ERR_CLASS_NOHOST] = {"nohost", 68, 3},
	[ERR_CLASS_ALL_REFUSED] = {"refused", 67, 4},
	[ERR_CLASS_AUTH] = {"auth", 77, 5},
	[ERR_CLASS_CONFIG] = {"config", 78, 6},
	[ERR_CLASS_NOINPUT] = {"noinput", 66, 7},
	[ERR_CLASS_DATAERR] = {"input", 65, 8},
	[ERR_CLASS_USAGE] = {"usage", 64, 9},
	[ERR_CLASS_IO] = {"io", 74, 10},
	[ERR_CLASS_TEMP] = {"temporary", 75, 11},
	[ERR_CLASS_FINDING] = {"finding", 1, 12},
};

int err_vset(struct err *e, enum err_cause cause, const char *stage, const char *fmt, va_list ap)
{
	if (e->cause != ERR_NONE)
		return -1;
	e->cause = (unsigned)cause < COUNT(cause_table) && cause != ERR_NONE ? cause : ERR_INTERNAL;
	e->stage = stage;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	e->reply[0] = '\0';
	e->option = NULL;
	return -1;
}

int err_usage(struct err *e, const char *option, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!err_is_set(e)) {
		err_vset(e, ERR_USAGE, NULL, fmt, ap);
		e->option = option;
	}
	va_end(ap);
	return -1;
}

void err_option(struct err *e, const char *option)
{
	if (err_is_set(e) && !e->option)
		e->option = option;
}

int err_set(struct err *e, enum err_cause cause, const char *stage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, cause, stage, fmt, ap);
	va_end(ap);
	return -1;
}

void err_quote(struct err *e, const char *reply)
{
	snprintf(e->reply, sizeof e->reply, "%s", reply);
}

void err_append(struct err *e, const char *fmt, ...)
{
	size_t len = strlen(e->msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + len, sizeof e->msg - len, fmt, ap);
	va_end(ap);
}

void err_clear(struct err *e)
{
	memset(e, 0, sizeof *e);
}

bool err_is_set(const struct err *e)
{
	return e->cause != ERR_NONE;
}

enum err_class err_class(const struct err *e)
{
	if ((unsigned)e->cause >= COUNT(cause_table))
		return ERR_CLASS_INTERNAL;
	return cause_table[e->cause].class;
}

int err_class_exit_code(enum err_class c)
{
	if ((unsigned)c >= COUNT(class_table))
		return 70;
	return class_table[c].exit_code;
}

int err_exit_code(const struct err *e)
{
	return err_class_exit_code(err_class(e));
}

const char *err_class_name(enum err_class c)
{
	if ((unsigned)c >= COUNT(class_table))
		return "internal";
	return class_table[c].name;
}

const char *err_cause_name(enum err_cause c)
{
	if ((unsigned)c >= COUNT(cause_table))
		return "internal";
	return cause_table[c].name;
}

static int rank_of(int exit_code)
{
	for (size_t i = 0; i < COUNT(class_table); i++)
		if (class_table[i].exit_code == exit_code)
			return class_table[i].rank;
	return 0;       /* an unknown status is treated as internal */
}

int err_worse_exit(int a, int b)
{
	return rank_of(a) <= rank_of(b) ? a : b;
}
