/* mime_hdr.c - header fields of a composed message: folding, RFC 2047, addresses, --header. */
#include "msg_int.h"
#include "text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MIME_STAGE "message"
/* RFC 5322 2.1.1: lines SHOULD be at most 78 octets. */
#define MIME_FOLD 78
/* Octets of UTF-8 per RFC 2047 encoded-word: 52 base64 characters, so
 * "Subject: " and the word fit in 78 octets. */
#define MIME_WORD_IN 39
/* Longest RFC 2231 parameter section, so each fits a 78-octet line. */
#define MIME_PARAM_SEG 50

/* ---- encoders ---- */

/* Octets of the UTF-8 character at s, judged by its lead byte, so an
 * encoded-word never splits a character (RFC 2047 5 (3)). */
static size_t mime_utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n = 1;
	if (s[0] >= 0xf0 && s[0] <= 0xf7)
		n = 4;
	else if (s[0] >= 0xe0)
		n = 3;
	else if (s[0] >= 0xc0)
		n = 2;
	if (n > avail)
		n = avail;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return i;
	return n;
}

/* RFC 2047 encoded-words for s, separated by spaces (ignored between
 * adjacent encoded-words, 6.2) so the field can be folded. */
static void mime_words(struct text_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = i;
		while (k < n) {
			size_t l = mime_utf8_seq(u + k, n - k);
			if (k + l - i > MIME_WORD_IN)
				break;
			k += l;
		}
		if (i > 0)
			text_buf_str(b, " ");
		text_buf_str(b, "=?UTF-8?B?");
		char *enc = text_b64_encode(u + i, k - i);
		if (enc)
			text_buf_str(b, enc);
		else
			b->oom = true;
		free(enc);
		text_buf_str(b, "?=");
		i = k;
	}
}

static bool mime_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* ---- header fields ---- */

/* Write "Name: value" folded at whitespace (RFC 5322 2.2.3) so lines stay
 * within 78 octets where a break exists, and never pass 998. */
static int mime_field(struct msg *m, const char *f, size_t namelen, struct err *e)
{
	size_t n = strlen(f), start = 0;

	while (n - start > MIME_FOLD) {
		size_t brk = 0;
		/* A break goes before a WSP that follows visible text, so no line
		 * is whitespace only; not inside the field name. */
		for (size_t p = start + 1; p < n; p++) {
			if ((f[p] != ' ' && f[p] != '\t') || f[p - 1] == ' ' || f[p - 1] == '\t' ||
			    p <= namelen + 1)
				continue;
			/* The last break within the limit, else the first past it. */
			if (p - start <= MIME_FOLD || !brk)
				brk = p;
			if (p - start > MIME_FOLD)
				break;
		}
		if (!brk)
			break;
		if (brk - start > MSG_LINE_MAX)
			goto too_long;
		if (msg_spool_write(m, f + start, brk - start, e) < 0 ||
		    msg_spool_write(m, "\r\n", 2, e) < 0)
			return -1;
		start = brk;
	}
	if (n - start > MSG_LINE_MAX)
		goto too_long;
	if (msg_spool_write(m, f + start, n - start, e) < 0 || msg_spool_write(m, "\r\n", 2, e) < 0)
		return -1;
	return 0;
too_long:
	return err_set(e, ERR_USAGE, NULL, "header %.*s cannot be folded into lines of %d octets "
		       "(RFC 5322 2.1.1)", (int)namelen, f, MSG_LINE_MAX);
}

static int mime_field_buf(struct msg *m, struct text_buf *b, size_t namelen, struct err *e)
{
	int rc;
	if (b->oom)
		rc = err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");
	else
		rc = mime_field(m, b->p, namelen, e);
	free(b->p);
	memset(b, 0, sizeof *b);
	return rc;
}

/* An unstructured field body (RFC 5322 3.2.5): as is when it is ASCII,
 * else RFC 2047 encoded. */
static void mime_unstructured(struct text_buf *b, const char *s, bool encode)
{
	size_t n = strlen(s);
	if (!encode && mime_ascii(s, n))
		text_buf_add(b, s, n);
	else
		mime_words(b, s, n);
}

/* A display name as an RFC 5322 3.2.5 phrase. */
static void mime_phrase(struct text_buf *b, const char *s, size_t n)
{
	bool quoted = n >= 2 && s[0] == '"' && s[n - 1] == '"';

	if (!mime_ascii(s, n)) {
		struct text_buf plain = {0};
		if (quoted) {
			for (size_t i = 1; i + 1 < n; i++) {
				if (s[i] == '\\' && i + 2 < n)
					i++;
				text_buf_add(&plain, s + i, 1);
			}
		} else {
			text_buf_add(&plain, s, n);
		}
		if (plain.oom)
			b->oom = true;
		else
			mime_words(b, plain.p ? plain.p : "", plain.len);
		free(plain.p);
	} else if (quoted) {
		text_buf_add(b, s, n);
	} else {
		bool special = false;
		for (size_t i = 0; i < n; i++)
			if (strchr("()<>[]:;@\\,.\"", s[i]) || (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
				special = true;
		if (!special) {
			text_buf_add(b, s, n);
			return;
		}
		text_buf_str(b, "\"");
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				text_buf_str(b, "\\");
			text_buf_add(b, s + i, 1);
		}
		text_buf_str(b, "\"");
	}
}

/* "Name: a@b, Display <c@d>" from items each "addr" or "Name <addr>". */
static int mime_addr_field(struct msg *m, const char *name, char *const *list, size_t n,
			   struct err *e)
{
	struct text_buf b = {0};

	if (n == 0)
		return 0;
	text_buf_str(&b, name);
	text_buf_str(&b, ":");
	for (size_t i = 0; i < n; i++) {
		char *spec = msg_addr_spec(list[i], false, ERR_USAGE, e);
		if (!spec) {
			free(b.p);
			return -1;
		}
		/* The display name is what precedes the last '<' outside quotes. */
		const char *s = list[i], *lt = NULL;
		bool quote = false;
		for (const char *p = s; *p; p++) {
			if (quote && *p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quote = !quote;
			else if (!quote && *p == '<')
				lt = p;
		}
		size_t dlen = lt ? (size_t)(lt - s) : 0;
		while (dlen > 0 && (*s == ' ' || *s == '\t'))
			s++, dlen--;
		while (dlen > 0 && (s[dlen - 1] == ' ' || s[dlen - 1] == '\t'))
			dlen--;
		text_buf_str(&b, i ? ", " : " ");
		if (dlen) {
			mime_phrase(&b, s, dlen);
			text_buf_str(&b, " <");
			text_buf_str(&b, spec);
			text_buf_str(&b, ">");
		} else {
			text_buf_str(&b, spec);
		}
		free(spec);
	}
	return mime_field_buf(m, &b, strlen(name), e);
}

int mime_from_field(struct msg *m, const char *from, struct err *e)
{
	char *const list[] = {(char *)from};
	return mime_addr_field(m, "From", list, 1, e);
}

/* ---- --header ---- */

/* Check every --header; return the generated fields they replace in
 * *replaced.  64 for anything that is not a clean "Name: value". */
int mime_user_headers(const struct msg_opts *o, unsigned *replaced, struct err *e)
{
	static const struct {
		const char *name;
		unsigned bit;
	} gen[] = {
		{"From", MIME_H_FROM}, {"To", MIME_H_TO}, {"Cc", MIME_H_CC},
		{"Subject", MIME_H_SUBJECT}, {"Date", MIME_H_DATE}, {"Message-ID", MIME_H_MSGID},
		{"MIME-Version", 0}, {"Content-Type", 0}, {"Content-Transfer-Encoding", 0},
	};

	*replaced = 0;
	for (size_t i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i];
		const char *colon = strchr(h, ':');
		char shown[128];

		text_escape(h, strlen(h), shown, sizeof shown);
		if (text_has_control(h))
			return err_set(e, ERR_USAGE, NULL, "--header \"%s\": control character", shown);
		if (!colon || colon == h)
			return err_set(e, ERR_USAGE, NULL, "--header \"%s\": expected \"Name: value\"", shown);
		/* RFC 5322 2.2: ftext is printable ASCII except ":". */
		for (const char *p = h; p < colon; p++)
			if (*p <= 32 || *p >= 127)
				return err_set(e, ERR_USAGE, NULL, "--header \"%s\": invalid field name", shown);
		size_t n = (size_t)(colon - h);
		for (size_t k = 0; k < sizeof gen / sizeof gen[0]; k++) {
			if (strlen(gen[k].name) != n || text_ncasecmp(h, gen[k].name, n) != 0)
				continue;
			if (!gen[k].bit)
				return err_set(e, ERR_USAGE, NULL, "--header %s: set from --body, --html "
					       "and --attach", gen[k].name);
			*replaced |= gen[k].bit;
		}
	}
	return 0;
}

static int mime_user_header(struct msg *m, const char *h, struct err *e)
{
	const char *colon = strchr(h, ':');
	const char *v = colon + 1;
	struct text_buf b = {0};

	while (*v == ' ')
		v++;
	text_buf_add(&b, h, (size_t)(colon - h) + 1);
	if (*v) {
		text_buf_str(&b, " ");
		mime_unstructured(&b, v, false);
	}
	return mime_field_buf(m, &b, (size_t)(colon - h), e);
}

/* ---- attachments ---- */

/* The type for a file name's extension from /etc/mime.types. */
static char *mime_type_lookup(const char *name)
{
	const char *ext = strrchr(name, '.');
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	FILE *f;

	if (!ext || !ext[1] || !(f = fopen("/etc/mime.types", "r")))
		return strdup("application/octet-stream");
	ext++;
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL;
		char *type = strtok_r(line, " \t\r\n", &save);
		if (!type || type[0] == '#')
			continue;
		for (char *x; (x = strtok_r(NULL, " \t\r\n", &save));)
			if (text_casecmp(x, ext) == 0) {
				found = strdup(type);
				break;
			}
	}
	free(line);
	fclose(f);
	return found ? found : strdup("application/octet-stream");
}

static void mime_quoted(struct text_buf *b, const char *s)
{
	text_buf_str(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			text_buf_str(b, "\\");
		text_buf_add(b, s, 1);
	}
	text_buf_str(b, "\"");
}

int mime_attach_headers(struct msg *m, const struct msg_attach *a, struct err *e)
{
	const char *name = a->name;
	char *type;
	struct text_buf b = {0};

	if (!name) {
		const char *slash = strrchr(a->path, '/');
		name = slash ? slash + 1 : a->path;
	}
	if (!*name)
		name = "attachment";
	if (text_has_control(name))
		return err_set(e, ERR_USAGE, NULL, "attachment name of %s: control character", a->path);
	if (a->type) {
		if (text_has_control(a->type) || !strchr(a->type, '/') || !mime_ascii(a->type, strlen(a->type)))
			return err_set(e, ERR_USAGE, NULL, "attachment type \"%s\" is not a MIME type",
				       a->type);
		type = strdup(a->type);
	} else {
		type = mime_type_lookup(name);
	}
	if (!type)
		return err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");

	bool ascii = mime_ascii(name, strlen(name));
	text_buf_str(&b, "Content-Type: ");
	text_buf_str(&b, type);
	free(type);
	/* name= for clients that predate RFC 2231; RFC 2047 words in it are
	 * what those clients expect. */
	text_buf_str(&b, "; name=");
	if (ascii) {
		mime_quoted(&b, name);
	} else {
		text_buf_str(&b, "\"");
		mime_words(&b, name, strlen(name));
		text_buf_str(&b, "\"");
	}
	if (mime_field_buf(m, &b, strlen("Content-Type"), e) < 0)
		return -1;

	text_buf_str(&b, "Content-Disposition: attachment;");
	if (ascii && strlen(name) <= MIME_PARAM_SEG) {
		text_buf_str(&b, " filename=");
		mime_quoted(&b, name);
	} else {
		/* RFC 2231 3, 4: charset'language'percent-encoded octets, in
		 * numbered sections so the field can be folded. */
		struct text_buf v = {0};
		for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
			char pct[4];
			if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p)) {
				text_buf_add(&v, (const char *)p, 1);
			} else {
				snprintf(pct, sizeof pct, "%%%02X", *p);
				text_buf_str(&v, pct);
			}
		}
		if (v.oom)
			b.oom = true;
		for (size_t i = 0, sec = 0; !v.oom && i < v.len; sec++) {
			size_t k = v.len - i <= MIME_PARAM_SEG ? v.len : i + MIME_PARAM_SEG;
			/* Never split a %XX. */
			if (k < v.len && v.p[k - 1] == '%')
				k -= 1;
			else if (k < v.len && v.p[k - 2] == '%')
				k -= 2;
			char key[48];
			snprintf(key, sizeof key, "%s filename*%zu*=%s", sec ? ";" : "", sec,
				 sec ? "" : "utf-8''");
			text_buf_str(&b, key);
			text_buf_add(&b, v.p + i, k - i);
			i = k;
		}
		free(v.p);
	}
	if (mime_field_buf(m, &b, strlen("Content-Disposition"), e) < 0)
		return -1;
	return msg_spool_puts(m, "Content-Transfer-Encoding: base64\r\n\r\n", e);
}

int mime_headers(struct msg *m, const struct msg_opts *o, const char *subject,
			unsigned replaced, struct err *e)
{
	char line[512], date[128], id[400];
	struct text_buf b = {0};

	if (o->from && !(replaced & MIME_H_FROM)) {
		char *const from[] = {(char *)o->from};
		if (mime_addr_field(m, "From", from, 1, e) < 0)
			return -1;
	}
	if (!(replaced & MIME_H_TO) && mime_addr_field(m, "To", o->to, o->nto, e) < 0)
		return -1;
	if (!(replaced & MIME_H_CC) && mime_addr_field(m, "Cc", o->cc, o->ncc, e) < 0)
		return -1;
	if (subject && !(replaced & MIME_H_SUBJECT)) {
		if (text_has_control(subject))
			return err_set(e, ERR_USAGE, NULL, "--subject: control character");
		/* Encoded when 8-bit, when it holds what a reader would decode
		 * (RFC 2047 "=?"), or a word too long to fold. */
		size_t word = 0, longest = 0;
		for (const char *p = subject; *p; p++) {
			word = (*p == ' ' || *p == '\t') ? 0 : word + 1;
			if (word > longest)
				longest = word;
		}
		text_buf_str(&b, "Subject: ");
		mime_unstructured(&b, subject, strstr(subject, "=?") || longest > MIME_FOLD - 10);
		if (mime_field_buf(m, &b, strlen("Subject"), e) < 0)
			return -1;
	}
	if (!(replaced & MIME_H_DATE)) {
		msg_date(date, sizeof date);
		snprintf(line, sizeof line, "Date: %s\r\n", date);
		if (msg_spool_puts(m, line, e) < 0)
			return -1;
	}
	if (!(replaced & MIME_H_MSGID) && !o->no_message_id) {
		if (msg_message_id(id, sizeof id, o->domain, e) < 0)
			return -1;
		snprintf(line, sizeof line, "Message-ID: %s\r\n", id);
		if (msg_spool_puts(m, line, e) < 0)
			return -1;
	}
	if (msg_spool_puts(m, "MIME-Version: 1.0\r\n", e) < 0)
		return -1;
	for (size_t i = 0; i < o->nheaders; i++)
		if (mime_user_header(m, o->headers[i], e) < 0)
			return -1;
	return 0;
}
