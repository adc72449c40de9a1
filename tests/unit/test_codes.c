/* test_codes.c - unit test for the meaning tables in codes.c. */
#include "codes.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "test_codes.c:%d: FAILED: %s\n", line, what);
		failures++;
	}
}

/* NULL-safe comparison so a missing entry reports instead of crashing. */
#define CHECK_STR(got, want) check_str((got), (want), #got, __LINE__)

static void check_str(const char *got, const char *want, const char *what,
	int line)
{
	int ok;

	if (got == NULL || want == NULL)
		ok = got == want;
	else
		ok = strcmp(got, want) == 0;
	if (!ok) {
		fprintf(stderr, "test_codes.c:%d: FAILED: %s is \"%s\", want \"%s\"\n",
			line, what, got ? got : "(null)", want ? want : "(null)");
		failures++;
	}
}

static int contains(const char *s, const char *sub)
{
	return s != NULL && strstr(s, sub) != NULL;
}

static void test_reply(void)
{
	int code;

	CHECK_STR(codes_reply_meaning(250), "requested action completed");
	CHECK_STR(codes_reply_meaning(354),
		"start mail input; end with <CRLF>.<CRLF>");
	CHECK_STR(codes_reply_meaning(421),
		"service not available, closing channel");
	CHECK_STR(codes_reply_source(250), "RFC 5321");
	CHECK_STR(codes_reply_source(235), "RFC 4954");
	CHECK_STR(codes_reply_source(556), "RFC 7504");
	CHECK_STR(codes_reply_source(521), "RFC 7504");

	/* Codes with a second meaning from another RFC name both. */
	CHECK(contains(codes_reply_meaning(220), "TLS"));
	CHECK(contains(codes_reply_meaning(454), "RFC 4954"));
	CHECK(contains(codes_reply_meaning(454), "RFC 3207"));
	CHECK(contains(codes_reply_meaning(530), "STARTTLS"));
	CHECK(contains(codes_reply_meaning(500), "too long"));
	CHECK(contains(codes_reply_source(552), "RFC 1870"));

	/* Class and category fallback (RFC 5321 4.2.1). */
	CHECK_STR(codes_reply_meaning(259), "positive completion (mail system)");
	CHECK_STR(codes_reply_meaning(201), "positive completion (syntax)");
	CHECK_STR(codes_reply_meaning(310), "positive intermediate (information)");
	CHECK_STR(codes_reply_meaning(429),
		"transient negative completion (connections)");
	CHECK_STR(codes_reply_meaning(457),
		"transient negative completion (mail system)");
	CHECK_STR(codes_reply_meaning(539),
		"permanent negative completion (unspecified)");
	CHECK_STR(codes_reply_meaning(299),
		"positive completion (unassigned category)");
	CHECK(codes_reply_source(259) == NULL);
	CHECK(codes_reply_source(457) == NULL);

	CHECK_STR(codes_reply_meaning(199), "not a valid reply code");
	CHECK_STR(codes_reply_meaning(600), "not a valid reply code");
	CHECK_STR(codes_reply_meaning(0), "not a valid reply code");
	CHECK_STR(codes_reply_meaning(-250), "not a valid reply code");
	CHECK_STR(codes_reply_meaning(INT_MIN), "not a valid reply code");
	CHECK_STR(codes_reply_meaning(INT_MAX), "not a valid reply code");
	CHECK(codes_reply_source(600) == NULL);
	CHECK(codes_reply_source(-1) == NULL);

	for (code = -1000; code <= 1000; code++)
		CHECK(codes_reply_meaning(code) != NULL);

	/* Every code named in the brief is in the table, not a fallback. */
	{
		static const int known[] = {
			211, 214, 220, 221, 235, 250, 251, 252, 253, 334, 354,
			421, 432, 450, 451, 452, 453, 454, 455, 458, 459,
			500, 501, 502, 503, 504, 521, 530, 534, 535, 538,
			550, 551, 552, 553, 554, 555, 556,
		};
		size_t i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (codes_reply_source(known[i]) == NULL) {
				fprintf(stderr, "test_codes.c: reply %d missing\n",
					known[i]);
				failures++;
			}
		}
	}
}

static void test_enhanced(void)
{
	/* The registry assigns details contiguously from 0 in each subject;
	 * walking them all also proves the table is sorted for the binary
	 * search. */
	static const int ndetails[8] = { 1, 11, 5, 7, 8, 7, 11, 31 };
	int s, d;

	CHECK_STR(codes_enhanced_class(2), "success");
	CHECK_STR(codes_enhanced_class(4), "persistent transient failure");
	CHECK_STR(codes_enhanced_class(5), "permanent failure");
	CHECK(codes_enhanced_class(3) == NULL);
	CHECK(codes_enhanced_class(0) == NULL);

	CHECK_STR(codes_enhanced_subject(1), "addressing status");
	CHECK_STR(codes_enhanced_subject(7), "security or policy status");
	CHECK(codes_enhanced_subject(8) == NULL);
	CHECK(codes_enhanced_subject(-1) == NULL);

	for (s = 0; s < 8; s++) {
		CHECK(codes_enhanced_subject(s) != NULL);
		for (d = 0; d < ndetails[s]; d++) {
			if (codes_enhanced_detail(s, d) == NULL
			    || codes_enhanced_source(s, d) == NULL) {
				fprintf(stderr, "test_codes.c: X.%d.%d missing\n",
					s, d);
				failures++;
			}
		}
		if (codes_enhanced_detail(s, ndetails[s]) != NULL) {
			fprintf(stderr, "test_codes.c: X.%d.%d unexpected\n",
				s, ndetails[s]);
			failures++;
		}
	}

	CHECK_STR(codes_enhanced_detail(1, 1), "bad destination mailbox address");
	CHECK_STR(codes_enhanced_source(1, 1), "RFC 3463");
	CHECK_STR(codes_enhanced_source(1, 9), "RFC 3886");
	CHECK_STR(codes_enhanced_detail(1, 10), "recipient address has null MX");
	CHECK_STR(codes_enhanced_source(1, 10), "RFC 7505");
	CHECK_STR(codes_enhanced_source(3, 6), "RFC 6710");
	CHECK_STR(codes_enhanced_source(5, 6), "RFC 4954");
	CHECK_STR(codes_enhanced_source(6, 6), "RFC 4468");
	CHECK_STR(codes_enhanced_source(6, 7), "RFC 6531");
	CHECK_STR(codes_enhanced_source(6, 10), "RFC 6531");
	CHECK_STR(codes_enhanced_detail(7, 8), "authentication credentials invalid");
	CHECK_STR(codes_enhanced_source(7, 8), "RFC 4954");
	CHECK_STR(codes_enhanced_detail(7, 9), "authentication mechanism is too weak");
	CHECK_STR(codes_enhanced_detail(7, 10), "encryption needed");
	CHECK_STR(codes_enhanced_source(7, 10), "RFC 5248");
	CHECK_STR(codes_enhanced_detail(7, 13), "user account disabled");
	CHECK_STR(codes_enhanced_source(7, 13), "RFC 5248");
	CHECK_STR(codes_enhanced_source(7, 17), "RFC 7293");
	CHECK_STR(codes_enhanced_detail(7, 23), "SPF validation failed");
	CHECK_STR(codes_enhanced_source(7, 20), "RFC 7372");
	CHECK_STR(codes_enhanced_source(7, 26), "RFC 7372");
	CHECK_STR(codes_enhanced_source(7, 27), "RFC 7505");
	CHECK_STR(codes_enhanced_source(7, 29), "RFC 8617");
	CHECK_STR(codes_enhanced_detail(7, 30), "REQUIRETLS support required");
	CHECK_STR(codes_enhanced_source(7, 30), "RFC 8689");

	CHECK(codes_enhanced_detail(0, 1) == NULL);
	CHECK(codes_enhanced_detail(8, 0) == NULL);
	CHECK(codes_enhanced_detail(-1, 0) == NULL);
	CHECK(codes_enhanced_detail(1, -1) == NULL);
	CHECK(codes_enhanced_detail(1, 256 + 1) == NULL);
	CHECK(codes_enhanced_detail(INT_MAX, INT_MAX) == NULL);
	CHECK(codes_enhanced_source(7, 999) == NULL);
}

static void test_ext(void)
{
	/* Every entry, in table order: a lookup of each canonical spelling
	 * must return it, which fails if the table is out of order. */
	static const char *const all[] = {
		"8BITMIME", "ATRN", "AUTH", "BINARYMIME", "BURL", "CHECKPOINT",
		"CHUNKING", "CLIENTID", "CONNEG", "CONPERM", "DELIVERBY", "DSN",
		"ENHANCEDSTATUSCODES", "ETRN", "EXPN", "FUTURERELEASE", "HELP",
		"LIMITS", "MT-PRIORITY", "MTRK", "NO-SOLICITING", "ONEX",
		"PIPELINING", "PRDR", "REQUIRETLS", "RRVS", "SAML", "SEND",
		"SIZE", "SMTPUTF8", "SOML", "STARTTLS", "SUBMITTER", "TURN",
		"UTF8SMTP", "VERB", "VRFY", "X-ANONYMOUSTLS", "X-EXPS",
		"X-LINK2STATE", "XADR", "XCLIENT", "XEXCH50", "XFORWARD", "XQUE",
		"XRCPTFORWARD", "XSTA", "XUSR", "XVERP",
	};
	const struct codes_ext *e;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		e = codes_ext_lookup(all[i]);
		if (e == NULL || strcmp(e->keyword, all[i]) != 0
		    || e->meaning == NULL || e->source == NULL) {
			fprintf(stderr, "test_codes.c: keyword %s not found\n",
				all[i]);
			failures++;
		}
	}

	e = codes_ext_lookup("PIPELINING");
	CHECK(e != NULL);
	if (e != NULL) {
		CHECK_STR(e->meaning, "command pipelining");
		CHECK_STR(e->source, "RFC 2920");
	}

	/* Case-insensitive, returns the canonical spelling. */
	e = codes_ext_lookup("pipelining");
	CHECK(e != NULL && strcmp(e->keyword, "PIPELINING") == 0);
	e = codes_ext_lookup("StartTls");
	CHECK(e != NULL && strcmp(e->keyword, "STARTTLS") == 0);
	e = codes_ext_lookup("x-link2state");
	CHECK(e != NULL && strcmp(e->source, "Microsoft") == 0);
	e = codes_ext_lookup("8bitmime");
	CHECK(e != NULL && strcmp(e->source, "RFC 6152") == 0);
	e = codes_ext_lookup("mt-priority");
	CHECK(e != NULL && strcmp(e->keyword, "MT-PRIORITY") == 0);
	e = codes_ext_lookup("xclient");
	CHECK(e != NULL && strcmp(e->source, "Postfix") == 0);
	e = codes_ext_lookup("Limits");
	CHECK(e != NULL && strcmp(e->source, "RFC 9422") == 0);

	/* Whole keyword only. */
	CHECK(codes_ext_lookup("PIPE") == NULL);
	CHECK(codes_ext_lookup("PIPELININGS") == NULL);
	CHECK(codes_ext_lookup("SIZE ") == NULL);
	CHECK(codes_ext_lookup(" SIZE") == NULL);
	CHECK(codes_ext_lookup("AUTH=LOGIN") == NULL);
	CHECK(codes_ext_lookup("") == NULL);
	CHECK(codes_ext_lookup(NULL) == NULL);
	CHECK(codes_ext_lookup("XNOTREAL") == NULL);
	/* Non-ASCII must not fold (dotted capital I, U+0130, in UTF-8). */
	CHECK(codes_ext_lookup("P\xc4\xb0PEL\xc4\xb0N\xc4\xb0NG") == NULL);
	CHECK(codes_ext_lookup("\xff") == NULL);
}

static void test_sasl(void)
{
	static const char *const all[] = {
		"ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "GS2-KRB5",
		"GS2-KRB5-PLUS", "GSSAPI", "KERBEROS_V4", "LOGIN", "NTLM",
		"OAUTH10A", "OAUTHBEARER", "OTP", "PLAIN", "SCRAM-SHA-1",
		"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS",
		"XOAUTH", "XOAUTH2",
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (codes_sasl_meaning(all[i]) == NULL) {
			fprintf(stderr, "test_codes.c: mechanism %s not found\n",
				all[i]);
			failures++;
		}
	}

	CHECK_STR(codes_sasl_meaning("PLAIN"), "password in clear (RFC 4616)");
	CHECK_STR(codes_sasl_meaning("plain"), "password in clear (RFC 4616)");
	CHECK(contains(codes_sasl_meaning("login"), "in clear"));
	CHECK(contains(codes_sasl_meaning("Scram-Sha-256-Plus"), "RFC 7677"));
	CHECK(contains(codes_sasl_meaning("scram-sha-1"), "not sent"));
	CHECK(contains(codes_sasl_meaning("xoauth2"), "bearer"));
	CHECK(contains(codes_sasl_meaning("kerberos_v4"), "Kerberos"));
	CHECK(codes_sasl_meaning("SCRAM") == NULL);
	CHECK(codes_sasl_meaning("PLAIN ") == NULL);
	CHECK(codes_sasl_meaning("") == NULL);
	CHECK(codes_sasl_meaning(NULL) == NULL);
}

int main(void)
{
	test_reply();
	test_enhanced();
	test_ext();
	test_sasl();
	if (failures != 0) {
		fprintf(stderr, "test_codes: %d failure(s)\n", failures);
		return 1;
	}
	return 0;
}
