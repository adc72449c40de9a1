/* auth_scram.c - SASL SCRAM (RFC 5802 with SHA-1, RFC 7677 with SHA-256),
 * without channel binding: the client-first message, the proof answering
 * the server-first message, and the check of the server's signature. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE         /* explicit_bzero, strdup */
#endif

#include "auth_int.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#define AUTH_HASH_MAX 64        /* sizeof struct auth.server_key */
#define AUTH_NONCE_BYTES 24
/* RFC 5802 5.1 asks for at least 4096 but servers configured lower exist and
 * are the user's business; above this a server could make us spin for
 * minutes in PBKDF2.  The fuzz build (scripts/fuzz) lowers it, so that
 * one input costs milliseconds. */
#ifndef AUTH_SCRAM_MAX_ITER
#define AUTH_SCRAM_MAX_ITER 10000000UL
#endif

static bool auth_is_scram(enum auth_mech m)
{
	return m == AUTH_SCRAM_SHA_1 || m == AUTH_SCRAM_SHA_256;
}

static gnutls_mac_algorithm_t auth_scram_mac(const struct auth *a)
{
	return a->mech == AUTH_SCRAM_SHA_1 ? GNUTLS_MAC_SHA1 : GNUTLS_MAC_SHA256;
}

static gnutls_digest_algorithm_t auth_scram_digest(const struct auth *a)
{
	return a->mech == AUTH_SCRAM_SHA_1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
}

/* RFC 5802 7: printable = %x21-2B / %x2D-7E, the characters of a nonce. */
static bool auth_scram_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return false;
	return true;
}

/* RFC 5802 5.1 and 7: client-first-message = gs2-header client-first-bare;
 * gs2-header "n,," says we support no channel binding and send no authzid. */
static int auth_scram_first(struct auth *a, const char *nonce, char **initial, struct err *e)
{
	char *name = auth_saslname(a->user);
	if (!name)
		return auth_nomem(e);
	a->client_nonce = strdup(nonce);
	a->client_first_bare = auth_join("n=", name, ",r=", nonce, (char *)NULL);
	free(name);
	if (!a->client_nonce || !a->client_first_bare)
		return auth_nomem(e);
	char *msg = auth_join("n,,", a->client_first_bare, (char *)NULL);
	if (!msg)
		return auth_nomem(e);
	int r = auth_b64_string(msg, initial, e);
	free(msg);
	return r;
}

int auth_scram_begin(struct auth *a, char **initial, struct err *e)
{
	a->hash_len = a->mech == AUTH_SCRAM_SHA_1 ? 20 : 32;
	/* RFC 5802 5.1: the nonce must not be guessable by the server. */
	unsigned char raw[AUTH_NONCE_BYTES];
	int r = gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw);
	if (r < 0)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: random nonce: %s",
			       auth_mech_name(a->mech), gnutls_strerror(r));
	/* 24 octets make 32 base64 characters and no '=' or ','. */
	char *nonce = text_b64_encode(raw, sizeof raw);
	if (!nonce)
		return auth_nomem(e);
	r = auth_scram_first(a, nonce, initial, e);
	free(nonce);
	return r;
}

int auth_scram_set_nonce(struct auth *a, const char *nonce, char **initial, struct err *e)
{
	if (!auth_is_scram(a->mech) || a->step != 1)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "nonce can only be set right after a SCRAM begin");
	if (!*nonce || !auth_scram_printable(nonce, strlen(nonce)))
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "invalid SCRAM nonce");
	auth_wipe_free(a->client_nonce);
	auth_wipe_free(a->client_first_bare);
	a->client_nonce = a->client_first_bare = NULL;
	return auth_scram_first(a, nonce, initial, e);
}

/* One attribute "x=value" of a SCRAM message: the value runs to the next
 * ',' or the end.  Returns false when the attribute is not x. */
static bool auth_scram_attr(const char **p, const char *end, char name,
			    const char **value, size_t *vlen)
{
	const char *s = *p;
	if (end - s < 2 || s[0] != name || s[1] != '=')
		return false;
	s += 2;
	const char *v = s;
	while (s < end && *s != ',')
		s++;
	*value = v;
	*vlen = (size_t)(s - v);
	*p = s < end ? s + 1 : s;
	return true;
}

/* RFC 5802 7: server-error = "e=" server-error-value.  Servers send it in
 * place of server-final (or, against the grammar, of server-first). */
static int auth_scram_server_error(struct auth *a, const char *msg, size_t len, struct err *e)
{
	const char *v;
	size_t vlen;
	const char *p = msg;
	if (!auth_scram_attr(&p, msg + len, 'e', &v, &vlen))
		return 0;
	char quoted[256];
	text_escape(v, vlen < 200 ? vlen : 200, quoted, sizeof quoted);
	return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: server error \"%s\"", auth_mech_name(a->mech), quoted);
}

/* Parsed server-first-message (RFC 5802 7): pointers into the message. */
struct auth_scram_first_msg {
	const char *nonce;
	size_t nonce_len;
	unsigned char *salt;            /* decoded, allocated */
	size_t salt_len;
	unsigned iterations;
};

static int auth_scram_parse_first(struct auth *a, const char *msg, size_t len,
				  struct auth_scram_first_msg *sf, struct err *e)
{
	const char *mech = auth_mech_name(a->mech);
	const char *p = msg, *end = msg + len, *v;
	size_t vlen;
	/* RFC 5802 5.1: m= is a mandatory extension we cannot know; the
	 * client must fail rather than skip it. */
	if (auth_scram_attr(&p, end, 'm', &v, &vlen))
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: server requires an unsupported extension (m=)", mech);
	if (!auth_scram_attr(&p, end, 'r', &sf->nonce, &sf->nonce_len))
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: server-first message has no nonce (r=)", mech);
	/* RFC 5802 5.1: the server appends its part to our nonce; one that does
	 * not start with ours answers somebody else's exchange. */
	size_t cn = strlen(a->client_nonce);
	if (sf->nonce_len <= cn || memcmp(sf->nonce, a->client_nonce, cn) != 0)
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: server nonce does not extend the client nonce", mech);
	if (!auth_scram_printable(sf->nonce, sf->nonce_len))
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: server nonce has invalid characters", mech);
	if (!auth_scram_attr(&p, end, 's', &v, &vlen))
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: server-first message has no salt (s=)", mech);
	sf->salt = vlen ? text_b64_decode(v, vlen, &sf->salt_len) : NULL;
	if (!sf->salt)
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: salt is not valid base64", mech);
	if (!auth_scram_attr(&p, end, 'i', &v, &vlen))
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: server-first message has no iteration count (i=)", mech);
	unsigned long n = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: invalid iteration count", mech);
		if (n <= AUTH_SCRAM_MAX_ITER)
			n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (vlen == 0)
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: invalid iteration count", mech);
	if (n < 1 || n > AUTH_SCRAM_MAX_ITER) {
		char quoted[64];
		text_escape(v, vlen < 20 ? vlen : 20, quoted, sizeof quoted);
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: unreasonable iteration count %s%s",
			       mech, quoted, vlen > 20 ? "..." : "");
	}
	sf->iterations = (unsigned)n;
	/* RFC 5802 7: anything after is ["," extensions], which we may ignore;
	 * but it must at least look like attr=value. */
	while (p < end) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) ||
		    !auth_scram_attr(&p, end, *p, &v, &vlen))
			return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: malformed server-first message", mech);
	}
	if (end[-1] == ',')
		return err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: malformed server-first message", mech);
	return 0;
}

/* RFC 5802 3: SaltedPassword, ClientKey, StoredKey, ClientSignature,
 * ClientProof and ServerKey.  Fills proof and a->server_key. */
static int auth_scram_keys(struct auth *a, const struct auth_scram_first_msg *sf,
			   unsigned char *proof, struct err *e)
{
	gnutls_mac_algorithm_t mac = auth_scram_mac(a);
	size_t h = a->hash_len;
	unsigned char salted[AUTH_HASH_MAX], client_key[AUTH_HASH_MAX];
	unsigned char stored_key[AUTH_HASH_MAX], client_sig[AUTH_HASH_MAX];
	/* No SASLprep (RFC 4013) of the password either: it is hashed as
	 * given, which is what a preparing server computes for plain ASCII. */
	gnutls_datum_t key = {(unsigned char *)a->secret, (unsigned)strlen(a->secret)};
	gnutls_datum_t salt = {sf->salt, (unsigned)sf->salt_len};
	const char *what = "PBKDF2";
	int r = gnutls_pbkdf2(mac, &key, &salt, sf->iterations, salted, h);
	if (r >= 0) {
		what = "HMAC";
		r = gnutls_hmac_fast(mac, salted, h, "Client Key", 10, client_key);
	}
	if (r >= 0)
		r = gnutls_hash_fast(auth_scram_digest(a), client_key, h, stored_key);
	if (r >= 0)
		r = gnutls_hmac_fast(mac, stored_key, h, a->auth_message, strlen(a->auth_message), client_sig);
	if (r >= 0)
		r = gnutls_hmac_fast(mac, salted, h, "Server Key", 10, a->server_key);
	if (r >= 0)
		for (size_t i = 0; i < h; i++)
			proof[i] = client_key[i] ^ client_sig[i];
	explicit_bzero(salted, sizeof salted);
	explicit_bzero(client_key, sizeof client_key);
	explicit_bzero(stored_key, sizeof stored_key);
	explicit_bzero(client_sig, sizeof client_sig);
	if (r < 0)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: %s: %s", auth_mech_name(a->mech), what,
			       gnutls_strerror(r));
	return 0;
}

/* Answer server-first with client-final (RFC 5802 3 and 7):
 * "c=biws,r=" nonce ",p=" base64(ClientProof); "biws" is base64("n,,"). */
static int auth_scram_final(struct auth *a, const char *msg, size_t len, char **response, struct err *e)
{
	struct auth_scram_first_msg sf = {0};
	if (auth_scram_parse_first(a, msg, len, &sf, e) < 0) {
		free(sf.salt);
		return -1;
	}
	char *without_proof = malloc(9 + sf.nonce_len + 1);
	if (!without_proof) {
		free(sf.salt);
		return auth_nomem(e);
	}
	memcpy(without_proof, "c=biws,r=", 9);
	memcpy(without_proof + 9, sf.nonce, sf.nonce_len);
	without_proof[9 + sf.nonce_len] = '\0';
	/* RFC 5802 3: AuthMessage = client-first-bare "," server-first ","
	 * client-final-without-proof; msg has no NUL (checked by the caller). */
	a->auth_message = auth_join(a->client_first_bare, ",", msg, ",", without_proof, (char *)NULL);
	if (!a->auth_message) {
		free(sf.salt);
		free(without_proof);
		return auth_nomem(e);
	}
	unsigned char proof[AUTH_HASH_MAX];
	int r = auth_scram_keys(a, &sf, proof, e);
	free(sf.salt);
	if (r < 0) {
		free(without_proof);
		return -1;
	}
	char *proof64 = text_b64_encode(proof, a->hash_len);
	explicit_bzero(proof, sizeof proof);
	char *final = proof64 ? auth_join(without_proof, ",p=", proof64, (char *)NULL) : NULL;
	free(without_proof);
	auth_wipe_free(proof64);
	if (!final)
		return auth_nomem(e);
	return auth_b64_secret((unsigned char *)final, strlen(final), response, e);
}

/* RFC 5802 3: the server proves it knows the password (or its ServerKey)
 * by sending v=base64(HMAC(ServerKey, AuthMessage)). */
static int auth_scram_verify(struct auth *a, const char *msg, size_t len, struct err *e)
{
	const char *mech = auth_mech_name(a->mech);
	const char *p = msg, *v;
	size_t vlen, slen;
	if (!auth_scram_attr(&p, msg + len, 'v', &v, &vlen))
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: server-final message has no signature (v=)", mech);
	unsigned char *sig = text_b64_decode(v, vlen, &slen);
	if (!sig)
		return err_set(e, ERR_AUTH, AUTH_STAGE, "%s: server signature is not valid base64", mech);
	unsigned char expect[AUTH_HASH_MAX];
	int r = gnutls_hmac_fast(auth_scram_mac(a), a->server_key, a->hash_len,
				 a->auth_message, strlen(a->auth_message), expect);
	/* Constant time, so timing tells nothing about where a forged
	 * signature first differs. */
	bool ok = r >= 0 && slen == a->hash_len && gnutls_memcmp(sig, expect, a->hash_len) == 0;
	explicit_bzero(expect, sizeof expect);
	free(sig);
	if (r < 0)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: HMAC: %s", mech, gnutls_strerror(r));
	if (!ok)
		return err_set(e, ERR_AUTH, AUTH_STAGE,
			       "%s: server signature does not verify: the server does not know the password", mech);
	a->server_verified = true;
	return 0;
}

int auth_scram_step(struct auth *a, const char *msg, size_t len, char **response, struct err *e)
{
	const char *mech = auth_mech_name(a->mech);
	if (a->step < 1 || a->step > 2 || !a->client_first_bare)
		return err_set(e, ERR_INTERNAL, AUTH_STAGE, "%s: no exchange in progress", mech);
	int r;
	if (memchr(msg, '\0', len))
		r = err_set(e, ERR_PROTOCOL, AUTH_STAGE, "%s: challenge contains a NUL octet", mech);
	else if (auth_scram_server_error(a, msg, len, e) < 0)
		r = -1;
	else if (a->step == 1)
		r = auth_scram_final(a, msg, len, response, e);
	else if ((r = auth_scram_verify(a, msg, len, e)) == 0)
		r = auth_b64_string("", response, e);   /* RFC 4954 4: empty answer */
	return r;
}
