/* fuzz_auth.c - SASL challenges (auth_step) for every mechanism, after
 * auth_begin: base64 decoding of the 334 text, CRAM-MD5's challenge,
 * SCRAM's server-first and server-final messages.
 * Input: byte 0 picks the mechanism (low bits) and whether each line is
 * sent as it is, as the text after "334 " (bit 7 clear), or base64-encoded
 * here first (bit 7 set), so that the fuzzer reaches SCRAM's own parser
 * without having to learn base64; the other lines are the challenges,
 * answered in turn until one is refused, as the session does.  SCRAM runs
 * with the client nonce and the user and password of the RFC 5802 and
 * RFC 7677 test vectors, so seeds taken from them verify. */
#include "fuzz.h"
#include "auth.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum auth_mech mech = (enum auth_mech)((data[0] & 0x7f) % AUTH_MECH_COUNT);
	bool encode = data[0] & 0x80;
	struct auth a;
	struct err e = {0};
	char *initial = NULL;
	if (auth_begin(&a, mech, "user", "pencil", "mx.example.com", 587, &initial, &e) < 0)
		abort();        /* nothing here comes from the server */
	if (mech == AUTH_SCRAM_SHA_1 || mech == AUTH_SCRAM_SHA_256) {
		const char *nonce = mech == AUTH_SCRAM_SHA_1 ? "fyko+d2lbbFgONRv9qkxdawL" : "rOprNGfwEbeRWgbNEkqO";
		char *again = NULL;
		if (auth_scram_set_nonce(&a, nonce, &again, &e) < 0)
			abort();
		auth_wipe_free(again);
	}
	auth_wipe_free(initial);

	struct fuzz_line l;
	size_t pos = 1;
	while (fuzz_next_line(data, size, &pos, &l)) {
		char *challenge = encode ? text_b64_encode((unsigned char *)l.text, l.len)
			: fuzz_string((const uint8_t *)l.text, l.len);
		free(l.text);
		if (!challenge)
			abort();
		char *response = NULL;
		int r = auth_step(&a, challenge, &response, &e);
		free(challenge);
		if (r == 0 && !response)
			abort();        /* auth.h: an answered challenge has a response */
		auth_wipe_free(response);
		if (r < 0)
			break;
	}
	auth_server_verified(&a);
	auth_free(&a);
	return 0;
}
