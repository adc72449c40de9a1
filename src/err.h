/* err.h - the one error value carried up from any layer: what caused the
 * failure, where, and the exit status that follows from it. */
#ifndef SMTPKIT_ERR_H
#define SMTPKIT_ERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* What went wrong, set where it happened.  Callers decide on the cause,
 * never on the message text or the stage; the exit class follows from the
 * cause through err.c's one table. */
enum err_cause {
	ERR_NONE = 0,
	ERR_USAGE,          /* the command line */
	ERR_CONFIG,         /* configuration, a secret source */
	ERR_INPUT,          /* the message, or a value taken from it */
	ERR_NOINPUT,        /* a file that cannot be read */
	ERR_LOCAL_IO,       /* local I/O failed: a temporary file, poll() */
	ERR_INTERNAL,
	ERR_NOHOST,         /* NXDOMAIN, or a domain with no mail host */
	ERR_DNS,            /* a lookup failed: SERVFAIL, REFUSED, timeout, malformed answer */
	ERR_CONNECT,        /* connect() failed: unreachable, no route */
	ERR_REFUSED,        /* the connection was refused */
	ERR_TIMEOUT,        /* a step's deadline passed */
	ERR_CLOSED,         /* the peer closed or reset the connection */
	ERR_TLS,            /* the TLS handshake was refused or failed */
	ERR_TLS_CLOSED,     /* the peer closed or reset the connection during the handshake */
	ERR_VERIFY,         /* the server's certificate did not verify */
	ERR_PROTOCOL,       /* the server broke the protocol */
	ERR_UNSUPPORTED,    /* something required is not offered: STARTTLS, AUTH, SMTPUTF8, SIZE */
	ERR_REPLY_TEMP,     /* a 4xx reply (421 included) */
	ERR_REPLY_PERM,     /* a 5xx reply */
	ERR_RCPTS_REFUSED,  /* every recipient refused permanently */
	ERR_AUTH,           /* authentication refused */
	ERR_FINDING,        /* tls-check, probe, mx: a fail-level finding */
	ERR_INTERRUPTED,    /* a wait stopped by the person (Ctrl-C in smtpkit session) */
};

/* Exit classes, SPEC section 9; err_exit_code() gives the status. */
enum err_class {
	ERR_CLASS_OK = 0,
	ERR_CLASS_FINDING,      /* 1 */
	ERR_CLASS_USAGE,        /* 64 */
	ERR_CLASS_DATAERR,      /* 65 */
	ERR_CLASS_NOINPUT,      /* 66 */
	ERR_CLASS_ALL_REFUSED,  /* 67 */
	ERR_CLASS_NOHOST,       /* 68 */
	ERR_CLASS_UNAVAILABLE,  /* 69 */
	ERR_CLASS_INTERNAL,     /* 70 */
	ERR_CLASS_IO,           /* 74 */
	ERR_CLASS_TEMP,         /* 75 */
	ERR_CLASS_PROTOCOL,     /* 76 */
	ERR_CLASS_AUTH,         /* 77 */
	ERR_CLASS_CONFIG,       /* 78 */
};

#define ERR_MSG_MAX 512
#define ERR_REPLY_MAX 512

/* Written only through err_set(), err_quote() and err_append(); copied whole. */
struct err {
	enum err_cause cause;
	const char *stage;          /* "connect", "greeting", "ehlo", ...; static; NULL: before any */
	char msg[ERR_MSG_MAX];      /* what failed: why */
	char reply[ERR_REPLY_MAX];  /* the server's reply, escaped, "" if none */
	const char *option;         /* the option at fault, by long name ("helo"); static; NULL: none */
};

/* Set e when it is not already set (the first failure is the cause) and
 * return -1, so callers can write `return err_set(...)`. */
int err_set(struct err *e, enum err_cause cause, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int err_vset(struct err *e, enum err_cause cause, const char *stage, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* A usage error about one option (its long name, "helo"): whoever set
 * the value answers for it (config_blame: the accounts file's is 78). */
int err_usage(struct err *e, const char *option, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Name the option the error just set is about (a usage error, a file it
 * names that cannot be read), when it names none. */
void err_option(struct err *e, const char *option);
/* Quote the server's words (already escaped) in the error just set. */
void err_quote(struct err *e, const char *reply);
/* Add to the message of the error just set. */
void err_append(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);
bool err_is_set(const struct err *e);
enum err_class err_class(const struct err *e);
int err_exit_code(const struct err *e);
int err_class_exit_code(enum err_class c);
const char *err_class_name(enum err_class c);
const char *err_cause_name(enum err_cause c);
/* Of two exit statuses, the one to report (SPEC 9; the rank is in err.c). */
int err_worse_exit(int a, int b);

#endif
