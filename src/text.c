/* text.c - escaping untrusted text for display; control-character checks;
 * ASCII case-insensitive comparison; hex and base64. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE         /* explicit_bzero */
#endif

#include "text.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

size_t text_utf8_len(const unsigned char *s, size_t avail)
{
	size_t n;
	unsigned min;
	unsigned cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	/* Bidi overrides and isolates can reorder what the reader sees. */
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

/* ---- secrets hidden from what is shown (SPEC 10.11) ---- */

/* Written by text_hide() when a session authenticates, read by
 * text_escape(); sessions run in threads (send --count), so under a
 * read-write lock.  Longest first, so that a secret holding another is
 * hidden whole. */
static pthread_rwlock_t text_hidden_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct text_secret {
	char *text;
	size_t len;
} *text_hidden;
static size_t text_nhidden;

static size_t text_escape_hiding(const char *in, size_t len, char *buf, size_t size, bool hide);

static int text_hide_one(const char *secret, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < text_nhidden; i++)
		if (text_hidden[i].len == len && memcmp(text_hidden[i].text, secret, len) == 0)
			return 0;
	struct text_secret *more = realloc(text_hidden, (text_nhidden + 1) * sizeof *more);
	if (!more)
		return -1;
	text_hidden = more;
	char *copy = malloc(len);
	if (!copy)
		return -1;
	memcpy(copy, secret, len);
	size_t at = 0;
	while (at < text_nhidden && text_hidden[at].len >= len)
		at++;
	memmove(&text_hidden[at + 1], &text_hidden[at], (text_nhidden - at) * sizeof text_hidden[0]);
	text_hidden[at].text = copy;
	text_hidden[at].len = len;
	text_nhidden++;
	return 0;
}

int text_hide(const char *secret, size_t len)
{
	pthread_rwlock_wrlock(&text_hidden_lock);
	int r = text_hide_one(secret, len);
	pthread_rwlock_unlock(&text_hidden_lock);
	if (r < 0)
		return -1;
	/* Text escaped once is escaped again on its way out (out.c's sinks),
	 * so the escaped spelling of a secret is one too. */
	size_t size = len * 4 + 1;
	char *esc = malloc(size);
	if (!esc)
		return -1;
	size_t n = text_escape_hiding(secret, len, esc, size, false);
	pthread_rwlock_wrlock(&text_hidden_lock);
	r = text_hide_one(esc, n);
	pthread_rwlock_unlock(&text_hidden_lock);
	explicit_bzero(esc, size);
	free(esc);
	return r;
}

void text_hide_clear(void)
{
	pthread_rwlock_wrlock(&text_hidden_lock);
	for (size_t i = 0; i < text_nhidden; i++) {
		explicit_bzero(text_hidden[i].text, text_hidden[i].len);
		free(text_hidden[i].text);
	}
	free(text_hidden);
	text_hidden = NULL;
	text_nhidden = 0;
	pthread_rwlock_unlock(&text_hidden_lock);
}

/* How many octets at s[0..avail) are shown as TEXT_SECRET_MARK: a secret
 * found there, or the mark itself (so that escaping twice hides nothing
 * more, even when a secret is a word of the mark); 0 when neither. */
static size_t text_hidden_at(const unsigned char *s, size_t avail)
{
	static const size_t mark_len = sizeof TEXT_SECRET_MARK - 1;
	if (avail >= mark_len && memcmp(s, TEXT_SECRET_MARK, mark_len) == 0)
		return mark_len;
	for (size_t k = 0; k < text_nhidden; k++)
		if (text_hidden[k].len <= avail && memcmp(s, text_hidden[k].text, text_hidden[k].len) == 0)
			return text_hidden[k].len;
	return 0;
}

static size_t text_escape_hiding(const char *in, size_t len, char *buf, size_t size, bool hide)
{
	static const size_t mark_len = sizeof TEXT_SECRET_MARK - 1;
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n = hide && text_nhidden > 0 ? text_hidden_at(s + i, len - i) : 0;
		if (n > 0) {
			if (o + mark_len >= size)
				break;
			memcpy(buf + o, TEXT_SECRET_MARK, mark_len);
			o += mark_len;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			n = 1;
			if (o + 1 >= size)
				break;
			buf[o++] = (char)s[i];
		} else if (s[i] >= 0x80 && (n = text_utf8_len(s + i, len - i)) > 0) {
			if (o + n >= size)
				break;
			for (size_t k = 0; k < n; k++)
				buf[o++] = (char)s[i + k];
		} else {
			n = 1;
			if (o + 4 >= size)
				break;
			snprintf(buf + o, 5, "\\x%02x", s[i]);
			o += 4;
		}
		i += n;
	}
	buf[o] = '\0';
	return o;
}

size_t text_escape(const char *in, size_t len, char *buf, size_t size)
{
	pthread_rwlock_rdlock(&text_hidden_lock);
	size_t n = text_escape_hiding(in, len, buf, size, true);
	pthread_rwlock_unlock(&text_hidden_lock);
	return n;
}

size_t text_squeeze(const char *in, char *buf, size_t size)
{
	size_t o = 0;
	bool space = false;
	if (size == 0)
		return 0;
	for (const char *p = in; *p && o + 1 < size; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 2 >= size)
				break;
			buf[o++] = ' ';
		}
		space = false;
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return o;
}

bool text_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static int text_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int text_casecmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (;; p++, q++) {
		int d = text_lower(*p) - text_lower(*q);
		if (d != 0 || *p == '\0')
			return d;
	}
}

int text_ncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (size_t i = 0; i < n; i++) {
		int d = text_lower(p[i]) - text_lower(q[i]);
		if (d != 0)
			return d;
	}
	return 0;
}

size_t text_hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	if (size == 0)
		return 0;
	if (n > (size - 1) / 2)
		n = (size - 1) / 2;
	gnutls_datum_t d = {(unsigned char *)b, (unsigned)n};
	size_t room = size;
	if (gnutls_hex_encode(&d, out, &room) < 0) {
		out[0] = '\0';
		return 0;
	}
	return 2 * n;
}

void text_hex_colon(const unsigned char *b, size_t n, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 3 < size; i++) {
		char x[3];
		text_hex(b + i, 1, x, sizeof x);
		if (i > 0)
			out[o++] = ':';
		for (int k = 0; k < 2; k++)
			out[o++] = x[k] >= 'a' ? (char)(x[k] - 'a' + 'A') : x[k];
	}
	if (size > 0)
		out[o] = '\0';
}

/* A copy GnuTLS allocated, moved into one of ours (the callers free with
 * free()) and wiped; NUL-terminated. */
static void *text_take_datum(gnutls_datum_t *d)
{
	char *out = malloc((size_t)d->size + 1);
	if (out) {
		if (d->size > 0)
			memcpy(out, d->data, d->size);
		out[d->size] = '\0';
	}
	if (d->data) {
		gnutls_memset(d->data, 0, d->size);
		gnutls_free(d->data);
	}
	return out;
}

char *text_b64_encode(const unsigned char *data, size_t len)
{
	if (len > UINT_MAX / 4 * 3 - 3)
		return NULL;
	gnutls_datum_t in = {(unsigned char *)data, (unsigned)len}, out = {NULL, 0};
	if (len > 0 && gnutls_base64_encode2(&in, &out) < 0)
		return NULL;
	return text_take_datum(&out);
}

static int text_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict, as RFC 4648 3.3 and 3.5 allow: whole quanta, '=' only as final
 * padding, and the bits padding discards must be zero, so each octet
 * string has exactly one accepted encoding.  GnuTLS's decoder skips white
 * space and stray characters, so SASL challenges pass this check first. */
static bool text_b64_strict(const char *t, size_t n)
{
	if (n % 4 != 0)
		return false;
	size_t pad = 0;
	while (pad < 2 && pad < n && t[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (text_b64_value(t[i]) < 0)
			return false;
	/* The last character before "==" carries 4 discarded bits, before
	 * "=" 2. */
	return pad == 0 || (text_b64_value(t[n - pad - 1]) & (pad == 2 ? 0x0f : 0x03)) == 0;
}

unsigned char *text_b64_decode(const char *text, size_t tlen, size_t *len)
{
	if (!text_b64_strict(text, tlen) || tlen > UINT_MAX)
		return NULL;
	gnutls_datum_t in = {(unsigned char *)text, (unsigned)tlen}, out = {NULL, 0};
	if (tlen > 0 && gnutls_base64_decode2(&in, &out) < 0)
		return NULL;
	*len = out.size;
	return text_take_datum(&out);
}

void text_buf_add(struct text_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void text_buf_str(struct text_buf *b, const char *s)
{
	text_buf_add(b, s, strlen(s));
}

void text_buf_printf(struct text_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		text_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	text_buf_add(b, big, (size_t)n);
	free(big);
}

void text_xtext(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < size; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			o += (size_t)snprintf(out + o, size - o, "+%02X", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}
