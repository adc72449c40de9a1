/* fuzz_transport.c - what the transports parse: a SOCKS5 proxy's answers
 * (method choice, RFC 1929 status, the CONNECT reply fed as it arrives),
 * and the command-line values turned into wire bytes: --proxy-source /
 * --proxy-dest endpoints (then both PROXY headers built from them) and
 * --xclient / --xforward attribute lists (then xtext).  The first byte
 * picks the parser; the rest is its input. */
#include "fuzz.h"
#include "smtp.h"
#include "text.h"
#include "transport/proxy.h"
#include "transport/socks.h"

static void socks_answers(const uint8_t *d, size_t n)
{
	const char *why;
	int v;
	size_t need = 5, have = 0;
	socks_parse_method(d, n, &v, &why);
	socks_parse_userpass_status(d, n, &v, &why);
	/* As socks_handshake reads it: `need` octets at a time. */
	while (need > 0 && need <= n && need > have) {
		have = need;
		if (socks_parse_reply(d, have, &need, &v, &why) < 0)
			break;
		if (need == 0)
			socks_reply_meaning(v);
	}
}

static void endpoints(const uint8_t *d, size_t n)
{
	char *s = fuzz_string(d, n);
	char *half = strchr(s, ' ');
	struct proxy_endpoint src, dst;
	const char *why;
	unsigned char buf[128];
	if (half)
		*half++ = '\0';
	if (proxy_parse_endpoint(s, &src, &why) == 0
	    && proxy_parse_endpoint(half ? half : s, &dst, &why) == 0) {
		proxy_header(1, &src, &dst, buf, sizeof buf);
		proxy_header(2, &src, &dst, buf, sizeof buf);
	}
	free(s);
}

static void attrs(const uint8_t *d, size_t n)
{
	char *s = fuzz_string(d, n);
	struct smtp_attrs a;
	const char *why;
	if (smtp_attrs_parse(s, &a, &why) == 0) {
		char x[600];
		for (size_t i = 0; i < a.n; i++)
			text_xtext(a.value[i], x, sizeof x);
		smtp_attrs_free(&a);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: socks_answers(data + 1, size - 1); break;
	case 1: endpoints(data + 1, size - 1); break;
	default: attrs(data + 1, size - 1); break;
	}
	return 0;
}
