/* fuzz_dkim.c - DKIM canonicalization (RFC 6376 3.4) of message text
 * anyone can send: the body canonicalizer fed the whole input at once and
 * in pieces must give the same octets (it streams; a state bug across
 * piece boundaries would change a body hash), and each line is
 * canonicalized as a header field both ways.  The first octet picks the
 * body algorithm and the piece size. */
#include "dkim/dkim.h"
#include "fuzz.h"

struct sink {
	char *p;
	size_t len;
};

static void collect(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	char *q = realloc(s->p, s->len + n + 1);
	if (!q)
		abort();
	memcpy(q + s->len, p, n);
	s->p = q;
	s->len += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum dkim_canon canon = data[0] & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	size_t piece = (size_t)(data[0] >> 1) + 1;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;

	struct sink whole = {0}, pieces = {0};
	struct dkim_body b;
	dkim_body_init(&b, canon, collect, &whole);
	dkim_body_feed(&b, text, len);
	dkim_body_end(&b);
	dkim_body_init(&b, canon, collect, &pieces);
	for (size_t i = 0; i < len; i += piece)
		dkim_body_feed(&b, text + i, len - i < piece ? len - i : piece);
	dkim_body_end(&b);
	if (whole.len != pieces.len || (whole.len && memcmp(whole.p, pieces.p, whole.len) != 0))
		abort();
	/* Never longer than twice the input plus a CRLF: what it adds are
	 * CRLFs for lone CRs' lines and a final one. */
	if (whole.len > 2 * len + 2)
		abort();
	free(whole.p);
	free(pieces.p);

	size_t pos = 0;
	struct fuzz_line l;
	while (fuzz_next_line((const uint8_t *)text, len, &pos, &l)) {
		size_t n;
		char *c = dkim_header_canon(DKIM_CANON_RELAXED, l.text, l.len, &n);
		if (!c || n > l.len + 1)
			abort();
		free(c);
		c = dkim_header_canon(DKIM_CANON_SIMPLE, l.text, l.len, &n);
		if (!c || n != l.len)
			abort();
		free(c);
		char *s = fuzz_string((const uint8_t *)l.text, l.len);
		enum dkim_canon h, bb;
		dkim_canon_parse(s, &h, &bb);
		free(s);
		free(l.text);
	}
	return 0;
}
