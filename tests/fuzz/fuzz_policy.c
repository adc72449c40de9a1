/* fuzz_policy.c - SPF, DMARC and TLS-RPT records as smtpkit reads them.
 * smtpkit does not interpret these records: it picks the ones that are
 * of each kind by their version prefix (mx_policy_records), then prints
 * them escaped and as JSON.  That is all there is to fuzz, so this
 * target does it.  Each input line is one TXT record (the strings of one
 * record already joined, as dns_parse gives them). */
#include "fuzz.h"
#include "json.h"
#include "mxcheck.h"
#include "text.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = {"v=spf1", "v=DMARC1", "v=TLSRPTv1"};
	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();

	struct dns_answer a;
	memset(&a, 0, sizeof a);
	a.status = DNS_OK;
	struct fuzz_line l;
	size_t pos = 0;
	while (fuzz_next_line(data, size, &pos, &l)) {
		char **v = realloc(a.txt, (a.n + 1) * sizeof *v);
		if (!v)
			abort();
		a.txt = v;
		/* dns_parse's TXT strings are C strings: a NUL ends one. */
		a.txt[a.n] = malloc(l.len + 1);
		if (!a.txt[a.n])
			abort();
		memcpy(a.txt[a.n], l.text, l.len);
		a.txt[a.n++][l.len] = '\0';
		free(l.text);
	}
	for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
		char **recs;
		size_t n;
		mx_policy_records(&a, prefixes[p], &recs, &n);
		struct json j;
		json_init(&j, devnull);
		json_array(&j);
		for (size_t i = 0; i < n; i++) {
			char shown[1024];
			text_escape(recs[i], strlen(recs[i]), shown, sizeof shown);
			json_str(&j, recs[i]);
			free(recs[i]);
		}
		json_array_end(&j);
		free(recs);
	}
	dns_answer_free(&a);
	return 0;
}
