/* test_mailauth.c - the pure parts of sender authentication: DKIM
 * canonicalization (RFC 6376 3.4, with its 3.4.5 example), SPF records
 * and macros (RFC 7208 7.4's examples), tag lists, DMARC and key records. */
#include "check.h"
#include "dkim/dkim.h"
#include "mailauth/records.h"
#include "mailauth/taglist.h"
#include "spf/spf.h"

#include <stdlib.h>
#include <string.h>

struct sink {
	char buf[512];
	size_t len;
};

static void collect(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	if (s->len + n < sizeof s->buf) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		s->buf[s->len] = '\0';
	}
}

static const char *body(enum dkim_canon c, const char *in, size_t piece)
{
	static struct sink s;
	struct dkim_body b;
	memset(&s, 0, sizeof s);
	dkim_body_init(&b, c, collect, &s);
	size_t len = strlen(in);
	for (size_t i = 0; i < len; i += piece)
		dkim_body_feed(&b, in + i, len - i < piece ? len - i : piece);
	dkim_body_end(&b);
	return s.buf;
}

static void test_body(void)
{
	/* RFC 6376 3.4.5 */
	const char *ex = " C \r\nD \t E\r\n\r\n\r\n";
	for (size_t piece = 1; piece <= 4; piece++) {
		CHECK(strcmp(body(DKIM_CANON_RELAXED, ex, piece), " C\r\nD E\r\n") == 0);
		CHECK(strcmp(body(DKIM_CANON_SIMPLE, ex, piece), " C \r\nD \t E\r\n") == 0);
	}
	/* 3.4.3: an empty body is one CRLF in simple; 3.4.4: empty in relaxed. */
	CHECK(strcmp(body(DKIM_CANON_SIMPLE, "", 8), "\r\n") == 0);
	CHECK(strcmp(body(DKIM_CANON_RELAXED, "", 8), "") == 0);
	CHECK(strcmp(body(DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", 1), "\r\n") == 0);
	CHECK(strcmp(body(DKIM_CANON_RELAXED, "\r\n \r\n\t\r\n", 1), "") == 0);
	/* A missing final CRLF is added. */
	CHECK(strcmp(body(DKIM_CANON_SIMPLE, "x", 1), "x\r\n") == 0);
	CHECK(strcmp(body(DKIM_CANON_RELAXED, "x  ", 1), "x\r\n") == 0);
	/* Empty lines inside the body stay. */
	CHECK(strcmp(body(DKIM_CANON_RELAXED, "a\r\n\r\n  \r\nb\r\n", 2), "a\r\n\r\n\r\nb\r\n") == 0);
}

static void test_header(void)
{
	size_t n;
	char *c = dkim_header_canon(DKIM_CANON_RELAXED, "A: X", 4, &n);
	CHECK(c && strcmp(c, "a:X") == 0 && n == 3);
	free(c);
	/* RFC 6376 3.4.5: "B : Y\t\r\n\tZ  " -> "b:Y Z" */
	const char *f = "B : Y\t\r\n\tZ  ";
	c = dkim_header_canon(DKIM_CANON_RELAXED, f, strlen(f), &n);
	CHECK(c && strcmp(c, "b:Y Z") == 0);
	free(c);
	c = dkim_header_canon(DKIM_CANON_SIMPLE, f, strlen(f), &n);
	CHECK(c && n == strlen(f) && memcmp(c, f, n) == 0);
	free(c);
	c = dkim_header_canon(DKIM_CANON_RELAXED, "NoColon", 7, &n);
	CHECK(c && strcmp(c, "nocolon:") == 0);
	free(c);

	enum dkim_canon h, b;
	CHECK(dkim_canon_parse("relaxed/simple", &h, &b) == 0 && h == DKIM_CANON_RELAXED && b == DKIM_CANON_SIMPLE);
	CHECK(dkim_canon_parse("relaxed", &h, &b) == 0 && h == DKIM_CANON_RELAXED && b == DKIM_CANON_SIMPLE);
	CHECK(dkim_canon_parse("loose/simple", &h, &b) < 0);
	CHECK(dkim_canon_parse("simple/", &h, &b) < 0);
}

static const char *ptr(void *ctx)
{
	(void)ctx;
	return "mx.example.org";
}

static const char *expand(const char *s, bool exp)
{
	static char out[300];
	/* RFC 7208 7.4's example: sender strong-bad@email.example.com, IP 192.0.2.3 */
	static const struct spf_macro_ctx c = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad", .sender_domain = "email.example.com",
		.domain = "email.example.com", .ip_dotted = "192.0.2.3", .ip_text = "192.0.2.3", .helo = "mx.example.org",
		.receiver = "unknown", .now = 1, .ptr_name = ptr,
	};
	if (spf_macro_expand(s, strlen(s), &c, exp, !exp, out, sizeof out) < 0)
		return "(error)";
	return out;
}

static void test_macros(void)
{
	CHECK(strcmp(expand("%{s}", false), "strong-bad@email.example.com") == 0);
	CHECK(strcmp(expand("%{o}", false), "email.example.com") == 0);
	CHECK(strcmp(expand("%{d}", false), "email.example.com") == 0);
	CHECK(strcmp(expand("%{d4}", false), "email.example.com") == 0);
	CHECK(strcmp(expand("%{d3}", false), "email.example.com") == 0);
	CHECK(strcmp(expand("%{d2}", false), "example.com") == 0);
	CHECK(strcmp(expand("%{d1}", false), "com") == 0);
	CHECK(strcmp(expand("%{dr}", false), "com.example.email") == 0);
	CHECK(strcmp(expand("%{d2r}", false), "example.email") == 0);
	CHECK(strcmp(expand("%{l}", false), "strong-bad") == 0);
	CHECK(strcmp(expand("%{l-}", false), "strong.bad") == 0);
	CHECK(strcmp(expand("%{lr}", false), "strong-bad") == 0);
	CHECK(strcmp(expand("%{lr-}", false), "bad.strong") == 0);
	CHECK(strcmp(expand("%{l1r-}", false), "strong") == 0);
	CHECK(strcmp(expand("%{ir}.%{v}._spf.%{d2}", false), "3.2.0.192.in-addr._spf.example.com") == 0);
	CHECK(strcmp(expand("%{lr-}.lp._spf.%{d2}", false), "bad.strong.lp._spf.example.com") == 0);
	CHECK(strcmp(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false),
		     "3.2.0.192.in-addr.strong.lp._spf.example.com") == 0);
	CHECK(strcmp(expand("%{d2}.trusted-domains.example.net", false), "example.com.trusted-domains.example.net") == 0);
	CHECK(strcmp(expand("%{p}", false), "mx.example.org") == 0);
	CHECK(strcmp(expand("%%%_%-", true), "% %20") == 0);
	CHECK(strcmp(expand("%{S}", true), "strong-bad%40email.example.com") == 0);
	/* c, r, t only in explanations; a zero digit count is an error. */
	CHECK(strcmp(expand("%{c}", false), "(error)") == 0);
	CHECK(strcmp(expand("%{c}", true), "192.0.2.3") == 0);
	CHECK(strcmp(expand("%{d0}", false), "(error)") == 0);
	CHECK(strcmp(expand("%{x}", false), "(error)") == 0);
	CHECK(strcmp(expand("%{d", false), "(error)") == 0);
	CHECK(strcmp(expand("50%", false), "(error)") == 0);
	CHECK(spf_macro_valid("%{ir}.%{v}._spf.%{d2}", 21, false));
	CHECK(!spf_macro_valid("%{t}", 4, false) && spf_macro_valid("%{t}", 4, true));
}

static int parse(const char *txt, struct spf_record *r)
{
	int rc = spf_record_parse(txt, r);
	return rc;
}

static void test_record(void)
{
	struct spf_record r;
	CHECK(parse("v=spf1 +a:mail.example.org/24//64 -mx ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 exists:%{i}.x.example "
		    "include:_spf.example.com ptr redirect=r.example exp=e.example foo=bar -all", &r) == 0);
	CHECK(r.n == 11);
	CHECK(r.t[0].mech == SPF_A && r.t[0].qualifier == '+' && r.t[0].cidr4 == 24 && r.t[0].cidr6 == 64
	      && strcmp(r.t[0].domain, "mail.example.org") == 0);
	CHECK(r.t[1].mech == SPF_MX && r.t[1].qualifier == '-' && !r.t[1].domain && r.t[1].cidr4 == 32);
	CHECK(r.t[2].mech == SPF_IP4 && r.t[2].cidr4 == 24 && r.t[2].net[0] == 192);
	CHECK(r.t[3].mech == SPF_IP6 && r.t[3].cidr6 == 32);
	CHECK(strcmp(r.redirect, "r.example") == 0 && strcmp(r.exp, "e.example") == 0);
	CHECK(r.t[9].modifier && strcmp(r.t[9].name, "foo") == 0);
	spf_record_free(&r);
	CHECK(parse("V=SPF1 A:x.example.org//96 -ALL", &r) == 0 && r.t[0].cidr6 == 96 && r.t[0].cidr4 == 32);
	spf_record_free(&r);
	CHECK(parse("v=spf1", &r) == 0 && r.n == 0);
	spf_record_free(&r);
	static const char *const bad[] = {
		"v=spf10", "v=spf1 ip4:192.0.2.1/33", "v=spf1 ip4:192.0.2.01", "v=spf1 ip6:2001:db8::/129",
		"v=spf1 a/024", "v=spf1 include", "v=spf1 all:x", "v=spf1 foo", "v=spf1 redirect=a.example redirect=b.example",
		"v=spf1 exp=a.example exp=b.example", "v=spf1 include:localhost", "v=spf1 a:example.123",
		"v=spf1 exists:%{z}.example", "v=spf1 1foo=bar", "v=spf1 -a:x.example/",
		"v=spf1 ip4:192.0.2.1 \xc3\xa9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i], &r);
		if (rc == 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(rc < 0 && r.error[0]);
		spf_record_free(&r);
	}
}

static void test_taglist(void)
{
	struct taglist tl;
	CHECK(taglist_parse(" v = DKIM1 ;k=rsa;\r\n\tp=AB\r\n CD ;", &tl) == 0 && tl.n == 3);
	CHECK(strcmp(taglist_get(&tl, "p", false), "ABCD") == 0 && strcmp(taglist_get(&tl, "v", false), "DKIM1") == 0);
	CHECK(taglist_get(&tl, "V", false) == NULL && taglist_get(&tl, "V", true) != NULL);
	taglist_free(&tl);
	CHECK(taglist_parse("a=1; a=2", &tl) < 0 && strstr(tl.error, "twice"));
	taglist_free(&tl);
	CHECK(taglist_parse("a=1;; b=2", &tl) < 0);
	taglist_free(&tl);
	CHECK(taglist_parse("1a=1", &tl) < 0);
	taglist_free(&tl);
	CHECK(taglist_parse("a", &tl) < 0);
	taglist_free(&tl);
	CHECK(taglist_parse("", &tl) == 0 && tl.n == 0);
	taglist_free(&tl);

	struct dkim_key k;
	CHECK(dkim_key_parse("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", &k) == 0
	      && k.bits == 256 && strcmp(k.type, "ed25519") == 0);
	CHECK(dkim_key_parse("v=DKIM1; p=", &k) == 0 && k.revoked);
	CHECK(dkim_key_parse("k=rsa; v=DKIM1; p=", &k) < 0);        /* v= not first */
	CHECK(dkim_key_parse("v=DKIM2; p=", &k) < 0);
	CHECK(dkim_key_parse("v=DKIM1; k=dsa; p=AAAA", &k) < 0);
	CHECK(dkim_key_parse("v=DKIM1; t=y:s; s=email; p=", &k) == 0 && k.testing && k.strict);
	CHECK(dkim_key_parse("v=DKIM1; s=tlsrpt; p=", &k) < 0);

	struct dmarc d;
	CHECK(dmarc_parse("v=DMARC1; p=quarantine; sp=reject; pct=20; rua=mailto:a@b.example!10m,mailto:c@d.example", &d)
	      == 0 && d.pct == 20 && d.nrua == 2 && strcmp(d.sp, "reject") == 0 && d.adkim == 'r');
	char dom[256];
	CHECK(dmarc_uri_domain(d.rua[0], dom, sizeof dom) && strcmp(dom, "b.example") == 0);
	CHECK(dmarc_parse("p=none; v=DMARC1", &d) < 0);
	CHECK(dmarc_parse("v=DMARC1; p=none; pct=101", &d) < 0);
	CHECK(dmarc_parse("v=DMARC1; p=none; rua=https://x.example", &d) < 0);
	CHECK(dmarc_parse("v=DMARC1; rua=mailto:a@b.example", &d) < 0);   /* no p= */

	struct bimi b;
	CHECK(bimi_parse("v=BIMI1; l=https://x.example/l.svg; a=", &b) == 0 && !b.declined);
	CHECK(bimi_parse("v=BIMI1; l=", &b) == 0 && b.declined);
	CHECK(bimi_parse("v=BIMI1; l=http://x.example/l.svg", &b) < 0);
}

int main(void)
{
	test_body();
	test_header();
	test_macros();
	test_record();
	test_taglist();
	return CHECK_DONE();
}
