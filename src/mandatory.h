/* mandatory.h - is STARTTLS mandatory on a port?  Asked on a plain
 * session: EHLO, MAIL FROM:<>, RSET; never RCPT, never data, so nothing
 * can be delivered.  tls-check and probe report the answer as a fact. */
#ifndef SMTPKIT_MANDATORY_H
#define SMTPKIT_MANDATORY_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "out.h"
#include "smtp.h"

struct mandatory_tls {
	bool asked;
	int required;               /* 1: MAIL refused (530, 5.7.x); 0: accepted in clear; -1: not learned */
	int code;                   /* the reply to MAIL, 0 if none */
	char enhanced[16];
	char why[256];              /* the refusal, or what failed (escaped) */
};

/* One plain session to host:port with base's options (its TLS mode and
 * AUTH are not used). */
void mandatory_tls_ask(const struct smtp_policy *base, const struct out_opts *oo, const char *host, int port,
		       struct mandatory_tls *m);
/* "yes: 530 5.7.0 ...", "no: MAIL accepted without TLS", "not learned: why". */
const char *mandatory_tls_words(const struct mandatory_tls *m, char *buf, size_t size);
/* {required, code, enhanced, message}, or null when not asked. */
void mandatory_tls_json(struct json *j, const struct mandatory_tls *m);

#endif
