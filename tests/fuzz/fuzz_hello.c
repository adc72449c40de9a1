/* fuzz_hello.c - the answer to tls-check's own ClientHello (hello_parse):
 * SSLv2 SERVER-HELLO, TLS records carrying ServerHello, HelloRetryRequest,
 * Certificate, ServerKeyExchange and alerts.  Every prefix of the input is
 * read too, as the scan reads the flight while it arrives; the first
 * octets also choose a request for the writer (hello_write). */
#include "fuzz.h"
#include "tlscheck/hello.h"
#include "tlscheck/suites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hello_reply r;
	for (size_t n = size > 64 ? size - 64 : 0; n <= size; n++) {
		/* A copy of exactly n octets, so that ASan sees a read past it. */
		unsigned char *copy = malloc(n ? n : 1);
		if (!copy)
			return 0;
		memcpy(copy, data, n);
		enum hello_status st = hello_parse(copy, n, &r);
		if (st == HELLO_MALFORMED && !r.why[0])
			abort();        /* tlscheck/hello.h: why says what */
		if (st == HELLO_DONE && r.answer == HELLO_NONE)
			abort();
		free(copy);
	}

	static const uint16_t versions[] = {TLSCHECK_SSL2, TLSCHECK_SSL3, TLSCHECK_TLS10,
					    TLSCHECK_TLS11, TLSCHECK_TLS12, TLSCHECK_TLS13};
	uint16_t list[64];
	size_t nl = size / 2 < 64 ? size / 2 : 64;
	for (size_t i = 0; i < nl; i++)
		list[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
	struct hello_request rq = {
		.version = versions[size ? data[0] % 6 : 0],
		.suites = list, .nsuites = nl, .groups = list, .ngroups = nl / 2,
		.sigalgs = list, .nsigalgs = nl / 3, .sni = "mx.example",
		.fallback_scsv = size > 1 && (data[1] & 1), .offer_compression = size > 1 && (data[1] & 2),
	};
	unsigned char random[32] = {0}, out[HELLO_MAX];
	size_t len = hello_write(&rq, random, out, sizeof out);
	if (len > sizeof out)
		abort();
	return 0;
}
