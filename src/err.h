/* err.h - the one error value carried up from any layer, and its exit status. */
#ifndef SMTPKIT_ERR_H
#define SMTPKIT_ERR_H

#include <stdbool.h>

/* Classes of failure; err_exit_code() maps each to SPEC section 9. */
enum err_class {
	ERR_NONE = 0,
	ERR_FINDING,        /* 1 tls-check, probe, mx: ran, found a fail-level problem */
	ERR_USAGE,          /* 64 bad command line */
	ERR_INPUT,          /* 65 bad message input */
	ERR_NOINPUT,        /* 66 file cannot be read */
	ERR_ALL_REFUSED,    /* 67 every recipient refused permanently */
	ERR_NOHOST,         /* 68 NXDOMAIN, or no mail host */
	ERR_UNAVAILABLE,    /* 69 5xx, required feature missing, TLS refused or unverified */
	ERR_INTERNAL,       /* 70 */
	ERR_IO,             /* 74 connection closed or reset */
	ERR_TEMP,           /* 75 4xx, connect failure, timeout, DNS failure */
	ERR_PROTOCOL,       /* 76 the server broke the protocol */
	ERR_AUTH,           /* 77 authentication refused */
	ERR_CONFIG,         /* 78 configuration error */
};

#define ERR_MSG_MAX 512
#define ERR_REPLY_MAX 512

struct err {
	enum err_class class;
	const char *stage;          /* "connect", "greeting", "ehlo", ...; static */
	char msg[ERR_MSG_MAX];      /* what failed: why */
	char reply[ERR_REPLY_MAX];  /* the server's reply, escaped, "" if none */
};

/* Set e (when it is not already set: the first failure is the cause) and
 * return -1 so callers can write `return err_set(...)`. */
int err_set(struct err *e, enum err_class class, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Overwrite whatever e held. */
int err_reset(struct err *e, enum err_class class, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void err_clear(struct err *e);
bool err_is_set(const struct err *e);
int err_exit_code(const struct err *e);
const char *err_class_name(enum err_class class);

#endif
