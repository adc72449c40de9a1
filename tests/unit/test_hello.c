/* test_hello.c - tls-check's ClientHello writer and the reader of what
 * answers it, on canned bytes: SSLv2 and TLS forms, HelloRetryRequest,
 * ServerKeyExchange, alerts, every truncation, and garbage; and the
 * grading table's fixed points. */
#define _GNU_SOURCE             /* memmem */
#include "check.h"
#include "tlscheck/hello.h"
#include "tlscheck/suites.h"

#include <string.h>

static const unsigned char zero[32];

static void test_write_tls(void)
{
	uint16_t suites[] = {0xC02B, 0x002F}, groups[] = {0x001D}, sigalgs[] = {0x0403};
	struct hello_request rq = {TLSCHECK_TLS12, suites, 2, groups, 1, sigalgs, 1, "mx.example", true, true};
	unsigned char out[HELLO_MAX];
	size_t n = hello_write(&rq, zero, out, sizeof out);
	CHECK(n > 60);
	CHECK(out[0] == 22 && out[1] == 3 && out[2] == 1);             /* handshake, record 3.1 */
	CHECK((size_t)(out[3] << 8 | out[4]) == n - 5);                 /* record length */
	CHECK(out[5] == 1);                                              /* client_hello */
	CHECK((size_t)(out[6] << 16 | out[7] << 8 | out[8]) == n - 9);  /* handshake length */
	CHECK(out[9] == 3 && out[10] == 3);                              /* client_version 1.2 */
	CHECK(out[43] == 0);                                             /* no session id */
	CHECK(out[44] == 0 && out[45] == 6);                             /* 2 suites + FALLBACK_SCSV */
	CHECK(out[46] == 0xC0 && out[47] == 0x2B && out[50] == 0x56 && out[51] == 0x00);
	CHECK(out[52] == 2 && out[53] == 1 && out[54] == 0);             /* DEFLATE, null */
	CHECK(memmem(out, n, "mx.example", 10) != NULL);
	/* Too small a buffer: 0, never a partial hello. */
	CHECK(hello_write(&rq, zero, out, 40) == 0);

	rq.version = TLSCHECK_TLS13;
	rq.fallback_scsv = false;
	n = hello_write(&rq, zero, out, sizeof out);
	CHECK(out[9] == 3 && out[10] == 3 && out[43] == 32);             /* legacy 1.2, 32-octet session id */
	static const unsigned char sv[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04};
	static const unsigned char ks[] = {0x00, 0x33, 0x00, 0x02, 0x00, 0x00};
	CHECK(memmem(out, n, sv, sizeof sv) != NULL);                    /* supported_versions: 1.3 */
	CHECK(memmem(out, n, ks, sizeof ks) != NULL);                    /* key_share without a share */
}

static void test_write_ssl2(void)
{
	struct hello_request rq = {.version = TLSCHECK_SSL2};
	unsigned char out[HELLO_MAX];
	size_t n = hello_write(&rq, zero, out, sizeof out);
	size_t specs = tlscheck_ssl2_count();
	CHECK(n == 2 + 9 + 3 * specs + 16);
	CHECK(out[0] == (0x80 | ((n - 2) >> 8)) && out[1] == ((n - 2) & 0xff));
	CHECK(out[2] == 1 && out[3] == 0 && out[4] == 2);                /* CLIENT-HELLO, version 2 */
	CHECK(out[5] == 0 && out[6] == 3 * specs && out[10] == 16);
}

static void test_parse(void)
{
	struct hello_reply r;
	/* SSLv2 SERVER-HELLO with two specs. */
	static const unsigned char v2[] = {0x80, 0x13, 4, 0, 1, 0, 2, 0, 0, 0, 6, 0, 2,
					   1, 0, 0x80, 7, 0, 0xC0, 'A', 'B'};
	CHECK(hello_parse(v2, sizeof v2, &r) == HELLO_DONE);
	CHECK(r.answer == HELLO_SSL2_SERVER_HELLO && r.nssl2 == 2 && r.ssl2_specs[1] == 0x0700C0);
	for (size_t n = 0; n < sizeof v2; n++)
		CHECK(hello_parse(v2, n, &r) == HELLO_NEED_MORE);

	static const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
	CHECK(hello_parse(alert, sizeof alert, &r) == HELLO_DONE);
	CHECK(r.answer == HELLO_ALERT && r.alert == 70 && r.alert_level == 2);

	/* HelloRetryRequest naming TLS_AES_128_GCM_SHA256 and secp256r1. */
	static const unsigned char hrr[] = {
		0x16, 0x03, 0x03, 0x00, 0x38, 0x02, 0x00, 0x00, 0x34, 0x03, 0x03,
		0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
		0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
		0x00, 0x13, 0x01, 0x00, 0x00, 0x0c, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02,
		0x00, 0x17};
	CHECK(hello_parse(hrr, sizeof hrr, &r) == HELLO_DONE);
	CHECK(r.answer == HELLO_RETRY_REQUEST && r.version == TLSCHECK_TLS13 && r.suite == 0x1301 && r.group == 0x17);
	for (size_t n = 0; n < sizeof hrr; n++)
		CHECK(hello_parse(hrr, n, &r) == HELLO_NEED_MORE);

	/* TLS 1.2 ServerHello (ECDHE suite, renegotiation_info), then a
	 * ServerKeyExchange on x25519 signed with ecdsa_secp256r1_sha256,
	 * then ServerHelloDone. */
	unsigned char fl[200];
	size_t n = 0;
	static const unsigned char sh[] = {0x02, 0x00, 0x00, 0x2d, 0x03, 0x03};
	fl[n++] = 0x16, fl[n++] = 3, fl[n++] = 3, fl[n++] = 0, fl[n++] = 0;
	memcpy(fl + n, sh, sizeof sh), n += sizeof sh;
	memset(fl + n, 0x11, 32), n += 32;
	fl[n++] = 0;                                   /* session id */
	fl[n++] = 0xC0, fl[n++] = 0x2B, fl[n++] = 0;   /* suite, compression */
	static const unsigned char ext[] = {0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00};
	memcpy(fl + n, ext, sizeof ext), n += sizeof ext;
	static const unsigned char ske[] = {0x0c, 0x00, 0x00, 0x0a, 0x03, 0x00, 0x1d, 0x01, 0xAA, 0x04, 0x03,
					    0x00, 0x01, 0xBB};
	memcpy(fl + n, ske, sizeof ske), n += sizeof ske;
	static const unsigned char done[] = {0x0e, 0x00, 0x00, 0x00};
	memcpy(fl + n, done, sizeof done), n += sizeof done;
	fl[3] = (unsigned char)((n - 5) >> 8), fl[4] = (unsigned char)(n - 5);
	CHECK(hello_parse(fl, n, &r) == HELLO_DONE);
	CHECK(r.answer == HELLO_SERVER_HELLO && r.version == TLSCHECK_TLS12 && r.suite == 0xC02B);
	CHECK(r.secure_renegotiation && !r.ext_master_secret && r.group == 0x001D && r.sigalg == 0x0403);
	for (size_t k = 0; k < n; k++)
		CHECK(hello_parse(fl, k, &r) == HELLO_NEED_MORE);

	static const unsigned char smtp[] = "500 5.5.2 what?\r\n";
	CHECK(hello_parse(smtp, sizeof smtp - 1, &r) == HELLO_MALFORMED && r.why[0]);
	/* A ServerHello whose extensions overrun their message. */
	fl[5 + 4 + 2 + 32 + 1 + 3 + 1] = 0x7f;
	CHECK(hello_parse(fl, n, &r) == HELLO_MALFORMED);
}

static void test_grades(void)
{
	const char *id = NULL;
	CHECK(tlscheck_suite_count() > 200);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0xC02B), TLSCHECK_TLS12, &id) == TLSCHECK_GOOD && !id);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0xC009), TLSCHECK_TLS12, &id) == TLSCHECK_PHASE_OUT);
	CHECK(id && strcmp(id, "cipher-cbc-sha1") == 0);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0xC009), TLSCHECK_TLS10, &id) == TLSCHECK_SUFFICIENT);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0x0005), TLSCHECK_TLS10, &id) == TLSCHECK_INSUFFICIENT);
	CHECK(id && strcmp(id, "cipher-rc4") == 0);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0x0003), TLSCHECK_TLS10, &id) == TLSCHECK_INSUFFICIENT);
	CHECK(id && strcmp(id, "cipher-export") == 0);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0x00A7), TLSCHECK_TLS12, &id) == TLSCHECK_INSUFFICIENT);
	CHECK(id && strcmp(id, "cipher-anon") == 0);
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0x002F), TLSCHECK_TLS12, &id) == TLSCHECK_PHASE_OUT);
	CHECK(id && strcmp(id, "cipher-rsa-kx") == 0);
	/* 3DES, gone from OpenSSL 3, stays in the table: old servers take it. */
	CHECK(tlscheck_suite_grade(tlscheck_suite_find(0x000A), TLSCHECK_SSL3, &id) == TLSCHECK_PHASE_OUT);
	CHECK(id && strcmp(id, "cipher-3des") == 0);
	CHECK(tlscheck_suite_find(0xC012) && tlscheck_suite_find(0x0016));
	CHECK(tlscheck_suite_find(0x1301) && tlscheck_suite_fits(tlscheck_suite_find(0x1301), TLSCHECK_TLS13));
	CHECK(!tlscheck_suite_fits(tlscheck_suite_find(0xC02B), TLSCHECK_TLS11));
	CHECK(tlscheck_dh_grade(1024) == TLSCHECK_INSUFFICIENT && tlscheck_dh_grade(2048) == TLSCHECK_PHASE_OUT);
	CHECK(tlscheck_version_grade(TLSCHECK_SSL3) == TLSCHECK_INSUFFICIENT);
	/* The table is sorted: the binary search finds every entry. */
	for (size_t i = 0; i < tlscheck_suite_count(); i++)
		CHECK(tlscheck_suite_find(tlscheck_suite_at(i)->value) == tlscheck_suite_at(i));
}

int main(void)
{
	test_write_tls();
	test_write_ssl2();
	test_parse();
	test_grades();
	return CHECK_DONE();
}
