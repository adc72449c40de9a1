/* reply.c - strict parsing of SMTP replies (RFC 5321 4.2) and EHLO capabilities. */
#include "reply.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* RFC 3463 2: class "." subject "." detail, subject and detail 1-3 digits;
 * RFC 2034 puts it first on the line, followed by a space.  Only taken when
 * the class matches the basic code's. */
static void parse_enhanced(struct reply *r, const char *t, size_t len)
{
	size_t i = 0;
	int cls = r->code / 100;

	if (len < 5 || t[0] != (char)('0' + cls) || t[1] != '.')
		return;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (i < len && is_digit(t[i]) && i - start < 4)
			i++;
		if (i == start || i - start > 3)
			return;
		if (part == 0) {
			if (i >= len || t[i] != '.')
				return;
			i++;
		}
	}
	if (i < len && t[i] != ' ')
		return;
	if (i >= sizeof r->enhanced)
		return;
	memcpy(r->enhanced, t, i);
	r->enhanced[i] = '\0';
}

static int reply_append(struct reply *r, const char *text, size_t len)
{
	char **lines = realloc(r->lines, (r->nlines + 1) * sizeof *lines);
	if (!lines)
		return -1;
	r->lines = lines;
	size_t *lens = realloc(r->lens, (r->nlines + 1) * sizeof *lens);
	if (!lens)
		return -1;
	r->lens = lens;
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	r->lines[r->nlines] = copy;
	r->lens[r->nlines] = len;
	r->nlines++;
	return 0;
}

enum reply_status reply_feed(struct reply *r, const char *line, size_t len,
			     bool bare_lf, const char **why)
{
	*why = NULL;
	if (r->complete) {
		*why = "reply already complete";
		return REPLY_MALFORMED;
	}
	if (len > REPLY_LINE_MAX) {
		*why = "reply line too long";
		return REPLY_MALFORMED;
	}
	/* RFC 5321 4.2: textstring = 1*(%d09 / %d32-126); a lone CR or any
	 * other control byte is no reply text (a CR ending the line before LF
	 * is not in line).  8-bit bytes are let through: SMTPUTF8 servers
	 * (RFC 6531 3.7.4) and old Latin-1 banners send them. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		*why = c == '\0' ? "NUL byte in reply"
		       : c == '\r' ? "CR without LF in reply"
		       : "control character in reply (RFC 5321 4.2: text is TAB and printable characters)";
		return REPLY_MALFORMED;
	}
	/* RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39 */
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5'
	    || !is_digit(line[2])) {
		*why = "not a reply code";
		return REPLY_MALFORMED;
	}
	bool last;
	if (len == 3 || line[3] == ' ')
		last = true;
	else if (line[3] == '-')
		last = false;
	else {
		*why = "reply code not followed by space or hyphen";
		return REPLY_MALFORMED;
	}
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		*why = "different codes in one multiline reply";
		return REPLY_MALFORMED;
	}
	if (r->nlines >= REPLY_LINES_MAX) {
		*why = "too many lines in one reply";
		return REPLY_MALFORMED;
	}
	r->code = code;
	const char *text = len > 4 ? line + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;
	if (reply_append(r, text, tlen) < 0) {
		*why = "out of memory";
		return REPLY_MALFORMED;
	}
	if (r->nlines == 1)
		parse_enhanced(r, text, tlen);
	r->bare_lf |= bare_lf;
	if (last)
		r->complete = true;
	return last ? REPLY_DONE : REPLY_MORE;
}

void reply_free(struct reply *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r->lens);
	memset(r, 0, sizeof *r);
}

int reply_class(const struct reply *r)
{
	return r->code / 100;
}

void reply_summary(const struct reply *r, char *buf, size_t size)
{
	if (size == 0)
		return;
	if (r->nlines == 0) {
		snprintf(buf, size, "%d", r->code);
		return;
	}
	int n = snprintf(buf, size, "%d ", r->code);
	if (n < 0 || (size_t)n >= size)
		return;
	/* The last line usually carries the reason in a multiline refusal. */
	size_t i = r->nlines - 1;
	if (r->lens[i] == 0 && r->nlines > 1)
		i = 0;
	text_escape(r->lines[i], r->lens[i], buf + n, size - (size_t)n);
}

static char *dup_range(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static bool valid_keyword(const char *k)
{
	if (!is_alnum(*k))
		return false;
	for (k++; *k; k++)
		if (!is_alnum(*k) && *k != '-')
			return false;
	return true;
}

/* Split one capability line into keyword and parameters on spaces. */
static int parse_cap_line(const char *line, struct ehlo_cap *cap)
{
	memset(cap, 0, sizeof *cap);
	const char *p = line;
	while (*p == ' ')
		p++;
	const char *end = p;
	while (*end && *end != ' ')
		end++;
	const char *eq = memchr(p, '=', (size_t)(end - p));
	/* Pre-standard "AUTH=LOGIN PLAIN" (draft-myers-smtp-auth, still sent
	 * for Outlook Express) names mechanisms after '='. */
	if (eq && (size_t)(eq - p) == 4 && text_ncasecmp(p, "auth", 4) == 0) {
		cap->keyword = dup_range(p, 4);
		cap->legacy = true;
		p = eq + 1;
	} else {
		cap->keyword = dup_range(p, (size_t)(end - p));
		p = end;
	}
	if (!cap->keyword)
		return -1;
	cap->malformed = !valid_keyword(cap->keyword);
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = p;
		while (*end && *end != ' ')
			end++;
		char **params = realloc(cap->params, (cap->nparams + 1) * sizeof *params);
		if (!params)
			return -1;
		cap->params = params;
		if (!(cap->params[cap->nparams] = dup_range(p, (size_t)(end - p))))
			return -1;
		cap->nparams++;
		p = end;
	}
	return 0;
}

int ehlo_parse(const struct reply *r, struct ehlo_caps *caps)
{
	memset(caps, 0, sizeof *caps);
	if (r->nlines == 0)
		return -1;
	const char *first = r->lines[0];
	const char *sp = strchr(first, ' ');
	size_t dlen = sp ? (size_t)(sp - first) : strlen(first);
	caps->domain = dup_range(first, dlen);
	caps->greet_text = strdup(sp ? sp + 1 : "");
	if (!caps->domain || !caps->greet_text)
		goto fail;
	if (r->nlines > 1) {
		caps->caps = calloc(r->nlines - 1, sizeof *caps->caps);
		if (!caps->caps)
			goto fail;
	}
	for (size_t i = 1; i < r->nlines; i++) {
		if (r->lens[i] == 0)
			continue;
		if (parse_cap_line(r->lines[i], &caps->caps[caps->n]) < 0) {
			caps->n++;
			goto fail;
		}
		caps->n++;
	}
	return 0;
fail:
	ehlo_free(caps);
	return -1;
}

void ehlo_free(struct ehlo_caps *caps)
{
	for (size_t i = 0; i < caps->n; i++) {
		for (size_t k = 0; k < caps->caps[i].nparams; k++)
			free(caps->caps[i].params[k]);
		free(caps->caps[i].params);
		free(caps->caps[i].keyword);
	}
	free(caps->caps);
	free(caps->domain);
	free(caps->greet_text);
	memset(caps, 0, sizeof *caps);
}

const struct ehlo_cap *ehlo_find(const struct ehlo_caps *caps, const char *keyword)
{
	for (size_t i = 0; i < caps->n; i++)
		if (!caps->caps[i].legacy && text_casecmp(caps->caps[i].keyword, keyword) == 0)
			return &caps->caps[i];
	return NULL;
}

bool ehlo_has(const struct ehlo_caps *caps, const char *keyword)
{
	return ehlo_find(caps, keyword) != NULL;
}

int ehlo_size(const struct ehlo_caps *caps, uint64_t *size)
{
	const struct ehlo_cap *c = ehlo_find(caps, "SIZE");
	if (!c)
		return 0;
	*size = 0;
	if (c->nparams == 0)
		return 1;
	if (c->nparams > 1)
		return -1;
	const char *p = c->params[0];
	if (!*p)
		return -1;
	uint64_t v = 0;
	for (; *p; p++) {
		if (!is_digit(*p))
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*size = v;
	return 1;
}

bool ehlo_offers_auth(const struct ehlo_caps *caps)
{
	for (size_t i = 0; i < caps->n; i++)
		if (text_casecmp(caps->caps[i].keyword, "AUTH") == 0)
			return true;
	return false;
}

bool ehlo_has_auth(const struct ehlo_caps *caps, const char *mechanism)
{
	for (size_t i = 0; i < caps->n; i++) {
		const struct ehlo_cap *c = &caps->caps[i];
		if (text_casecmp(c->keyword, "AUTH") != 0)
			continue;
		for (size_t k = 0; k < c->nparams; k++)
			if (text_casecmp(c->params[k], mechanism) == 0)
				return true;
	}
	return false;
}
