/* fuzz.h - what the libFuzzer targets share: splitting an input into
 * lines the way conn.c hands them over (without CRLF or LF, not
 * NUL-terminated, so that ASan sees any read past the end). */
#ifndef SMTPKIT_FUZZ_H
#define SMTPKIT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_line {
	char *text;             /* exactly len bytes, allocated, no NUL after */
	size_t len;
	bool bare_lf;           /* ended in LF alone (or at the end of input) */
};

/* The next line of data[*pos..size); false at the end.  Free text. */
static inline bool fuzz_next_line(const uint8_t *data, size_t size, size_t *pos, struct fuzz_line *l)
{
	if (*pos >= size)
		return false;
	const uint8_t *start = data + *pos, *nl = memchr(start, '\n', size - *pos);
	size_t n = nl ? (size_t)(nl - start) : size - *pos;
	*pos += n + (nl != NULL);
	l->bare_lf = !(n > 0 && start[n - 1] == '\r');
	if (!l->bare_lf)
		n--;
	l->len = n;
	l->text = malloc(n ? n : 1);
	if (!l->text)
		abort();
	memcpy(l->text, start, n);
	return true;
}

/* A NUL-terminated copy of the input, for parsers of C strings. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
