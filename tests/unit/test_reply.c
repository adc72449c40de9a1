/* test_reply.c - the strict reply parser and the EHLO parser. */
#include "check.h"
#include "reply.h"

#include <string.h>

/* Feed a whole text, split into lines at LF, as conn would. */
static enum reply_status feed_text(struct reply *r, const char *text, const char **why)
{
	enum reply_status st = REPLY_MORE;
	const char *p = text;
	while (*p) {
		const char *lf = strchr(p, '\n');
		size_t n = lf ? (size_t)(lf - p) : strlen(p);
		bool bare = !(n > 0 && p[n - 1] == '\r');
		size_t len = bare ? n : n - 1;
		st = reply_feed(r, p, len, bare, why);
		if (st != REPLY_MORE)
			return st;
		p += n + (lf ? 1 : 0);
	}
	return st;
}

static enum reply_status parse(const char *text, struct reply *r)
{
	const char *why;
	memset(r, 0, sizeof *r);
	return feed_text(r, text, &why);
}

static void test_good(void)
{
	struct reply r;
	CHECK(parse("220 mx.example ESMTP\r\n", &r) == REPLY_DONE);
	CHECK(r.code == 220 && r.nlines == 1 && strcmp(r.lines[0], "mx.example ESMTP") == 0);
	CHECK(!r.bare_lf && r.enhanced[0] == '\0');
	reply_free(&r);

	CHECK(parse("250-a\r\n250-b\r\n250 c\r\n", &r) == REPLY_DONE);
	CHECK(r.nlines == 3 && strcmp(r.lines[2], "c") == 0);
	reply_free(&r);

	/* "250" alone is a complete reply with empty text (RFC 5321 4.2). */
	CHECK(parse("250\r\n", &r) == REPLY_DONE && r.nlines == 1 && r.lens[0] == 0);
	reply_free(&r);

	CHECK(parse("550 5.1.1 <x@y>: no such user\r\n", &r) == REPLY_DONE);
	CHECK(strcmp(r.enhanced, "5.1.1") == 0);
	reply_free(&r);

	/* Enhanced code whose class disagrees with the basic code is ignored. */
	CHECK(parse("550 2.1.1 odd\r\n", &r) == REPLY_DONE && r.enhanced[0] == '\0');
	reply_free(&r);
	CHECK(parse("451 4.7.1234 x\r\n", &r) == REPLY_DONE && r.enhanced[0] == '\0');
	reply_free(&r);

	/* RFC 5321 4.2 textstring: TAB is text; so are 8-bit bytes here
	 * (SMTPUTF8, old Latin-1 banners). */
	CHECK(parse("220 mx\texample\r\n", &r) == REPLY_DONE && strcmp(r.lines[0], "mx\texample") == 0);
	reply_free(&r);
	CHECK(parse("220 mx.example caf\xc3\xa9\r\n", &r) == REPLY_DONE);
	reply_free(&r);

	/* Bare LF endings are accepted but remembered. */
	CHECK(parse("220 hi\n", &r) == REPLY_DONE && r.bare_lf);
	reply_free(&r);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"2500 x\r\n", "25 x\r\n", "220OK\r\n", "600 hi\r\n", "199 x\r\n",
		"2a0 x\r\n", "260 x\r\n", "\r\n", "220-a\r\n250 b\r\n", " 220 x\r\n",
		"220\tx\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct reply r;
		enum reply_status st = parse(bad[i], &r);
		if (st != REPLY_MALFORMED)
			fprintf(stderr, "accepted: %s", bad[i]);
		CHECK(st == REPLY_MALFORMED);
		reply_free(&r);
	}
	/* NUL inside a line */
	struct reply r = {0};
	const char *why;
	CHECK(reply_feed(&r, "220 a\0b", 7, false, &why) == REPLY_MALFORMED);
	reply_free(&r);
	/* A lone CR, and every other control byte but TAB (RFC 5321 4.2),
	 * in the first line or a later one: malformed, whatever follows. */
	static const char *const control[] = {
		"220 a\rb\r\n", "220 a\r\r\n", "220 \x1b[31mred\r\n", "220 bell\x07\r\n",
		"220 del\x7f\r\n", "220 \x01\r\n", "250-ok\r\n250-AUTH \x1b]0;x\x07\r\n250 8BITMIME\r\n",
		"220\r\r\n",
	};
	for (size_t i = 0; i < sizeof control / sizeof control[0]; i++) {
		memset(&r, 0, sizeof r);
		enum reply_status st = feed_text(&r, control[i], &why);
		if (st != REPLY_MALFORMED)
			fprintf(stderr, "accepted control byte: case %zu\n", i);
		CHECK(st == REPLY_MALFORMED && why != NULL);
		reply_free(&r);
	}
	memset(&r, 0, sizeof r);
	CHECK(feed_text(&r, "220 a\rb\r\n", &why) == REPLY_MALFORMED && strstr(why, "CR without LF"));
	reply_free(&r);
	CHECK(feed_text(&r, "220 \x1b[2J\r\n", &why) == REPLY_MALFORMED && strstr(why, "control character"));
	reply_free(&r);
	/* Too long a line */
	static char longline[REPLY_LINE_MAX + 10];
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "250 ", 4);
	CHECK(reply_feed(&r, longline, sizeof longline, false, &why) == REPLY_MALFORMED);
	reply_free(&r);
	/* Endless multiline reply */
	enum reply_status st = REPLY_MORE;
	for (int i = 0; i < REPLY_LINES_MAX + 5 && st == REPLY_MORE; i++)
		st = reply_feed(&r, "250-x", 5, false, &why);
	CHECK(st == REPLY_MALFORMED);
	reply_free(&r);
}

/* Lines split across reads are joined by conn before parsing; the parser
 * keeps state between lines fed separately. */
static void test_incremental(void)
{
	struct reply r = {0};
	const char *why;
	CHECK(reply_feed(&r, "250-first", 9, false, &why) == REPLY_MORE);
	CHECK(!r.complete);
	CHECK(reply_feed(&r, "250 second", 10, false, &why) == REPLY_DONE);
	CHECK(r.complete && r.nlines == 2);
	CHECK(reply_feed(&r, "250 third", 9, false, &why) == REPLY_MALFORMED);
	reply_free(&r);
}

static void test_ehlo(void)
{
	struct reply r;
	struct ehlo_caps caps;
	CHECK(parse("250-mx.example Hello there\r\n250-PIPELINING\r\n250-size 10240000\r\n"
		    "250-AUTH PLAIN LOGIN\r\n250-AUTH=CRAM-MD5\r\n250-X-UNKNOWN a b\r\n"
		    "250-PIPELININGX\r\n250 STARTTLS\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0);
	CHECK(strcmp(caps.domain, "mx.example") == 0);
	CHECK(strcmp(caps.greet_text, "Hello there") == 0);
	CHECK(caps.n == 7);
	CHECK(ehlo_has(&caps, "pipelining"));
	CHECK(ehlo_has(&caps, "STARTTLS"));
	CHECK(!ehlo_has(&caps, "PIPE"));
	CHECK(!ehlo_has(&caps, "CHUNKING"));
	uint64_t size = 0;
	CHECK(ehlo_size(&caps, &size) == 1 && size == 10240000);
	CHECK(ehlo_has_auth(&caps, "plain"));
	CHECK(ehlo_has_auth(&caps, "CRAM-MD5"));   /* legacy form */
	CHECK(ehlo_offers_auth(&caps));
	CHECK(!ehlo_has_auth(&caps, "SCRAM-SHA-1"));
	const struct ehlo_cap *x = ehlo_find(&caps, "X-UNKNOWN");
	CHECK(x && x->nparams == 2 && strcmp(x->params[1], "b") == 0);
	ehlo_free(&caps);
	reply_free(&r);

	/* SIZE overflow and garbage */
	CHECK(parse("250-x\r\n250 SIZE 99999999999999999999999\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0 && ehlo_size(&caps, &size) == -1);
	ehlo_free(&caps);
	reply_free(&r);
	CHECK(parse("250-x\r\n250 SIZE 12k\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0 && ehlo_size(&caps, &size) == -1);
	ehlo_free(&caps);
	reply_free(&r);
	CHECK(parse("250-x\r\n250 SIZE\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0 && ehlo_size(&caps, &size) == 1 && size == 0);
	ehlo_free(&caps);
	reply_free(&r);
	/* Only the pre-standard AUTH= form still counts as AUTH offered. */
	CHECK(parse("250-x\r\n250 AUTH=LOGIN\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0 && ehlo_offers_auth(&caps) && ehlo_has_auth(&caps, "LOGIN"));
	ehlo_free(&caps);
	reply_free(&r);
	/* Single-line EHLO reply: no extensions */
	CHECK(parse("250 mx.example\r\n", &r) == REPLY_DONE);
	CHECK(ehlo_parse(&r, &caps) == 0 && caps.n == 0 && ehlo_size(&caps, &size) == 0);
	CHECK(!ehlo_offers_auth(&caps));
	ehlo_free(&caps);
	reply_free(&r);
}

static void test_summary(void)
{
	struct reply r;
	char buf[128];
	/* TAB is reply text, but not shown raw. */
	parse("550-5.1.1 first\r\n550 5.1.1 user\tunknown\r\n", &r);
	reply_summary(&r, buf, sizeof buf);
	CHECK(strcmp(buf, "550 5.1.1 user\\x09unknown") == 0);
	reply_free(&r);
}

int main(void)
{
	test_good();
	test_malformed();
	test_incremental();
	test_ehlo();
	test_summary();
	return CHECK_DONE();
}
