/* fuzz_mtasts.c - the MTA-STS policy parser (mtasts_parse, RFC 8461 3.2)
 * and matching MX host names against what it kept.  An input that starts
 * with "HTTP/" is the policy server's whole response and goes through
 * mtasts_response first (status, Content-Length or chunked body); any
 * other is a policy body. */
#include "fuzz.h"
#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {
		"mx1.example.com", "mx1.example.com.", "a.b.example.com", ".example.com", "", "example.com",
	};
	struct mtasts m;
	memset(&m, 0, sizeof m);
	/* An exact-size copy (plus the NUL mtasts_response writes, as
	 * fetch's buffer has room for): a length is given, not a string. */
	char *body = malloc(size + 1);
	if (!body)
		abort();
	memcpy(body, data, size);
	bool valid = size >= 5 && memcmp(data, "HTTP/", 5) == 0 ? mtasts_response(&m, body, size)
		: mtasts_parse(&m, body, size);
	if (!valid && !m.error[0])
		abort();        /* mtasts.h: invalid means m->error says why */
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		mtasts_match(&m, hosts[i]);
	for (size_t i = 0; i < m.nmx; i++)
		mtasts_match(&m, m.mx[i]);
	mtasts_free(&m);
	free(body);
	return 0;
}
