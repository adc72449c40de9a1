/* socks.h - SOCKS5 (RFC 1928) with username/password authentication
 * (RFC 1929): the messages, built and parsed without I/O, and the exchange
 * over a connection to the proxy. */
#ifndef SMTPKIT_TRANSPORT_SOCKS_H
#define SMTPKIT_TRANSPORT_SOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct conn;

/* The proxy a connection goes through (--socks); host NULL: none. */
struct conn_socks {
	const char *host;
	int port;
	const char *user;           /* RFC 1929; NULL: only "no authentication" offered */
	const char *password;
	bool remote_dns;            /* the proxy resolves the server's name (ATYP 3) */
};

/* RFC 1928 3: the version identifier / method selection message, into
 * buf (at least 4 octets): its length. */
size_t socks_greeting(bool with_userpass, unsigned char *buf);
/* RFC 1928 3: the method the proxy chose (2 octets); -1 with *why when
 * they are not a SOCKS5 answer. */
int socks_parse_method(const unsigned char *b, size_t n, int *method, const char **why);
/* RFC 1929 2: the username/password request; its length, or 0 when a
 * part is empty or longer than 255 octets. */
size_t socks_userpass(const char *user, const char *password, unsigned char *buf, size_t size);
/* RFC 1929 2: the status: 0 success; -1 with *why when malformed. */
int socks_parse_userpass_status(const unsigned char *b, size_t n, int *status, const char **why);
/* RFC 1928 4: CONNECT to an IPv4 or IPv6 address, or (name true) a
 * domain name the proxy resolves; 0 when it does not fit or is invalid. */
size_t socks_request(const char *host, int port, bool name, unsigned char *buf, size_t size);

/* RFC 1928 6: a reply is 4 octets, the bound address (its length told by
 * ATYP) and 2 octets of port.  Given the first n octets: how many the
 * whole reply has (*need), 0 when known complete; -1 with *why when
 * malformed.  On the complete reply *rep is its REP field. */
int socks_parse_reply(const unsigned char *b, size_t n, size_t *need, int *rep, const char **why);
/* RFC 1928 6: what a REP value means. */
const char *socks_reply_meaning(int rep);

/* Over c, connected to the proxy: choose a method, authenticate, CONNECT
 * to host (an address, or a name when name is true) and port; under the
 * step deadline the caller set.  0, or -1 with e set. */
int socks_handshake(struct conn *c, const struct conn_socks *p, const char *host, int port, bool name,
		    struct err *e, const char *stage);

#endif
