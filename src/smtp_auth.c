/* smtp_auth.c - the AUTH states of the session (RFC 4954): which
 * mechanism, the exchange, and what a refusal means. */
#define _DEFAULT_SOURCE
#include "smtp_int.h"
#include "auth.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* SPEC 10.4: credentials only inside TLS, unless --tls none said so. */
enum smtp_state smtp_auth_choose(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	const struct ehlo_caps *caps = smtp_caps(s);

	if (!s->in_tls) {
		if (!p->tls_none_explicit)
			return smtp_fail(s, NULL, ERR_UNSUPPORTED,
					 "refusing to send credentials without TLS%s (--tls none allows it)",
					 s->starttls_offered || s->starttls_refused ? "" : ": the server offers no STARTTLS");
		out_warn(s->out, "authenticating without TLS (--tls none): the password crosses the network in clear");
	}
	if (!ehlo_offers_auth(caps))
		return smtp_fail(s, NULL, ERR_UNSUPPORTED, "the server does not offer AUTH%s",
				 s->in_tls ? "" : " (some servers offer it only inside TLS)");
	for (size_t i = 0; i < AUTH_MECH_COUNT; i++) {
		enum auth_mech m = auth_preference[i];
		if ((p->auth.mechs & (1u << m)) && ehlo_has_auth(caps, auth_mech_name(m))) {
			s->auth = calloc(1, sizeof *s->auth);
			if (!s->auth)
				return smtp_fail(s, NULL, ERR_INTERNAL, "out of memory");
			s->auth->mech = m;
			return SMTP_AUTH;
		}
	}
	char offered[256] = "";
	const struct ehlo_cap *c = ehlo_find(caps, "AUTH");
	for (size_t k = 0; c && k < c->nparams; k++) {
		size_t len = strlen(offered);
		snprintf(offered + len, sizeof offered - len, "%s%s", k ? " " : "", c->params[k]);
	}
	char esc[512];
	text_escape(offered, strlen(offered), esc, sizeof esc);
	return smtp_fail(s, NULL, ERR_UNSUPPORTED,
			 "no allowed authentication mechanism is offered (server offers: %s)", esc);
}

/* SPEC 10.11: from now on everything shown of what the server says
 * (text_escape()) has s hidden, unless --show-secrets. */
static int smtp_hide(struct smtp_session *s, const char *secret)
{
	if (s->out->o.show_secrets || text_hide(secret, strlen(secret)) == 0)
		return 0;
	return err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
}

/* A server may quote the credentials in a reply ("535 bad password for
 * dXNlcg=="): the password or token, and the base64 of it and of the user
 * name (the AUTH payloads themselves are hidden as they are sent). */
static int smtp_hide_credentials(struct smtp_session *s)
{
	const struct smtp_auth_cfg *c = &s->pol->auth;
	if (s->out->o.show_secrets || !c->user || !c->secret)
		return 0;               /* auth_begin() reports the missing one */
	char *user64 = text_b64_encode((const unsigned char *)c->user, strlen(c->user));
	char *secret64 = text_b64_encode((const unsigned char *)c->secret, strlen(c->secret));
	int r = user64 && secret64 ? 0 : err_set(&s->err, ERR_INTERNAL, smtp_step_name(s), "out of memory");
	if (r == 0 && (smtp_hide(s, c->secret) < 0 || smtp_hide(s, secret64) < 0 || smtp_hide(s, user64) < 0))
		r = -1;
	free(user64);
	auth_wipe_free(secret64);
	return r;
}

int smtp_enter_auth(struct smtp_session *s)
{
	const struct smtp_policy *p = s->pol;
	char *initial = NULL;
	enum auth_mech m = s->auth->mech;

	if (smtp_expect_quiet(s, "AUTH") < 0 || smtp_hide_credentials(s) < 0
	    || auth_begin(s->auth, m, p->auth.user, p->auth.secret, s->host, s->port, &initial, &s->err) < 0)
		return -1;
	const char *name = auth_mech_name(m);
	char shown[128];
	int rc;
	if (!initial) {
		rc = smtp_queue_command(s, NULL, "AUTH %s", name);
	} else {
		snprintf(shown, sizeof shown, "AUTH %s %s", name, TEXT_SECRET_MARK);
		rc = smtp_hide(s, initial);
		/* RFC 4954 4: an empty initial response is sent as "=". */
		if (rc == 0)
			rc = smtp_queue_command(s, s->out->o.show_secrets ? NULL : shown, "AUTH %s %s", name,
						*initial ? initial : "=");
		explicit_bzero(initial, strlen(initial));
		free(initial);
		/* RFC 4954 4: PLAIN with its initial response completes in one
		 * round trip, so MAIL, RCPT and DATA may follow in the same group. */
		if (rc == 0 && m == AUTH_PLAIN)
			s->auth_pipelined = smtp_txn_pipeline_behind_auth(s);
	}
	if (rc < 0)
		return -1;
	return smtp_flush(s);
}

int smtp_enter_auth_step(struct smtp_session *s)
{
	char *response = NULL;
	/* Behind a pipelined AUTH PLAIN, the transaction's replies may follow. */
	if (!s->ahead.mail && smtp_expect_quiet(s, "the AUTH response") < 0)
		return -1;
	if (auth_step(s->auth, s->challenge, &response, &s->err) < 0) {
		/* RFC 4954 4: "*" cancels the exchange; the error stays ours
		 * (76 when the server broke the exchange, 77 when the login
		 * failed), and smtp_on_auth() ends the session on the reply. */
		if (smtp_queue_command(s, NULL, "*") < 0)
			return -1;
		return smtp_flush(s);
	}
	int rc = smtp_hide(s, response);
	if (rc == 0)
		rc = smtp_queue_command(s, s->out->o.show_secrets ? NULL : TEXT_SECRET_MARK, "%s", response);
	explicit_bzero(response, strlen(response));
	free(response);
	if (rc < 0)
		return -1;
	return smtp_flush(s);
}

/* AUTH LOGIN's challenges are prompts in base64 ("VXNlcm5hbWU6" is
 * "Username:"): shown decoded when they are printable ASCII, escaped all
 * the same.  Other mechanisms' challenges are nonces, salts and proofs
 * (CRAM-MD5, SCRAM): decoded, they mean nothing more to a reader. */
const char *smtp_auth_challenge_meaning(const struct smtp_session *s, const struct reply *r, char *buf,
					size_t size)
{
	if (!s->auth || s->auth->mech != AUTH_LOGIN || r->code != 334 || r->nlines != 1)
		return NULL;
	size_t len;
	unsigned char *prompt = text_b64_decode(r->lines[0], r->lens[0], &len);
	if (!prompt)
		return NULL;
	bool printable = len > 0 && len <= 64;
	for (size_t i = 0; printable && i < len; i++)
		printable = prompt[i] >= 0x20 && prompt[i] < 0x7f;
	char esc[300];
	if (printable)
		text_escape((const char *)prompt, len, esc, sizeof esc);
	free(prompt);
	if (!printable)
		return NULL;
	snprintf(buf, size, "server challenge, AUTH LOGIN asks \"%s\" (base64-decoded; RFC 4954 4)", esc);
	return buf;
}

enum smtp_state smtp_on_auth(struct smtp_session *s, const struct reply *r)
{
	const char *name = auth_mech_name(s->auth->mech);

	if (err_is_set(&s->err))            /* we cancelled with "*" */
		return SMTP_QUIT_NOWAIT;
	if (r->code == 334) {
		/* Our next lines are already MAIL, RCPT, DATA: a challenge now
		 * cannot be answered. */
		if (s->auth_pipelined)
			return smtp_fail(s, r, ERR_PROTOCOL,
					 "a 334 challenge to AUTH PLAIN with its initial response (RFC 4954 4)");
		if (r->nlines != 1)
			return smtp_fail(s, r, ERR_PROTOCOL, "a 334 challenge must be one line");
		snprintf(s->challenge, sizeof s->challenge, "%s", r->lines[0]);
		return SMTP_AUTH_STEP;
	}
	if (r->code == 235) {
		if (auth_expects_refusal(s->auth))
			return smtp_fail(s, r, ERR_PROTOCOL,
					 "%s: the server accepted the login after an error challenge (RFC 7628 3.2.3)",
					 name);
		if ((s->auth->mech == AUTH_SCRAM_SHA_1 || s->auth->mech == AUTH_SCRAM_SHA_256)
		    && !auth_server_verified(s->auth))
			return smtp_fail(s, r, ERR_AUTH,
					 "%s: the server accepted us without proving it knows the password (RFC 5802 server signature missing)",
					 name);
		s->authenticated = true;
		out_info(s->out, 0, "authenticated as %s with %s", s->pol->auth.user, name);
		auth_free(s->auth);
		return SMTP_ADVANCE;
	}
	if (r->code == 421 || reply_class(r) == 4)
		return smtp_fail_unexpected(s, r, "to AUTH");
	if (reply_class(r) == 5)
		return smtp_fail(s, r, ERR_AUTH, "authentication with %s refused", name);
	return smtp_fail(s, r, ERR_PROTOCOL, "reply code %d makes no sense to AUTH", r->code);
}
