/* fuzz_ehlo.c - EHLO capabilities (ehlo_parse) and every question the
 * session asks of them.  Each input line is the text of one line of a
 * 250 reply ("250-" is put before all but the last, "250 " before it),
 * so the fuzzer spends its time in the capability parser. */
#include "fuzz.h"
#include "reply.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r = {0};
	struct fuzz_line l;
	size_t pos = 0;
	enum reply_status st = REPLY_MORE;

	while (st == REPLY_MORE && fuzz_next_line(data, size, &pos, &l)) {
		char *line = malloc(l.len + 4);
		if (!line)
			abort();
		memcpy(line, pos < size ? "250-" : "250 ", 4);
		memcpy(line + 4, l.text, l.len);
		const char *why;
		st = reply_feed(&r, line, l.len + 4, l.bare_lf, &why);
		free(line);
		free(l.text);
	}
	if (st == REPLY_DONE) {
		struct ehlo_caps caps = {0};
		if (ehlo_parse(&r, &caps) == 0) {
			static const char *const keywords[] = {
				"STARTTLS", "PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN",
				"REQUIRETLS", "AUTH", "SIZE",
			};
			static const char *const mechs[] = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"};
			for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
				if (ehlo_has(&caps, keywords[i]) != (ehlo_find(&caps, keywords[i]) != NULL))
					abort();
			for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
				ehlo_has_auth(&caps, mechs[i]);
			ehlo_offers_auth(&caps);
			uint64_t limit;
			ehlo_size(&caps, &limit);
			ehlo_free(&caps);
		}
	}
	reply_free(&r);
	return 0;
}
