/* test_text.c - escaping of untrusted text and control-character checks. */
#include "check.h"
#include "text.h"

#include <string.h>

static const char *esc(const char *in, size_t len)
{
	static char buf[256];
	text_escape(in, len, buf, sizeof buf);
	return buf;
}

int main(void)
{
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
	return CHECK_DONE();
}
