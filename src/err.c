/* err.c - the error value and the one table from error class to exit status. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int exit_code;
} err_table[] = {
	[ERR_NONE] = {"none", 0},
	[ERR_FINDING] = {"finding", 1},
	[ERR_USAGE] = {"usage", 64},
	[ERR_INPUT] = {"input", 65},
	[ERR_NOINPUT] = {"noinput", 66},
	[ERR_ALL_REFUSED] = {"refused", 67},
	[ERR_NOHOST] = {"nohost", 68},
	[ERR_UNAVAILABLE] = {"unavailable", 69},
	[ERR_INTERNAL] = {"internal", 70},
	[ERR_IO] = {"io", 74},
	[ERR_TEMP] = {"temporary", 75},
	[ERR_PROTOCOL] = {"protocol", 76},
	[ERR_AUTH] = {"auth", 77},
	[ERR_CONFIG] = {"config", 78},
};

static int err_vset(struct err *e, enum err_class class, const char *stage,
		    const char *fmt, va_list ap)
{
	e->class = class;
	e->stage = stage;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	return -1;
}

int err_set(struct err *e, enum err_class class, const char *stage, const char *fmt, ...)
{
	if (e->class != ERR_NONE)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, class, stage, fmt, ap);
	va_end(ap);
	return -1;
}

int err_reset(struct err *e, enum err_class class, const char *stage, const char *fmt, ...)
{
	e->reply[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, class, stage, fmt, ap);
	va_end(ap);
	return -1;
}

void err_clear(struct err *e)
{
	memset(e, 0, sizeof *e);
}

bool err_is_set(const struct err *e)
{
	return e->class != ERR_NONE;
}

int err_exit_code(const struct err *e)
{
	if ((unsigned)e->class >= sizeof err_table / sizeof err_table[0])
		return 70;
	return err_table[e->class].exit_code;
}

const char *err_class_name(enum err_class class)
{
	if ((unsigned)class >= sizeof err_table / sizeof err_table[0])
		return "internal";
	return err_table[class].name;
}
