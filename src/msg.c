/* msg.c - the message spool, Date and Message-ID, address checks, dot-stuffing, msg_build. */
#define _GNU_SOURCE
#include "msg.h"
#include "msg_int.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MSG_STAGE "message"

/* ---- spool ---- */

static FILE *msg_spool_file(struct err *e)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/smtpkit-XXXXXX", dir) >= sizeof path) {
		err_set(e, ERR_LOCAL_IO, MSG_STAGE, "TMPDIR is too long");
		return NULL;
	}
	int fd = mkstemp(path);
	if (fd < 0) {
		err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot create a temporary file in %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* Unlinked at once: nothing is left behind, whatever happens. */
	unlink(path);
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		err_set(e, ERR_LOCAL_IO, MSG_STAGE, "temporary file: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, MSG_CHUNK);
	return f;
}

int msg_spool_write(struct msg *m, const void *p, size_t n, struct err *e)
{
	/* Nothing to add (an empty --body): an empty spool has no memory yet,
	 * and m->mem + 0 on NULL is undefined. */
	if (n == 0)
		return 0;
	if (!m->eightbit) {
		const unsigned char *s = p;
		for (size_t i = 0; i < n; i++)
			if (s[i] & 0x80) {
				m->eightbit = true;
				break;
			}
	}
	if (!m->file && m->memlen + n <= MSG_SPOOL_MEM) {
		if (m->memlen + n > m->memcap) {
			size_t cap = m->memcap ? m->memcap : 4096;
			while (cap < m->memlen + n)
				cap *= 2;
			if (cap > MSG_SPOOL_MEM)
				cap = MSG_SPOOL_MEM;
			char *mem = realloc(m->mem, cap);
			if (!mem)
				return err_set(e, ERR_INTERNAL, MSG_STAGE, "out of memory");
			m->mem = mem;
			m->memcap = cap;
		}
		memcpy(m->mem + m->memlen, p, n);
		m->memlen += n;
		m->size += n;
		return 0;
	}
	if (!m->file) {
		if (!(m->file = msg_spool_file(e)))
			return -1;
		if (m->memlen && fwrite(m->mem, 1, m->memlen, m->file) != m->memlen)
			return err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot write temporary file: %s", strerror(errno));
		free(m->mem);
		m->mem = NULL;
		m->memlen = m->memcap = 0;
	}
	if (n && fwrite(p, 1, n, m->file) != n)
		return err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot write temporary file: %s", strerror(errno));
	m->size += n;
	return 0;
}

int msg_spool_puts(struct msg *m, const char *s, struct err *e)
{
	return msg_spool_write(m, s, strlen(s), e);
}

int msg_rewind(struct msg *m)
{
	m->pos = 0;
	if (m->file && fseeko(m->file, 0, SEEK_SET) != 0)
		return -1;
	return 0;
}

int msg_prepend(struct msg *m, const char *fields, size_t len)
{
	char *p = malloc(m->prefixlen + len + 1);
	if (!p)
		return -1;
	memcpy(p, fields, len);
	if (m->prefixlen)
		memcpy(p + len, m->prefix, m->prefixlen);
	free(m->prefix);
	m->prefix = p;
	m->prefixlen += len;
	m->size += len;
	return 0;
}

ssize_t msg_read(struct msg *m, char *buf, size_t size)
{
	if (m->pos < m->prefixlen) {
		size_t left = m->prefixlen - (size_t)m->pos;
		size_t n = size < left ? size : left;
		memcpy(buf, m->prefix + m->pos, n);
		m->pos += n;
		return (ssize_t)n;
	}
	if (m->file) {
		size_t n = fread(buf, 1, size, m->file);
		if (n == 0 && ferror(m->file))
			return -1;
		m->pos += n;
		return (ssize_t)n;
	}
	size_t at = (size_t)m->pos - m->prefixlen;
	size_t left = m->memlen - at;
	size_t n = size < left ? size : left;
	if (n)
		memcpy(buf, m->mem + at, n);
	m->pos += n;
	return (ssize_t)n;
}

int msg_view(struct msg *view, const struct msg *base, const char *fields, size_t len)
{
	memset(view, 0, sizeof *view);
	view->eightbit = base->eightbit;
	view->mem = base->mem;
	view->memlen = base->memlen;
	view->size = base->size + len;
	if (!(view->prefix = malloc(len + base->prefixlen + 1)))
		return -1;
	memcpy(view->prefix, fields, len);
	if (base->prefixlen)
		memcpy(view->prefix + len, base->prefix, base->prefixlen);
	view->prefixlen = len + base->prefixlen;
	if (base->file) {
		/* Its own open file description: its own offset. */
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(base->file));
		if (!(view->file = fopen(path, "rb"))) {
			msg_view_free(view);
			return -1;
		}
	}
	return 0;
}

void msg_view_free(struct msg *view)
{
	free(view->prefix);
	if (view->file)
		fclose(view->file);
	memset(view, 0, sizeof *view);
}

void msg_free(struct msg *m)
{
	free(m->prefix);
	free(m->mem);
	if (m->file)
		fclose(m->file);
	for (size_t i = 0; i < m->nrecipients; i++)
		free(m->recipients[i]);
	free(m->recipients);
	free(m->sender);
	memset(m, 0, sizeof *m);
}

/* ---- Date, Message-ID ---- */

int msg_random(void *buf, size_t n, struct err *e)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_INTERNAL, MSG_STAGE, "getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void msg_date(char *buf, size_t size)
{
	/* RFC 5322 3.3 names, never the locale's. */
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = time(NULL);
	struct tm tm;
	char zone[16];

	localtime_r(&t, &tm);
	if (strftime(zone, sizeof zone, "%z", &tm) == 0)
		strcpy(zone, "+0000");
	snprintf(buf, size, "%s, %d %s %04d %02d:%02d:%02d %s", days[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

static bool msg_is_atext(unsigned char c)
{
	/* RFC 5322 3.2.3 atext, plus RFC 6531 UTF8-non-ascii. */
	return c >= 0x80 || isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool msg_domain_ok(const char *d)
{
	if (!d || !*d || strlen(d) > MSG_DOMAIN_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)d; *p; p++)
		if (!(isalnum(*p) || *p == '.' || *p == '-' || *p == '_'))
			return false;
	return true;
}

int msg_message_id(char *buf, size_t size, const char *domain, struct err *e)
{
	unsigned char r[16];
	char host[256];

	if (msg_random(r, sizeof r, e) < 0)
		return -1;
	if (!msg_domain_ok(domain)) {
		domain = "localhost";
		if (gethostname(host, sizeof host) == 0) {
			host[sizeof host - 1] = '\0';
			if (msg_domain_ok(host))
				domain = host;
		}
	}
	size_t o = (size_t)snprintf(buf, size, "<");
	o += text_hex(r, sizeof r, buf + o, size - o);
	snprintf(buf + o, size - o, "@%s>", domain);
	return 0;
}

/* ---- addresses ---- */

static const char *msg_addr_stage(enum err_cause cause)
{
	return cause == ERR_USAGE ? NULL : MSG_STAGE;
}

static char *msg_addr_bad(const char *addr, enum err_cause cause, struct err *e, const char *why)
{
	char shown[128];
	text_escape(addr, strlen(addr), shown, sizeof shown);
	err_set(e, cause, msg_addr_stage(cause), "bad address \"%s\": %s", shown, why);
	return NULL;
}

/* The addr-spec s (len n, no angle brackets): RFC 5321 4.1.2 Mailbox,
 * with RFC 6531 UTF-8 allowed, and the 4.5.3.1 length limits. */
static char *msg_check_spec(const char *addr, const char *s, size_t n, enum err_cause cause,
			    struct err *e)
{
	size_t i = 0;

	if (n > 0 && s[0] == '"') {
		/* RFC 5321 4.1.2 Quoted-string local part. */
		for (i = 1; i < n && s[i] != '"'; i++)
			if (s[i] == '\\')
				i++;
		if (i >= n)
			return msg_addr_bad(addr, cause, e, "unterminated quoted string");
		i++;
	} else {
		for (; i < n && s[i] != '@'; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == ' ')
				return msg_addr_bad(addr, cause, e, "space in the address");
			if (!msg_is_atext(c) && c != '.')
				return msg_addr_bad(addr, cause, e, "character not allowed in the local part");
		}
	}
	if (i >= n || s[i] != '@')
		return msg_addr_bad(addr, cause, e, "no @");
	size_t local = i;
	const char *dom = s + i + 1;
	size_t dlen = n - i - 1;
	if (local == 0)
		return msg_addr_bad(addr, cause, e, "empty local part");
	if (dlen == 0)
		return msg_addr_bad(addr, cause, e, "empty domain");
	if (memchr(dom, '@', dlen))
		return msg_addr_bad(addr, cause, e, "more than one @");
	if (dom[0] == '[') {
		/* RFC 5321 4.1.3 address literal. */
		if (dom[dlen - 1] != ']' || dlen < 3)
			return msg_addr_bad(addr, cause, e, "malformed address literal");
		for (size_t k = 1; k + 1 < dlen; k++)
			if (dom[k] == ' ' || dom[k] == '[' || dom[k] == ']' || dom[k] == '\\')
				return msg_addr_bad(addr, cause, e, "malformed address literal");
	} else {
		for (size_t k = 0; k < dlen; k++) {
			unsigned char c = (unsigned char)dom[k];
			if (c == ' ')
				return msg_addr_bad(addr, cause, e, "space in the address");
			if (!(c >= 0x80 || isalnum(c) || c == '.' || c == '-' || c == '_'))
				return msg_addr_bad(addr, cause, e, "character not allowed in the domain");
		}
	}
	if (local > MSG_LOCAL_MAX) {
		err_set(e, cause, msg_addr_stage(cause),
			"address too long: local part is %zu octets, RFC 5321 4.5.3.1 allows %d",
			local, MSG_LOCAL_MAX);
		return NULL;
	}
	if (dlen > MSG_DOMAIN_MAX) {
		err_set(e, cause, msg_addr_stage(cause),
			"address too long: domain is %zu octets, RFC 5321 4.5.3.1 allows %d",
			dlen, MSG_DOMAIN_MAX);
		return NULL;
	}
	if (n + 2 > MSG_PATH_MAX) {
		err_set(e, cause, msg_addr_stage(cause),
			"address too long: path is %zu octets, RFC 5321 4.5.3.1 allows %d",
			n + 2, MSG_PATH_MAX);
		return NULL;
	}
	char *r = strndup(s, n);
	if (!r)
		err_set(e, ERR_INTERNAL, msg_addr_stage(cause), "out of memory");
	return r;
}

char *msg_addr_spec(const char *addr, bool allow_null, enum err_cause cause, struct err *e)
{
	if (!addr)
		addr = "";
	const char *s = addr;
	size_t n = strlen(s);
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	/* SPEC 10.5: nothing that could end or split a command line. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return msg_addr_bad(addr, cause, e, "control character in the address");

	/* "Name <spec>": the last '<' outside quotes opens the path. */
	const char *lt = NULL, *gt = NULL;
	bool quote = false;
	for (size_t i = 0; i < n; i++) {
		if (quote && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quote = !quote;
		else if (!quote && s[i] == '<') {
			if (lt)
				return msg_addr_bad(addr, cause, e, "more than one <");
			lt = s + i;
		} else if (!quote && s[i] == '>') {
			if (gt || !lt)
				return msg_addr_bad(addr, cause, e, "unbalanced >");
			gt = s + i;
		}
	}
	if (quote)
		return msg_addr_bad(addr, cause, e, "unterminated quoted string");
	if (lt) {
		if (!gt)
			return msg_addr_bad(addr, cause, e, "no closing >");
		if (gt != s + n - 1)
			return msg_addr_bad(addr, cause, e, "text after >");
		s = lt + 1;
		n = (size_t)(gt - lt) - 1;
	}
	if (n == 0) {
		if (!allow_null)
			return msg_addr_bad(addr, cause, e, lt ? "the null path <> is not allowed here" :
					    "empty address");
		char *r = strdup("");
		if (!r)
			err_set(e, ERR_INTERNAL, msg_addr_stage(cause), "out of memory");
		return r;
	}
	return msg_check_spec(addr, s, n, cause, e);
}

int msg_split_addresses(const char *list, char ***out, size_t *n)
{
	char **v = NULL;
	size_t nv = 0;
	bool quote = false;
	int angle = 0, comment = 0;
	const char *start = list;

	*out = NULL;
	*n = 0;
	for (const char *p = list;; p++) {
		if (*p && (quote || comment) && *p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"' && !comment)
			quote = !quote;
		else if (!quote && *p == '(')
			comment++;
		else if (!quote && *p == ')' && comment)
			comment--;
		else if (!quote && !comment && *p == '<')
			angle++;
		else if (!quote && !comment && *p == '>' && angle)
			angle--;
		if (*p && (*p != ',' || quote || angle || comment))
			continue;
		const char *a = start, *b = p;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			char **nvv = realloc(v, (nv + 1) * sizeof *v);
			char *item = nvv ? strndup(a, (size_t)(b - a)) : NULL;
			if (nvv)
				v = nvv;
			if (!item) {
				for (size_t i = 0; i < nv; i++)
					free(v[i]);
				free(v);
				return -1;
			}
			v[nv++] = item;
		}
		if (!*p)
			break;
		start = p + 1;
	}
	*out = v;
	*n = nv;
	return 0;
}

bool msg_addr_needs_utf8(const char *addr)
{
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p >= 0x80)
			return true;
	return false;
}

int msg_add_recipient(struct msg *m, char *spec, struct err *e)
{
	for (size_t i = 0; i < m->nrecipients; i++)
		if (strcmp(m->recipients[i], spec) == 0) {
			free(spec);
			return 0;
		}
	char **v = realloc(m->recipients, (m->nrecipients + 1) * sizeof *v);
	if (!v) {
		free(spec);
		return err_set(e, ERR_INTERNAL, MSG_STAGE, "out of memory");
	}
	m->recipients = v;
	m->recipients[m->nrecipients++] = spec;
	return 0;
}

/* ---- dot-stuffing ---- */

size_t msg_dotstuff(struct msg_dotstuff *d, const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		/* RFC 5321 4.5.2: any line that starts with "." gets one more.
		 * A bare LF counts as a line end too, so no receiver that
		 * accepts one can be fooled into an early end of data. */
		if (!d->mid_line && in[i] == '.')
			out[o++] = '.';
		out[o++] = in[i];
		d->mid_line = in[i] != '\n';
	}
	return o;
}

/* Composed with -t: the recipients are the --to, --cc and --bcc. */
static int msg_compose_recipients(struct msg *m, const struct msg_opts *o, struct err *e)
{
	char **const lists[] = {o->to, o->cc, o->bcc};
	const size_t counts[] = {o->nto, o->ncc, o->nbcc};

	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			char *spec = msg_addr_spec(lists[l][i], false, ERR_USAGE, e);
			if (!spec || msg_add_recipient(m, spec, e) < 0)
				return -1;
		}
	if (m->nrecipients == 0)
		return err_set(e, ERR_USAGE, NULL, "no recipients");
	return 0;
}

int msg_build(struct msg *m, const struct msg_opts *o, struct err *e)
{
	int rc;

	memset(m, 0, sizeof *m);
	if (o->data) {
		rc = msg_data_read(m, o, e);
		if (rc == 0 && o->read_recipients && m->nrecipients == 0)
			rc = err_set(e, ERR_INPUT, MSG_STAGE, "no recipients in the To, Cc or Bcc headers");
	} else {
		rc = mime_compose(m, o, e);
		if (rc == 0 && o->read_recipients)
			rc = msg_compose_recipients(m, o, e);
	}
	if (rc == 0 && m->file && fflush(m->file) != 0)
		rc = err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot write temporary file: %s", strerror(errno));
	if (rc == 0 && msg_rewind(m) < 0)
		rc = err_set(e, ERR_LOCAL_IO, MSG_STAGE, "cannot read temporary file: %s", strerror(errno));
	if (rc < 0)
		msg_free(m);
	return rc;
}
