/* msg_data.c - reading --data: line checks, Date and Message-ID, -t recipients, Bcc removal. */
#include "msg_int.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MSG_STAGE "message"
/* Longest address item in a header kept while parsing; anything longer
 * breaks RFC 5321 4.5.3.1 anyway. */
#define MSG_ALIST_MAX 1024

/* ---- --data: address lists in header fields ---- */

/* An RFC 5322 3.4 address-list, fed a piece of an unfolded field body at
 * a time: display names, quoted strings, comments and groups are
 * skipped, each addr-spec is checked and kept. */
struct msg_alist {
	const char *field;
	char cur[MSG_ALIST_MAX];
	size_t len;
	bool overflow, quote, esc, angle, angled, stop;
	int comment;
	struct msg *m;          /* every address to m->recipients, or */
	char **first;           /* only the first one here */
	struct err *first_err;
};

static void msg_alist_reset(struct msg_alist *a)
{
	a->len = 0;
	a->overflow = a->angle = a->angled = false;
}

static void msg_alist_add(struct msg_alist *a, char c)
{
	if (a->len + 1 < sizeof a->cur)
		a->cur[a->len++] = c;
	else
		a->overflow = true;
}

static int msg_alist_item(struct msg_alist *a, struct err *e)
{
	if (a->stop)
		return 0;
	while (a->len > 0 && (a->cur[a->len - 1] == ' ' || a->cur[a->len - 1] == '\t'))
		a->len--;
	size_t off = 0;
	while (off < a->len && (a->cur[off] == ' ' || a->cur[off] == '\t'))
		off++;
	if (a->len == off && !a->angled && !a->overflow) {
		msg_alist_reset(a);
		return 0;
	}
	struct err le = {0};
	char *spec = NULL;
	if (a->overflow) {
		err_set(&le, ERR_INPUT, MSG_STAGE, "address too long: over %d octets, RFC 5321 4.5.3.1 allows %d",
			MSG_ALIST_MAX - 1, MSG_PATH_MAX);
	} else {
		a->cur[a->len] = '\0';
		spec = msg_addr_spec(a->cur + off, false, ERR_INPUT, &le);
	}
	msg_alist_reset(a);
	if (a->first) {
		if (spec)
			*a->first = spec;
		else
			*a->first_err = le;
		a->stop = true;
		return 0;
	}
	if (!spec)
		return err_set(e, ERR_INPUT, MSG_STAGE, "%s header: %s", a->field, le.msg);
	return msg_add_recipient(a->m, spec, e);
}

static int msg_alist_feed(struct msg_alist *a, const char *s, size_t n, struct err *e)
{
	for (size_t i = 0; i < n && !a->stop; i++) {
		char c = s[i];
		if (a->esc) {
			a->esc = false;
			if (!a->comment)
				msg_alist_add(a, c);
		} else if (a->comment) {
			if (c == '\\')
				a->esc = true;
			else if (c == '(')
				a->comment++;
			else if (c == ')')
				a->comment--;
		} else if (a->quote) {
			msg_alist_add(a, c);
			if (c == '\\')
				a->esc = true;
			else if (c == '"')
				a->quote = false;
		} else if (c == '(') {
			a->comment = 1;
		} else if (a->angle) {
			if (c == '>') {
				a->angle = false;
				a->angled = true;
			} else {
				if (c == '"')
					a->quote = true;
				msg_alist_add(a, c);
			}
		} else if (c == ',' || c == ';') {
			/* ';' ends a group (RFC 5322 3.4), and its last item. */
			if (msg_alist_item(a, e) < 0)
				return -1;
		} else if (a->angled) {
			continue;       /* after "<spec>" only CFWS belongs */
		} else if (c == '<') {
			msg_alist_reset(a);     /* what came before was the display name */
			a->angle = true;
		} else if (c == ':') {
			msg_alist_reset(a);     /* the display name of a group */
		} else {
			if (c == '"')
				a->quote = true;
			msg_alist_add(a, c);
		}
	}
	return 0;
}

/* ---- --data: the raw message ---- */

enum msg_field {
	MSG_F_NONE, MSG_F_OTHER, MSG_F_DATE, MSG_F_MSGID, MSG_F_TO, MSG_F_CC, MSG_F_BCC,
	MSG_F_FROM, MSG_F_SENDER,
};

struct msg_data {
	struct msg *m;
	const struct msg_opts *o;
	struct msg hdr;         /* the header section, until Date and Message-ID are known */
	bool in_body, have_date, have_msgid;
	enum msg_field field;
	bool drop;              /* the field is a Bcc being removed */
	bool parsing;
	struct msg_alist al;
	char *from, *sender;
	bool from_seen, sender_seen;
	struct err from_err, sender_err;
};

static enum msg_field msg_field_kind(const char *line, size_t len, size_t *colon)
{
	static const struct {
		const char *name;
		enum msg_field kind;
	} names[] = {
		{"Date", MSG_F_DATE}, {"Message-ID", MSG_F_MSGID}, {"To", MSG_F_TO},
		{"Cc", MSG_F_CC}, {"Bcc", MSG_F_BCC}, {"From", MSG_F_FROM},
		{"Sender", MSG_F_SENDER},
	};
	const char *c = memchr(line, ':', len);
	if (!c)
		return MSG_F_NONE;
	size_t n = (size_t)(c - line);
	*colon = n;
	/* RFC 5322 4.5.3 allows WSP before the colon. */
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == 0)
		return MSG_F_NONE;
	for (size_t i = 0; i < n; i++)
		if (line[i] <= 32 || line[i] >= 127)
			return MSG_F_NONE;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && text_ncasecmp(line, names[i].name, n) == 0)
			return names[i].kind;
	return MSG_F_OTHER;
}

static int msg_data_field_end(struct msg_data *d, struct err *e)
{
	if (d->parsing && msg_alist_item(&d->al, e) < 0)
		return -1;
	d->parsing = false;
	return 0;
}

static void msg_data_field_start(struct msg_data *d, enum msg_field kind)
{
	struct msg_alist *a = &d->al;

	memset(a, 0, sizeof *a);
	d->field = kind;
	d->drop = false;
	switch (kind) {
	case MSG_F_DATE:
		d->have_date = true;
		break;
	case MSG_F_MSGID:
		d->have_msgid = true;
		d->drop = d->o->no_message_id;
		break;
	case MSG_F_BCC:
	case MSG_F_TO:
	case MSG_F_CC:
		if (kind == MSG_F_BCC && !d->o->keep_bcc) {
			/* RFC 5322 3.6.3: Bcc recipients get the message, nobody
			 * sees them; removed whenever we relay (sendmail -t, msmtp). */
			d->drop = true;
			d->m->has_bcc_removed = true;
		}
		if (!d->o->read_recipients)
			break;
		a->field = kind == MSG_F_TO ? "To" : kind == MSG_F_CC ? "Cc" : "Bcc";
		a->m = d->m;
		d->parsing = true;
		break;
	case MSG_F_FROM:
	case MSG_F_SENDER:
		{
			bool *seen = kind == MSG_F_FROM ? &d->from_seen : &d->sender_seen;
			if (*seen)
				break;  /* the first one counts */
			*seen = true;
			/* sendmail mode, from-header on: the account's From wins. */
			if (kind == MSG_F_FROM && d->o->add_from && d->o->replace_from)
				d->drop = true;
			a->field = kind == MSG_F_FROM ? "From" : "Sender";
			a->first = kind == MSG_F_FROM ? &d->from : &d->sender;
			a->first_err = kind == MSG_F_FROM ? &d->from_err : &d->sender_err;
			d->parsing = true;
		}
		break;
	default:
		break;
	}
}

static int msg_data_headers_end(struct msg_data *d, bool blank, struct err *e)
{
	char buf[4096];
	char line[512];

	if (msg_data_field_end(d, e) < 0)
		return -1;
	/* RFC 5322 3.6: From is required; sendmail adds it, and so do we in
	 * its stead. */
	if (d->o->add_from && (!d->from_seen || d->o->replace_from)
	    && mime_from_field(d->m, d->o->add_from, e) < 0)
		return -1;
	if (!d->have_date) {
		char date[128];
		msg_date(date, sizeof date);
		snprintf(line, sizeof line, "Date: %s\r\n", date);
		if (msg_spool_puts(d->m, line, e) < 0)
			return -1;
	}
	if (!d->have_msgid && !d->o->no_message_id) {
		char id[400];
		if (msg_message_id(id, sizeof id, d->o->domain, e) < 0)
			return -1;
		snprintf(line, sizeof line, "Message-ID: %s\r\n", id);
		if (msg_spool_puts(d->m, line, e) < 0)
			return -1;
	}
	if (msg_rewind(&d->hdr) < 0)
		return err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot read temporary file: %s", strerror(errno));
	ssize_t n;
	while ((n = msg_read(&d->hdr, buf, sizeof buf)) > 0)
		if (msg_spool_write(d->m, buf, (size_t)n, e) < 0)
			return -1;
	if (n < 0)
		return err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot read temporary file: %s", strerror(errno));
	msg_free(&d->hdr);
	d->in_body = true;
	return blank ? msg_spool_write(d->m, "\r\n", 2, e) : 0;
}

static int msg_data_line(struct msg_data *d, char *line, size_t len, struct err *e)
{
	if (d->in_body) {
		/* The line buffer has room for the CRLF. */
		line[len] = '\r';
		line[len + 1] = '\n';
		return msg_spool_write(d->m, line, len + 2, e);
	}
	if (len == 0)
		return msg_data_headers_end(d, true, e);
	if (line[0] == ' ' || line[0] == '\t') {
		/* RFC 5322 2.2.3: a folded continuation of the field above. */
		if (d->parsing && msg_alist_feed(&d->al, line, len, e) < 0)
			return -1;
	} else {
		size_t colon = 0;
		if (msg_data_field_end(d, e) < 0)
			return -1;
		enum msg_field kind = msg_field_kind(line, len, &colon);
		msg_data_field_start(d, kind);
		if (d->parsing && msg_alist_feed(&d->al, line + colon + 1, len - colon - 1, e) < 0)
			return -1;
	}
	if (d->drop)
		return 0;
	line[len] = '\r';
	line[len + 1] = '\n';
	return msg_spool_write(&d->hdr, line, len + 2, e);
}

static int msg_data_choose_sender(struct msg_data *d, struct err *e)
{
	char **which = d->sender_seen ? &d->sender : &d->from;
	struct err *werr = d->sender_seen ? &d->sender_err : &d->from_err;
	bool seen = d->sender_seen || d->from_seen;

	if (*which) {
		d->m->sender = *which;
		*which = NULL;
	} else if (seen && !d->o->from) {
		/* The envelope sender would come from this header (SPEC 3). */
		return err_set(e, ERR_INPUT, MSG_STAGE, "%s header: %s",
			       d->sender_seen ? "Sender" : "From",
			       err_is_set(werr) ? werr->msg : "no address");
	}
	return 0;
}

int msg_data_read(struct msg *m, const struct msg_opts *o, struct err *e)
{
	struct msg_data d = {.m = m, .o = o};
	char line[MSG_LINE_MAX + 2];
	size_t len = 0;
	bool cr = false;
	uint64_t lineno = 1, total = 0;
	int rc = -1;
	FILE *in = stdin;
	bool is_stdin = strcmp(o->data, "-") == 0;
	const char *name = is_stdin ? "standard input" : o->data;
	char *buf = malloc(MSG_CHUNK);

	if (!buf)
		return err_set(e, ERR_INTERNAL, MSG_STAGE, "out of memory");
	if (!is_stdin && !(in = fopen(o->data, "rb"))) {
		err_set(e, ERR_NOINPUT, MSG_STAGE, "cannot open %s: %s", name, strerror(errno));
		goto out;
	}
	size_t n;
	while ((n = fread(buf, 1, MSG_CHUNK, in)) > 0) {
		total += n;
		for (size_t i = 0; i < n; i++) {
			char c = buf[i];
			if (cr && c != '\n') {
				err_set(e, ERR_INPUT, MSG_STAGE, "%s: line %llu: CR not followed by LF",
					name, (unsigned long long)lineno);
				goto out;
			}
			if (c == '\r') {
				cr = true;
			} else if (c == '\n') {
				cr = false;
				if (msg_data_line(&d, line, len, e) < 0)
					goto out;
				len = 0;
				lineno++;
			} else if (c == '\0') {
				err_set(e, ERR_INPUT, MSG_STAGE, "%s: line %llu: NUL octet",
					name, (unsigned long long)lineno);
				goto out;
			} else if (len == MSG_LINE_MAX) {
				err_set(e, ERR_INPUT, MSG_STAGE,
					"%s: line %llu is longer than %d octets (RFC 5322 2.1.1)",
					name, (unsigned long long)lineno, MSG_LINE_MAX);
				goto out;
			} else {
				line[len++] = c;
			}
		}
	}
	if (ferror(in)) {
		err_set(e, ERR_NOINPUT, MSG_STAGE, "cannot read %s: %s", name, strerror(errno));
		goto out;
	}
	if (total == 0) {
		err_set(e, ERR_INPUT, MSG_STAGE, "%s: empty message", name);
		goto out;
	}
	if (cr) {
		err_set(e, ERR_INPUT, MSG_STAGE, "%s: line %llu: CR not followed by LF",
			name, (unsigned long long)lineno);
		goto out;
	}
	/* The last line gets its CRLF. */
	if (len > 0 && msg_data_line(&d, line, len, e) < 0)
		goto out;
	if (!d.in_body && msg_data_headers_end(&d, false, e) < 0)
		goto out;
	rc = msg_data_choose_sender(&d, e);
out:
	if (in && in != stdin)
		fclose(in);
	free(buf);
	msg_free(&d.hdr);
	free(d.from);
	free(d.sender);
	return rc;
}
