/* auth.h - SASL client mechanisms for SMTP AUTH (RFC 4954).  Pure: no I/O;
 * the session sends what these produce and feeds back what the server says. */
#ifndef SMTPKIT_AUTH_H
#define SMTPKIT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum auth_mech {
	AUTH_SCRAM_SHA_256,             /* RFC 7677 */
	AUTH_SCRAM_SHA_1,               /* RFC 5802 */
	AUTH_CRAM_MD5,                  /* RFC 2195 */
	AUTH_PLAIN,                     /* RFC 4616 */
	AUTH_LOGIN,                     /* draft-murchison-sasl-login */
	AUTH_XOAUTH2,                   /* Google/Microsoft */
	AUTH_OAUTHBEARER,               /* RFC 7628 */
	AUTH_MECH_COUNT,
};

/* "SCRAM-SHA-256" etc; AUTH_MECH_COUNT when unknown (case-insensitive). */
enum auth_mech auth_mech_from_name(const char *name);
const char *auth_mech_name(enum auth_mech m);
/* Every mechanism in the default order of preference (SPEC 3): strongest
 * first.  XOAUTH2 and OAUTHBEARER are last and take a token, not a password:
 * the caller skips them unless --oauth-token-command is given. */
extern const enum auth_mech auth_preference[AUTH_MECH_COUNT];

struct auth {
	enum auth_mech mech;
	const char *user;
	const char *secret;             /* password or OAuth token; not owned */
	const char *host;               /* for OAUTHBEARER's host= and port= */
	int port;
	int step;
	int challenges;                 /* 334 challenges answered */
	/* SCRAM state */
	char *client_nonce;
	char *client_first_bare;
	char *auth_message;
	unsigned char server_key[64];
	size_t hash_len;
	bool server_verified;           /* SCRAM: server signature checked */
};

/* Begin: *initial is the base64 initial response to put on the AUTH line
 * (RFC 4954 4), or NULL when the mechanism waits for a challenge.  a need not
 * be initialised; call auth_free(a) afterwards whether this succeeds or not.
 * *initial and every *response may carry credentials: release them with
 * auth_wipe_free(). */
int auth_begin(struct auth *a, enum auth_mech mech, const char *user, const char *secret,
	       const char *host, int port, char **initial, struct err *e);
/* Answer a 334 challenge (base64 text after "334 ").  *response is the
 * base64 line to send (possibly ""), allocated.  On an error the caller
 * sends "*" to cancel (RFC 4954 4) and nothing else: ERR_PROTOCOL when the
 * server broke the exchange (a challenge that is not base64, or one past
 * the mechanism's last step, or a malformed SCRAM message), ERR_AUTH when
 * the login failed (a SCRAM server error or a signature that does not
 * verify). */
int auth_step(struct auth *a, const char *challenge, char **response, struct err *e);
/* After 235: for SCRAM, true only if the server proved it knows the
 * password (its signature arrived and verified). */
bool auth_server_verified(const struct auth *a);
/* After an OAuth error challenge (RFC 7628 3.2.3) the exchange can only
 * end in a refusal: a 235 then is the server breaking the protocol. */
bool auth_expects_refusal(const struct auth *a);
/* Wipe and free everything. */
void auth_free(struct auth *a);
/* Overwrite a NUL-terminated string with zeros, then free it (NULL is fine). */
void auth_wipe_free(char *s);

/* Tests only (RFC 5802 5 and RFC 7677 3 vectors): after auth_begin of a SCRAM
 * mechanism, replace the random client nonce with nonce (printable ASCII, no
 * ',') and put the new client-first message in *initial; the one auth_begin
 * returned stays the caller's to free. */
int auth_scram_set_nonce(struct auth *a, const char *nonce, char **initial, struct err *e);

#endif
