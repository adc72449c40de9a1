/* fuzz_mtasts.c - the MTA-STS policy parser (mtasts_parse, RFC 8461 3.2)
 * and matching MX host names against what it kept.  One input is a
 * policy body as the HTTPS server sends it. */
#include "fuzz.h"
#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {
		"mx1.example.com", "mx1.example.com.", "a.b.example.com", ".example.com", "", "example.com",
	};
	struct mtasts m;
	memset(&m, 0, sizeof m);
	/* An exact-size copy: mtasts_parse is given a length, not a string. */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	memcpy(body, data, size);
	bool valid = mtasts_parse(&m, body, size);
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
