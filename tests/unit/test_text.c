/* test_text.c - escaping of untrusted text, control-character checks,
 * ASCII case-insensitive comparison, hex. */
#include "check.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

static const char *esc(const char *in, size_t len)
{
	static char buf[256];
	text_escape(in, len, buf, sizeof buf);
	return buf;
}

static void test_casecmp(void)
{
	CHECK(text_casecmp("STARTTLS", "starttls") == 0);
	CHECK(text_casecmp("", "") == 0);
	CHECK(text_casecmp("AUTH", "AUTH=") < 0);
	CHECK(text_casecmp("auth=", "AUTH") > 0);
	CHECK(text_casecmp("a", "B") < 0 && text_casecmp("B", "a") > 0);
	/* Lower-case order: '_' (0x5f) sorts before the letters. */
	CHECK(text_casecmp("KERBEROS_V4", "KERBEROSV4") < 0);
	/* No locale folding: dotless i and capital I with dot stay apart. */
	CHECK(text_casecmp("pla\xc4\xb1n", "PLAIN") != 0);
	CHECK(text_casecmp("P\xc4\xb0PEL\xc4\xb0N\xc4\xb0NG", "pipelining") != 0);
	CHECK(text_casecmp("\xc3\xa9", "\xc3\x89") != 0);

	CHECK(text_ncasecmp("Subject: x", "SUBJECT", 7) == 0);
	CHECK(text_ncasecmp("v=SPF1", "v=spf1", 6) == 0);
	CHECK(text_ncasecmp("v=sp", "v=spf1", 6) < 0);   /* shorter string: stops at its NUL */
	/* NUL is an ordinary octet (DNS wire names). */
	CHECK(text_ncasecmp("a\0B", "A\0b", 3) == 0);
	CHECK(text_ncasecmp("a\0b", "a\0c", 3) != 0);
	CHECK(text_ncasecmp("abc", "xyz", 0) == 0);
}

static void test_hex(void)
{
	static const unsigned char b[] = {0x00, 0x9f, 0xab, 0xff};
	char out[16];
	CHECK(text_hex(b, sizeof b, out, sizeof out) == 8 && strcmp(out, "009fabff") == 0);
	CHECK(text_hex(b, 0, out, sizeof out) == 0 && strcmp(out, "") == 0);
	/* What does not fit is left off, whole octets only. */
	CHECK(text_hex(b, sizeof b, out, 6) == 4 && strcmp(out, "009f") == 0);
	CHECK(text_hex(b, sizeof b, out, 1) == 0 && strcmp(out, "") == 0);

	text_hex_colon(b, sizeof b, out, sizeof out);
	CHECK(strcmp(out, "00:9F:AB:FF") == 0);
	text_hex_colon(b, sizeof b, out, 8);
	CHECK(strcmp(out, "00:9F") == 0);
	text_hex_colon(b, 0, out, sizeof out);
	CHECK(strcmp(out, "") == 0);
}

/* SPEC 10.11: secrets given to text_hide() never come out of text_escape(). */
static void test_hide(void)
{
	const char *mark = TEXT_SECRET_MARK;
	char want[512], buf[512];
	CHECK(strcmp(esc("535 secret pw", 13), "535 secret pw") == 0);
	CHECK(text_hide("pw", 2) == 0);
	CHECK(text_hide("czNjcmV0", 8) == 0);
	CHECK(text_hide("", 0) == 0);                   /* nothing to hide */
	CHECK(text_hide("czNjcmV0", 8) == 0);           /* twice is once */
	snprintf(want, sizeof want, "535 %s: %s!", mark, mark);
	CHECK(strcmp(esc("535 czNjcmV0: pw!", 17), want) == 0);
	/* Escaping twice hides nothing more: the mark stays as it is. */
	text_escape(want, strlen(want), buf, sizeof buf);
	CHECK(strcmp(buf, want) == 0);
	/* A secret that is a word of the mark does not eat into it. */
	CHECK(text_hide("secret", 6) == 0);
	text_escape(want, strlen(want), buf, sizeof buf);
	CHECK(strcmp(buf, want) == 0);
	snprintf(want, sizeof want, "a %s b", mark);
	CHECK(strcmp(esc("a secret b", 10), want) == 0);
	/* The escaped spelling is hidden too: text escaped once is escaped
	 * again on its way out. */
	CHECK(text_hide("p\x01w", 3) == 0);
	snprintf(want, sizeof want, "[%s]", mark);
	CHECK(strcmp(esc("[p\x01w]", 5), want) == 0);
	CHECK(strcmp(esc("[p\\x01w]", 8), want) == 0);
	/* The longest secret wins when one holds another. */
	CHECK(text_hide("pwpwpw", 6) == 0);
	snprintf(want, sizeof want, "%s.", mark);
	CHECK(strcmp(esc("pwpwpw.", 7), want) == 0);
	/* A buffer too small for the mark cuts before it, never inside the secret. */
	char small[12];
	text_escape("ab pw cd", 8, small, sizeof small);
	CHECK(strcmp(small, "ab ") == 0);
	text_hide_clear();
	CHECK(strcmp(esc("535 czNjcmV0: pw!", 17), "535 czNjcmV0: pw!") == 0);
}

static void test_squeeze(void)
{
	char out[128];
	/* gnutls_certificate_verification_status_print() ends with a space. */
	CHECK(text_squeeze("The certificate is NOT trusted. The certificate issuer is unknown. ", out,
			   sizeof out) == 66);
	CHECK(text_squeeze("  a  b\t\n c ", out, sizeof out) == 5 && strcmp(out, "a b c") == 0);
	CHECK(text_squeeze("", out, sizeof out) == 0 && strcmp(out, "") == 0);
	CHECK(text_squeeze("   ", out, sizeof out) == 0 && strcmp(out, "") == 0);
	/* Cut to fit, never ending on the space it would have added. */
	CHECK(text_squeeze("abc  def", out, 5) == 3 && strcmp(out, "abc") == 0);
	CHECK(text_squeeze("abc", out, 1) == 0 && strcmp(out, "") == 0);
}

int main(void)
{
	test_casecmp();
	test_hex();
	test_squeeze();
	CHECK(strcmp(esc("plain text", 10), "plain text") == 0);
	CHECK(strcmp(esc("\x1b[31mred", 8), "\\x1b[31mred") == 0);
	CHECK(strcmp(esc("a\rb\nc\td", 7), "a\\x0db\\x0ac\\x09d") == 0);
	CHECK(strcmp(esc("nul\0x", 5), "nul\\x00x") == 0);
	CHECK(strcmp(esc("caf\xc3\xa9", 5), "caf\xc3\xa9") == 0);          /* UTF-8 kept */
	CHECK(strcmp(esc("\xc3", 1), "\\xc3") == 0);                      /* truncated */
	CHECK(strcmp(esc("\xc0\xaf", 2), "\\xc0\\xaf") == 0);             /* overlong */
	CHECK(strcmp(esc("\xc2\x9b", 2), "\\xc2\\x9b") == 0);             /* C1 CSI */
	CHECK(strcmp(esc("\xe2\x80\xae", 3), "\\xe2\\x80\\xae") == 0);    /* RLO */
	CHECK(strcmp(esc("\x7f", 1), "\\x7f") == 0);
	/* A small buffer never overflows and stays terminated. */
	char small[6];
	text_escape("\x1b\x1b\x1b", 3, small, sizeof small);
	CHECK(strcmp(small, "\\x1b") == 0);

	CHECK(!text_has_control("user@example.com"));
	CHECK(text_has_control("a\r\nRCPT TO:<x>"));
	CHECK(text_has_control("tab\there"));
	CHECK(text_has_control("del\x7f"));
	CHECK(!text_has_control("caf\xc3\xa9"));
	test_hide();
	return CHECK_DONE();
}
