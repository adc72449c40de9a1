/* test_fuzz.c - random and mutated input into every parser of untrusted
 * text: nothing may crash, hang or read out of bounds (run under ASan in
 * the sanitizer build).  A fixed seed keeps failures reproducible. */
#include "check.h"
#include "dns.h"
#include "mtasts.h"
#include "reply.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	/* xorshift64* */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

/* Bytes that look like SMTP often enough to reach deep paths. */
static size_t random_line(char *buf, size_t max)
{
	static const char *const seeds[] = {
		"250-", "250 ", "220 ", "5", "2", "250-AUTH PLAIN LOGIN", "250 SIZE 99999999999999999999",
		"AUTH=", " ", "-", "\r", "\n", "\x1b[31m", "\xc3\xa9", "\xff", "5.7.1 ", "2.0.0", ".",
	};
	size_t n = 0, parts = next() % 8;
	for (size_t i = 0; i < parts && n < max; i++) {
		if (next() % 3 == 0) {
			buf[n++] = (char)(next() & 0xff);
		} else {
			const char *s = seeds[next() % (sizeof seeds / sizeof seeds[0])];
			size_t l = strlen(s);
			if (n + l > max)
				break;
			memcpy(buf + n, s, l);
			n += l;
		}
	}
	return n;
}

static void fuzz_reply(void)
{
	char line[600];
	int done = 0, malformed = 0;
	for (int round = 0; round < 20000; round++) {
		struct reply r = {0};
		const char *why;
		enum reply_status st = REPLY_MORE;
		for (int k = 0; k < 6 && st == REPLY_MORE; k++) {
			size_t n = random_line(line, sizeof line);
			st = reply_feed(&r, line, n, next() % 2, &why);
		}
		malformed += st == REPLY_MALFORMED;
		if (st == REPLY_DONE) {
			struct ehlo_caps caps;
			done++;
			uint64_t size;
			char sum[128];
			if (ehlo_parse(&r, &caps) == 0) {
				ehlo_size(&caps, &size);
				ehlo_has_auth(&caps, "PLAIN");
				ehlo_free(&caps);
			}
			reply_summary(&r, sum, sizeof sum);
			CHECK(strlen(sum) < sizeof sum);
		}
		reply_free(&r);
	}
	/* The generator must reach both outcomes, or it tests nothing. */
	CHECK(done > 500 && malformed > 500);
}

static void fuzz_escape(void)
{
	char in[256], out[64];
	for (int round = 0; round < 20000; round++) {
		size_t n = next() % sizeof in;
		for (size_t i = 0; i < n; i++)
			in[i] = (char)(next() & 0xff);
		size_t len = text_escape(in, n, out, sizeof out);
		CHECK(len < sizeof out && out[len] == '\0');
		for (size_t i = 0; i < len; i++)
			CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	}
}

static void fuzz_mtasts(void)
{
	char body[512];
	static const char *const lines[] = {
		"version: STSv1\n", "mode: enforce\n", "mode: testing\n", "mx: *.example.com\n",
		"mx: mail.example.com\n", "max_age: 86400\n", "max_age: -1\n", "junk\n", ":\n", "\r\n",
	};
	for (int round = 0; round < 5000; round++) {
		size_t n = 0;
		for (int k = 0; k < 8; k++) {
			const char *l = lines[next() % (sizeof lines / sizeof lines[0])];
			size_t len = strlen(l);
			if (next() % 5 == 0 && n < sizeof body)
				body[n++] = (char)(next() & 0xff);
			else if (n + len <= sizeof body) {
				memcpy(body + n, l, len);
				n += len;
			}
		}
		struct mtasts m;
		memset(&m, 0, sizeof m);
		mtasts_parse(&m, body, n);
		mtasts_match(&m, "mail.example.com");
		mtasts_free(&m);
	}
}

/* Every prefix of a policy server's response, each in a buffer of its
 * exact size plus the NUL (ASan sees a read past it).  "HTTP/1." alone
 * once made the status be read beyond the end (found by scripts/fuzz). */
static void fuzz_mtasts_response(void)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 41\r\n\r\n"
				   "version: STSv1\nmode: none\nmax_age: 86400\n";
	for (size_t n = 0; n < sizeof resp; n++) {
		char *copy = malloc(n + 1);
		if (!copy)
			abort();
		memcpy(copy, resp, n);
		struct mtasts m;
		memset(&m, 0, sizeof m);
		bool ok = mtasts_response(&m, copy, n);
		/* Cut inside "max_age: 86400" it still parses: only the full
		 * response must, and none without the end of the headers. */
		if (n == sizeof resp - 1 || n < strlen("HTTP/1.1 200 OK\r\nContent-Length: 41\r\n\r\n"))
			CHECK(ok == (n == sizeof resp - 1));
		if (n < 10 || n >= 12)
			CHECK(m.http_status == (n >= 12 ? 200 : 0));
		mtasts_free(&m);
		free(copy);
	}
}

/* A valid MX answer, then every single-byte mutation of it. */
static void fuzz_dns(void)
{
	static const unsigned char answer[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 15, 0, 1,
		0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 0, 0, 7, 0, 10, 2, 'm', 'x', 0xc0, 12,
		0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 0, 0, 3, 0, 0, 0,
	};
	unsigned char buf[sizeof answer];
	for (size_t pos = 0; pos < sizeof answer; pos++) {
		for (int v = 0; v < 256; v += 7) {
			memcpy(buf, answer, sizeof answer);
			buf[pos] = (unsigned char)v;
			struct dns_answer a;
			dns_parse(buf, sizeof buf, DNS_T_MX, &a);
			dns_answer_free(&a);
		}
	}
	for (size_t len = 0; len <= sizeof answer; len++) {
		struct dns_answer a;
		dns_parse(answer, len, DNS_T_MX, &a);
		dns_answer_free(&a);
	}
}

int main(void)
{
	fuzz_reply();
	fuzz_escape();
	fuzz_mtasts();
	fuzz_mtasts_response();
	fuzz_dns();
	return CHECK_DONE();
}
