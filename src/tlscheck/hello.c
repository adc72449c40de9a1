/* tlscheck/hello.c - writing ClientHellos and reading the server's first
 * flight, bounded: every length is checked against what arrived before it
 * is used, and nothing beyond HELLO_REPLY_MAX is kept. */
#include "tlscheck/hello.h"
#include "tlscheck/suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---------------------------------------------------------- */

struct wbuf {
	unsigned char *p;
	size_t len, size;
	bool overflow;
};

static void put(struct wbuf *w, const void *data, size_t n)
{
	if (w->overflow || n > w->size - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void put8(struct wbuf *w, unsigned v)
{
	unsigned char b = (unsigned char)v;
	put(w, &b, 1);
}

static void put16(struct wbuf *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

/* Reserve an n-octet length field; fill it with end_len(). */
static size_t begin_len(struct wbuf *w, size_t n)
{
	size_t at = w->len;
	for (size_t i = 0; i < n; i++)
		put8(w, 0);
	return at;
}

static void end_len(struct wbuf *w, size_t at, size_t n)
{
	if (w->overflow)
		return;
	size_t v = w->len - at - n;
	for (size_t i = 0; i < n; i++)
		w->p[at + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static void put_list16(struct wbuf *w, const uint16_t *v, size_t n)
{
	size_t at = begin_len(w, 2);
	for (size_t i = 0; i < n; i++)
		put16(w, v[i]);
	end_len(w, at, 2);
}

/* SSLv2 CLIENT-HELLO with every cipher spec: a two-octet record header
 * with the high bit set, then the message (draft-hickman-netscape-ssl-00). */
static size_t write_ssl2(const unsigned char random[32], struct wbuf *w)
{
	size_t nspecs = tlscheck_ssl2_count();
	size_t body = 9 + 3 * nspecs + 16;
	put8(w, 0x80 | (unsigned)(body >> 8));
	put8(w, body & 0xff);
	put8(w, 1);                 /* MSG-CLIENT-HELLO */
	put16(w, TLSCHECK_SSL2);
	put16(w, (unsigned)(3 * nspecs));
	put16(w, 0);                /* no session id */
	put16(w, 16);               /* challenge */
	for (size_t i = 0; i < nspecs; i++) {
		uint32_t v = tlscheck_ssl2_at(i)->value;
		put8(w, v >> 16);
		put16(w, v & 0xffff);
	}
	put(w, random, 16);
	return w->overflow ? 0 : w->len;
}

static void put_extensions(const struct hello_request *rq, struct wbuf *w)
{
	bool tls13 = rq->version == TLSCHECK_TLS13;
	size_t ext = begin_len(w, 2), at;

	if (rq->sni && *rq->sni) {
		size_t n = strlen(rq->sni);
		put16(w, 0);            /* server_name, RFC 6066 3 */
		at = begin_len(w, 2);
		put16(w, (unsigned)(n + 3));
		put8(w, 0);             /* host_name */
		put16(w, (unsigned)n);
		put(w, rq->sni, n);
		end_len(w, at, 2);
	}
	if (rq->ngroups) {
		put16(w, 10);           /* supported_groups */
		at = begin_len(w, 2);
		put_list16(w, rq->groups, rq->ngroups);
		end_len(w, at, 2);
		put16(w, 11);           /* ec_point_formats: uncompressed (RFC 8422 5.1.2) */
		put16(w, 2);
		put8(w, 1);
		put8(w, 0);
	}
	if (rq->nsigalgs && rq->version >= TLSCHECK_TLS12) {
		put16(w, 13);           /* signature_algorithms, RFC 5246 7.4.1.4.1 */
		at = begin_len(w, 2);
		put_list16(w, rq->sigalgs, rq->nsigalgs);
		end_len(w, at, 2);
	}
	put16(w, 5);                /* status_request: OCSP, no responder ids or extensions */
	put16(w, 5);
	put8(w, 1);
	put16(w, 0);
	put16(w, 0);
	put16(w, 15);               /* heartbeat: peer_allowed_to_send (RFC 6520 2) */
	put16(w, 1);
	put8(w, 1);
	if (tls13) {
		put16(w, 43);           /* supported_versions: 1.3 alone */
		put16(w, 3);
		put8(w, 2);
		put16(w, TLSCHECK_TLS13);
		/* key_share without a share: a server with a group in common
		 * names it in a HelloRetryRequest (RFC 8446 4.1.4), in clear. */
		put16(w, 51);
		put16(w, 2);
		put16(w, 0);
	} else {
		put16(w, 23);           /* extended_master_secret, RFC 7627 */
		put16(w, 0);
		put16(w, 35);           /* session_ticket, RFC 5077 */
		put16(w, 0);
		put16(w, 0xff01);       /* renegotiation_info, RFC 5746 3.4 */
		put16(w, 1);
		put8(w, 0);
	}
	end_len(w, ext, 2);
}

size_t hello_write(const struct hello_request *rq, const unsigned char random[32],
		   unsigned char *out, size_t size)
{
	struct wbuf w = {out, 0, size, false};
	if (rq->version == TLSCHECK_SSL2)
		return write_ssl2(random, &w);
	bool tls13 = rq->version == TLSCHECK_TLS13, ssl3 = rq->version == TLSCHECK_SSL3;

	put8(&w, 22);               /* handshake record */
	put16(&w, ssl3 ? TLSCHECK_SSL3 : TLSCHECK_TLS10);   /* RFC 8446 5.1 legacy_record_version */
	size_t rec = begin_len(&w, 2);
	put8(&w, 1);                /* client_hello */
	size_t hs = begin_len(&w, 3);
	put16(&w, tls13 ? TLSCHECK_TLS12 : rq->version);
	put(&w, random, 32);
	if (tls13) {                /* RFC 8446 D.4: a session id for middlebox compatibility */
		put8(&w, 32);
		put(&w, random, 32);
	} else {
		put8(&w, 0);
	}
	size_t cs = begin_len(&w, 2);
	for (size_t i = 0; i < rq->nsuites; i++)
		put16(&w, rq->suites[i]);
	if (ssl3)
		put16(&w, 0x00ff);      /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 3.3 */
	if (rq->fallback_scsv)
		put16(&w, 0x5600);      /* TLS_FALLBACK_SCSV, RFC 7507 */
	end_len(&w, cs, 2);
	if (rq->offer_compression && !tls13) {
		put8(&w, 2);
		put8(&w, 1);            /* DEFLATE, RFC 3749 */
		put8(&w, 0);
	} else {
		put8(&w, 1);
		put8(&w, 0);
	}
	if (!ssl3)                  /* SSLv3 servers may choke on extensions: SCSV instead */
		put_extensions(rq, &w);
	end_len(&w, hs, 3);
	end_len(&w, rec, 2);
	return w.overflow ? 0 : w.len;
}

/* ---- reading ---------------------------------------------------------- */

struct rbuf {
	const unsigned char *p;
	size_t len, pos;
	bool bad;
};

static bool need(struct rbuf *r, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return false;
	}
	return true;
}

static unsigned get8(struct rbuf *r)
{
	return need(r, 1) ? r->p[r->pos++] : 0;
}

static unsigned get16(struct rbuf *r)
{
	unsigned hi = get8(r);
	return (hi << 8) | get8(r);
}

static void skip(struct rbuf *r, size_t n)
{
	if (need(r, n))
		r->pos += n;
}

/* A sub-reader over the next n octets. */
static struct rbuf sub(struct rbuf *r, size_t n)
{
	struct rbuf s = {r->p, 0, 0, true};
	if (need(r, n)) {
		s = (struct rbuf){r->p + r->pos, n, 0, false};
		r->pos += n;
	}
	return s;
}

static enum hello_status malformed(struct hello_reply *r, const char *why)
{
	snprintf(r->why, sizeof r->why, "%s", why);
	return HELLO_MALFORMED;
}

/* SHA-256 of "HelloRetryRequest" (RFC 8446 4.1.3). */
static const unsigned char hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static enum hello_status parse_ssl2(const unsigned char *in, size_t len, struct hello_reply *r)
{
	if (len < 2)
		return HELLO_NEED_MORE;
	size_t body = ((size_t)(in[0] & 0x7f) << 8) | in[1];
	if (len < 2 + body)
		return HELLO_NEED_MORE;
	struct rbuf b = {in + 2, body, 0, false};
	unsigned type = get8(&b);
	if (type == 0) {            /* MSG-ERROR */
		r->answer = HELLO_ALERT;
		r->alert = (uint8_t)get16(&b);
		return b.bad ? malformed(r, "truncated SSLv2 error") : HELLO_DONE;
	}
	if (type != 4)
		return malformed(r, "SSLv2 record that is not SERVER-HELLO");
	get8(&b);                   /* session id hit */
	get8(&b);                   /* certificate type */
	r->version = (uint16_t)get16(&b);
	size_t cert = get16(&b), specs = get16(&b), connid = get16(&b);
	skip(&b, cert);
	struct rbuf s = sub(&b, specs);
	skip(&b, connid);
	if (b.bad || specs % 3 != 0)
		return malformed(r, "SSLv2 SERVER-HELLO with lengths that do not add up");
	while (s.pos < s.len && r->nssl2 < HELLO_SSL2_MAX_SPECS) {
		uint32_t v = (uint32_t)get8(&s) << 16;
		v |= get16(&s);
		r->ssl2_specs[r->nssl2++] = v;
	}
	r->answer = HELLO_SSL2_SERVER_HELLO;
	return HELLO_DONE;
}

static void parse_extensions(struct rbuf *b, struct hello_reply *r, bool hrr)
{
	if (b->pos == b->len)
		return;                 /* no extensions at all (RFC 5246 7.4.1.4) */
	struct rbuf e = sub(b, get16(b));
	while (!e.bad && e.pos < e.len) {
		unsigned type = get16(&e);
		struct rbuf d = sub(&e, get16(&e));
		switch (type) {
		case 43: r->version = (uint16_t)get16(&d); break;
		case 51: r->group = (uint16_t)get16(&d); (void)hrr; break;
		case 0xff01: r->secure_renegotiation = true; break;
		case 23: r->ext_master_secret = true; break;
		case 35: r->session_ticket = true; break;
		case 15: r->heartbeat = true; break;
		case 5: r->status_request = true; break;
		default: break;
		}
		if (d.bad)
			e.bad = true;
	}
	if (e.bad)
		b->bad = true;
}

static enum hello_status parse_server_hello(struct rbuf *b, struct hello_reply *r)
{
	r->version = (uint16_t)get16(b);
	bool hrr = need(b, 32) && memcmp(b->p + b->pos, hrr_random, 32) == 0;
	skip(b, 32);
	skip(b, get8(b));           /* session id */
	r->suite = (uint16_t)get16(b);
	r->compression = (uint8_t)get8(b);
	parse_extensions(b, r, hrr);
	if (b->bad)
		return malformed(r, "malformed ServerHello");
	r->answer = hrr ? HELLO_RETRY_REQUEST : HELLO_SERVER_HELLO;
	return HELLO_NEED_MORE;
}

static unsigned bits_of(struct rbuf *v)
{
	size_t i = 0;
	while (i < v->len && v->p[i] == 0)
		i++;
	if (i == v->len)
		return 0;
	unsigned bits = (unsigned)(v->len - i) * 8, top = v->p[i];
	while (!(top & 0x80)) {
		top <<= 1;
		bits--;
	}
	return bits;
}

/* RFC 5246 7.4.3 / RFC 8422 5.4: the group or prime the server chose, and
 * at TLS 1.2 the signature algorithm of the parameters. */
static void parse_key_exchange(struct rbuf *b, struct hello_reply *r)
{
	const struct tlscheck_suite_info *s = tlscheck_suite_find(r->suite);
	if (!s)
		return;
	bool ecdhe = strcmp(s->kx, "ECDHE") == 0 || (strcmp(s->kx, "ECDH") == 0 && strcmp(s->au, "anon") == 0);
	bool dhe = strncmp(s->kx, "DHE", 3) == 0 || (strncmp(s->kx, "DH", 2) == 0 && strcmp(s->au, "anon") == 0);
	if (strstr(s->kx, "PSK"))
		return;                 /* a psk_identity_hint comes first */
	if (ecdhe) {
		if (get8(b) != 3)       /* named_curve */
			return;
		r->group = (uint16_t)get16(b);
		skip(b, get8(b));
	} else if (dhe) {
		struct rbuf p = sub(b, get16(b));
		if (!p.bad)
			r->dh_bits = bits_of(&p);
		skip(b, get16(b));      /* g */
		skip(b, get16(b));      /* Ys */
	} else {
		return;
	}
	if (!b->bad && r->version == TLSCHECK_TLS12 && strcmp(s->au, "anon") != 0)
		r->sigalg = (uint16_t)get16(b);
}

/* Handshake messages in hs: done at ServerHelloDone, or right after a
 * TLS 1.3 ServerHello or HelloRetryRequest. */
static enum hello_status parse_handshake(const unsigned char *hs, size_t len, struct hello_reply *r)
{
	struct rbuf b = {hs, len, 0, false};
	while (b.len - b.pos >= 4) {
		unsigned type = hs[b.pos];
		size_t n = ((size_t)hs[b.pos + 1] << 16) | ((size_t)hs[b.pos + 2] << 8) | hs[b.pos + 3];
		if (b.len - b.pos - 4 < n)
			return HELLO_NEED_MORE;
		b.pos += 4;
		struct rbuf m = sub(&b, n);
		if (r->answer == HELLO_NONE && type != 2)
			return malformed(r, "the server's first handshake message is not ServerHello");
		switch (type) {
		case 2:
			if (r->answer != HELLO_NONE)
				return malformed(r, "a second ServerHello");
			if (parse_server_hello(&m, r) == HELLO_MALFORMED)
				return HELLO_MALFORMED;
			if (r->answer == HELLO_RETRY_REQUEST || r->version == TLSCHECK_TLS13)
				return HELLO_DONE;
			break;
		case 12:
			parse_key_exchange(&m, r);
			break;
		case 14:                /* ServerHelloDone */
			return HELLO_DONE;
		default:                /* Certificate, CertificateStatus, CertificateRequest */
			break;
		}
	}
	return HELLO_NEED_MORE;
}

enum hello_status hello_parse(const unsigned char *in, size_t len, struct hello_reply *r)
{
	memset(r, 0, sizeof *r);
	if (len > HELLO_REPLY_MAX)
		return malformed(r, "the server's first flight is longer than 64 KiB");
	if (len == 0)
		return HELLO_NEED_MORE;
	if ((in[0] & 0x80) && (len < 3 || in[2] == 4 || in[2] == 0))
		return parse_ssl2(in, len, r);

	/* Records first: the handshake octets they carry, and where the
	 * clear part of the flight ends (an alert, encrypted data). */
	unsigned char *hs = malloc(len);
	if (!hs)
		return malformed(r, "out of memory");
	size_t hslen = 0, pos = 0;
	bool ended = false;
	uint8_t alert_level = 0, alert = 0;
	bool got_alert = false;
	while (!ended && len - pos >= 5) {
		unsigned type = in[pos], major = in[pos + 1];
		size_t n = ((size_t)in[pos + 3] << 8) | in[pos + 4];
		if (major != 3 || type < 20 || type > 23 || n > 16384 + 2048) {
			free(hs);
			return malformed(r, "not a TLS record");
		}
		if (len - pos - 5 < n)
			break;
		const unsigned char *body = in + pos + 5;
		pos += 5 + n;
		if (type == 21) {
			if (n < 2) {
				free(hs);
				return malformed(r, "short alert");
			}
			got_alert = true;
			alert_level = body[0];
			alert = body[1];
			ended = true;
		} else if (type == 22) {
			memcpy(hs + hslen, body, n);
			hslen += n;
		} else if (type == 23) {
			ended = true;       /* encrypted: nothing more to read in clear */
		}
	}
	enum hello_status st = parse_handshake(hs, hslen, r);
	free(hs);
	if (st != HELLO_NEED_MORE)
		return st;
	if (r->answer != HELLO_NONE)
		/* What the ServerHello said stands when the clear part ends. */
		return ended ? HELLO_DONE : HELLO_NEED_MORE;
	if (got_alert) {
		r->answer = HELLO_ALERT;
		r->alert_level = alert_level;
		r->alert = alert;
		return HELLO_DONE;
	}
	if (ended)
		return malformed(r, "application data before ServerHello");
	return HELLO_NEED_MORE;
}
