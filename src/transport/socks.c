/* socks.c - SOCKS5 (RFC 1928, RFC 1929): messages and the exchange. */
#define _DEFAULT_SOURCE
#include "transport/socks.h"
#include "conn.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SOCKS_VERSION 5
#define SOCKS_NO_AUTH 0x00
#define SOCKS_USERPASS 0x02
#define SOCKS_NO_METHOD 0xFF
#define SOCKS_CMD_CONNECT 1
#define SOCKS_ATYP_IPV4 1
#define SOCKS_ATYP_NAME 3
#define SOCKS_ATYP_IPV6 4

size_t socks_greeting(bool with_userpass, unsigned char *buf)
{
	size_t n = 0;
	buf[n++] = SOCKS_VERSION;
	buf[n++] = with_userpass ? 2 : 1;
	buf[n++] = SOCKS_NO_AUTH;
	if (with_userpass)
		buf[n++] = SOCKS_USERPASS;
	return n;
}

int socks_parse_method(const unsigned char *b, size_t n, int *method, const char **why)
{
	if (n < 2 || b[0] != SOCKS_VERSION) {
		*why = "not a SOCKS version 5 answer";
		return -1;
	}
	*method = b[1];
	return 0;
}

size_t socks_userpass(const char *user, const char *password, unsigned char *buf, size_t size)
{
	size_t ul = strlen(user), pl = strlen(password);
	if (ul == 0 || ul > 255 || pl == 0 || pl > 255 || 3 + ul + pl > size)
		return 0;
	/* RFC 1929 2: VER 1, ULEN, UNAME, PLEN, PASSWD */
	buf[0] = 1;
	buf[1] = (unsigned char)ul;
	memcpy(buf + 2, user, ul);
	buf[2 + ul] = (unsigned char)pl;
	memcpy(buf + 3 + ul, password, pl);
	return 3 + ul + pl;
}

int socks_parse_userpass_status(const unsigned char *b, size_t n, int *status, const char **why)
{
	if (n < 2 || b[0] != 1) {
		*why = "not a username/password answer (RFC 1929)";
		return -1;
	}
	*status = b[1];
	return 0;
}

size_t socks_request(const char *host, int port, bool name, unsigned char *buf, size_t size)
{
	size_t n = 0;
	if (port < 1 || port > 65535 || size < 4 + 1 + 255 + 2)
		return 0;
	buf[n++] = SOCKS_VERSION;
	buf[n++] = SOCKS_CMD_CONNECT;
	buf[n++] = 0;           /* RSV */
	if (inet_pton(AF_INET, host, buf + n + 1) == 1) {
		buf[n] = SOCKS_ATYP_IPV4;
		n += 1 + 4;
	} else if (inet_pton(AF_INET6, host, buf + n + 1) == 1) {
		buf[n] = SOCKS_ATYP_IPV6;
		n += 1 + 16;
	} else if (name) {
		size_t l = strlen(host);
		if (l == 0 || l > 255)
			return 0;
		buf[n++] = SOCKS_ATYP_NAME;
		buf[n++] = (unsigned char)l;
		memcpy(buf + n, host, l);
		n += l;
	} else {
		return 0;
	}
	buf[n++] = (unsigned char)(port >> 8);
	buf[n++] = (unsigned char)(port & 0xff);
	return n;
}

int socks_parse_reply(const unsigned char *b, size_t n, size_t *need, int *rep, const char **why)
{
	/* VER REP RSV ATYP, then the address and the port. */
	*need = 5;
	if (n < 5) {
		if (n >= 1 && b[0] != SOCKS_VERSION) {
			*why = "not a SOCKS version 5 reply";
			return -1;
		}
		return 0;
	}
	if (b[0] != SOCKS_VERSION) {
		*why = "not a SOCKS version 5 reply";
		return -1;
	}
	size_t total;
	switch (b[3]) {
	case SOCKS_ATYP_IPV4: total = 4 + 4 + 2; break;
	case SOCKS_ATYP_IPV6: total = 4 + 16 + 2; break;
	case SOCKS_ATYP_NAME: total = 4 + 1 + (size_t)b[4] + 2; break;
	default:
		*why = "unknown address type in the reply";
		return -1;
	}
	*need = total;
	if (n >= total) {
		*need = 0;
		*rep = b[1];
	}
	return 0;
}

const char *socks_reply_meaning(int rep)
{
	static const char *const meanings[] = {
		"succeeded", "general SOCKS server failure", "connection not allowed by ruleset",
		"network unreachable", "host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
	};
	if (rep >= 0 && (size_t)rep < sizeof meanings / sizeof meanings[0])
		return meanings[rep];
	return "unassigned reply code";
}

/* Exactly n octets from the proxy (bytes behind them stay buffered: the
 * server's greeting may arrive with the reply). */
static int read_exact(struct conn *c, unsigned char *buf, size_t n, struct err *e, const char *stage)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = conn_read_some(c, buf + got, n - got, e, stage);
		if (r < 0)
			return -1;
		if (r == 0)
			return err_set(e, ERR_CLOSED, stage, "the SOCKS proxy closed the connection during its handshake");
		got += (size_t)r;
	}
	return 0;
}

static int send_bytes(struct conn *c, const unsigned char *b, size_t n, struct err *e, const char *stage)
{
	if (conn_queue(c, b, n) < 0)
		return err_set(e, ERR_INTERNAL, stage, "out of memory");
	return conn_flush(c, e, stage);
}

static int malformed(struct err *e, const char *stage, const char *why)
{
	return err_set(e, ERR_PROTOCOL, stage, "the SOCKS proxy broke RFC 1928: %s", why);
}

static int authenticate(struct conn *c, const struct conn_socks *p, struct err *e, const char *stage)
{
	unsigned char buf[3 + 255 + 255];
	size_t n = socks_userpass(p->user, p->password ? p->password : "", buf, sizeof buf);
	if (n == 0)
		return err_set(e, ERR_CONFIG, stage,
			       "SOCKS username and password must each be 1 to 255 octets (RFC 1929)");
	int rc = send_bytes(c, buf, n, e, stage);
	/* The password stays in neither buffer. */
	explicit_bzero(buf, sizeof buf);
	explicit_bzero(c->wbuf, c->wcap);
	int status;
	const char *why;
	if (rc < 0 || read_exact(c, buf, 2, e, stage) < 0)
		return -1;
	if (socks_parse_userpass_status(buf, 2, &status, &why) < 0)
		return malformed(e, stage, why);
	if (status != 0)
		return err_set(e, ERR_AUTH, stage, "the SOCKS proxy refused the username and password (status %d)",
			       status);
	return 0;
}

int socks_handshake(struct conn *c, const struct conn_socks *p, const char *host, int port, bool name,
		    struct err *e, const char *stage)
{
	unsigned char buf[4 + 1 + 255 + 2];
	const char *why;
	int method;

	if (send_bytes(c, buf, socks_greeting(p->user != NULL, buf), e, stage) < 0
	    || read_exact(c, buf, 2, e, stage) < 0)
		return -1;
	if (socks_parse_method(buf, 2, &method, &why) < 0)
		return malformed(e, stage, why);
	if (method == SOCKS_USERPASS && p->user) {
		if (authenticate(c, p, e, stage) < 0)
			return -1;
	} else if (method == SOCKS_NO_METHOD) {
		return err_set(e, ERR_UNSUPPORTED, stage,
			       "the SOCKS proxy accepts none of the offered methods (%s)",
			       p->user ? "none, username/password" : "none; it may want --socks-user");
	} else if (method != SOCKS_NO_AUTH) {
		return malformed(e, stage, "it chose a method that was not offered");
	}

	size_t n = socks_request(host, port, name, buf, sizeof buf);
	if (n == 0)
		return err_set(e, ERR_USAGE, stage, "cannot ask the SOCKS proxy for \"%s\"", host);
	if (send_bytes(c, buf, n, e, stage) < 0)
		return -1;
	size_t have = 0, need = 5;
	int rep = -1;
	while (need > 0) {
		if (need > sizeof buf)
			return malformed(e, stage, "reply too long");
		if (read_exact(c, buf + have, need - have, e, stage) < 0)
			return -1;
		have = need;
		if (socks_parse_reply(buf, have, &need, &rep, &why) < 0)
			return malformed(e, stage, why);
	}
	if (rep == 0)
		return 0;
	/* RFC 1928 6: the proxy could not or would not reach the server. */
	enum err_cause cause = rep == 5 ? ERR_REFUSED : rep == 7 || rep == 8 ? ERR_UNSUPPORTED
			       : rep >= 1 && rep <= 6 ? ERR_CONNECT : ERR_PROTOCOL;
	return err_set(e, cause, stage, "the SOCKS proxy could not connect to %s port %d: %s (reply %d)", host,
		       port, socks_reply_meaning(rep), rep);
}
