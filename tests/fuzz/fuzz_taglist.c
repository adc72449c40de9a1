/* fuzz_taglist.c - tag=value lists (RFC 6376 3.2) and the records read
 * through them: DKIM key records, DMARC, BIMI, DMARC report URIs.  Each
 * line is one TXT record, as any domain owner may publish it. */
#include "fuzz.h"
#include "mailauth/records.h"
#include "mailauth/taglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	struct fuzz_line l;
	while (fuzz_next_line(data, size, &pos, &l)) {
		char *s = fuzz_string((const uint8_t *)l.text, l.len);
		struct taglist tl;
		taglist_parse(s, &tl);
		for (size_t i = 0; i < tl.n; i++)
			if (!tl.t[i].name || !tl.t[i].value || taglist_get(&tl, tl.t[i].name, true) == NULL)
				abort();
		taglist_free(&tl);
		struct dkim_key k;
		if (dkim_key_parse(s, &k) == 0 && !k.valid)
			abort();
		struct dmarc d;
		if (dmarc_parse(s, &d) == 0 && (!d.valid || d.pct < 0 || d.pct > 100))
			abort();
		struct bimi b;
		bimi_parse(s, &b);
		char dom[256];
		dmarc_uri_domain(s, dom, sizeof dom);
		free(s);
		free(l.text);
	}
	return 0;
}
