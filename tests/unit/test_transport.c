/* test_transport.c - the transport messages built and parsed without I/O:
 * SOCKS5 (RFC 1928, RFC 1929), the PROXY header (v1 text, v2 binary), and
 * the XCLIENT/XFORWARD attribute lists. */
#include "check.h"
#include "smtp.h"
#include "text.h"
#include "transport/proxy.h"
#include "transport/socks.h"

#include <string.h>
#include <sys/socket.h>

static void test_socks(void)
{
	unsigned char b[300];
	const char *why;
	int v;
	size_t need;

	CHECK(socks_greeting(false, b) == 3 && memcmp(b, "\x05\x01\x00", 3) == 0);
	CHECK(socks_greeting(true, b) == 4 && memcmp(b, "\x05\x02\x00\x02", 4) == 0);
	CHECK(socks_parse_method((const unsigned char *)"\x05\x02", 2, &v, &why) == 0 && v == 2);
	CHECK(socks_parse_method((const unsigned char *)"\x04\x00", 2, &v, &why) < 0);

	CHECK(socks_userpass("bob", "pw", b, sizeof b) == 8 && memcmp(b, "\x01\x03" "bob" "\x02" "pw", 8) == 0);
	CHECK(socks_userpass("", "pw", b, sizeof b) == 0);
	char long_name[300];
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	CHECK(socks_userpass(long_name, "pw", b, sizeof b) == 0);
	CHECK(socks_parse_userpass_status((const unsigned char *)"\x01\x00", 2, &v, &why) == 0 && v == 0);
	CHECK(socks_parse_userpass_status((const unsigned char *)"\x05\x00", 2, &v, &why) < 0);

	/* RFC 1928 4: CONNECT 192.0.2.1:25, [2001:db8::1]:587, example.org:2525 */
	CHECK(socks_request("192.0.2.1", 25, false, b, sizeof b) == 10
	      && memcmp(b, "\x05\x01\x00\x01\xc0\x00\x02\x01\x00\x19", 10) == 0);
	CHECK(socks_request("2001:db8::1", 587, false, b, sizeof b) == 22 && b[3] == 4 && b[20] == 2 && b[21] == 0x4b);
	CHECK(socks_request("example.org", 2525, true, b, sizeof b) == 4 + 1 + 11 + 2
	      && b[3] == 3 && b[4] == 11 && memcmp(b + 5, "example.org", 11) == 0);
	CHECK(socks_request("example.org", 25, false, b, sizeof b) == 0);      /* a name, not allowed */
	CHECK(socks_request("192.0.2.1", 0, false, b, sizeof b) == 0);

	/* RFC 1928 6: the reply's length follows from ATYP. */
	const unsigned char ok4[] = {5, 0, 0, 1, 127, 0, 0, 1, 0, 25};
	CHECK(socks_parse_reply(ok4, 3, &need, &v, &why) == 0 && need == 5);
	CHECK(socks_parse_reply(ok4, 5, &need, &v, &why) == 0 && need == 10);
	CHECK(socks_parse_reply(ok4, 10, &need, &v, &why) == 0 && need == 0 && v == 0);
	const unsigned char name[] = {5, 5, 0, 3, 3, 'a', 'b', 'c', 0, 25};
	CHECK(socks_parse_reply(name, 10, &need, &v, &why) == 0 && need == 0 && v == 5);
	const unsigned char bad[] = {5, 0, 0, 9, 0};
	CHECK(socks_parse_reply(bad, 5, &need, &v, &why) < 0);
	CHECK(socks_parse_reply((const unsigned char *)"\x04", 1, &need, &v, &why) < 0);
	CHECK(strcmp(socks_reply_meaning(5), "connection refused") == 0);
	CHECK(strcmp(socks_reply_meaning(200), "unassigned reply code") == 0);
}

static void test_proxy(void)
{
	struct proxy_endpoint s, d;
	const char *why;
	unsigned char b[128];

	CHECK(proxy_parse_endpoint("192.0.2.7:4242", &s, &why) == 0 && s.family == AF_INET && s.port == 4242);
	CHECK(proxy_parse_endpoint("198.51.100.1:25", &d, &why) == 0);
	size_t n = proxy_header(1, &s, &d, b, sizeof b);
	CHECK(n == strlen("PROXY TCP4 192.0.2.7 198.51.100.1 4242 25\r\n")
	      && memcmp(b, "PROXY TCP4 192.0.2.7 198.51.100.1 4242 25\r\n", n) == 0);
	/* v2: signature, 0x21 (v2, PROXY), 0x11 (TCP over IPv4), length 12. */
	n = proxy_header(2, &s, &d, b, sizeof b);
	CHECK(n == 28 && memcmp(b, "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 16) == 0);
	CHECK(memcmp(b + 16, "\xc0\x00\x02\x07\xc6\x33\x64\x01\x10\x92\x00\x19", 12) == 0);
	/* Unknown ends: v1 UNKNOWN, v2 LOCAL with no addresses. */
	CHECK(proxy_header(1, NULL, NULL, b, sizeof b) == 15 && memcmp(b, "PROXY UNKNOWN\r\n", 15) == 0);
	CHECK(proxy_header(2, NULL, NULL, b, sizeof b) == 16 && b[12] == 0x20 && b[13] == 0);

	struct proxy_endpoint s6, d6;
	CHECK(proxy_parse_endpoint("[2001:db8::7]:1234", &s6, &why) == 0 && s6.family == AF_INET6);
	CHECK(proxy_parse_endpoint("[2001:DB8::25]:25", &d6, &why) == 0 && strcmp(d6.text, "2001:db8::25") == 0);
	CHECK(proxy_header(2, &s6, &d6, b, sizeof b) == 16 + 36 && b[13] == 0x21);
	CHECK(proxy_header(1, &s6, &d6, b, sizeof b) > 0 && memcmp(b, "PROXY TCP6 2001:db8::7 2001:db8::25 1234 25\r\n", 45) == 0);
	CHECK(proxy_header(1, &s, &d6, b, sizeof b) == 0);     /* mixed families */
	CHECK(proxy_header(1, &s, &d, b, 10) == 0);             /* too small */

	CHECK(proxy_parse_endpoint("192.0.2.7", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("192.0.2.7:65536", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("192.0.2.7:-1", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("2001:db8::1:25", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("[2001:db8::1]", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("[192.0.2.1]:25", &s, &why) < 0);
	CHECK(proxy_parse_endpoint("host.example:25", &s, &why) < 0);
}

static void test_attrs(void)
{
	struct smtp_attrs a;
	const char *why;
	CHECK(smtp_attrs_parse("name=client.example,ADDR=192.0.2.9", &a, &why) == 0 && a.n == 2
	      && strcmp(a.name[0], "NAME") == 0 && strcmp(a.value[1], "192.0.2.9") == 0);
	smtp_attrs_free(&a);
	CHECK(smtp_attrs_parse("HELO=a=b", &a, &why) == 0 && strcmp(a.value[0], "a=b") == 0);
	smtp_attrs_free(&a);
	CHECK(smtp_attrs_parse("NAME", &a, &why) < 0);
	CHECK(smtp_attrs_parse("NAME=", &a, &why) < 0);
	CHECK(smtp_attrs_parse("=x", &a, &why) < 0);
	CHECK(smtp_attrs_parse("NAME=a,", &a, &why) < 0);
	CHECK(smtp_attrs_parse("NA ME=a", &a, &why) < 0);
	CHECK(smtp_attrs_parse("NAME=a,name=b", &a, &why) < 0);
	CHECK(smtp_attrs_parse("NAME=a\rb", &a, &why) < 0);

	char x[64];
	text_xtext("a b+c=d", x, sizeof x);
	CHECK(strcmp(x, "a+20b+2Bc+3Dd") == 0);
}

int main(void)
{
	test_socks();
	test_proxy();
	test_attrs();
	return CHECK_DONE();
}
