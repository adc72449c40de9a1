/* dns_parse.c - DNS answers into records.  Pure, no I/O: dns.c hands it
 * what the server sent, the unit tests canned bytes.  ns_initparse,
 * ns_parserr and dn_expand check every length and compression pointer
 * against the end of the message; CNAMEs are followed inside the answer. */
#define _GNU_SOURCE

#include "dns_int.h"
#include "text.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DNS_CNAME_MAX 64

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

int dns_answer_fail(struct dns_answer *a, enum dns_status st, const char *why)
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
			return dns_answer_fail(a, DNS_MALFORMED, "address record with a wrong length");
		if (inet_ntop(af, rd, a->addrs[i], sizeof a->addrs[i]) == NULL)
			return dns_answer_fail(a, DNS_ERROR, "inet_ntop failed");
		break;
	}
	case DNS_T_MX:
		if (rdlen < 3)
			return dns_answer_fail(a, DNS_MALFORMED, "MX record too short");
		a->mx[i].preference = (uint16_t)ns_get16(rd);
		if (rdata_name(msg, eom, rr, 2, a->mx[i].host, sizeof a->mx[i].host) < 0)
			return dns_answer_fail(a, DNS_MALFORMED, "MX exchange name does not parse");
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (rdata_name(msg, eom, rr, 0, a->names[i], sizeof a->names[i]) < 0)
			return dns_answer_fail(a, DNS_MALFORMED, "target name does not parse");
		break;
	case DNS_T_TXT:
	case DNS_T_SPF:
		a->txt[i] = txt_join(rr);
		if (a->txt[i] == NULL)
			return dns_answer_fail(a, DNS_MALFORMED, "TXT string runs past its record");
		break;
	case DNS_T_TLSA: {
		struct dns_tlsa *t = &a->tlsa[i];
		if (rdlen < 3)
			return dns_answer_fail(a, DNS_MALFORMED, "TLSA record too short");
		t->usage = rd[0];
		t->selector = rd[1];
		t->mtype = rd[2];
		t->len = rdlen - 3;
		t->truncated = t->len > sizeof t->data;
		memcpy(t->data, rd + 3, t->truncated ? sizeof t->data : t->len);
		if (t->len > 0) {
			t->full = malloc(t->len);
			if (t->full == NULL)
				return dns_answer_fail(a, DNS_ERROR, "out of memory");
			memcpy(t->full, rd + 3, t->len);
		}
		break;
	}
	default:
		return dns_answer_fail(a, DNS_ERROR, "record type not supported");
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
	case DNS_T_TXT: case DNS_T_SPF: a->txt = calloc(count, sizeof *a->txt); return a->txt ? 0 : -1;
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
			return dns_answer_fail(a, DNS_MALFORMED, "an answer record does not parse");
		}
		if (ns_rr_type(rr) != ns_t_cname || ns_rr_class(rr) != ns_c_in)
			continue;
		if (ncname == DNS_CNAME_MAX) {
			free(tab);
			return dns_answer_fail(a, DNS_ERROR, "too many CNAME records");
		}
		if (ncname == 0 && (tab = malloc(DNS_CNAME_MAX * sizeof *tab)) == NULL)
			return dns_answer_fail(a, DNS_ERROR, "out of memory");
		snprintf(tab[ncname].owner, NS_MAXDNAME, "%s", ns_rr_name(rr));
		if (rdata_name(msg, eom, &rr, 0, tab[ncname].target, NS_MAXDNAME) < 0) {
			free(tab);
			return dns_answer_fail(a, DNS_MALFORMED, "CNAME target does not parse");
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
			return dns_answer_fail(a, DNS_MALFORMED, "canonical name too long");
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

int dns_parse_answer(const unsigned char *msg, size_t len, const char *qname, int type,
			struct dns_answer *a)
{
	const unsigned char *eom = msg + len;
	char cur[NS_MAXDNAME];
	ns_msg h;
	ns_rr rr;

	if (len < NS_HFIXEDSZ)
		return dns_answer_fail(a, DNS_MALFORMED, "answer shorter than a DNS header");
	if (len > DNS_ANSWER_MAX - 1)
		return dns_answer_fail(a, DNS_MALFORMED, "answer too long");
	if (ns_initparse(msg, (int)len, &h) < 0)
		return dns_answer_fail(a, DNS_MALFORMED, "a section runs past the end of the answer");
	if (!ns_msg_getflag(h, ns_f_qr))
		return dns_answer_fail(a, DNS_MALFORMED, "not a response (QR bit clear)");
	a->rcode = ns_msg_getflag(h, ns_f_rcode);
	a->ad = ns_msg_getflag(h, ns_f_ad) != 0;

	/* RFC 6891 6.1.3: the OPT record carries the upper 8 bits of the rcode. */
	for (int i = 0; i < ns_msg_count(h, ns_s_ar); i++) {
		if (ns_parserr(&h, ns_s_ar, i, &rr) < 0)
			return dns_answer_fail(a, DNS_MALFORMED, "an additional record does not parse");
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
		return dns_answer_fail(a, DNS_MALFORMED, "answer does not carry exactly one question");
	if (ns_parserr(&h, ns_s_qd, 0, &rr) < 0)
		return dns_answer_fail(a, DNS_MALFORMED, "question does not parse");
	if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
		return dns_answer_fail(a, DNS_MALFORMED, "answer is for another question type or class");
	if (qname != NULL && !name_eq(ns_rr_name(rr), qname))
		return dns_answer_fail(a, DNS_MALFORMED, "answer is for another name");

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
		return dns_answer_fail(a, DNS_ERROR, "out of memory or unsupported type");
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			return dns_answer_fail(a, DNS_MALFORMED, "an answer record does not parse");
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
	return dns_parse_answer(msg, len, NULL, type, out);
}
