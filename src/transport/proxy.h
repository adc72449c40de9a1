/* proxy.h - the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2), sent first so that a server behind a load balancer
 * can be tested as the balancer would reach it. */
#ifndef SMTPKIT_TRANSPORT_PROXY_H
#define SMTPKIT_TRANSPORT_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

struct conn;

/* One end of the proxied connection: an IPv4 or IPv6 address and a port. */
struct proxy_endpoint {
	bool set;
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	char text[64];              /* the address as text, without brackets */
	int port;
};

struct conn_proxy {
	int version;                /* 0: no header, 1 or 2 */
	struct proxy_endpoint source, dest;     /* given; else taken from the socket */
};

/* ADDR:PORT or [IPv6]:PORT, numeric only.  -1 with *why when not. */
int proxy_parse_endpoint(const char *s, struct proxy_endpoint *ep, const char **why);
/* From a socket address (getsockname, getpeername); -1 when it is not
 * an IPv4 or IPv6 one (a UNIX socket, a pipe). */
int proxy_endpoint_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct proxy_endpoint *ep);

/* The header, into buf: version 1 text ("PROXY TCP4 ...\r\n") or the
 * version 2 binary form.  src or dst NULL: the addresses are not known
 * ("PROXY UNKNOWN", v2 LOCAL).  Its length, or 0 when the two ends are of
 * different families or buf is too small (108 octets are enough). */
size_t proxy_header(int version, const struct proxy_endpoint *src, const struct proxy_endpoint *dst,
		    unsigned char *buf, size_t size);

/* Write the header as the first bytes on c, with the ends given in p or,
 * for a TCP connection, those of the socket (dst_addr: the server's
 * address when the socket's peer is a SOCKS proxy, else NULL).  The
 * header as shown in the transcript goes into shown. */
int proxy_send(struct conn *c, const struct conn_proxy *p, const struct proxy_endpoint *dst_known,
	       char *shown, size_t shown_size, struct err *e, const char *stage);

#endif
