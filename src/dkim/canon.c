/* canon.c - DKIM canonicalization (RFC 6376 3.4): the body streamed
 * through a small buffer, header fields one at a time. */
#include "dkim/dkim.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* ---- body ---- */

void dkim_body_init(struct dkim_body *b, enum dkim_canon canon,
		    void (*emit)(void *ctx, const char *p, size_t n), void *ctx)
{
	memset(b, 0, sizeof *b);
	b->canon = canon;
	b->emit = emit;
	b->ctx = ctx;
}

static void body_flush(struct dkim_body *b)
{
	if (b->len)
		b->emit(b->ctx, b->buf, b->len);
	b->len = 0;
}

static void body_out(struct dkim_body *b, char c)
{
	if (b->len == sizeof b->buf)
		body_flush(b);
	b->buf[b->len++] = c;
	b->emitted_any = true;
}

static void body_crlf(struct dkim_body *b)
{
	body_out(b, '\r');
	body_out(b, '\n');
}

static void body_content(struct dkim_body *b, char c)
{
	/* RFC 6376 3.4.4 a: relaxed turns each run of WSP into one SP, and
	 * drops the run at the end of a line (see body_line_end). */
	if (b->canon == DKIM_CANON_RELAXED && (c == ' ' || c == '\t')) {
		b->wsp_pending = true;
		return;
	}
	/* RFC 6376 3.4.3, 3.4.4 b: empty lines count only when something
	 * follows them; held back until then. */
	if (!b->line_has_content) {
		for (; b->empty_lines > 0; b->empty_lines--)
			body_crlf(b);
	}
	if (b->wsp_pending) {
		body_out(b, ' ');
		b->wsp_pending = false;
	}
	body_out(b, c);
	b->line_has_content = true;
}

static void body_line_end(struct dkim_body *b)
{
	b->wsp_pending = false;
	if (b->line_has_content) {
		body_crlf(b);
		b->line_has_content = false;
	} else {
		b->empty_lines++;
	}
}

void dkim_body_feed(struct dkim_body *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (b->cr_pending) {
			b->cr_pending = false;
			if (c == '\n') {
				body_line_end(b);
				continue;
			}
			/* A CR alone is not a line end (RFC 6376 3.4: lines end
			 * in CRLF); msg_build refuses it, the fuzzer does not. */
			body_content(b, '\r');
		}
		if (c == '\r')
			b->cr_pending = true;
		else
			body_content(b, c);
	}
}

void dkim_body_end(struct dkim_body *b)
{
	if (b->cr_pending) {
		b->cr_pending = false;
		body_content(b, '\r');
	}
	/* RFC 6376 3.4.3: a body that does not end in CRLF gets one; the
	 * same holds for relaxed (3.4.4, and errata 1384). */
	b->wsp_pending = false;
	if (b->line_has_content) {
		body_crlf(b);
		b->line_has_content = false;
	}
	/* RFC 6376 3.4.3: simple makes an empty body one CRLF; relaxed
	 * leaves it empty (3.4.4 b). */
	if (b->canon == DKIM_CANON_SIMPLE && !b->emitted_any)
		body_crlf(b);
	b->empty_lines = 0;
	body_flush(b);
}

/* ---- header fields ---- */

char *dkim_header_canon(enum dkim_canon canon, const char *field, size_t len, size_t *outlen)
{
	/* + 2: a field without a colon gets one (relaxed), and the NUL. */
	char *out = malloc(len + 2);
	if (!out)
		return NULL;
	if (canon == DKIM_CANON_SIMPLE) {
		memcpy(out, field, len);
		out[len] = '\0';
		*outlen = len;
		return out;
	}
	/* RFC 6376 3.4.2: name in lower case, no WSP around the colon,
	 * unfolded, each WSP run one SP, none at the end of the value. */
	const char *colon = memchr(field, ':', len);
	size_t name_end = colon ? (size_t)(colon - field) : len, o = 0;
	size_t name_len = name_end;
	while (name_len > 0 && (field[name_len - 1] == ' ' || field[name_len - 1] == '\t'))
		name_len--;
	for (size_t i = 0; i < name_len; i++) {
		char c = field[i];
		out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[o++] = ':';
	bool wsp = false, started = false;
	for (size_t i = name_end + 1; colon && i < len; i++) {
		char c = field[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			wsp = true;
			continue;
		}
		if (wsp && started)
			out[o++] = ' ';
		wsp = false;
		started = true;
		out[o++] = c;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int dkim_canon_parse(const char *s, enum dkim_canon *header, enum dkim_canon *body)
{
	static const struct {
		const char *name;
		enum dkim_canon c;
	} names[] = {{"simple", DKIM_CANON_SIMPLE}, {"relaxed", DKIM_CANON_RELAXED}};
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	bool hok = false, bok = !slash;
	/* RFC 6376 3.5 c=: a header algorithm alone means simple for the body. */
	*body = DKIM_CANON_SIMPLE;
	for (size_t i = 0; i < 2; i++) {
		if (strlen(names[i].name) == hlen && text_ncasecmp(s, names[i].name, hlen) == 0) {
			*header = names[i].c;
			hok = true;
		}
		if (slash && text_casecmp(slash + 1, names[i].name) == 0) {
			*body = names[i].c;
			bok = true;
		}
	}
	return hok && bok ? 0 : -1;
}

const char *dkim_canon_name(enum dkim_canon c)
{
	return c == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}
