/* tlscheck_mandatory.c - is STARTTLS mandatory?  A plain session asks
 * MAIL FROM:<> without STARTTLS and takes it back with RSET (never RCPT,
 * never data: nothing can be delivered).  A server requiring TLS refuses
 * with 530 (RFC 3207 4) and 5.7.0; one that accepts takes mail in clear. */
#include "tlscheck.h"

#include <stdio.h>
#include <string.h>

void tlscheck_mandatory_run(struct tlscheck *tc)
{
	struct tlscheck_mandatory *m = &tc->mandatory;
	struct tlscheck_conn *c = &m->conn;
	m->asked = true;
	m->required = -1;
	m->txn.mail_from = "";      /* the null sender: no one's address */
	c->pol = tc->base;
	c->pol.tls_mode = SMTP_TLS_MODE_NONE;
	c->pol.auth.user = NULL;
	c->pol.injection_test = false;
	c->pol.stop_after = SMTP_STAGE_MAIL;
	tlscheck_conn_run(tc, c, &m->txn);
	const struct smtp_session *s = &c->s;
	m->code = m->txn.mail_code;
	snprintf(m->enhanced, sizeof m->enhanced, "%s", m->txn.mail_enhanced);
	if (m->code == 250) {
		m->required = 0;
		return;
	}
	if (m->code == 530 || (m->code / 100 == 5 && strncmp(m->enhanced, "5.7.", 4) == 0)) {
		m->required = 1;
		snprintf(m->why, sizeof m->why, "%.250s", s->err.reply[0] ? s->err.reply : s->err.msg);
		return;
	}
	snprintf(m->why, sizeof m->why, "%.250s", err_is_set(&s->err) ? s->err.msg : "no reply to MAIL");
}

void tlscheck_mandatory_free(struct tlscheck *tc)
{
	if (tc->mandatory.asked)
		tlscheck_conn_free(&tc->mandatory.conn);
}
