/* mime.c - the body of a composed message: text parts, quoted-printable, base64, multipart. */
#include "msg_int.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIME_STAGE "message"
/* RFC 2045 6.7 (5): encoded lines at most 76 octets, "=" included. */
#define MIME_QP_LINE 76
/* RFC 2045 6.8: base64 lines of 76 characters hold 57 octets. */
#define MIME_B64_LINE 76
#define MIME_B64_IN 57

/* ---- text parts ---- */

struct mime_out {
	struct msg *m;
	size_t len;
	char buf[MSG_CHUNK];
};

static int mime_flush(struct mime_out *w, struct err *e)
{
	int rc = msg_spool_write(w->m, w->buf, w->len, e);
	w->len = 0;
	return rc;
}

static int mime_put(struct mime_out *w, const char *s, size_t n, struct err *e)
{
	if (w->len + n > sizeof w->buf && mime_flush(w, e) < 0)
		return -1;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return 0;
}

/* A text body, normalised to CRLF in its own spool before its headers
 * are written: the transfer encoding depends on all of it. */
struct mime_text {
	struct msg spool;
	bool eightbit, longline;
};

static int mime_text_load(struct mime_text *t, const char *arg, bool stdin_ok, const char *what,
			  struct err *e)
{
	FILE *in = NULL;
	const char *name = what;
	size_t col = 0;
	bool cr = false;
	unsigned long long lineno = 1;
	int rc = -1;
	struct mime_out *w = malloc(sizeof *w);
	char *buf = malloc(MSG_CHUNK);

	if (!w || !buf) {
		err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");
		goto out;
	}
	w->m = &t->spool;
	w->len = 0;
	if (arg[0] == '@') {
		name = arg + 1;
		if (!(in = fopen(name, "rb"))) {
			err_set(e, ERR_NOINPUT, MIME_STAGE, "cannot open %s: %s", name, strerror(errno));
			goto out;
		}
	} else if (stdin_ok && strcmp(arg, "-") == 0) {
		in = stdin;
		name = "standard input";
	}
	size_t textlen = in ? 0 : strlen(arg);
	for (;;) {
		const char *p = arg;
		size_t n = textlen;
		if (in) {
			n = fread(buf, 1, MSG_CHUNK, in);
			p = buf;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			char c = p[i];
			if (cr && c != '\n') {
				err_set(e, ERR_INPUT, MIME_STAGE, "%s: line %llu: CR not followed by LF",
					name, lineno);
				goto out;
			}
			if (c == '\r') {
				cr = true;
			} else if (c == '\n') {
				cr = false;
				col = 0;
				lineno++;
				if (mime_put(w, "\r\n", 2, e) < 0)
					goto out;
			} else if (c == '\0') {
				err_set(e, ERR_INPUT, MIME_STAGE, "%s: line %llu: NUL octet", name, lineno);
				goto out;
			} else {
				if (++col > MSG_LINE_MAX)
					t->longline = true;
				if ((unsigned char)c >= 0x80)
					t->eightbit = true;
				if (mime_put(w, &c, 1, e) < 0)
					goto out;
			}
		}
		if (!in)
			break;
	}
	if (in && ferror(in)) {
		err_set(e, ERR_NOINPUT, MIME_STAGE, "cannot read %s: %s", name, strerror(errno));
		goto out;
	}
	if (cr) {
		err_set(e, ERR_INPUT, MIME_STAGE, "%s: line %llu: CR not followed by LF", name, lineno);
		goto out;
	}
	if (col > 0 && mime_put(w, "\r\n", 2, e) < 0)
		goto out;
	if (mime_flush(w, e) < 0)
		goto out;
	if (t->spool.file && fflush(t->spool.file) != 0) {
		err_set(e, ERR_LOCAL_IO, MIME_STAGE, "cannot write temporary file: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (in && in != stdin)
		fclose(in);
	free(buf);
	free(w);
	return rc;
}

static bool mime_text_7bit(const struct mime_text *t)
{
	return !t->eightbit && !t->longline;
}

static int mime_text_headers(struct msg *m, const char *subtype, const struct mime_text *t,
			     struct err *e)
{
	char h[160];
	snprintf(h, sizeof h, "Content-Type: text/%s; charset=%s\r\n"
		 "Content-Transfer-Encoding: %s\r\n",
		 subtype, t->eightbit ? "utf-8" : "us-ascii",
		 mime_text_7bit(t) ? "7bit" : "quoted-printable");
	return msg_spool_puts(m, h, e);
}

struct mime_qp {
	struct mime_out *w;
	size_t col;
};

static int mime_qp_put(struct mime_qp *q, unsigned char c, bool literal, struct err *e)
{
	size_t n = literal ? 1 : 3;

	/* RFC 2045 6.7 (5): a soft line break "=" keeps lines within 76. */
	if (q->col + n > MIME_QP_LINE - 1) {
		if (mime_put(q->w, "=\r\n", 3, e) < 0)
			return -1;
		q->col = 0;
	}
	char enc[4] = {(char)c, 0, 0, 0};
	if (!literal)
		snprintf(enc, sizeof enc, "=%02X", c);   /* RFC 2045 6.7 (1): upper case */
	q->col += n;
	return mime_put(q->w, enc, n, e);
}

/* The body of a text part, from its spool: as is (7bit) or RFC 2045 6.7
 * quoted-printable. */
static int mime_text_body(struct msg *m, struct mime_text *t, struct err *e)
{
	struct mime_out *w = malloc(sizeof *w);
	char *buf = malloc(MSG_CHUNK);
	struct mime_qp q = {.w = w};
	bool cr = false, qp = !mime_text_7bit(t);
	int ws = 0, rc = -1;
	ssize_t n;

	if (!w || !buf) {
		err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");
		goto out;
	}
	w->m = m;
	w->len = 0;
	if (msg_rewind(&t->spool) < 0) {
		err_set(e, ERR_LOCAL_IO, MIME_STAGE, "cannot read temporary file: %s", strerror(errno));
		goto out;
	}
	while ((n = msg_read(&t->spool, buf, MSG_CHUNK)) > 0) {
		if (!qp) {
			if (msg_spool_write(m, buf, (size_t)n, e) < 0)
				goto out;
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (cr) {
				/* The spool holds CRLF only: this is the LF. */
				cr = false;
				/* RFC 2045 6.7 (3): whitespace at the end of a line is encoded. */
				if (ws && mime_qp_put(&q, (unsigned char)ws, false, e) < 0)
					goto out;
				ws = 0;
				if (mime_put(w, "\r\n", 2, e) < 0)
					goto out;
				q.col = 0;
				continue;
			}
			if (c == '\r') {
				cr = true;
				continue;
			}
			if (ws && mime_qp_put(&q, (unsigned char)ws, true, e) < 0)
				goto out;
			ws = 0;
			if (c == ' ' || c == '\t')
				ws = c;
			else if (mime_qp_put(&q, c, c >= 33 && c <= 126 && c != '=', e) < 0)
				goto out;
		}
	}
	if (n < 0) {
		err_set(e, ERR_LOCAL_IO, MIME_STAGE, "cannot read temporary file: %s", strerror(errno));
		goto out;
	}
	if (ws && mime_qp_put(&q, (unsigned char)ws, false, e) < 0)
		goto out;
	rc = mime_flush(w, e);
out:
	free(buf);
	free(w);
	return rc;
}

/* A whole text part: headers, blank line, body. */
static int mime_text_part(struct msg *m, const char *subtype, struct mime_text *t, struct err *e)
{
	if (mime_text_headers(m, subtype, t, e) < 0 || msg_spool_write(m, "\r\n", 2, e) < 0)
		return -1;
	/* An empty body still needs the line the next delimiter's CRLF takes. */
	if (t->spool.size == 0)
		return msg_spool_write(m, "\r\n", 2, e);
	return mime_text_body(m, t, e);
}

/* The file as RFC 2045 6.8 base64 in 76-character lines, a chunk at a time. */
static int mime_attach_body(struct msg *m, const char *path, struct err *e)
{
	enum { LINES = 1024 };
	unsigned char *in = malloc(MIME_B64_IN * LINES);
	char *out = malloc((MIME_B64_LINE + 2) * LINES);
	FILE *f = NULL;
	int rc = -1;
	size_t n;

	if (!in || !out) {
		err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");
		goto out;
	}
	if (!(f = fopen(path, "rb"))) {
		err_set(e, ERR_NOINPUT, MIME_STAGE, "cannot open attachment %s: %s", path, strerror(errno));
		goto out;
	}
	/* fread fills the buffer but at the end, so only the last line is
	 * short; and 57 octets are whole quanta, so the chunk encoded at once
	 * is its lines encoded one by one, laid end to end. */
	while ((n = fread(in, 1, MIME_B64_IN * LINES, f)) > 0) {
		char *b64 = text_b64_encode(in, n);
		if (!b64) {
			err_set(e, ERR_INTERNAL, MIME_STAGE, "out of memory");
			goto out;
		}
		size_t blen = strlen(b64), o = 0;
		for (size_t i = 0; i < blen; i += MIME_B64_LINE) {
			size_t k = blen - i < MIME_B64_LINE ? blen - i : MIME_B64_LINE;
			memcpy(out + o, b64 + i, k);
			o += k;
			out[o++] = '\r';
			out[o++] = '\n';
		}
		free(b64);
		if (msg_spool_write(m, out, o, e) < 0)
			goto out;
	}
	if (ferror(f)) {
		err_set(e, ERR_NOINPUT, MIME_STAGE, "cannot read attachment %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(in);
	free(out);
	return rc;
}

/* ---- the message ---- */

static int mime_boundary(char *buf, size_t size, struct err *e)
{
	unsigned char r[16];
	/* "=_" cannot occur in quoted-printable or base64 output (RFC 2045
	 * 6.7, 6.8), and 128 random bits cannot occur by chance anywhere. */
	if (msg_random(r, sizeof r, e) < 0)
		return -1;
	int o = snprintf(buf, size, "=_smtpkit_");
	text_hex(r, sizeof r, buf + o, size - (size_t)o);
	return 0;
}

static int mime_delimiter(struct msg *m, const char *boundary, bool close, struct err *e)
{
	char line[80];
	snprintf(line, sizeof line, "--%s%s\r\n", boundary, close ? "--" : "");
	return msg_spool_puts(m, line, e);
}

static int mime_multipart_header(struct msg *m, const char *subtype, const char *boundary,
				 struct err *e)
{
	char line[160];
	snprintf(line, sizeof line, "Content-Type: multipart/%s;\r\n boundary=\"%s\"\r\n",
		 subtype, boundary);
	return msg_spool_puts(m, line, e);
}

/* text/plain and text/html as RFC 2046 5.1.4 multipart/alternative. */
static int mime_alternative(struct msg *m, struct mime_text *text, struct mime_text *html,
			    const char *boundary, struct err *e)
{
	if (mime_delimiter(m, boundary, false, e) < 0 || mime_text_part(m, "plain", text, e) < 0 ||
	    mime_delimiter(m, boundary, false, e) < 0 || mime_text_part(m, "html", html, e) < 0)
		return -1;
	return mime_delimiter(m, boundary, true, e);
}


int mime_compose(struct msg *m, const struct msg_opts *o, struct err *e)
{
	struct mime_text text = {0}, html = {0};
	const char *subject = o->subject;
	char outer[64], inner[64], test[256];
	unsigned replaced;
	int rc = -1;

	if (mime_user_headers(o, &replaced, e) < 0)
		return -1;
	const char *body = o->body;
	if (!body && o->stdin_is_tty) {
		char date[128];
		msg_date(date, sizeof date);
		snprintf(test, sizeof test, "This is a test message sent by smtpkit on %s.\n", date);
		body = test;
		if (!subject)
			subject = "smtpkit test message";
	} else if (!body) {
		body = "-";
	}
	if (mime_text_load(&text, body, body != test, "--body", e) < 0)
		goto out;
	if (o->html && mime_text_load(&html, o->html, false, "--html", e) < 0)
		goto out;
	if (mime_headers(m, o, subject, replaced, e) < 0)
		goto out;

	if (!o->html && o->nattach == 0) {
		rc = mime_text_part(m, "plain", &text, e);
		goto out;
	}
	if (mime_boundary(outer, sizeof outer, e) < 0 ||
	    mime_multipart_header(m, o->nattach ? "mixed" : "alternative", outer, e) < 0 ||
	    msg_spool_puts(m, "\r\nThis is a multi-part message in MIME format.\r\n\r\n", e) < 0)
		goto out;
	if (!o->nattach) {
		rc = mime_alternative(m, &text, &html, outer, e);
		goto out;
	}
	/* RFC 2046 5.1.3 multipart/mixed: the body first, then each file. */
	if (mime_delimiter(m, outer, false, e) < 0)
		goto out;
	if (o->html) {
		if (mime_boundary(inner, sizeof inner, e) < 0 ||
		    mime_multipart_header(m, "alternative", inner, e) < 0 ||
		    msg_spool_write(m, "\r\n", 2, e) < 0 ||
		    mime_alternative(m, &text, &html, inner, e) < 0)
			goto out;
	} else if (mime_text_part(m, "plain", &text, e) < 0) {
		goto out;
	}
	for (size_t i = 0; i < o->nattach; i++)
		if (mime_delimiter(m, outer, false, e) < 0 ||
		    mime_attach_headers(m, &o->attach[i], e) < 0 ||
		    mime_attach_body(m, o->attach[i].path, e) < 0)
			goto out;
	rc = mime_delimiter(m, outer, true, e);
out:
	msg_free(&text.spool);
	msg_free(&html.spool);
	return rc;
}
