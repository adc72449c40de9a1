/* dns.c - DNS on glibc's libresolv.  Every query has its own resolver
 * state (res_ninit/res_nclose), so lookups may run in parallel threads;
 * answers are read with ns_initparse/ns_parserr and dn_expand, which check
 * every length and compression pointer against the end of the message. */
#define _GNU_SOURCE

#include "dns.h"
#include "deadline.h"
#include "text.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_ANSWER_MAX 65536
#define DNS_QUERY_MAX 1024
/* DNS flag day 2020: a UDP payload size that avoids IP fragmentation. */
#define DNS_EDNS_PAYLOAD 1232
#define DNS_CNAME_MAX 64

/* ------------------------------------------------------------------ */
/* Resolver specification                                              */

static bool all_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int parse_port(const char *s, int *port)
{
	long v = 0;
	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int dns_resolver_init(struct dns_resolver *r, const char *spec, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->port = 53;
	r->timeout_ms = 2000;
	r->tries = 2;
	if (spec == NULL)
		return 0;

	if (!all_printable(spec))
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver: contains a control character");

	char host[sizeof r->addr];
	const char *port = NULL;
	size_t hlen;
	bool bracketed = spec[0] == '[';
	if (bracketed) {
		const char *close = strchr(spec, ']');
		if (close == NULL)
			return err_set(e, ERR_USAGE, "resolver", "invalid --resolver '%s': missing ']'", spec);
		hlen = (size_t)(close - spec - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return err_set(e, ERR_USAGE, "resolver", "invalid --resolver '%s': text after ']'", spec);
		spec++;
	} else {
		const char *colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return err_set(e, ERR_USAGE, "resolver",
				       "invalid --resolver '%s': write an IPv6 address as [ADDR] or [ADDR]:PORT", spec);
		hlen = colon ? (size_t)(colon - spec) : strlen(spec);
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof host)
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver: bad address");
	memcpy(host, spec, hlen);
	host[hlen] = '\0';

	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(bracketed ? AF_INET6 : AF_INET, host, bin) != 1)
		return err_set(e, ERR_USAGE, "resolver",
			       "invalid --resolver '%s': not a numeric %s address", host,
			       bracketed ? "IPv6" : "IPv4");
	if (port != NULL && parse_port(port, &r->port) < 0)
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver port '%s': want 1-65535", port);
	memcpy(r->addr, host, hlen + 1);
	r->custom = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names of things                                                     */

const char *dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "ok";
	case DNS_NODATA: return "nodata";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_SERVFAIL: return "servfail";
	case DNS_REFUSED: return "refused";
	case DNS_TIMEOUT: return "timeout";
	case DNS_MALFORMED: return "malformed";
	case DNS_ERROR: return "error";
	}
	return "error";
}

enum err_class dns_err_class(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return ERR_NONE;
	case DNS_NXDOMAIN: return ERR_NOHOST;
	default: return ERR_TEMP;
	}
}

int dns_reverse_name(const char *addr, char *out, size_t size)
{
	unsigned char b[sizeof(struct in6_addr)];
	int n;

	if (inet_pton(AF_INET, addr, b) == 1) {
		n = snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	if (inet_pton(AF_INET6, addr, b) != 1)
		return -1;
	/* RFC 3596 2.5: nibbles, least significant first. */
	if (size < 16 * 4 + sizeof "ip6.arpa")
		return -1;
	char *p = out;
	for (int i = 15; i >= 0; i--) {
		char x[3];
		text_hex(&b[i], 1, x, sizeof x);
		*p++ = x[1];
		*p++ = '.';
		*p++ = x[0];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", sizeof "ip6.arpa");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Answer parsing                                                      */

void dns_answer_free(struct dns_answer *a)
{
	if (a->txt)
		for (size_t i = 0; i < a->n; i++)
			free(a->txt[i]);
	if (a->tlsa)
		for (size_t i = 0; i < a->n; i++)
			free(a->tlsa[i].full);
	free(a->mx);
	free(a->addrs);
	free(a->txt);
	free(a->tlsa);
	free(a->names);
	a->mx = NULL;
	a->addrs = NULL;
	a->txt = NULL;
	a->tlsa = NULL;
	a->names = NULL;
	a->n = 0;
}

static size_t wire_len(const unsigned char *w)
{
	size_t i = 0;
	while (w[i] != 0)
		i += (size_t)w[i] + 1;
	return i + 1;
}

/* Names compared in wire form, ASCII case-insensitively (RFC 4343), so
 * "a.example", "A.Example." and escaped spellings agree. */
static bool name_eq(const char *a, const char *b)
{
	unsigned char wa[NS_MAXCDNAME], wb[NS_MAXCDNAME];

	if (ns_name_pton(a, wa, sizeof wa) < 0 || ns_name_pton(b, wb, sizeof wb) < 0)
		return false;
	size_t la = wire_len(wa);
	return la == wire_len(wb) && text_ncasecmp((const char *)wa, (const char *)wb, la) == 0;
}

static int answer_fail(struct dns_answer *a, enum dns_status st, const char *why)
{
	dns_answer_free(a);
	a->status = st;
	snprintf(a->why, sizeof a->why, "%s", why);
	return -1;
}

/* A name inside rdata, which must end exactly at the end of the rdata
 * (off is where the name starts within it).  Root becomes ".". */
static int rdata_name(const unsigned char *msg, const unsigned char *eom, const ns_rr *rr,
		      size_t off, char *out, size_t size)
{
	char name[NS_MAXDNAME];
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);

	if (off >= rdlen)
		return -1;
	int n = dn_expand(msg, eom, rd + off, name, sizeof name);
	if (n < 0 || off + (size_t)n != rdlen)
		return -1;
	if (name[0] == '\0')
		strcpy(name, ".");
	if (strlen(name) >= size)
		return -1;
	strcpy(out, name);
	return 0;
}

/* RFC 1035 3.3.14: one or more <character-string>s, joined. */
static char *txt_join(const ns_rr *rr)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr), o = 0, len = 0;
	char *s = malloc(rdlen + 1);

	if (s == NULL)
		return NULL;
	while (o < rdlen) {
		size_t l = rd[o++];
		if (l > rdlen - o) {
			free(s);
			return NULL;
		}
		memcpy(s + len, rd + o, l);
		len += l;
		o += l;
	}
	s[len] = '\0';
	return s;
}

/* Store one record of the asked type as answer entry a->n. */
static int take_record(struct dns_answer *a, const unsigned char *msg, const unsigned char *eom,
		       const ns_rr *rr, int type)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	size_t i = a->n;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA: {
		int af = type == DNS_T_A ? AF_INET : AF_INET6;
		if (rdlen != (type == DNS_T_A ? 4u : 16u))
			return answer_fail(a, DNS_MALFORMED, "address record with a wrong length");
		if (inet_ntop(af, rd, a->addrs[i], sizeof a->addrs[i]) == NULL)
			return answer_fail(a, DNS_ERROR, "inet_ntop failed");
		break;
	}
	case DNS_T_MX:
		if (rdlen < 3)
			return answer_fail(a, DNS_MALFORMED, "MX record too short");
		a->mx[i].preference = (uint16_t)ns_get16(rd);
		if (rdata_name(msg, eom, rr, 2, a->mx[i].host, sizeof a->mx[i].host) < 0)
			return answer_fail(a, DNS_MALFORMED, "MX exchange name does not parse");
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (rdata_name(msg, eom, rr, 0, a->names[i], sizeof a->names[i]) < 0)
			return answer_fail(a, DNS_MALFORMED, "target name does not parse");
		break;
	case DNS_T_TXT:
		a->txt[i] = txt_join(rr);
		if (a->txt[i] == NULL)
			return answer_fail(a, DNS_MALFORMED, "TXT string runs past its record");
		break;
	case DNS_T_TLSA: {
		struct dns_tlsa *t = &a->tlsa[i];
		if (rdlen < 3)
			return answer_fail(a, DNS_MALFORMED, "TLSA record too short");
		t->usage = rd[0];
		t->selector = rd[1];
		t->mtype = rd[2];
		t->len = rdlen - 3;
		t->truncated = t->len > sizeof t->data;
		memcpy(t->data, rd + 3, t->truncated ? sizeof t->data : t->len);
		if (t->len > 0) {
			t->full = malloc(t->len);
			if (t->full == NULL)
				return answer_fail(a, DNS_ERROR, "out of memory");
			memcpy(t->full, rd + 3, t->len);
		}
		break;
	}
	default:
		return answer_fail(a, DNS_ERROR, "record type not supported");
	}
	a->n++;
	return 0;
}

static int alloc_records(struct dns_answer *a, int type, size_t count)
{
	if (count == 0)
		count = 1;
	switch (type) {
	case DNS_T_A: case DNS_T_AAAA: a->addrs = calloc(count, sizeof *a->addrs); return a->addrs ? 0 : -1;
	case DNS_T_MX: a->mx = calloc(count, sizeof *a->mx); return a->mx ? 0 : -1;
	case DNS_T_TXT: a->txt = calloc(count, sizeof *a->txt); return a->txt ? 0 : -1;
	case DNS_T_TLSA: a->tlsa = calloc(count, sizeof *a->tlsa); return a->tlsa ? 0 : -1;
	case DNS_T_CNAME: case DNS_T_PTR: a->names = calloc(count, sizeof *a->names); return a->names ? 0 : -1;
	default: return -1;
	}
}

struct cname {
	char owner[NS_MAXDNAME];
	char target[NS_MAXDNAME];
};

/* Follow CNAMEs inside the answer section from qname (RFC 1034 3.6.2);
 * the result is written to cur. */
static int follow_cnames(ns_msg *h, const unsigned char *msg, const unsigned char *eom,
			 const char *qname, char *cur, struct dns_answer *a)
{
	int count = ns_msg_count(*h, ns_s_an);
	struct cname *tab = NULL;
	int ncname = 0;
	ns_rr rr;

	snprintf(cur, NS_MAXDNAME, "%s", qname);
	for (int i = 0; i < count; i++) {
		if (ns_parserr(h, ns_s_an, i, &rr) < 0) {
			free(tab);
			return answer_fail(a, DNS_MALFORMED, "an answer record does not parse");
		}
		if (ns_rr_type(rr) != ns_t_cname || ns_rr_class(rr) != ns_c_in)
			continue;
		if (ncname == DNS_CNAME_MAX) {
			free(tab);
			return answer_fail(a, DNS_ERROR, "too many CNAME records");
		}
		if (ncname == 0 && (tab = malloc(DNS_CNAME_MAX * sizeof *tab)) == NULL)
			return answer_fail(a, DNS_ERROR, "out of memory");
		snprintf(tab[ncname].owner, NS_MAXDNAME, "%s", ns_rr_name(rr));
		if (rdata_name(msg, eom, &rr, 0, tab[ncname].target, NS_MAXDNAME) < 0) {
			free(tab);
			return answer_fail(a, DNS_MALFORMED, "CNAME target does not parse");
		}
		ncname++;
	}
	/* Each hop uses one record, so ncname hops end any loop. */
	for (int hop = 0; hop < ncname; hop++) {
		int j;
		for (j = 0; j < ncname; j++)
			if (name_eq(tab[j].owner, cur))
				break;
		if (j == ncname)
			break;
		snprintf(cur, NS_MAXDNAME, "%s", tab[j].target);
		if (strlen(cur) >= sizeof a->canonical) {
			free(tab);
			return answer_fail(a, DNS_MALFORMED, "canonical name too long");
		}
		strcpy(a->canonical, cur);
	}
	free(tab);
	return 0;
}

static enum dns_status rcode_status(int rcode)
{
	switch (rcode) {
	case ns_r_noerror: return DNS_OK;
	case ns_r_nxdomain: return DNS_NXDOMAIN;
	case ns_r_servfail: return DNS_SERVFAIL;
	case ns_r_refused: return DNS_REFUSED;
	default: return DNS_ERROR;
	}
}

static int rcode_fail(struct dns_answer *a, enum dns_status st)
{
	a->status = st;
	if (st == DNS_ERROR)
		snprintf(a->why, sizeof a->why, "the server answered rcode %d", a->rcode);
	return -1;
}

/* qname: the name asked for, or NULL when unknown (canned answers). */
static int parse_answer(const unsigned char *msg, size_t len, const char *qname, int type,
			struct dns_answer *a)
{
	const unsigned char *eom = msg + len;
	char cur[NS_MAXDNAME];
	ns_msg h;
	ns_rr rr;

	if (len < NS_HFIXEDSZ)
		return answer_fail(a, DNS_MALFORMED, "answer shorter than a DNS header");
	if (len > DNS_ANSWER_MAX - 1)
		return answer_fail(a, DNS_MALFORMED, "answer too long");
	if (ns_initparse(msg, (int)len, &h) < 0)
		return answer_fail(a, DNS_MALFORMED, "a section runs past the end of the answer");
	if (!ns_msg_getflag(h, ns_f_qr))
		return answer_fail(a, DNS_MALFORMED, "not a response (QR bit clear)");
	a->rcode = ns_msg_getflag(h, ns_f_rcode);
	a->ad = ns_msg_getflag(h, ns_f_ad) != 0;

	/* RFC 6891 6.1.3: the OPT record carries the upper 8 bits of the rcode. */
	for (int i = 0; i < ns_msg_count(h, ns_s_ar); i++) {
		if (ns_parserr(&h, ns_s_ar, i, &rr) < 0)
			return answer_fail(a, DNS_MALFORMED, "an additional record does not parse");
		if (ns_rr_type(rr) == ns_t_opt)
			a->rcode |= (int)((ns_rr_ttl(rr) >> 24) & 0xff) << 4;
	}

	enum dns_status st = rcode_status(a->rcode);
	int qd = ns_msg_count(h, ns_s_qd);
	if (qd == 0 && st != DNS_OK && st != DNS_NXDOMAIN) {
		/* Servers often drop the question from an error answer. */
		return rcode_fail(a, st);
	}
	if (qd != 1)
		return answer_fail(a, DNS_MALFORMED, "answer does not carry exactly one question");
	if (ns_parserr(&h, ns_s_qd, 0, &rr) < 0)
		return answer_fail(a, DNS_MALFORMED, "question does not parse");
	if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
		return answer_fail(a, DNS_MALFORMED, "answer is for another question type or class");
	if (qname != NULL && !name_eq(ns_rr_name(rr), qname))
		return answer_fail(a, DNS_MALFORMED, "answer is for another name");

	char asked[NS_MAXDNAME];
	snprintf(asked, sizeof asked, "%s", ns_rr_name(rr));
	if (type == DNS_T_CNAME)
		strcpy(cur, asked);
	else if (follow_cnames(&h, msg, eom, asked, cur, a) < 0)
		return -1;

	if (st != DNS_OK)
		return rcode_fail(a, st);

	int count = ns_msg_count(h, ns_s_an);
	if (alloc_records(a, type, (size_t)count) < 0)
		return answer_fail(a, DNS_ERROR, "out of memory or unsupported type");
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			return answer_fail(a, DNS_MALFORMED, "an answer record does not parse");
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in
		    || !name_eq(ns_rr_name(rr), cur))
			continue;
		if (take_record(a, msg, eom, &rr, type) < 0)
			return -1;
	}
	if (a->n == 0) {
		dns_answer_free(a);
		a->status = DNS_NODATA;
		return -1;
	}
	a->status = DNS_OK;
	return 0;
}

int dns_parse(const unsigned char *msg, size_t len, int type, struct dns_answer *out)
{
	memset(out, 0, sizeof *out);
	return parse_answer(msg, len, NULL, type, out);
}

/* ------------------------------------------------------------------ */
/* glibc's private resolver state                                      */

/* The one function that touches glibc's private res_state->_u._ext.
 * glibc 2.36 has no public way to give res_nsend an IPv6 server on a port
 * of our choosing (nsaddr_list[] holds only sockaddr_in), nor to read back
 * the IPv6 servers of resolv.conf.  glibc keeps IPv6 servers as malloc'd
 * sockaddr_in6 in _u._ext.nsaddrs[] (freed by res_nclose) and marks their
 * nsaddr_list[] slot with sin_family 0; this does the same.  If a glibc
 * release changes that layout, test_dns.c's IPv6 --resolver tests (real
 * queries, UDP and TCP, to a responder on [::1]) fail.
 *
 * With a --resolver, replace the servers from resolv.conf with r's.  Then
 * list st's servers in the form connect() takes, for the TCP retry.
 * Returns how many, or -1 when r's address cannot be used. */
static int use_servers(res_state st, const struct dns_resolver *r, struct sockaddr_storage *out)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (r->custom) {
		for (int i = 0; i < MAXNS; i++) {
			free(st->_u._ext.nsaddrs[i]);
			st->_u._ext.nsaddrs[i] = NULL;
		}
		st->_u._ext.nscount = 0;
		memset(st->nsaddr_list, 0, sizeof st->nsaddr_list);
		if (inet_pton(AF_INET, r->addr, &a4) == 1) {
			st->nsaddr_list[0].sin_family = AF_INET;
			st->nsaddr_list[0].sin_port = htons((uint16_t)r->port);
			st->nsaddr_list[0].sin_addr = a4;
		} else if (inet_pton(AF_INET6, r->addr, &a6) == 1) {
			struct sockaddr_in6 *s6 = calloc(1, sizeof *s6);
			if (s6 == NULL)
				return -1;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)r->port);
			s6->sin6_addr = a6;
			st->nsaddr_list[0].sin_family = 0;
			st->_u._ext.nsaddrs[0] = s6;
		} else {
			return -1;
		}
		st->nscount = 1;
	}

	int n = 0;
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		memset(&out[n], 0, sizeof out[n]);
		if (st->nsaddr_list[i].sin_family == AF_INET)
			memcpy(&out[n++], &st->nsaddr_list[i], sizeof st->nsaddr_list[i]);
		else if (st->_u._ext.nsaddrs[i] != NULL)
			memcpy(&out[n++], st->_u._ext.nsaddrs[i], sizeof *st->_u._ext.nsaddrs[i]);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

enum { TCP_ERROR = -1, TCP_TIMEOUT = -2 };

/* One query over TCP (RFC 7766), the whole exchange bounded by timeout_ms.
 * glibc's own TCP retry reads without a deadline, so truncated answers
 * come here instead (RES_IGNTC). */
static int tcp_exchange(const struct sockaddr_storage *ss, const unsigned char *q, int qlen,
			unsigned char *ans, size_t anssize, int timeout_ms)
{
	int64_t deadline = deadline_now_ms() + timeout_ms;
	socklen_t salen = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc = TCP_ERROR, w;

	if (fd < 0)
		return TCP_ERROR;
	if (connect(fd, (const struct sockaddr *)ss, salen) < 0) {
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (errno != EINPROGRESS)
			goto out;
		if ((w = deadline_poll(fd, POLLOUT, deadline)) <= 0) {
			rc = w == 0 ? TCP_TIMEOUT : TCP_ERROR;
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0)
			goto out;
	}

	unsigned char out[2 + DNS_QUERY_MAX];
	size_t outlen = 2 + (size_t)qlen, done = 0;
	out[0] = (unsigned char)(qlen >> 8);
	out[1] = (unsigned char)qlen;
	memcpy(out + 2, q, (size_t)qlen);
	while (done < outlen) {
		ssize_t n = send(fd, out + done, outlen - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((w = deadline_poll(fd, POLLOUT, deadline)) <= 0) {
				rc = w == 0 ? TCP_TIMEOUT : TCP_ERROR;
				goto out;
			}
			continue;
		}
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}

	unsigned char lenbuf[2];
	size_t want = 2, got = 0;
	unsigned char *dst = lenbuf;
	for (int part = 0; part < 2; part++) {
		while (got < want) {
			ssize_t n = recv(fd, dst + got, want - got, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				if ((w = deadline_poll(fd, POLLIN, deadline)) <= 0) {
					rc = w == 0 ? TCP_TIMEOUT : TCP_ERROR;
					goto out;
				}
				continue;
			}
			if (n <= 0)
				goto out;
			got += (size_t)n;
		}
		if (part == 0) {
			want = (size_t)lenbuf[0] << 8 | lenbuf[1];
			if (want > anssize)
				goto out;
			got = 0;
			dst = ans;
		}
	}
	rc = (int)want;
out:
	close(fd);
	return rc;
}

/* RFC 6891 6.1.2: an OPT pseudo-record in the additional section. */
static int add_edns0(unsigned char *q, int qlen, size_t size)
{
	static const unsigned char opt[11] = {
		0,                                      /* root owner */
		0, ns_t_opt,
		DNS_EDNS_PAYLOAD >> 8, DNS_EDNS_PAYLOAD & 0xff,
		0, 0, 0, 0,                             /* ext rcode, version, flags */
		0, 0,                                   /* rdlength */
	};
	if ((size_t)qlen + sizeof opt > size)
		return qlen;
	memcpy(q + qlen, opt, sizeof opt);
	unsigned ar = (unsigned)q[10] << 8 | q[11];
	ar++;
	q[10] = (unsigned char)(ar >> 8);
	q[11] = (unsigned char)ar;
	return qlen + (int)sizeof opt;
}

/* Send the query, over UDP by res_nsend, then over TCP when the answer
 * is truncated.  Returns the answer's length, or -1 with out filled. */
static int exchange(res_state st, const unsigned char *query, int qlen, unsigned char *ans,
		    const struct sockaddr_storage *servers, int nservers, int timeout_ms,
		    struct dns_answer *out)
{
	char ebuf[128];

	errno = 0;
	int n = res_nsend(st, query, qlen, ans, DNS_ANSWER_MAX);
	if (n < 0) {
		int e = errno;
		if (e == ETIMEDOUT || e == ECONNREFUSED || e == EAGAIN || e == 0)
			return answer_fail(out, DNS_TIMEOUT, e == ECONNREFUSED
					   ? "no server answered (connection refused)" : "no server answered");
		return answer_fail(out, DNS_ERROR, strerror_r(e, ebuf, sizeof ebuf));
	}
	if (n < NS_HFIXEDSZ || n > DNS_ANSWER_MAX)
		return answer_fail(out, DNS_MALFORMED, "answer shorter than a DNS header");
	if (!(ans[2] & 0x02))
		return n;

	/* RFC 7766 5: TC set, ask again over TCP. */
	int tn = TCP_ERROR;
	for (int i = 0; i < nservers && tn < 0; i++)
		tn = tcp_exchange(&servers[i], query, qlen, ans, DNS_ANSWER_MAX, timeout_ms);
	if (tn == TCP_TIMEOUT)
		return answer_fail(out, DNS_TIMEOUT, "no answer over TCP after a truncated answer");
	if (tn < 0)
		return answer_fail(out, DNS_ERROR, "TCP query after a truncated answer failed");
	if (tn < NS_HFIXEDSZ || ans[0] != query[0] || ans[1] != query[1])
		return answer_fail(out, DNS_MALFORMED, "TCP answer does not match the query");
	if (ans[2] & 0x02)
		return answer_fail(out, DNS_MALFORMED, "answer truncated even over TCP");
	out->truncated_tcp = true;
	return tn;
}

int dns_query(const struct dns_resolver *r, const char *name, int type, struct dns_answer *out)
{
	struct __res_state st;
	unsigned char query[DNS_QUERY_MAX];
	unsigned char *ans = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) < 0)
		return answer_fail(out, DNS_ERROR, "cannot initialise the resolver");

	int tries = r->tries < 1 ? 1 : r->tries > 5 ? 5 : r->tries;
	int timeout_ms = r->timeout_ms < 1 ? 2000 : r->timeout_ms;
	/* RES_TRUSTAD keeps the AD bit; RES_IGNTC: truncated answers are
	 * retried over TCP here, under a deadline.  RES_USE_EDNS0 only acts
	 * in res_nquery: add_edns0() adds the OPT record itself. */
	st.options |= RES_USE_EDNS0 | RES_TRUSTAD | RES_IGNTC;
	st.options &= ~(unsigned long)(RES_ROTATE | RES_USEVC);
	/* glibc's send_dg() turns SERVFAIL, NOTIMP and REFUSED into "try the
	 * next server" and finally a timeout, unless pfcode is set ("called
	 * from dig"); it only selects debug output, which release builds
	 * do not print.  We want the rcode. */
	st.pfcode = RES_PRF_STATS;
	/* glibc counts retrans in whole seconds. */
	st.retrans = (timeout_ms + 999) / 1000;
	st.retry = tries;
	struct sockaddr_storage servers[MAXNS];
	int nservers = use_servers(&st, r, servers);
	if (nservers < 0) {
		answer_fail(out, DNS_ERROR, "cannot use the --resolver address");
		goto done;
	}

	int plain = res_nmkquery(&st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL,
				 query, sizeof query - 11);
	if (plain < NS_HFIXEDSZ) {
		answer_fail(out, DNS_ERROR, "cannot build a query for this name");
		goto done;
	}
	/* RFC 6840 5.7: AD in the query asks for the AD bit in the answer. */
	query[3] |= 0x20;
	int qlen = add_edns0(query, plain, sizeof query);

	ans = malloc(DNS_ANSWER_MAX);
	if (ans == NULL) {
		answer_fail(out, DNS_ERROR, "out of memory");
		goto done;
	}
	int n = exchange(&st, query, qlen, ans, servers, nservers, timeout_ms, out);
	if (n < 0)
		goto done;
	rc = parse_answer(ans, (size_t)n, name, type, out);
	if (out->status == DNS_ERROR && out->rcode == ns_r_formerr && qlen != plain) {
		/* RFC 6891 7: a server that does not know EDNS; ask without OPT. */
		query[11]--;
		memset(out, 0, sizeof *out);
		n = exchange(&st, query, plain, ans, servers, nservers, timeout_ms, out);
		if (n < 0) {
			rc = -1;
			goto done;
		}
		rc = parse_answer(ans, (size_t)n, name, type, out);
	}
done:
	free(ans);
	res_nclose(&st);
	return rc;
}
