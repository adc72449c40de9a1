/* smtp_json.h - the parts of a session's --json document that ehlo and
 * session share: what was reached and how it answered, then what it
 * offers and the dialogue. */
#ifndef SMTPKIT_SMTP_JSON_H
#define SMTPKIT_SMTP_JSON_H

#include "err.h"
#include "json.h"
#include "out.h"
#include "smtp.h"

/* Opens the document: the head (schema, command), ok, exit_code, error,
 * server and greeting.  The caller writes its own keys next. */
void smtp_json_begin(struct json *j, const char *command, const struct smtp_session *s, const struct err *e);
/* Ends it: capabilities, tls, findings, transcript. */
void smtp_json_end(struct json *j, const struct smtp_session *s, const struct out *out);

#endif
