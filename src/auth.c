/* auth.c - SASL client mechanisms (RFC 4954): PLAIN, LOGIN, CRAM-MD5, OAuth;
 * the choice of mechanism and the steps of each.  SCRAM is auth_scram.c. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE         /* explicit_bzero */
#endif

#include "auth_int.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

static const char *const auth_names[AUTH_MECH_COUNT] = {
	[AUTH_SCRAM_SHA_256] = "SCRAM-SHA-256",
	[AUTH_SCRAM_SHA_1] = "SCRAM-SHA-1",
	[AUTH_CRAM_MD5] = "CRAM-MD5",
	[AUTH_PLAIN] = "PLAIN",
	[AUTH_LOGIN] = "LOGIN",
	[AUTH_XOAUTH2] = "XOAUTH2",
	[AUTH_OAUTHBEARER] = "OAUTHBEARER",
};

/* Challenge-response and SCRAM never put the password on the wire, so they
 * come first; PLAIN before LOGIN because it is standard and one round trip.
 * The OAuth ones need a token, so the caller filters them out unless a token
 * command was given (SPEC 3). */
const enum auth_mech auth_preference[AUTH_MECH_COUNT] = {
	AUTH_SCRAM_SHA_256,
	AUTH_SCRAM_SHA_1,
	AUTH_CRAM_MD5,
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER,
};

enum auth_mech auth_mech_from_name(const char *name)
{
	for (int m = 0; m < AUTH_MECH_COUNT; m++)
		/* Mechanism names are ASCII (RFC 4422 3.1). */
		if (name && text_casecmp(name, auth_names[m]) == 0)
			return (enum auth_mech)m;
	return AUTH_MECH_COUNT;
}

const char *auth_mech_name(enum auth_mech m)
{
	return ((int)m >= 0 && m < AUTH_MECH_COUNT) ? auth_names[m] : "unknown";
}

/* ---- memory ---- */

static void auth_wipe_free_n(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

void auth_wipe_free(char *s)
{
	if (s)
		auth_wipe_free_n(s, strlen(s));
}

int auth_nomem(struct err *e)
{
	return err_set(e, ERR_INTERNAL, AUTH_STAGE, "out of memory");
}

char *auth_join(const char *first, ...)
{
	va_list ap;
	size_t len = 0;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	char *p = out;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);
		memcpy(p, s, n);
		p += n;
	}
	va_end(ap);
	*p = '\0';
	return out;
}

/* ---- responses in base64 (RFC 4954 4) ---- */

int auth_b64_secret(unsigned char *buf, size_t len, char **out, struct err *e)
{
	*out = text_b64_encode(buf, len);
	auth_wipe_free_n(buf, len);
	return *out ? 0 : auth_nomem(e);
}

int auth_b64_string(const char *s, char **out, struct err *e)
{
	*out = text_b64_encode((const unsigned char *)s, strlen(s));
	return *out ? 0 : auth_nomem(e);
}

/* ---- PLAIN, XOAUTH2, OAUTHBEARER: everything in the initial response ---- */

/* RFC 4616 2: message = [authzid] NUL authcid NUL passwd; no authzid, so
 * the server derives it from the user name. */
static int auth_plain_initial(struct auth *a, char **initial, struct err *e)
{
	size_t ulen = strlen(a->user), plen = strlen(a->secret);
	size_t len = 1 + ulen + 1 + plen;
	unsigned char *buf = malloc(len);
	if (!buf)
		return auth_nomem(e);
	buf[0] = '\0';
	memcpy(buf + 1, a->user, ulen);
	buf[1 + ulen] = '\0';
	memcpy(buf + 2 + ulen, a->secret, plen);
	return auth_b64_secret(buf, len, initial, e);
}

/* The OAuth formats separate fields with ^A, so one inside a field would
 * let its value forge the next field. */
static int auth_check_no_ctrl_a(struct auth *a, struct err *e)
{
	if (strchr(a->user, '\x01') || strchr(a->secret, '\x01') ||
	    (a->host && strchr(a->host, '\x01')))
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: user name or token contains a control character",
			       auth_mech_name(a->mech));
	return 0;
}

/* Google's and Microsoft's XOAUTH2 documentation:
 * "user=" user ^A "auth=Bearer " token ^A ^A. */
static int auth_xoauth2_initial(struct auth *a, char **initial, struct err *e)
{
	if (auth_check_no_ctrl_a(a, e) < 0)
		return -1;
	char *msg = auth_join("user=", a->user, "\x01" "auth=Bearer ", a->secret, "\x01\x01", (char *)NULL);
	if (!msg)
		return auth_nomem(e);
	return auth_b64_secret((unsigned char *)msg, strlen(msg), initial, e);
}

char *auth_saslname(const char *user)
{
	size_t n = 0;
	for (const char *s = user; *s; s++)
		n += (*s == ',' || *s == '=') ? 3 : 1;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	char *p = out;
	for (const char *s = user; *s; s++) {
		if (*s == ',') {
			memcpy(p, "=2C", 3);
			p += 3;
		} else if (*s == '=') {
			memcpy(p, "=3D", 3);
			p += 3;
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return out;
}

/* RFC 7628 3.1: gs2-header "n,a=" authzid "," then kvpairs, each ended by
 * ^A, and a final ^A.  host and port are sent because RFC 7628 3.1 says
 * they SHOULD be. */
static int auth_oauthbearer_initial(struct auth *a, char **initial, struct err *e)
{
	if (auth_check_no_ctrl_a(a, e) < 0)
		return -1;
	char *authzid = auth_saslname(a->user);
	if (!authzid)
		return auth_nomem(e);
	char port[16] = "";
	if (a->port > 0)
		snprintf(port, sizeof port, "%d", a->port);
	bool has_host = a->host && *a->host;
	char *msg = auth_join("n,", *authzid ? "a=" : "", authzid, ",\x01",
			      has_host ? "host=" : "", has_host ? a->host : "", has_host ? "\x01" : "",
			      *port ? "port=" : "", port, *port ? "\x01" : "",
			      "auth=Bearer ", a->secret, "\x01\x01", (char *)NULL);
	free(authzid);
	if (!msg)
		return auth_nomem(e);
	return auth_b64_secret((unsigned char *)msg, strlen(msg), initial, e);
}

/* ---- CRAM-MD5, RFC 2195 ---- */

static int auth_cram_md5(struct auth *a, const unsigned char *c, size_t clen, char **response,
			 struct err *e)
{
	/* RFC 2195 2 makes it a msg-id "<...>"; any non-empty text is hashed the
	 * same way, so only emptiness (nothing to make the answer fresh) fails. */
	if (clen == 0)
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "CRAM-MD5: empty challenge (RFC 2195 2)");
	unsigned char digest[16];
	int r = gnutls_hmac_fast(GNUTLS_MAC_MD5, a->secret, strlen(a->secret), c, clen, digest);
	if (r < 0)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "CRAM-MD5: HMAC-MD5: %s", gnutls_strerror(r));
	/* RFC 2195 2: user name, one space, the digest in lowercase hex. */
	char hex[33];
	text_hex(digest, sizeof digest, hex, sizeof hex);
	explicit_bzero(digest, sizeof digest);
	char *msg = auth_join(a->user, " ", hex, (char *)NULL);
	explicit_bzero(hex, sizeof hex);
	if (!msg)
		return auth_nomem(e);
	return auth_b64_secret((unsigned char *)msg, strlen(msg), response, e);
}

/* ---- the interface ---- */

int auth_begin(struct auth *a, enum auth_mech mech, const char *user, const char *secret,
	       const char *host, int port, char **initial, struct err *e)
{
	memset(a, 0, sizeof *a);
	*initial = NULL;
	a->mech = mech;
	a->user = user;
	a->secret = secret;
	a->host = host;
	a->port = port;
	if ((int)mech < 0 || mech >= AUTH_MECH_COUNT)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "unknown mechanism");
	if (!user || !*user)
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: no user name given", auth_mech_name(mech));
	if (!secret)
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: no %s given", auth_mech_name(mech),
			       mech == AUTH_XOAUTH2 || mech == AUTH_OAUTHBEARER ? "token" : "password");
	int r = 0;
	switch (mech) {
	case AUTH_SCRAM_SHA_256:
	case AUTH_SCRAM_SHA_1:
		r = auth_scram_begin(a, initial, e);
		break;
	case AUTH_PLAIN:
		r = auth_plain_initial(a, initial, e);
		break;
	case AUTH_XOAUTH2:
		r = auth_xoauth2_initial(a, initial, e);
		break;
	case AUTH_OAUTHBEARER:
		r = auth_oauthbearer_initial(a, initial, e);
		break;
	case AUTH_CRAM_MD5:
	case AUTH_LOGIN:
	case AUTH_MECH_COUNT:           /* refused above */
		return 0;               /* RFC 2195, LOGIN: the server speaks first */
	}
	if (r < 0) {
		auth_wipe_free(*initial);
		*initial = NULL;
		return -1;
	}
	a->step = 1;
	return 0;
}

/* How many challenges each mechanism answers; one more is a server that
 * goes on past the end of the exchange (RFC 4954 4). */
static const int auth_challenges[AUTH_MECH_COUNT] = {
	[AUTH_SCRAM_SHA_256] = 2,       /* server-first, server-final */
	[AUTH_SCRAM_SHA_1] = 2,
	[AUTH_CRAM_MD5] = 1,            /* RFC 2195 2 */
	[AUTH_PLAIN] = 0,               /* all in the initial response */
	[AUTH_LOGIN] = 2,               /* user name, password */
	[AUTH_XOAUTH2] = 1,             /* the error challenge */
	[AUTH_OAUTHBEARER] = 1,         /* RFC 7628 3.2.3 */
};

int auth_step(struct auth *a, const char *challenge, char **response, struct err *e)
{
	const char *mech = auth_mech_name(a->mech);
	*response = NULL;
	if (!a->user || !a->secret || (int)a->mech < 0 || a->mech >= AUTH_MECH_COUNT)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: no exchange in progress", mech);
	/* Both checks come before any answer, so a server breaking the
	 * exchange is never sent a secret after it. */
	if (a->challenges >= auth_challenges[a->mech])
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE,
			       "%s: a challenge after the last step of the exchange (RFC 4954 4)", mech);
	size_t len;
	unsigned char *data = text_b64_decode(challenge, strlen(challenge), &len);
	if (!data)
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE,
			       "%s: the server's challenge is not valid base64 (RFC 4954 4)", mech);
	int r;
	switch (a->mech) {
	case AUTH_SCRAM_SHA_256:
	case AUTH_SCRAM_SHA_1:
		r = auth_scram_step(a, (const char *)data, len, response, e);
		break;
	case AUTH_CRAM_MD5:
		r = auth_cram_md5(a, data, len, response, e);
		break;
	case AUTH_LOGIN:
		/* The prompts are "Username:" and "Password:" by convention only
		 * and some servers localise them: answer by position. */
		r = auth_b64_string(a->challenges == 0 ? a->user : a->secret, response, e);
		break;
	case AUTH_XOAUTH2:
		/* A challenge after the token carries a base64 JSON error; the
		 * exchange ends when we answer empty and the 5xx comes. */
		r = auth_b64_string("", response, e);
		break;
	case AUTH_OAUTHBEARER:
		/* RFC 7628 3.2.3: after an error challenge the client sends the
		 * dummy response ^A and the server then fails the exchange. */
		r = auth_b64_string("\x01", response, e);
		break;
	case AUTH_PLAIN:                /* no challenge: refused above */
	case AUTH_MECH_COUNT:
	default:
		r = err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: no exchange in progress", mech);
		break;
	}
	free(data);
	if (r < 0) {
		auth_wipe_free(*response);
		*response = NULL;
		return -1;
	}
	a->step++;
	a->challenges++;
	return 0;
}

bool auth_expects_refusal(const struct auth *a)
{
	return (a->mech == AUTH_XOAUTH2 || a->mech == AUTH_OAUTHBEARER) && a->challenges > 0;
}

bool auth_server_verified(const struct auth *a)
{
	return a->server_verified;
}

void auth_free(struct auth *a)
{
	auth_wipe_free(a->client_nonce);
	auth_wipe_free(a->client_first_bare);
	auth_wipe_free(a->auth_message);
	explicit_bzero(a, sizeof *a);
}
