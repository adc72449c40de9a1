/* fuzz_spf.c - the SPF record parser and the macro expander (RFC 7208
 * 4.6, 7), which read TXT records any domain owner writes.  The first
 * line is a record ("v=spf1 " is put in front unless it is there); every
 * term's domain-spec and every further line is expanded as a domain and
 * as an explanation, with a fixed client. */
#include "fuzz.h"
#include "spf/spf.h"

static const char *ptr(void *ctx)
{
	(void)ctx;
	return "mx.example.org";
}

static void expand(const char *s, size_t len)
{
	static const struct spf_macro_ctx c = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad", .sender_domain = "email.example.com",
		.domain = "email.example.com", .ip_dotted = "192.0.2.3", .ip_text = "192.0.2.3", .helo = "mx.example.org",
		.receiver = "unknown", .now = 1700000000, .ptr_name = ptr,
	};
	char out[300], small[8];
	spf_macro_valid(s, len, false);
	spf_macro_valid(s, len, true);
	spf_macro_expand(s, len, &c, false, true, out, sizeof out);
	spf_macro_expand(s, len, &c, true, false, out, sizeof out);
	spf_macro_expand(s, len, &c, true, false, small, sizeof small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	struct fuzz_line l;
	bool first = true;
	while (fuzz_next_line(data, size, &pos, &l)) {
		if (first) {
			/* A TXT record is a C string after dns_parse. */
			char *rec = malloc(l.len + 8);
			if (!rec)
				abort();
			size_t off = 0;
			if (l.len < 6 || memcmp(l.text, "v=spf1", 6) != 0) {
				memcpy(rec, "v=spf1 ", 7);
				off = 7;
			}
			memcpy(rec + off, l.text, l.len);
			rec[off + l.len] = '\0';
			struct spf_record r;
			spf_record_parse(rec, &r);
			for (size_t i = 0; i < r.n; i++) {
				const char *d = r.t[i].domain ? r.t[i].domain : r.t[i].value;
				if (d)
					expand(d, strlen(d));
			}
			spf_record_free(&r);
			free(rec);
			first = false;
		} else {
			expand(l.text, l.len);
		}
		free(l.text);
	}
	return 0;
}
