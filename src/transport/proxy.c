/* proxy.c - the PROXY protocol header, versions 1 and 2. */
#define _DEFAULT_SOURCE
#include "transport/proxy.h"
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* proxy-protocol.txt 2.2: the v2 signature. */
static const unsigned char v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

int proxy_parse_endpoint(const char *s, struct proxy_endpoint *ep, const char **why)
{
	char addr[64];
	const char *port;
	memset(ep, 0, sizeof *ep);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof addr) {
			*why = "expected [IPv6]:PORT";
			return -1;
		}
		memcpy(addr, s + 1, (size_t)(close - s - 1));
		addr[close - s - 1] = '\0';
		port = close + 2;
		ep->family = AF_INET6;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon || (size_t)(colon - s) >= sizeof addr) {
			*why = "expected ADDR:PORT (an IPv6 address in brackets)";
			return -1;
		}
		memcpy(addr, s, (size_t)(colon - s));
		addr[colon - s] = '\0';
		port = colon + 1;
		ep->family = AF_INET;
	}
	if (inet_pton(ep->family, addr, ep->addr) != 1) {
		*why = ep->family == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
		return -1;
	}
	char *end;
	errno = 0;
	long v = strtol(port, &end, 10);
	if (*port < '0' || *port > '9' || *end || errno || v < 0 || v > 65535) {
		*why = "the port must be 0 to 65535";
		return -1;
	}
	ep->port = (int)v;
	/* The canonical form, as the header carries it. */
	inet_ntop(ep->family, ep->addr, ep->text, sizeof ep->text);
	ep->set = true;
	return 0;
}

int proxy_endpoint_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct proxy_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		memcpy(ep->addr, &v4->sin_addr, 4);
		ep->port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		memcpy(ep->addr, &v6->sin6_addr, 16);
		ep->port = ntohs(v6->sin6_port);
	} else {
		return -1;
	}
	ep->family = sa->sa_family;
	inet_ntop(ep->family, ep->addr, ep->text, sizeof ep->text);
	ep->set = true;
	return 0;
}

static size_t header_v1(const struct proxy_endpoint *src, const struct proxy_endpoint *dst,
			unsigned char *buf, size_t size)
{
	int n;
	/* 2.1: "PROXY UNKNOWN" when the addresses cannot be told. */
	if (!src || !dst)
		n = snprintf((char *)buf, size, "PROXY UNKNOWN\r\n");
	else
		n = snprintf((char *)buf, size, "PROXY %s %s %s %d %d\r\n", src->family == AF_INET ? "TCP4" : "TCP6",
			     src->text, dst->text, src->port, dst->port);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static size_t header_v2(const struct proxy_endpoint *src, const struct proxy_endpoint *dst,
			unsigned char *buf, size_t size)
{
	size_t alen = !src ? 0 : src->family == AF_INET ? 12 : 36;
	if (size < 16 + alen)
		return 0;
	memcpy(buf, v2_sig, sizeof v2_sig);
	/* 2.2: version 2; command LOCAL (0) when nothing is proxied, else PROXY (1);
	 * family and transport: TCP over IPv4 0x11, over IPv6 0x21, UNSPEC 0. */
	buf[12] = src ? 0x21 : 0x20;
	buf[13] = !src ? 0x00 : src->family == AF_INET ? 0x11 : 0x21;
	buf[14] = (unsigned char)(alen >> 8);
	buf[15] = (unsigned char)(alen & 0xff);
	if (src) {
		size_t al = src->family == AF_INET ? 4 : 16;
		unsigned char *p = buf + 16;
		memcpy(p, src->addr, al);
		memcpy(p + al, dst->addr, al);
		p[2 * al] = (unsigned char)(src->port >> 8);
		p[2 * al + 1] = (unsigned char)(src->port & 0xff);
		p[2 * al + 2] = (unsigned char)(dst->port >> 8);
		p[2 * al + 3] = (unsigned char)(dst->port & 0xff);
	}
	return 16 + alen;
}

size_t proxy_header(int version, const struct proxy_endpoint *src, const struct proxy_endpoint *dst,
		    unsigned char *buf, size_t size)
{
	if ((src == NULL) != (dst == NULL) || (src && src->family != dst->family))
		return 0;
	return version == 1 ? header_v1(src, dst, buf, size) : version == 2 ? header_v2(src, dst, buf, size) : 0;
}

int proxy_send(struct conn *c, const struct conn_proxy *p, const struct proxy_endpoint *dst_known,
	       char *shown, size_t shown_size, struct err *e, const char *stage)
{
	struct proxy_endpoint src = p->source, dst = p->dest;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (!src.set && getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
		proxy_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &src);
	len = sizeof ss;
	if (!dst.set && dst_known)
		dst = *dst_known;
	else if (!dst.set && getpeername(c->fd, (struct sockaddr *)&ss, &len) == 0)
		proxy_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &dst);
	bool known = src.set && dst.set;
	if ((p->source.set || p->dest.set) && !known)
		return err_set(e, ERR_USAGE, stage,
			       "the PROXY header needs both --proxy-source and --proxy-dest on this transport");
	if (known && src.family != dst.family)
		return err_set(e, ERR_USAGE, stage,
			       "the PROXY header's source %s and destination %s are of different address families",
			       src.text, dst.text);
	unsigned char buf[128];
	size_t n = proxy_header(p->version, known ? &src : NULL, known ? &dst : NULL, buf, sizeof buf);
	if (n == 0)
		return err_set(e, ERR_INTERNAL, stage, "cannot build the PROXY header");
	if (!known)
		snprintf(shown, shown_size, "PROXY protocol v%d header: addresses unknown (%s)", p->version,
			 p->version == 1 ? "PROXY UNKNOWN" : "LOCAL");
	else
		snprintf(shown, shown_size, "PROXY protocol v%d header (%zu octets): source %s port %d, destination %s port %d",
			 p->version, n, src.text, src.port, dst.text, dst.port);
	if (conn_queue(c, buf, n) < 0)
		return err_set(e, ERR_INTERNAL, stage, "out of memory");
	return conn_flush(c, e, stage);
}
