/* macro.c - SPF macro-strings (RFC 7208 7): syntax and expansion. */
#include "spf/spf.h"

#include <stdio.h>
#include <string.h>

static bool is_delim(char c)
{
	return c && strchr(".-+,/_=", c) != NULL;
}

/* RFC 7208 7.1 macro-letter; c, r and t only in an explanation (7.3). */
static bool letter_ok(char c, bool exp)
{
	c = (char)(c | 0x20);
	if (strchr("slodiphv", c))
		return true;
	return exp && strchr("crt", c);
}

/* Length of the macro-expand at s[0] == '%', or 0 when not valid. */
static size_t macro_len(const char *s, size_t len, bool exp)
{
	if (len < 2)
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{' || len < 4 || !letter_ok(s[2], exp))
		return 0;
	size_t i = 3;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len && (s[i] == 'r' || s[i] == 'R'))
		i++;
	while (i < len && is_delim(s[i]))
		i++;
	return i < len && s[i] == '}' ? i + 1 : 0;
}

bool spf_macro_valid(const char *s, size_t len, bool exp)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			size_t m = macro_len(s + i, len - i, exp);
			if (!m)
				return false;
			i += m;
		} else if (c < 0x21 || c > 0x7e) {
			/* macro-literal: visible ASCII (a space only in exp text) */
			if (!(exp && c == ' '))
				return false;
			i++;
		} else {
			i++;
		}
	}
	return true;
}

struct outbuf {
	char *p;
	size_t len, size;
	bool full;
};

static void put(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n >= o->size) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* RFC 7208 7.3: an upper-case macro letter URL-escapes (RFC 3986
 * unreserved characters kept). */
static void put_escaped(struct outbuf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
			put(o, s + i, 1);
		} else {
			char hx[4];
			snprintf(hx, sizeof hx, "%%%02X", c);
			put(o, hx, 3);
		}
	}
}

static const char *letter_value(char l, const struct spf_macro_ctx *c, char *tbuf, size_t tsize)
{
	switch (l | 0x20) {
	case 's': return c->sender;
	case 'l': return c->local;
	case 'o': return c->sender_domain;
	case 'd': return c->domain;
	case 'i': return c->ip_dotted;
	case 'p': return c->ptr_name ? c->ptr_name(c->ptr_ctx) : "unknown";
	case 'h': return c->helo;
	case 'v': return c->ipv6 ? "ip6" : "in-addr";
	case 'c': return c->ip_text;
	case 'r': return c->receiver;
	case 't': snprintf(tbuf, tsize, "%lld", c->now); return tbuf;
	}
	return "";
}

/* One %{...}: split the value at the delimiters, reverse, keep the
 * rightmost N parts, join with '.' (7.3). */
static int expand_one(const char *m, size_t mlen, const struct spf_macro_ctx *c, struct outbuf *o)
{
	char tbuf[32];
	const char *v = letter_value(m[2], c, tbuf, sizeof tbuf);
	if (!v)
		v = "";
	size_t i = 3, keep = 0;
	bool digits = false, reverse = false;
	while (m[i] >= '0' && m[i] <= '9') {
		digits = true;
		if (keep < 1000)
			keep = keep * 10 + (size_t)(m[i] - '0');
		i++;
	}
	if (digits && keep == 0)
		return -1;                  /* 7.3: zero parts is a syntax error */
	if (m[i] == 'r' || m[i] == 'R') {
		reverse = true;
		i++;
	}
	char delims[8] = "";
	size_t nd = 0;
	for (; i < mlen - 1 && nd < sizeof delims - 1; i++)
		if (!strchr(delims, m[i]))
			delims[nd++] = m[i];
	if (nd == 0)
		delims[nd++] = '.';
	delims[nd] = '\0';

	/* The parts as (start, len) pairs; a value has at most 255 of them
	 * that matter, and more are cut from the left after reversing. */
	enum { MAXP = 256 };
	size_t start[MAXP], plen[MAXP], np = 0, vlen = strlen(v);
	size_t s0 = 0;
	for (size_t k = 0; k <= vlen; k++) {
		if (k == vlen || strchr(delims, v[k])) {
			if (np == MAXP) {
				memmove(start, start + 1, (MAXP - 1) * sizeof *start);
				memmove(plen, plen + 1, (MAXP - 1) * sizeof *plen);
				np--;
			}
			start[np] = s0;
			plen[np++] = k - s0;
			s0 = k + 1;
		}
	}
	size_t order[MAXP];
	for (size_t k = 0; k < np; k++)
		order[k] = reverse ? np - 1 - k : k;
	size_t from = digits && keep < np ? np - keep : 0;
	bool upper = m[2] >= 'A' && m[2] <= 'Z';
	for (size_t k = from; k < np; k++) {
		if (k > from)
			put(o, ".", 1);
		if (upper)
			put_escaped(o, v + start[order[k]], plen[order[k]]);
		else
			put(o, v + start[order[k]], plen[order[k]]);
	}
	return 0;
}

int spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *c, bool exp, bool as_domain,
		     char *out, size_t size)
{
	struct outbuf o = {out, 0, size, false};
	if (size == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < len;) {
		if (s[i] != '%') {
			put(&o, s + i, 1);
			i++;
			continue;
		}
		size_t m = macro_len(s + i, len - i, exp);
		if (!m)
			return -1;
		if (s[i + 1] == '%')
			put(&o, "%", 1);
		else if (s[i + 1] == '_')
			put(&o, " ", 1);
		else if (s[i + 1] == '-')
			put(&o, "%20", 3);
		else if (expand_one(s + i, m, c, &o) < 0)
			return -1;
		i += m;
	}
	if (o.full)
		return -1;
	/* 7.3: over 253 octets, drop labels from the left until it fits. */
	if (as_domain) {
		char *p = out;
		while (strlen(p) > 253) {
			char *dot = strchr(p, '.');
			if (!dot)
				return -1;
			p = dot + 1;
		}
		memmove(out, p, strlen(p) + 1);
	}
	return 0;
}
