/* sign.c - the DKIM signer (RFC 6376 5, RFC 8463): the key, the fields
 * to sign, the body hash streamed over the spool, the DKIM-Signature
 * field placed before the message. */
#define _GNU_SOURCE
#include "dkim/dkim.h"
#include "msg.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DKIM_STAGE "dkim"
/* A PEM private key of 4096 bits is about 3.3 kB. */
#define DKIM_KEY_FILE_MAX 65536
/* The header block is held in memory to pick fields from it. */
#define DKIM_HEADER_MAX (1024 * 1024)
#define DKIM_READ_CHUNK 65536

struct dkim_signer {
	gnutls_privkey_t key;
	bool ed25519;
	unsigned bits;
	char *selector, *domain;
	char **names;               /* --dkim-headers, NULL: the default set */
	size_t nnames;
	enum dkim_canon hcanon, bcanon;
	char describe[600];
};

/* RFC 6376 5.4.1: the fields a signer should sign, with the MIME fields
 * and Message-ID that change what a reader sees too.  Each is signed as
 * often as it appears; From once more (oversigning, RFC 6376 8.15), so
 * that no second From can be added without breaking the signature. */
static const char *const default_fields[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date", "resent-from",
	"resent-to", "resent-cc", "in-reply-to", "references", "list-id", "list-help",
	"list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
	"message-id", "mime-version", "content-type", "content-transfer-encoding",
};

/* A DNS name as d= and s= take it (RFC 6376 3.5: sub-domain labels);
 * '_' is allowed, as selectors in the wild use it. */
static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
		      || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* RFC 5322 3.6.8 field-name: printable ASCII but ':'; and not ';' or
 * '=', which would end the h= tag and start another (RFC 6376 3.2). */
static bool field_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':' || s[i] == ';' || s[i] == '=')
			return false;
	return true;
}

static int parse_header_list(struct dkim_signer *s, const char *list, struct err *e)
{
	bool from = false;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ":,");
		size_t b = 0;
		while (b < n && (p[b] == ' ' || p[b] == '\t'))
			b++;
		size_t t = n;
		while (t > b && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		if (!field_name_ok(p + b, t - b))
			return err_usage(e, "dkim-headers", "invalid --dkim-headers \"%s\": a list of header field names", list);
		char **v = realloc(s->names, (s->nnames + 1) * sizeof *v);
		if (!v || !(v[s->nnames] = strndup(p + b, t - b))) {
			if (v)
				s->names = v;
			return err_set(e, ERR_INTERNAL, NULL, "out of memory");
		}
		s->names = v;
		from |= text_casecmp(s->names[s->nnames], "from") == 0;
		s->nnames++;
		p += n;
		if (*p)
			p++;
	}
	/* RFC 6376 5.4: From MUST be signed. */
	if (!from)
		return err_usage(e, "dkim-headers", "--dkim-headers must include From (RFC 6376 5.4)");
	return 0;
}

static int load_key(struct dkim_signer *s, const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_NOINPUT, NULL, "cannot read --dkim-key %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_NOINPUT, NULL, "cannot read --dkim-key %s: not a regular file", path);
	}
	/* A private key others can read is no longer private (SPEC 10.12). */
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		close(fd);
		return err_set(e, ERR_CONFIG, NULL, "--dkim-key %s can be read or written by others: chmod o-rw it", path);
	}
	unsigned char *buf = malloc(DKIM_KEY_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	}
	size_t len = 0;
	ssize_t r;
	while (len <= DKIM_KEY_FILE_MAX && (r = read(fd, buf + len, DKIM_KEY_FILE_MAX + 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	int rc = 0;
	if (len > DKIM_KEY_FILE_MAX) {
		rc = err_set(e, ERR_CONFIG, NULL, "--dkim-key %s is too large for a private key", path);
	} else {
		gnutls_datum_t d = {buf, (unsigned)len};
		int g;
		if ((g = gnutls_privkey_init(&s->key)) < 0
		    || (g = gnutls_privkey_import_x509_raw(s->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0)
			rc = err_set(e, ERR_CONFIG, NULL, "--dkim-key %s: no usable private key (PEM, PKCS#1 or PKCS#8): %s",
				     path, gnutls_strerror(g));
	}
	gnutls_memset(buf, 0, len < DKIM_KEY_FILE_MAX + 1 ? len : DKIM_KEY_FILE_MAX + 1);
	free(buf);
	if (rc < 0)
		return rc;
	int pk = gnutls_privkey_get_pk_algorithm(s->key, &s->bits);
	if (pk == GNUTLS_PK_EDDSA_ED25519) {
		s->ed25519 = true;                 /* RFC 8463 */
		return 0;
	}
	if (pk != GNUTLS_PK_RSA)
		return err_set(e, ERR_CONFIG, NULL, "--dkim-key %s: a %s key; DKIM signs with RSA or Ed25519",
			       path, gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
	/* RFC 8301 3.2: at least 1024 bits; verifiers need not take over 4096. */
	if (s->bits < 1024 || s->bits > 4096)
		return err_set(e, ERR_CONFIG, NULL, "--dkim-key %s: an RSA key of %u bits; DKIM takes 1024 to 4096 (RFC 8301)",
			       path, s->bits);
	return 0;
}

struct dkim_signer *dkim_signer_new(const struct dkim_opts *o, struct err *e)
{
	struct dkim_signer *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	s->hcanon = s->bcanon = DKIM_CANON_RELAXED;
	if (!o->selector)
		err_usage(e, "dkim-key", "--dkim-key needs --dkim-selector");
	else if (!dns_name_ok(o->selector))
		err_usage(e, "dkim-selector", "invalid --dkim-selector: DNS labels of letters, digits, '-' and '_'");
	else if (o->domain && !dns_name_ok(o->domain))
		err_usage(e, "dkim-domain", "invalid --dkim-domain: a domain name in ASCII (A-labels)");
	else if (o->canon && dkim_canon_parse(o->canon, &s->hcanon, &s->bcanon) < 0)
		err_usage(e, "dkim-canon",
			  "invalid --dkim-canon \"%s\": relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple",
			  o->canon);
	else if (!(s->selector = strdup(o->selector)) || (o->domain && !(s->domain = strdup(o->domain))))
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (!err_is_set(e) && o->headers)
		parse_header_list(s, o->headers, e);
	if (!err_is_set(e))
		load_key(s, o->key_file, e);
	if (err_is_set(e)) {
		dkim_signer_free(s);
		return NULL;
	}
	return s;
}

void dkim_signer_free(struct dkim_signer *s)
{
	if (!s)
		return;
	if (s->key)
		gnutls_privkey_deinit(s->key);
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->selector);
	free(s->domain);
	free(s);
}

const char *dkim_signer_describe(const struct dkim_signer *s)
{
	return s->describe;
}

/* ---- the message's header block ---- */

struct field {
	size_t start, len;          /* without the final CRLF */
	size_t name_len;
	bool used;                  /* already signed once (RFC 6376 5.4.2) */
};

struct header_block {
	char *text;
	size_t len;                 /* up to the end of the last field's CRLF */
	struct field *f;
	size_t n;
};

static void hash_emit(void *ctx, const char *p, size_t n)
{
	gnutls_hash(*(gnutls_hash_hd_t *)ctx, p, n);
}

/* Read the header block into memory and stream the body into the body
 * hash: one pass over the spool, memory bounded by the header. */
static int read_message(struct msg *m, struct header_block *h, struct dkim_body *body, struct err *e)
{
	char *buf = malloc(DKIM_READ_CHUNK);
	size_t cap = 0;
	bool in_body = false;
	ssize_t n;
	if (!buf)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (msg_rewind(m) < 0) {
		free(buf);
		return err_set(e, ERR_LOCAL_IO, DKIM_STAGE, "cannot re-read the message: %s", strerror(errno));
	}
	while ((n = msg_read(m, buf, DKIM_READ_CHUNK)) > 0) {
		if (in_body) {
			dkim_body_feed(body, buf, (size_t)n);
			continue;
		}
		if (h->len + (size_t)n > DKIM_HEADER_MAX) {
			free(buf);
			return err_set(e, ERR_INPUT, DKIM_STAGE, "the header block is over %d octets: too large to sign",
				       DKIM_HEADER_MAX);
		}
		if (h->len + (size_t)n + 1 > cap) {
			cap = (h->len + (size_t)n + 1) * 2;
			char *t = realloc(h->text, cap);
			if (!t) {
				free(buf);
				return err_set(e, ERR_INTERNAL, NULL, "out of memory");
			}
			h->text = t;
		}
		size_t from = h->len >= 3 ? h->len - 3 : 0;
		memcpy(h->text + h->len, buf, (size_t)n);
		h->len += (size_t)n;
		h->text[h->len] = '\0';
		/* RFC 5322 2.1: the first empty line ends the header. */
		char *end = memmem(h->text + from, h->len - from, "\r\n\r\n", 4);
		bool no_header = !end && from == 0 && h->len >= 2 && memcmp(h->text, "\r\n", 2) == 0;
		if (end || no_header) {
			size_t hdr_end = no_header ? 0 : (size_t)(end - h->text) + 2;
			size_t body_start = hdr_end + 2;
			in_body = true;
			dkim_body_feed(body, h->text + body_start, h->len - body_start);
			h->len = hdr_end;
			h->text[h->len] = '\0';
		}
	}
	free(buf);
	if (n < 0)
		return err_set(e, ERR_LOCAL_IO, DKIM_STAGE, "cannot re-read the message: %s", strerror(errno));
	dkim_body_end(body);
	if (msg_rewind(m) < 0)
		return err_set(e, ERR_LOCAL_IO, DKIM_STAGE, "cannot re-read the message: %s", strerror(errno));
	return 0;
}

/* Fields start at a line that does not begin with WSP; the lines that
 * do continue it (RFC 5322 2.2.3 folding). */
static int split_fields(struct header_block *h, struct err *e)
{
	size_t pos = 0;
	while (pos < h->len) {
		char *crlf = memmem(h->text + pos, h->len - pos, "\r\n", 2);
		size_t line_end = crlf ? (size_t)(crlf - h->text) : h->len;
		bool cont = h->text[pos] == ' ' || h->text[pos] == '\t';
		if (cont && h->n > 0) {
			h->f[h->n - 1].len = line_end - h->f[h->n - 1].start;
		} else {
			struct field *v = realloc(h->f, (h->n + 1) * sizeof *v);
			if (!v)
				return err_set(e, ERR_INTERNAL, NULL, "out of memory");
			h->f = v;
			const char *colon = memchr(h->text + pos, ':', line_end - pos);
			size_t nl = colon ? (size_t)(colon - (h->text + pos)) : line_end - pos;
			while (nl > 0 && (h->text[pos + nl - 1] == ' ' || h->text[pos + nl - 1] == '\t'))
				nl--;
			h->f[h->n++] = (struct field){pos, line_end - pos, nl, false};
		}
		pos = line_end + 2;
	}
	return 0;
}

static bool field_is(const struct header_block *h, const struct field *f, const char *name)
{
	return strlen(name) == f->name_len && text_ncasecmp(h->text + f->start, name, f->name_len) == 0;
}

static size_t field_count(const struct header_block *h, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < h->n; i++)
		c += field_is(h, &h->f[i], name);
	return c;
}

/* The d= domain when none was given: the domain of the From address. */
static char *from_domain(const struct header_block *h, struct err *e)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct field *f = &h->f[i];
		if (!field_is(h, f, "from"))
			continue;
		/* The value: after the colon (which may follow WSP). */
		const char *v = h->text + f->start + f->name_len;
		size_t vlen = f->len - f->name_len;
		const char *colon = memchr(v, ':', vlen);
		if (colon) {
			vlen -= (size_t)(colon - v);
			v = colon;
		}
		char *value = malloc(vlen + 1);
		size_t o = 0;
		for (size_t k = 1; value && k < vlen; k++)
			if (v[k] != '\r' && v[k] != '\n')
				value[o++] = v[k];
		if (!value) {
			err_set(e, ERR_INTERNAL, NULL, "out of memory");
			return NULL;
		}
		value[o] = '\0';
		char **addrs = NULL, *spec = NULL;
		size_t na = 0;
		if (msg_split_addresses(value, &addrs, &na) == 0 && na > 0)
			spec = msg_addr_spec(addrs[0], false, ERR_INPUT, e);
		for (size_t k = 0; k < na; k++)
			free(addrs[k]);
		free(addrs);
		free(value);
		const char *at = spec ? strrchr(spec, '@') : NULL;
		char *dom = at && dns_name_ok(at + 1) ? strdup(at + 1) : NULL;
		free(spec);
		if (!dom)
			err_set(e, ERR_INPUT, DKIM_STAGE, "cannot take the signing domain from the From header "
				"(give --dkim-domain; an internationalized domain must be given in A-labels)");
		return dom;
	}
	err_set(e, ERR_INPUT, DKIM_STAGE, "the message has no From header to sign (RFC 6376 5.4)");
	return NULL;
}

/* ---- the signature ---- */

/* The h= value: given names, or each default field as often as it
 * appears (From once more); folded so that no line runs long. */
static void add_h_tag(struct text_buf *sig, const struct dkim_signer *s, const struct header_block *h)
{
	size_t line = 3;
	bool first = true;
	text_buf_str(sig, "h=");
	size_t ndef = sizeof default_fields / sizeof default_fields[0];
	size_t count = s->names ? s->nnames : ndef;
	for (size_t i = 0; i < count; i++) {
		const char *name = s->names ? s->names[i] : default_fields[i];
		size_t times = s->names ? 1 : field_count(h, name) + (strcmp(name, "from") == 0);
		for (size_t t = 0; t < times; t++) {
			if (!first) {
				text_buf_str(sig, ":");
				line++;
			}
			if (line + strlen(name) > 72) {
				text_buf_str(sig, "\r\n\t");
				line = 1;
			}
			text_buf_str(sig, name);
			line += strlen(name);
			first = false;
		}
	}
	text_buf_str(sig, ";");
}

/* RFC 6376 5.4.2: each name takes the last field of that name not yet
 * taken, from the bottom; a name with none left adds nothing. */
static void add_signed_fields(struct text_buf *data, const struct dkim_signer *s, struct header_block *h,
			      const char *hval)
{
	char name[1000];
	const char *p = hval;
	while (*p && *p != ';') {
		size_t n = strcspn(p, ":;");
		size_t o = 0;
		for (size_t i = 0; i < n && o < sizeof name - 1; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
				name[o++] = p[i];
		name[o] = '\0';
		for (size_t i = h->n; i-- > 0;) {
			struct field *f = &h->f[i];
			if (f->used || !field_is(h, f, name))
				continue;
			size_t cl;
			char *c = dkim_header_canon(s->hcanon, h->text + f->start, f->len, &cl);
			if (!c) {
				data->oom = true;
				return;
			}
			text_buf_add(data, c, cl);
			text_buf_str(data, "\r\n");
			free(c);
			f->used = true;
			break;
		}
		p += n;
		if (*p == ':')
			p++;
	}
}

static int sign_data(struct dkim_signer *s, const struct text_buf *data, gnutls_datum_t *sig, struct err *e)
{
	gnutls_datum_t d = {(unsigned char *)data->p, (unsigned)data->len};
	int g;
	if (s->ed25519) {
		/* RFC 8463 3: Ed25519 signs the SHA-256 of the header data. */
		unsigned char digest[32];
		if ((g = gnutls_hash_fast(GNUTLS_DIG_SHA256, data->p, data->len, digest)) == 0) {
			gnutls_datum_t dd = {digest, sizeof digest};
			g = gnutls_privkey_sign_data2(s->key, GNUTLS_SIGN_EDDSA_ED25519, 0, &dd, sig);
		}
	} else {
		/* RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 over SHA-256. */
		g = gnutls_privkey_sign_data(s->key, GNUTLS_DIG_SHA256, 0, &d, sig);
	}
	if (g < 0)
		return err_set(e, ERR_INTERNAL, DKIM_STAGE, "signing failed: %s", gnutls_strerror(g));
	return 0;
}

int dkim_sign(struct dkim_signer *s, struct msg *m, struct err *e)
{
	struct header_block h = {0};
	struct dkim_body body;
	struct text_buf sig = {0}, data = {0};
	gnutls_hash_hd_t hash = NULL;
	gnutls_datum_t b = {NULL, 0};
	char *domain = NULL, *bh = NULL, *bval = NULL;
	unsigned char digest[32];
	int rc = -1;

	if (gnutls_hash_init(&hash, GNUTLS_DIG_SHA256) < 0) {
		err_set(e, ERR_INTERNAL, DKIM_STAGE, "cannot start SHA-256");
		return -1;
	}
	dkim_body_init(&body, s->bcanon, hash_emit, &hash);
	if (read_message(m, &h, &body, e) < 0 || split_fields(&h, e) < 0)
		goto done;
	gnutls_hash_deinit(hash, digest);
	hash = NULL;
	/* RFC 5322 3.6: one From.  Two would let a verifier and a reader
	 * see different authors. */
	if (field_count(&h, "from") > 1) {
		err_set(e, ERR_INPUT, DKIM_STAGE, "the message has more than one From header: not signed");
		goto done;
	}
	if (field_count(&h, "from") == 0) {
		err_set(e, ERR_INPUT, DKIM_STAGE, "the message has no From header to sign (RFC 6376 5.4)");
		goto done;
	}
	if (!(domain = s->domain ? strdup(s->domain) : from_domain(&h, e))) {
		if (!err_is_set(e))
			err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto done;
	}
	if (!(bh = text_b64_encode(digest, sizeof digest))) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto done;
	}

	/* RFC 6376 3.5; never l= (it would let anyone append to the body). */
	char head[700];
	snprintf(head, sizeof head, "DKIM-Signature: v=1; a=%s; c=%s/%s;\r\n\td=%s; s=%s; t=%lld;\r\n\t",
		 s->ed25519 ? "ed25519-sha256" : "rsa-sha256", dkim_canon_name(s->hcanon),
		 dkim_canon_name(s->bcanon), domain, s->selector, (long long)time(NULL));
	text_buf_str(&sig, head);
	add_h_tag(&sig, s, &h);
	text_buf_str(&sig, "\r\n\tbh=");
	text_buf_str(&sig, bh);
	text_buf_str(&sig, ";\r\n\tb=");
	if (sig.oom)
		goto oom;

	/* RFC 6376 3.7: the signed fields in h= order, then this field
	 * with an empty b= and no final CRLF. */
	const char *hval = strstr(sig.p, "\th=") + 3;
	add_signed_fields(&data, s, &h, hval);
	size_t cl;
	char *c = dkim_header_canon(s->hcanon, sig.p, sig.len, &cl);
	if (!c)
		goto oom;
	text_buf_add(&data, c, cl);
	free(c);
	if (data.oom)
		goto oom;
	if (sign_data(s, &data, &b, e) < 0)
		goto done;
	if (!(bval = text_b64_encode(b.data, b.size)))
		goto oom;
	/* Folded in the b= value: verifiers drop its white space (3.5). */
	for (size_t i = 0, n = strlen(bval); i < n; i += 72) {
		if (i)
			text_buf_str(&sig, "\r\n\t ");
		text_buf_add(&sig, bval + i, n - i < 72 ? n - i : 72);
	}
	text_buf_str(&sig, "\r\n");
	if (sig.oom || msg_prepend(m, sig.p, sig.len) < 0)
		goto oom;
	snprintf(s->describe, sizeof s->describe, "d=%s s=%s a=%s (%u bits) c=%s/%s", domain, s->selector,
		 s->ed25519 ? "ed25519-sha256" : "rsa-sha256", s->bits, dkim_canon_name(s->hcanon),
		 dkim_canon_name(s->bcanon));
	rc = 0;
	goto done;
oom:
	err_set(e, ERR_INTERNAL, NULL, "out of memory");
done:
	if (hash)
		gnutls_hash_deinit(hash, NULL);
	gnutls_free(b.data);
	free(bval);
	free(bh);
	free(domain);
	free(sig.p);
	free(data.p);
	free(h.text);
	free(h.f);
	return rc;
}
