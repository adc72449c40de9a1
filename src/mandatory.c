/* mandatory.c - the mandatory-STARTTLS question.  A server that requires
 * TLS refuses MAIL before STARTTLS with 530 (RFC 3207 4) and 5.7.0 (RFC
 * 3463 3.8); one that accepts takes mail in clear.  The MAIL is taken back
 * with RSET (the engine does so for a transaction without recipients). */
#include "mandatory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mandatory_tls_ask(const struct smtp_policy *base, const struct out_opts *oo, const char *host, int port,
		       struct mandatory_tls *m)
{
	struct smtp_policy pol = *base;
	struct smtp_txn txn = {.mail_from = ""};    /* the null sender: no one's address */
	struct out out;
	struct smtp_session *s = calloc(1, sizeof *s);

	memset(m, 0, sizeof *m);
	m->asked = true;
	m->required = -1;
	if (!s) {
		snprintf(m->why, sizeof m->why, "out of memory");
		return;
	}
	pol.tls_mode = SMTP_TLS_MODE_NONE;
	pol.auth.user = NULL;
	pol.injection_test = false;
	pol.raw_hello = NULL;
	pol.stop_after = SMTP_STAGE_MAIL;
	out_init(&out, oo, NULL);
	smtp_init(s, &pol, &out, host, port);
	s->txn = &txn;
	smtp_run(s);
	conn_close(&s->conn);
	m->code = txn.mail_code;
	snprintf(m->enhanced, sizeof m->enhanced, "%s", txn.mail_enhanced);
	if (m->code == 250)
		m->required = 0;
	else if (m->code == 530 || (m->code / 100 == 5 && strncmp(m->enhanced, "5.7.", 4) == 0))
		m->required = 1;
	if (m->required != 0)
		snprintf(m->why, sizeof m->why, "%.250s",
			 m->code && s->err.reply[0] ? s->err.reply : err_is_set(&s->err) ? s->err.msg : "no reply to MAIL");
	smtp_free(s);
	free(s);
	out_free(&out);
}

const char *mandatory_tls_words(const struct mandatory_tls *m, char *buf, size_t size)
{
	if (!m->asked)
		snprintf(buf, size, "not asked");
	else if (m->required == 1)
		snprintf(buf, size, "yes, MAIL before STARTTLS is refused: %s", m->why);
	else if (m->required == 0)
		snprintf(buf, size, "no, MAIL FROM:<> is accepted without TLS (taken back with RSET)");
	else
		snprintf(buf, size, "not learned: %s", m->why);
	return buf;
}

void mandatory_tls_json(struct json *j, const struct mandatory_tls *m)
{
	if (!m->asked) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "required");
	if (m->required < 0)
		json_null(j);
	else
		json_bool(j, m->required == 1);
	json_key(j, "code");
	if (m->code)
		json_int(j, m->code);
	else
		json_null(j);
	json_kstr(j, "enhanced", m->enhanced[0] ? m->enhanced : NULL);
	json_kstr(j, "message", m->why[0] ? m->why : NULL);
	json_object_end(j);
}
