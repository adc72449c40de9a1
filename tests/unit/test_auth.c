/* test_auth.c - SASL mechanisms against the RFC examples and hostile servers. */
#include "auth.h"
#include "check.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

static char *b64(const char *s)
{
	return text_b64_encode((const unsigned char *)s, strlen(s));
}

/* Does base64 text decode to exactly these len octets? */
static int decodes_to(const char *text, const char *want, size_t len)
{
	size_t n;
	unsigned char *d = text ? text_b64_decode(text, strlen(text), &n) : NULL;
	int ok = d && n == len && memcmp(d, want, len) == 0;
	if (d && !ok)
		fprintf(stderr, "  decoded: %.*s\n", (int)n, (const char *)d);
	free(d);
	return ok;
}

static int decodes_to_str(const char *text, const char *want)
{
	return decodes_to(text, want, strlen(want));
}

/* Feed one plain-text challenge; returns auth_step's result. */
static int step(struct auth *a, const char *challenge, char **response, struct err *e)
{
	char *c = b64(challenge);
	int r = auth_step(a, c, response, e);
	free(c);
	return r;
}

static int valid_b64(const char *text)
{
	size_t n;
	unsigned char *d = text_b64_decode(text, strlen(text), &n);
	free(d);
	return d != NULL;
}

static void test_base64(void)
{
	/* RFC 4648 10 */
	static const char *const vec[][2] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		char *enc = b64(vec[i][0]);
		CHECK(enc && strcmp(enc, vec[i][1]) == 0);
		free(enc);
		CHECK(decodes_to_str(vec[i][1], vec[i][0]));
	}
	size_t n = 99;
	unsigned char *d = text_b64_decode("", 0, &n);
	CHECK(d != NULL && n == 0);
	free(d);

	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t len = 0; len <= sizeof all; len += 1) {
		char *enc = text_b64_encode(all, len);
		CHECK(enc && strlen(enc) == (len + 2) / 3 * 4);
		CHECK(decodes_to(enc, (const char *)all, len));
		free(enc);
	}

	CHECK(!valid_b64("Zg"));            /* no padding */
	CHECK(!valid_b64("Zg="));           /* short padding */
	CHECK(!valid_b64("Z==="));
	CHECK(!valid_b64("===="));
	CHECK(!valid_b64("Zh=="));          /* stray bits under the padding */
	CHECK(!valid_b64("Zm9=")); CHECK(valid_b64("Zm8="));
	CHECK(!valid_b64("Zg==Zm9v"));      /* padding in the middle */
	CHECK(!valid_b64("Zm=v"));
	CHECK(!valid_b64("Zm9v\n"));
	CHECK(!valid_b64("Zm 9v"));
	CHECK(!valid_b64("Zm9*"));
	CHECK(!valid_b64("Zm9v-_=="));      /* base64url is another alphabet */
}

static void test_names(void)
{
	CHECK(auth_mech_from_name("scram-sha-256") == AUTH_SCRAM_SHA_256);
	CHECK(auth_mech_from_name("Scram-Sha-1") == AUTH_SCRAM_SHA_1);
	CHECK(auth_mech_from_name("cram-md5") == AUTH_CRAM_MD5);
	CHECK(auth_mech_from_name("PLAIN") == AUTH_PLAIN);
	CHECK(auth_mech_from_name("login") == AUTH_LOGIN);
	CHECK(auth_mech_from_name("xoauth2") == AUTH_XOAUTH2);
	CHECK(auth_mech_from_name("OAuthBearer") == AUTH_OAUTHBEARER);
	CHECK(auth_mech_from_name("PLAI") == AUTH_MECH_COUNT);
	CHECK(auth_mech_from_name("PLAINX") == AUTH_MECH_COUNT);
	CHECK(auth_mech_from_name("") == AUTH_MECH_COUNT);
	CHECK(auth_mech_from_name("SCRAM-SHA-256-PLUS") == AUTH_MECH_COUNT);
	CHECK(auth_mech_from_name("pla\xc4\xb1n") == AUTH_MECH_COUNT);   /* dotless i */
	for (int m = 0; m < AUTH_MECH_COUNT; m++)
		CHECK(auth_mech_from_name(auth_mech_name((enum auth_mech)m)) == (enum auth_mech)m);

	static const enum auth_mech want[AUTH_MECH_COUNT] = {
		AUTH_SCRAM_SHA_256, AUTH_SCRAM_SHA_1, AUTH_CRAM_MD5, AUTH_PLAIN,
		AUTH_LOGIN, AUTH_XOAUTH2, AUTH_OAUTHBEARER,
	};
	CHECK(memcmp(auth_preference, want, sizeof want) == 0);
}

static void test_plain(void)
{
	struct auth a;
	struct err e = {0};
	char *init = NULL, *resp = NULL;
	CHECK(auth_begin(&a, AUTH_PLAIN, "tim", "tanstaaf", NULL, 0, &init, &e) == 0);
	CHECK(init && strcmp(init, "AHRpbQB0YW5zdGFhZg==") == 0);   /* "\0tim\0tanstaaf" */
	CHECK(decodes_to(init, "\0tim\0tanstaaf", 13));
	/* RFC 4954 4: nothing follows the initial response; even an empty
	 * challenge is the server going past the end (76), never answered. */
	CHECK(auth_step(&a, "", &resp, &e) == -1 && e.cause == ERR_PROTOCOL && resp == NULL);
	auth_wipe_free(init);
	auth_free(&a);

	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_PLAIN, "", "x", NULL, 0, &init, &e) == -1 && e.cause == ERR_AUTH);
	CHECK(init == NULL);
	auth_free(&a);
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_PLAIN, "tim", NULL, NULL, 0, &init, &e) == -1 && e.cause == ERR_AUTH);
	auth_free(&a);
}

static void test_login(void)
{
	struct auth a;
	struct err e = {0};
	char *init = (char *)"unset", *resp = NULL;
	CHECK(auth_begin(&a, AUTH_LOGIN, "tim", "tanstaaf", NULL, 0, &init, &e) == 0);
	CHECK(init == NULL);
	/* Answered by position, whatever the prompt says. */
	CHECK(auth_step(&a, "UGFzc3dvcmQ6", &resp, &e) == 0);     /* "Password:" */
	CHECK(decodes_to_str(resp, "tim"));
	auth_wipe_free(resp);
	CHECK(auth_step(&a, "", &resp, &e) == 0);
	CHECK(decodes_to_str(resp, "tanstaaf"));
	auth_wipe_free(resp);
	/* A third challenge: past the last step (76), not answered. */
	resp = (char *)"unset";
	CHECK(auth_step(&a, "VXNlcm5hbWU6", &resp, &e) == -1 && e.cause == ERR_PROTOCOL && resp == NULL);
	auth_free(&a);

	/* A prompt that is not base64 gets no password (RFC 4954 4). */
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_LOGIN, "tim", "tanstaaf", NULL, 0, &init, &e) == 0);
	CHECK(auth_step(&a, "VXNlcm5hbWU6", &resp, &e) == 0);
	auth_wipe_free(resp);
	resp = (char *)"unset";
	CHECK(auth_step(&a, "Password:", &resp, &e) == -1 && e.cause == ERR_PROTOCOL && resp == NULL);
	auth_free(&a);
}

static void test_cram_md5(void)
{
	struct auth a;
	struct err e = {0};
	char *init = (char *)"unset", *resp = NULL;
	/* RFC 2195 2 example */
	CHECK(auth_begin(&a, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL, 0, &init, &e) == 0);
	CHECK(init == NULL);
	CHECK(step(&a, "<1896.697170952@postoffice.reston.mci.net>", &resp, &e) == 0);
	CHECK(decodes_to_str(resp, "tim b913a602c7eda7a495b4e6e7334d3890"));
	auth_wipe_free(resp);
	CHECK(step(&a, "<again@example>", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);

	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_CRAM_MD5, "tim", "x", NULL, 0, &init, &e) == 0);
	CHECK(auth_step(&a, "PDE4OTYu*", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_CRAM_MD5, "tim", "x", NULL, 0, &init, &e) == 0);
	CHECK(auth_step(&a, "", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);
}

static void test_oauth(void)
{
	struct auth a;
	struct err e = {0};
	char *init = NULL, *resp = NULL;
	/* Google's XOAUTH2 protocol page example */
	CHECK(auth_begin(&a, AUTH_XOAUTH2, "someuser@example.com",
			 "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", "smtp.example.com", 587,
			 &init, &e) == 0);
	CHECK(init && strcmp(init, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRj"
			     "Mk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==") == 0);
	auth_wipe_free(init);
	/* An error challenge is answered empty so the 5xx follows. */
	CHECK(step(&a, "{\"status\":\"401\",\"schemes\":\"Bearer\"}", &resp, &e) == 0);
	CHECK(resp && strcmp(resp, "") == 0);
	auth_wipe_free(resp);
	CHECK(auth_expects_refusal(&a));
	CHECK(step(&a, "{}", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);

	/* RFC 7628 4.1 example */
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_OAUTHBEARER, "user@example.com",
			 "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==", "server.example.com", 143,
			 &init, &e) == 0);
	CHECK(init && strcmp(init, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1"
			     "dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2c9PQEB") == 0);
	CHECK(decodes_to_str(init, "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
			     "auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\x01\x01"));
	auth_wipe_free(init);
	/* RFC 7628 3.2.3: the dummy ^A response after an error challenge. */
	CHECK(step(&a, "{\"status\":\"invalid_token\"}", &resp, &e) == 0);
	CHECK(resp && strcmp(resp, "AQ==") == 0);
	auth_wipe_free(resp);
	CHECK(auth_expects_refusal(&a));
	CHECK(step(&a, "{}", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);

	/* An error challenge that is not base64 is not answered at all. */
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_OAUTHBEARER, "u", "T", NULL, 0, &init, &e) == 0);
	auth_wipe_free(init);
	CHECK(!auth_expects_refusal(&a));
	resp = (char *)"unset";
	CHECK(auth_step(&a, "{\"status\":\"invalid_token\"}", &resp, &e) == -1);
	CHECK(e.cause == ERR_PROTOCOL && resp == NULL);
	auth_free(&a);

	/* gs2 authzid escaping, no host or port known */
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_OAUTHBEARER, "a,b=c", "T", NULL, 0, &init, &e) == 0);
	CHECK(decodes_to_str(init, "n,a=a=2Cb=3Dc,\x01" "auth=Bearer T\x01\x01"));
	auth_wipe_free(init);
	auth_free(&a);

	/* ^A inside a field would forge the next one. */
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_XOAUTH2, "u", "tok\x01" "auth=x", NULL, 0, &init, &e) == -1);
	CHECK(e.cause == ERR_AUTH && init == NULL);
	auth_free(&a);
}

/* Begin SCRAM with a fixed client nonce; check the client-first message. */
static int scram_begin(struct auth *a, enum auth_mech m, const char *user, const char *pass,
		       const char *nonce, const char *want_first, struct err *e)
{
	char *init = NULL, *init2 = NULL;
	int r = auth_begin(a, m, user, pass, NULL, 0, &init, e);
	if (r == 0)
		r = auth_scram_set_nonce(a, nonce, &init2, e);
	int ok = r == 0 && decodes_to_str(init2, want_first);
	auth_wipe_free(init);
	auth_wipe_free(init2);
	return ok;
}

static void test_scram_sha1(void)
{
	struct auth a;
	struct err e = {0};
	char *resp = NULL;
	/* RFC 5802 5 */
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
			  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &e));
	CHECK(step(&a, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		   &resp, &e) == 0);
	CHECK(decodes_to_str(resp, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
			     "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
	auth_wipe_free(resp);
	CHECK(!auth_server_verified(&a));
	CHECK(step(&a, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", &resp, &e) == 0);
	CHECK(resp && strcmp(resp, "") == 0);
	CHECK(auth_server_verified(&a));
	auth_wipe_free(resp);
	/* Nothing more may come. */
	CHECK(step(&a, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);
	CHECK(a.client_nonce == NULL && a.auth_message == NULL && !a.server_verified);

	/* A server that does not know the password: one bit off. */
	static const char *const forged[] = {
		"v=rmF9pqV8S7suAoZWja4dJRkFsKA=",
		"v=rmF9pqV8S7suAoZWja4dJRkF",              /* valid base64, short */
		"v=",
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ",            /* not base64 */
		"x=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
	};
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		err_clear(&e);
		CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
				  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &e));
		CHECK(step(&a, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			   &resp, &e) == 0);
		auth_wipe_free(resp);
		resp = (char *)"unset";
		CHECK(step(&a, forged[i], &resp, &e) == -1);
		CHECK(e.cause == ERR_AUTH && resp == NULL);
		CHECK(!auth_server_verified(&a));
		auth_free(&a);
	}

	/* e= in place of server-final: reported, quoted and escaped. */
	err_clear(&e);
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
			  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &e));
	CHECK(step(&a, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		   &resp, &e) == 0);
	auth_wipe_free(resp);
	CHECK(step(&a, "e=invalid-proof\x1b[2J", &resp, &e) == -1);
	CHECK(e.cause == ERR_AUTH && strstr(e.msg, "\"invalid-proof\\x1b[2J\"") != NULL);
	CHECK(!auth_server_verified(&a));
	auth_free(&a);

	/* User names are escaped (RFC 5802 5.1). */
	err_clear(&e);
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "a,b=c", "x", "abc", "n,,n=a=2Cb=3Dc,r=abc", &e));
	auth_free(&a);
}

static void test_scram_sha256(void)
{
	struct auth a;
	struct err e = {0};
	char *resp = NULL;
	/* RFC 7677 3 */
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO",
			  "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &e));
	CHECK(step(&a, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		   "i=4096", &resp, &e) == 0);
	CHECK(decodes_to_str(resp, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
			     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
	auth_wipe_free(resp);
	CHECK(step(&a, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &resp, &e) == 0);
	CHECK(auth_server_verified(&a));
	auth_wipe_free(resp);
	auth_free(&a);

	/* The SHA-1 signature length is not enough for SHA-256. */
	err_clear(&e);
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO",
			  "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &e));
	CHECK(step(&a, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		   "i=4096", &resp, &e) == 0);
	auth_wipe_free(resp);
	CHECK(step(&a, "v=6rriTRBi23WpRR/wtup+mMhUZUk=", &resp, &e) == -1 && e.cause == ERR_AUTH);
	CHECK(!auth_server_verified(&a));
	auth_free(&a);

	/* The random nonce: 24 octets, 32 characters, different each time. */
	char *i1 = NULL, *i2 = NULL;
	struct auth b;
	err_clear(&e);
	CHECK(auth_begin(&a, AUTH_SCRAM_SHA_256, "user", "pencil", NULL, 0, &i1, &e) == 0);
	CHECK(auth_begin(&b, AUTH_SCRAM_SHA_256, "user", "pencil", NULL, 0, &i2, &e) == 0);
	CHECK(a.client_nonce && strlen(a.client_nonce) == 32 && !strchr(a.client_nonce, ','));
	CHECK(b.client_nonce && strcmp(a.client_nonce, b.client_nonce) != 0);
	CHECK(i1 && i2 && strcmp(i1, i2) != 0);
	auth_wipe_free(i1);
	auth_wipe_free(i2);
	auth_free(&a);
	auth_free(&b);
}

/* A server-first message that must be refused with cause; msg_part is in
 * the reason. */
static void scram_refused_as(const char *server_first, enum err_cause cause, const char *msg_part)
{
	struct auth a;
	struct err e = {0};
	char *resp = (char *)"unset";
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
			  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &e));
	int r = step(&a, server_first, &resp, &e);
	CHECK(r == -1 && e.cause == cause && resp == NULL);
	if (!strstr(e.msg, msg_part) || e.cause != cause)
		fprintf(stderr, "  %s -> \"%s\"\n", server_first, e.msg);
	CHECK(strstr(e.msg, msg_part) != NULL);
	auth_free(&a);
}

/* Malformed: the server broke the protocol (76). */
static void scram_refused(const char *server_first, const char *msg_part)
{
	scram_refused_as(server_first, ERR_PROTOCOL, msg_part);
}

static void scram_accepted(const char *server_first)
{
	struct auth a;
	struct err e = {0};
	char *resp = NULL;
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
			  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &e));
	CHECK(step(&a, server_first, &resp, &e) == 0);
	if (e.cause)
		fprintf(stderr, "  %s -> \"%s\"\n", server_first, e.msg);
	auth_wipe_free(resp);
	auth_free(&a);
}

static void test_scram_server_first(void)
{
	/* RFC 5802 5.1: the server nonce must extend ours. */
	scram_refused("r=XXXX+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", "nonce");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", "nonce");
	scram_refused("r=fyko+d2lbb,s=QSXCR+Q6sek8bf92,i=4096", "nonce");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc NHY,s=QSXCR+Q6sek8bf92,i=4096", "nonce");
	scram_refused("s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096", "nonce");
	/* Iteration counts */
	scram_refused_as("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0", ERR_AUTH,
			 "unreasonable iteration count");
	scram_refused_as("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=10000001", ERR_AUTH,
			 "unreasonable iteration count");
	scram_refused_as("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=184467440737095516170",
			 ERR_AUTH, "unreasonable iteration count");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=-1", "iteration count");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=", "iteration count");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096x", "iteration count");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92", "iteration count");
	/* Salt */
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf9,i=4096", "salt");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096", "salt");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096", "salt");
	/* Mandatory extension, server error, junk */
	scram_refused_as("m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", ERR_AUTH,
			 "extension");
	scram_refused_as("e=unknown-user", ERR_AUTH, "\"unknown-user\"");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,", "malformed");
	scram_refused("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,9=x", "malformed");
	scram_refused("", "nonce");

	struct auth a;
	struct err e = {0};
	char *resp = NULL;
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "abc", "n,,n=user,r=abc", &e));
	CHECK(auth_step(&a, "cj1hYmNkLHM9YWE9PSxpPTE=*", &resp, &e) == -1 && e.cause == ERR_PROTOCOL);
	auth_free(&a);
	err_clear(&e);
	CHECK(scram_begin(&a, AUTH_SCRAM_SHA_1, "user", "pencil", "abc", "n,,n=user,r=abc", &e));
	char nul[] = "r=abcd,s=YQ==,i=1\0";
	char *c = text_b64_encode((const unsigned char *)nul, sizeof nul - 1);
	CHECK(auth_step(&a, c, &resp, &e) == -1 && e.cause == ERR_PROTOCOL && strstr(e.msg, "NUL"));
	free(c);
	auth_free(&a);

	/* Low but positive counts, and extensions after i=, are accepted. */
	scram_accepted("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1");
	scram_accepted("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0004096,x=future,y=");
}

int main(void)
{
	test_base64();
	test_names();
	test_plain();
	test_login();
	test_cram_md5();
	test_oauth();
	test_scram_sha1();
	test_scram_sha256();
	test_scram_server_first();
	return CHECK_DONE();
}
