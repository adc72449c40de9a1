/* test_dns.c - DNS answer parsing from canned bytes, reverse names,
 * --resolver parsing, and an IPv6 --resolver end to end.  Answers are
 * built byte by byte with a tiny builder so each test shows the wire
 * format it exercises. */
#include "check.h"
#include "dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- builder ------------------------------------------------------ */

struct msg {
	unsigned char b[2048];
	size_t len;
};

static void put8(struct msg *m, unsigned v)
{
	m->b[m->len++] = (unsigned char)v;
}

static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(struct msg *m, unsigned long v)
{
	put16(m, (unsigned)(v >> 16));
	put16(m, (unsigned)(v & 0xffff));
}

static void putbytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

/* Labels of a dotted name; ends with the root label unless ptr >= 0, in
 * which case it ends with a compression pointer to offset ptr. */
static void putname(struct msg *m, const char *name, int ptr)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		put8(m, (unsigned)n);
		putbytes(m, name, n);
		name += n + (dot ? 1 : 0);
	}
	if (ptr >= 0)
		put16(m, 0xc000u | (unsigned)ptr);
	else
		put8(m, 0);
}

enum { QNAME = 12 };    /* the question name always starts right after the header */

/* Header (QR RD RA + rcode + extra flags) and the question. */
static void start(struct msg *m, unsigned flags, unsigned an, unsigned ns, unsigned ar,
		  const char *qname, unsigned qtype)
{
	m->len = 0;
	put16(m, 0x1234);
	put16(m, 0x8180 | flags);
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	putname(m, qname, -1);
	put16(m, qtype);
	put16(m, 1);
}

/* Owner, type, class IN, ttl; returns where rdlength goes. */
static size_t rr(struct msg *m, const char *owner, int ptr, unsigned type)
{
	putname(m, owner, ptr);
	put16(m, type);
	put16(m, 1);
	put32(m, 300);
	put16(m, 0);
	return m->len - 2;
}

static void rdend(struct msg *m, size_t at)
{
	size_t n = m->len - at - 2;
	m->b[at] = (unsigned char)(n >> 8);
	m->b[at + 1] = (unsigned char)n;
}

static void soa(struct msg *m)
{
	size_t at = rr(m, "", QNAME, 6);
	putname(m, "ns", QNAME);
	putname(m, "hostmaster", QNAME);
	for (int i = 0; i < 5; i++)
		put32(m, 3600);
	rdend(m, at);
}

static int parse(const struct msg *m, int type, struct dns_answer *a)
{
	return dns_parse(m->b, m->len, type, a);
}

/* ---- answers ------------------------------------------------------ */

static void test_mx(void)
{
	struct msg m;
	struct dns_answer a;
	size_t at;

	start(&m, 0, 3, 0, 0, "example.com", DNS_T_MX);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 20);
	size_t mx2 = m.len;
	putname(&m, "mx2", QNAME);
	rdend(&m, at);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 10);
	putname(&m, "mx1", QNAME);
	rdend(&m, at);
	/* Owner spelled in upper case; exchange is a pointer to mx2's name. */
	at = rr(&m, "EXAMPLE.COM", -1, DNS_T_MX);
	put16(&m, 30);
	put16(&m, 0xc000u | (unsigned)mx2);
	rdend(&m, at);

	CHECK(parse(&m, DNS_T_MX, &a) == 0);
	CHECK(a.status == DNS_OK && a.rcode == 0 && !a.ad && a.n == 3);
	CHECK(a.mx[0].preference == 20 && strcmp(a.mx[0].host, "mx2.example.com") == 0);
	CHECK(a.mx[1].preference == 10 && strcmp(a.mx[1].host, "mx1.example.com") == 0);
	CHECK(a.mx[2].preference == 30 && strcmp(a.mx[2].host, "mx2.example.com") == 0);
	CHECK(a.canonical[0] == '\0');
	dns_answer_free(&a);
	CHECK(a.mx == NULL && a.n == 0);
}

static void test_null_mx(void)
{
	struct msg m;
	struct dns_answer a;

	start(&m, 0, 1, 0, 0, "nomail.example", DNS_T_MX);
	size_t at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 0);
	put8(&m, 0);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_MX, &a) == 0);
	CHECK(a.n == 1 && a.mx[0].preference == 0 && strcmp(a.mx[0].host, ".") == 0);
	dns_answer_free(&a);
}

static void test_addresses(void)
{
	struct msg m;
	struct dns_answer a;
	static const unsigned char v4a[] = {192, 0, 2, 1}, v4b[] = {198, 51, 100, 7};
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	start(&m, 0, 2, 0, 0, "mx.example", DNS_T_A);
	size_t at = rr(&m, "", QNAME, DNS_T_A);
	putbytes(&m, v4a, 4);
	rdend(&m, at);
	at = rr(&m, "", QNAME, DNS_T_A);
	putbytes(&m, v4b, 4);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_A, &a) == 0);
	CHECK(a.n == 2 && strcmp(a.addrs[0], "192.0.2.1") == 0 && strcmp(a.addrs[1], "198.51.100.7") == 0);
	dns_answer_free(&a);

	start(&m, 0, 1, 0, 0, "mx.example", DNS_T_AAAA);
	at = rr(&m, "", QNAME, DNS_T_AAAA);
	putbytes(&m, v6, 16);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_AAAA, &a) == 0);
	CHECK(a.n == 1 && strcmp(a.addrs[0], "2001:db8::1") == 0);
	dns_answer_free(&a);
}

static void test_txt(void)
{
	struct msg m;
	struct dns_answer a;

	start(&m, 0, 2, 0, 0, "example.com", DNS_T_TXT);
	size_t at = rr(&m, "", QNAME, DNS_T_TXT);
	put8(&m, 7);
	putbytes(&m, "v=spf1 ", 7);
	put8(&m, 0);
	put8(&m, 4);
	putbytes(&m, "-all", 4);
	rdend(&m, at);
	at = rr(&m, "", QNAME, DNS_T_TXT);
	put8(&m, 5);
	putbytes(&m, "hello", 5);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_TXT, &a) == 0);
	CHECK(a.n == 2 && strcmp(a.txt[0], "v=spf1 -all") == 0 && strcmp(a.txt[1], "hello") == 0);
	dns_answer_free(&a);
}

static void test_tlsa(void)
{
	struct msg m;
	struct dns_answer a;
	unsigned char digest[32];

	for (int i = 0; i < 32; i++)
		digest[i] = (unsigned char)(i * 7);
	start(&m, 0, 1, 0, 0, "_25._tcp.mx.example", DNS_T_TLSA);
	size_t at = rr(&m, "", QNAME, DNS_T_TLSA);
	put8(&m, 3);
	put8(&m, 1);
	put8(&m, 1);
	putbytes(&m, digest, 32);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_TLSA, &a) == 0);
	CHECK(a.n == 1 && a.tlsa[0].usage == 3 && a.tlsa[0].selector == 1 && a.tlsa[0].mtype == 1);
	CHECK(a.tlsa[0].len == 32 && !a.tlsa[0].truncated);
	CHECK(memcmp(a.tlsa[0].data, digest, 32) == 0);
	CHECK(a.tlsa[0].full != NULL && memcmp(a.tlsa[0].full, digest, 32) == 0);
	dns_answer_free(&a);

	/* mtype 0: a whole SubjectPublicKeyInfo, longer than data[]. */
	unsigned char spki[100];
	memset(spki, 0xab, sizeof spki);
	start(&m, 0, 1, 0, 0, "_25._tcp.mx.example", DNS_T_TLSA);
	at = rr(&m, "", QNAME, DNS_T_TLSA);
	put8(&m, 3);
	put8(&m, 1);
	put8(&m, 0);
	putbytes(&m, spki, sizeof spki);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_TLSA, &a) == 0);
	CHECK(a.n == 1 && a.tlsa[0].mtype == 0 && a.tlsa[0].len == 100 && a.tlsa[0].truncated);
	CHECK(a.tlsa[0].full != NULL && memcmp(a.tlsa[0].full, spki, 100) == 0);
	dns_answer_free(&a);
}

static void test_ptr(void)
{
	struct msg m;
	struct dns_answer a;
	char rev[80];

	CHECK(dns_reverse_name("192.0.2.1", rev, sizeof rev) == 0);
	CHECK(strcmp(rev, "1.2.0.192.in-addr.arpa") == 0);
	start(&m, 0, 1, 0, 0, rev, DNS_T_PTR);
	size_t at = rr(&m, "", QNAME, DNS_T_PTR);
	putname(&m, "mail.example.org", -1);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_PTR, &a) == 0);
	CHECK(a.n == 1 && strcmp(a.names[0], "mail.example.org") == 0);
	dns_answer_free(&a);
}

static void test_cname_chain(void)
{
	struct msg m;
	struct dns_answer a;
	static const unsigned char v4[] = {192, 0, 2, 9}, bogus[] = {10, 0, 0, 1};

	/* Out of order: the A record first, then the second hop, then the first. */
	start(&m, 0, 4, 0, 0, "www.example.com", DNS_T_A);
	size_t at = rr(&m, "b.example.org", -1, DNS_T_A);
	putbytes(&m, v4, 4);
	rdend(&m, at);
	at = rr(&m, "a.example.net", -1, DNS_T_CNAME);
	putname(&m, "B.example.org", -1);
	rdend(&m, at);
	at = rr(&m, "", QNAME, DNS_T_CNAME);
	putname(&m, "a.example.net", -1);
	rdend(&m, at);
	/* An A record for a name that is not on the chain: ignored. */
	at = rr(&m, "other.example", -1, DNS_T_A);
	putbytes(&m, bogus, 4);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_A, &a) == 0);
	CHECK(a.n == 1 && strcmp(a.addrs[0], "192.0.2.9") == 0);
	CHECK(strcmp(a.canonical, "B.example.org") == 0);
	dns_answer_free(&a);

	/* A CNAME loop ends, as NODATA, not in a hang. */
	start(&m, 0, 2, 0, 0, "x.example", DNS_T_A);
	at = rr(&m, "", QNAME, DNS_T_CNAME);
	putname(&m, "y.example", -1);
	rdend(&m, at);
	at = rr(&m, "y.example", -1, DNS_T_CNAME);
	putname(&m, "x.example", -1);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_A, &a) == -1 && a.status == DNS_NODATA);
	dns_answer_free(&a);

	/* Asking for the CNAME itself does not follow it. */
	start(&m, 0, 1, 0, 0, "www.example.com", DNS_T_CNAME);
	at = rr(&m, "", QNAME, DNS_T_CNAME);
	putname(&m, "a.example.net", -1);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_CNAME, &a) == 0);
	CHECK(a.n == 1 && strcmp(a.names[0], "a.example.net") == 0);
	dns_answer_free(&a);
}

static void test_rcodes(void)
{
	struct msg m;
	struct dns_answer a;

	start(&m, 3, 0, 1, 0, "nx.example", DNS_T_MX);
	soa(&m);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_NXDOMAIN && a.rcode == 3);
	CHECK(dns_err_cause(a.status) == ERR_NOHOST);
	dns_answer_free(&a);

	start(&m, 0, 0, 1, 0, "example.com", DNS_T_MX);
	soa(&m);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_NODATA && a.rcode == 0);
	CHECK(dns_err_cause(a.status) == ERR_DNS);
	dns_answer_free(&a);

	start(&m, 2, 0, 0, 0, "example.com", DNS_T_MX);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_SERVFAIL && a.rcode == 2);
	dns_answer_free(&a);

	/* REFUSED without a question section, as some servers send it. */
	m.len = 0;
	put16(&m, 0x1234);
	put16(&m, 0x8105);
	for (int i = 0; i < 4; i++)
		put16(&m, 0);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_REFUSED && a.rcode == 5);
	CHECK(dns_err_cause(a.status) == ERR_DNS);
	dns_answer_free(&a);

	start(&m, 4, 0, 0, 0, "example.com", DNS_T_MX);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_ERROR && a.rcode == 4);
	dns_answer_free(&a);

	/* Extended rcode in OPT (RFC 6891): BADVERS = 16. */
	start(&m, 0, 0, 0, 1, "example.com", DNS_T_MX);
	put8(&m, 0);
	put16(&m, 41);
	put16(&m, 1232);
	put32(&m, 0x01000000ul);
	put16(&m, 0);
	CHECK(parse(&m, DNS_T_MX, &a) == -1 && a.status == DNS_ERROR && a.rcode == 16);
	dns_answer_free(&a);
}

static void test_ad(void)
{
	struct msg m;
	struct dns_answer a;
	static const unsigned char v4[] = {192, 0, 2, 1};

	start(&m, 0x20, 1, 0, 0, "secure.example", DNS_T_A);
	size_t at = rr(&m, "", QNAME, DNS_T_A);
	putbytes(&m, v4, 4);
	rdend(&m, at);
	CHECK(parse(&m, DNS_T_A, &a) == 0 && a.ad);
	dns_answer_free(&a);
}

/* ---- malformed answers -------------------------------------------- */

static void expect_malformed(const struct msg *m, int type, int line)
{
	struct dns_answer a;
	int rc = parse(m, type, &a);
	if (rc != -1 || a.status != DNS_MALFORMED) {
		fprintf(stderr, "line %d: status %s (%s)\n", line, dns_status_name(a.status), a.why);
		check_failures++;
	}
	CHECK(a.n == 0 && a.mx == NULL && a.addrs == NULL && a.txt == NULL);
	dns_answer_free(&a);
}

static void a_answer(struct msg *m)
{
	static const unsigned char v4[] = {192, 0, 2, 1};
	start(m, 0, 1, 0, 0, "mx.example", DNS_T_A);
	size_t at = rr(m, "", QNAME, DNS_T_A);
	putbytes(m, v4, 4);
	rdend(m, at);
}

static void test_malformed(void)
{
	struct msg m;

	/* Shorter than a header, and cut inside the answer. */
	a_answer(&m);
	m.len = 7;
	expect_malformed(&m, DNS_T_A, __LINE__);
	a_answer(&m);
	m.len -= 3;
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* Header claims two answers, one present. */
	a_answer(&m);
	m.b[7] = 2;
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* rdlength past the end. */
	a_answer(&m);
	m.b[m.len - 5] = 40;
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* Trailing garbage after the last section. */
	a_answer(&m);
	put8(&m, 0);
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* An owner name that is a compression pointer to itself. */
	start(&m, 0, 1, 0, 0, "mx.example", DNS_T_A);
	put16(&m, 0xc000u | (unsigned)m.len);
	put16(&m, DNS_T_A);
	put16(&m, 1);
	put32(&m, 300);
	put16(&m, 4);
	put32(&m, 0xc0000201ul);
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* An MX exchange that points to itself, and one that points past the end. */
	start(&m, 0, 1, 0, 0, "example.com", DNS_T_MX);
	size_t at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 10);
	put16(&m, 0xc000u | (unsigned)m.len);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_MX, __LINE__);
	start(&m, 0, 1, 0, 0, "example.com", DNS_T_MX);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 10);
	put16(&m, 0xc000u | 0x3ff);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_MX, __LINE__);

	/* Two pointers pointing at each other. */
	start(&m, 0, 1, 0, 0, "example.com", DNS_T_CNAME);
	at = rr(&m, "", QNAME, DNS_T_CNAME);
	put16(&m, 0xc000u | (unsigned)(m.len + 2));
	put16(&m, 0xc000u | (unsigned)(m.len - 2));
	rdend(&m, at);
	expect_malformed(&m, DNS_T_CNAME, __LINE__);

	/* An MX whose name leaves bytes unused in its rdata. */
	start(&m, 0, 1, 0, 0, "example.com", DNS_T_MX);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 10);
	putname(&m, "mx", QNAME);
	put8(&m, 0);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_MX, __LINE__);

	/* TXT length byte running past the rdata (but not past the message). */
	start(&m, 0, 1, 0, 1, "example.com", DNS_T_TXT);
	at = rr(&m, "", QNAME, DNS_T_TXT);
	put8(&m, 20);
	putbytes(&m, "short", 5);
	rdend(&m, at);
	put8(&m, 0);
	put16(&m, 41);
	put16(&m, 1232);
	put32(&m, 0);
	put16(&m, 0);
	expect_malformed(&m, DNS_T_TXT, __LINE__);

	/* A with rdlength 5, AAAA with 4. */
	start(&m, 0, 1, 0, 0, "mx.example", DNS_T_A);
	at = rr(&m, "", QNAME, DNS_T_A);
	putbytes(&m, "\xc0\x00\x02\x01\x00", 5);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_A, __LINE__);
	start(&m, 0, 1, 0, 0, "mx.example", DNS_T_AAAA);
	at = rr(&m, "", QNAME, DNS_T_AAAA);
	putbytes(&m, "\xc0\x00\x02\x01", 4);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_AAAA, __LINE__);

	/* TLSA shorter than its three fixed fields. */
	start(&m, 0, 1, 0, 0, "_25._tcp.mx.example", DNS_T_TLSA);
	at = rr(&m, "", QNAME, DNS_T_TLSA);
	put16(&m, 0x0301);
	rdend(&m, at);
	expect_malformed(&m, DNS_T_TLSA, __LINE__);

	/* An answer to another question type; a query, not a response. */
	a_answer(&m);
	expect_malformed(&m, DNS_T_AAAA, __LINE__);
	a_answer(&m);
	m.b[2] &= 0x7f;
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* No question in a NOERROR answer; two questions. */
	m.len = 0;
	put16(&m, 1);
	put16(&m, 0x8180);
	for (int i = 0; i < 4; i++)
		put16(&m, 0);
	expect_malformed(&m, DNS_T_A, __LINE__);

	/* Every truncation of a good answer: never a crash, never OK with
	 * records past the cut. */
	struct dns_answer a;
	start(&m, 0, 2, 0, 0, "example.com", DNS_T_MX);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 10);
	putname(&m, "mx1", QNAME);
	rdend(&m, at);
	at = rr(&m, "", QNAME, DNS_T_MX);
	put16(&m, 20);
	putname(&m, "mx2", QNAME);
	rdend(&m, at);
	size_t full = m.len;
	for (size_t cut = 0; cut < full; cut++) {
		CHECK(dns_parse(m.b, cut, DNS_T_MX, &a) == -1);
		CHECK(a.status == DNS_MALFORMED);
		dns_answer_free(&a);
	}
	/* Every single-byte corruption: whatever it says, it must not crash. */
	for (size_t i = 0; i < full; i++) {
		for (unsigned v = 0; v < 256; v += 17) {
			struct msg c = m;
			c.b[i] = (unsigned char)v;
			dns_parse(c.b, full, DNS_T_MX, &a);
			CHECK(a.status != DNS_OK || a.n > 0);
			dns_answer_free(&a);
		}
	}
}

/* ---- names and resolver specs ------------------------------------- */

static void test_reverse(void)
{
	char out[128];

	CHECK(dns_reverse_name("2001:db8::567:89ab", out, sizeof out) == 0);
	CHECK(strcmp(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa") == 0);
	CHECK(dns_reverse_name("::1", out, sizeof out) == 0);
	CHECK(strncmp(out, "1.0.0.0.", 8) == 0 && strlen(out) == 72);
	CHECK(dns_reverse_name("mx.example", out, sizeof out) == -1);
	CHECK(dns_reverse_name("192.0.2.1", out, 10) == -1);
	CHECK(dns_reverse_name("::1", out, 40) == -1);
}

static void test_resolver_spec(void)
{
	struct dns_resolver r;
	struct err e;

	memset(&e, 0, sizeof e);
	CHECK(dns_resolver_init(&r, NULL, &e) == 0 && !r.custom && r.timeout_ms == DNS_TIMEOUT_MS && r.tries == 2);
	CHECK(dns_resolver_init(&r, "127.0.0.1", &e) == 0 && r.custom && strcmp(r.addr, "127.0.0.1") == 0 && r.port == 53);
	CHECK(dns_resolver_init(&r, "127.0.0.1:5353", &e) == 0 && r.port == 5353);
	CHECK(dns_resolver_init(&r, "[::1]", &e) == 0 && strcmp(r.addr, "::1") == 0 && r.port == 53);
	CHECK(dns_resolver_init(&r, "[2001:db8::1]:65535", &e) == 0 && strcmp(r.addr, "2001:db8::1") == 0 && r.port == 65535);
	CHECK(!err_is_set(&e));

	static const char *bad[] = {
		"", "localhost", "dns.example:53", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:",
		"127.0.0.1:53x", "127.0.0.1:-1", "::1", "[::1", "[::1]x", "[::1]:", "[127.0.0.1]",
		"[]", "1.2.3", "127.0.0.1:0053000", "127.0.0.1\n", "[::1]:99999",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		if (dns_resolver_init(&r, bad[i], &e) != -1 || e.cause != ERR_USAGE) {
			fprintf(stderr, "accepted --resolver '%s'\n", bad[i]);
			check_failures++;
		}
	}
}

/* ---- an IPv6 --resolver, end to end -------------------------------- */

/* glibc takes an IPv6 server on a port of our choosing only through its
 * private res_state->_u._ext (src/dns.c, use_servers).  These queries go
 * to a responder on [::1], over UDP and, after a truncated answer, over
 * TCP; if a glibc release changes that layout they never arrive. */

struct responder {
	int udp, tcp;           /* [::1], one port for both */
	bool truncate;          /* UDP answer with TC, the record over TCP */
	int udp_queries, tcp_queries;
};

/* The answer to a query for v6.example A: 192.0.2.6, or TC and nothing. */
static void v6_answer(const unsigned char *q, size_t qlen, bool truncated, struct msg *m)
{
	start(m, truncated ? 0x0200 : 0, truncated ? 0 : 1, 0, 0, "v6.example", 1);
	if (qlen >= 2) {
		m->b[0] = q[0];
		m->b[1] = q[1];
	}
	if (!truncated) {
		size_t at = rr(m, "", QNAME, 1);
		putbytes(m, "\xc0\x00\x02\x06", 4);
		rdend(m, at);
	}
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 5000) == 1;
}

static void *v6_respond(void *arg)
{
	struct responder *rs = arg;
	unsigned char q[1024];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof from;
	struct msg m;

	if (!readable(rs->udp))
		return NULL;
	ssize_t n = recvfrom(rs->udp, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return NULL;
	rs->udp_queries++;
	v6_answer(q, (size_t)n, rs->truncate, &m);
	sendto(rs->udp, m.b, m.len, 0, (struct sockaddr *)&from, fl);
	if (!rs->truncate || !readable(rs->tcp))
		return NULL;
	int c = accept(rs->tcp, NULL, NULL);
	if (c < 0)
		return NULL;
	unsigned char len[2];
	if (readable(c) && recv(c, len, 2, MSG_WAITALL) == 2) {
		size_t ql = (size_t)len[0] << 8 | len[1];
		if (ql <= sizeof q && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql) {
			rs->tcp_queries++;
			v6_answer(q, ql, false, &m);
			unsigned char out[2 + sizeof m.b];
			out[0] = (unsigned char)(m.len >> 8);
			out[1] = (unsigned char)m.len;
			memcpy(out + 2, m.b, m.len);
			send(c, out, 2 + m.len, MSG_NOSIGNAL);
		}
	}
	close(c);
	return NULL;
}

/* UDP and TCP sockets on [::1], the same ephemeral port; the port, or 0
 * when this machine has no IPv6 loopback. */
static int v6_listen(struct responder *rs)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		socklen_t sl = sizeof sa;
		rs->udp = socket(AF_INET6, SOCK_DGRAM, 0);
		rs->tcp = socket(AF_INET6, SOCK_STREAM, 0);
		if (rs->udp < 0 || rs->tcp < 0 || bind(rs->udp, (struct sockaddr *)&sa, sizeof sa) < 0
		    || getsockname(rs->udp, (struct sockaddr *)&sa, &sl) < 0) {
			close(rs->udp);
			close(rs->tcp);
			return 0;
		}
		if (bind(rs->tcp, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(rs->tcp, 1) == 0)
			return ntohs(sa.sin6_port);
		close(rs->udp);
		close(rs->tcp);
	}
	return 0;
}

static void v6_query(bool truncate)
{
	struct responder rs = {.truncate = truncate};
	int port = v6_listen(&rs);
	if (port == 0) {
		fprintf(stderr, "no IPv6 loopback here: the IPv6 --resolver test did not run\n");
		return;
	}
	char spec[32];
	snprintf(spec, sizeof spec, "[::1]:%d", port);
	struct dns_resolver r;
	struct err e = {0};
	CHECK(dns_resolver_init(&r, spec, &e) == 0);
	r.tries = 1;

	pthread_t t;
	CHECK(pthread_create(&t, NULL, v6_respond, &rs) == 0);
	struct dns_answer a;
	dns_query(&r, "v6.example", DNS_T_A, &a);
	pthread_join(t, NULL);
	close(rs.udp);
	close(rs.tcp);

	if (rs.udp_queries != 1 || (truncate && rs.tcp_queries != 1))
		fprintf(stderr, "the query (%s) did not reach the --resolver %s: has glibc's private "
			"res_state->_u._ext changed? (src/dns.c, use_servers)\n", truncate ? "TCP" : "UDP", spec);
	CHECK(rs.udp_queries == 1);
	CHECK(rs.tcp_queries == (truncate ? 1 : 0));
	CHECK(a.status == DNS_OK && a.n == 1 && strcmp(a.addrs[0], "192.0.2.6") == 0);
	CHECK(a.truncated_tcp == truncate);
	dns_answer_free(&a);
}

static void test_ipv6_resolver(void)
{
	v6_query(false);
	v6_query(true);
}

int main(void)
{
	test_mx();
	test_null_mx();
	test_addresses();
	test_txt();
	test_tlsa();
	test_ptr();
	test_cname_chain();
	test_rcodes();
	test_ad();
	test_malformed();
	test_reverse();
	test_resolver_spec();
	test_ipv6_resolver();
	return CHECK_DONE();
}
