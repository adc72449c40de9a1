/* smtp.h - the SMTP client session: one state machine that every
 * subcommand runs, stopped at different stages by policy. */
#ifndef SMTPKIT_SMTP_H
#define SMTPKIT_SMTP_H

#include <stdbool.h>

#include "conn.h"
#include "err.h"
#include "out.h"
#include "reply.h"
#include "tls.h"

enum smtp_tls_mode {
	SMTP_TLS_MODE_AUTO,            /* implicit on 465, else STARTTLS when offered */
	SMTP_TLS_MODE_STARTTLS,        /* STARTTLS required */
	SMTP_TLS_MODE_IMPLICIT,     /* TLS from the first byte (RFC 8314) */
	SMTP_TLS_MODE_NONE,
};

/* Where a session may be told to stop (--quit-after), in protocol order. */
enum smtp_stage {
	SMTP_STAGE_CONNECT,
	SMTP_STAGE_GREETING,
	SMTP_STAGE_EHLO,
	SMTP_STAGE_TLS,             /* after STARTTLS and the EHLO that follows it */
	SMTP_STAGE_AUTH,
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_ALL,             /* the whole transaction */
};

enum smtp_state {
	SMTP_CONNECT,
	SMTP_TLS_IMPLICIT,
	SMTP_GREETING,
	SMTP_EHLO,
	SMTP_HELO,
	SMTP_STARTTLS,
	SMTP_TLS_HANDSHAKE,
	SMTP_QUIT,
	SMTP_QUIT_NOWAIT,           /* after a failure: QUIT, do not wait for 221 */
	SMTP_DONE,
};

struct smtp_policy {
	enum smtp_tls_mode tls_mode;
	/* Certificate must verify (explicit server); false for opportunistic
	 * TLS to an MX (RFC 7435), where problems are reported only. */
	bool tls_verify;
	struct tls_config tls;
	const char *helo;
	int timeout_ms;             /* each step */
	struct conn_opts conn;
	enum smtp_stage stop_after;
};

struct smtp_session {
	const struct smtp_policy *pol;
	struct out *out;
	const char *host;
	int port;

	enum smtp_state state;
	struct conn conn;
	bool in_tls;
	bool connected;
	struct reply greeting;
	struct ehlo_caps caps_before;   /* from the EHLO before TLS */
	struct ehlo_caps caps_after;    /* from the EHLO inside TLS */
	bool have_before, have_after;
	bool used_helo;
	bool starttls_offered;
	bool starttls_refused;          /* offered, answered 4xx/5xx (auto mode went on) */
	struct tls_info tls;
	bool nonconforming;             /* a reply broke RFC 5321 syntax we tolerate */
	struct err err;
};

void smtp_init(struct smtp_session *s, const struct smtp_policy *pol, struct out *out,
	       const char *host, int port);
/* Run until the policy's stop stage (then QUIT) or a failure (s->err). */
int smtp_run(struct smtp_session *s);
void smtp_free(struct smtp_session *s);

/* The capabilities in force now: after TLS if TLS was started. */
const struct ehlo_caps *smtp_caps(const struct smtp_session *s);

const char *smtp_state_name(enum smtp_state st);

#endif
