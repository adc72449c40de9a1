/* fuzz_compose.c - the other side of the message code: composing one
 * from send's options (mime_compose through msg_build), where RFC 2047
 * encoded-words are written: Subject, display names in From/To/Cc, and
 * --header values, folded, plus the body as 7bit, quoted-printable or
 * base64.  Input lines: Subject, From, To, Cc (comma lists), then
 * --header lines up to an empty line; the rest is the body.  Values that
 * send refuses before composing (control characters) end the input.
 * Checked in the result: CRLF throughout, no line over 998 octets
 * (RFC 5322 2.1.1), and every header field one that was asked for, so
 * no option's text can start a field of its own. */
#define _GNU_SOURCE             /* memmem */
#include "fuzz.h"
#include "msg.h"
#include "options.h"
#include "text.h"

static bool field_expected(const char *name, size_t n, char *const *headers, size_t nheaders)
{
	static const char *const generated[] = {
		"From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding",
	};
	for (size_t i = 0; i < sizeof generated / sizeof generated[0]; i++)
		if (strlen(generated[i]) == n && text_ncasecmp(name, generated[i], n) == 0)
			return true;
	for (size_t i = 0; i < nheaders; i++)
		if (strncmp(headers[i], name, n) == 0 && headers[i][n] == ':')
			return true;
	return false;
}

static void check(const struct msg *m, char *const *headers, size_t nheaders)
{
	const char *p = m->mem, *end = m->mem + m->memlen;
	bool header = true;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			abort();        /* the last line has no CRLF */
		size_t n = (size_t)(eol - p);
		if (memchr(p, '\n', n) || memchr(p, '\r', n))
			abort();        /* a bare LF or CR */
		if (n > 998)
			abort();        /* RFC 5322 2.1.1 */
		if (header && n == 0) {
			header = false;
		} else if (header && p[0] != ' ' && p[0] != '\t') {
			const char *colon = memchr(p, ':', n);
			if (!colon || !field_expected(p, (size_t)(colon - p), headers, nheaders))
				abort();        /* a field nobody asked for */
		}
		p = eol + 2;
	}
}

static char *next_value(const uint8_t *data, size_t size, size_t *pos)
{
	struct fuzz_line l;
	if (!fuzz_next_line(data, size, pos, &l))
		return NULL;
	char *s = fuzz_string((const uint8_t *)l.text, l.len);
	free(l.text);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	struct err e = {0};
	char *subject = next_value(data, size, &pos);
	char *from = next_value(data, size, &pos);
	char *to = next_value(data, size, &pos);
	char *cc = next_value(data, size, &pos);
	char **headers = NULL, *h;
	size_t nheaders = 0;
	while ((h = next_value(data, size, &pos)) && *h) {
		char **v = realloc(headers, (nheaders + 1) * sizeof *v);
		if (!v)
			abort();
		headers = v;
		headers[nheaders++] = h;
	}
	free(h);
	/* The body as --body TEXT: "@FILE" and "-" would read a file or stdin. */
	char *body = fuzz_string(data + (pos < size ? pos : size), pos < size ? size - pos : 0);
	char **tov = NULL, **ccv = NULL;
	size_t nto = 0, ncc = 0;
	struct msg m;

	if (net_check_value("s", subject, &e) < 0 || net_check_value("f", from, &e) < 0 ||
	    net_check_value("t", to, &e) < 0 || net_check_value("c", cc, &e) < 0 ||
	    body[0] == '@' || strcmp(body, "-") == 0)
		goto out;
	if ((to && msg_split_addresses(to, &tov, &nto) < 0) || (cc && msg_split_addresses(cc, &ccv, &ncc) < 0))
		abort();
	struct msg_opts o = {
		.from = from && *from ? from : "sender@example.com", .to = tov, .nto = nto,
		.cc = ccv, .ncc = ncc, .subject = subject, .body = body, .headers = headers,
		.nheaders = nheaders, .domain = "fuzz.example",
	};
	if (msg_build(&m, &o, &e) == 0) {
		if (!m.file)    /* in memory: all but a message over MSG_SPOOL_MEM */
			check(&m, headers, nheaders);
		msg_free(&m);
	}
out:
	for (size_t i = 0; i < nto; i++)
		free(tov[i]);
	for (size_t i = 0; i < ncc; i++)
		free(ccv[i]);
	for (size_t i = 0; i < nheaders; i++)
		free(headers[i]);
	free(tov);
	free(ccv);
	free(headers);
	free(subject);
	free(from);
	free(to);
	free(cc);
	free(body);
	return 0;
}
