/* dns.c - DNS on glibc's libresolv: the --resolver spec and the queries.
 * Every query has its own resolver state (res_ninit/res_nclose), so
 * lookups may run in parallel threads.  libresolv reads resolv.conf and
 * builds the query; the exchange is done here, over UDP and over TCP for
 * a truncated answer, under one deadline for the whole lookup: res_nsend
 * gives each try and each server its own timeout, in whole seconds, and
 * reads over TCP without one.  The answers are read by dns_parse.c. */
#define _GNU_SOURCE

#include "dns_int.h"
#include "deadline.h"
#include "text.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_QUERY_MAX 1024
/* DNS flag day 2020: a UDP payload size that avoids IP fragmentation. */
#define DNS_EDNS_PAYLOAD 1232

/* ------------------------------------------------------------------ */
/* Resolver specification                                              */

static bool all_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int parse_port(const char *s, int *port)
{
	long v = 0;
	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int dns_resolver_init(struct dns_resolver *r, const char *spec, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->port = 53;
	r->timeout_ms = DNS_TIMEOUT_MS;
	r->tries = 2;
	if (spec == NULL)
		return 0;

	if (!all_printable(spec))
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver: contains a control character");

	char host[sizeof r->addr];
	const char *port = NULL;
	size_t hlen;
	bool bracketed = spec[0] == '[';
	if (bracketed) {
		const char *close = strchr(spec, ']');
		if (close == NULL)
			return err_set(e, ERR_USAGE, "resolver", "invalid --resolver '%s': missing ']'", spec);
		hlen = (size_t)(close - spec - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return err_set(e, ERR_USAGE, "resolver", "invalid --resolver '%s': text after ']'", spec);
		spec++;
	} else {
		const char *colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return err_set(e, ERR_USAGE, "resolver",
				       "invalid --resolver '%s': write an IPv6 address as [ADDR] or [ADDR]:PORT", spec);
		hlen = colon ? (size_t)(colon - spec) : strlen(spec);
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof host)
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver: bad address");
	memcpy(host, spec, hlen);
	host[hlen] = '\0';

	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(bracketed ? AF_INET6 : AF_INET, host, bin) != 1)
		return err_set(e, ERR_USAGE, "resolver",
			       "invalid --resolver '%s': not a numeric %s address", host,
			       bracketed ? "IPv6" : "IPv4");
	if (port != NULL && parse_port(port, &r->port) < 0)
		return err_set(e, ERR_USAGE, "resolver", "invalid --resolver port '%s': want 1-65535", port);
	memcpy(r->addr, host, hlen + 1);
	r->custom = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names of things                                                     */

const char *dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "ok";
	case DNS_NODATA: return "nodata";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_SERVFAIL: return "servfail";
	case DNS_REFUSED: return "refused";
	case DNS_TIMEOUT: return "timeout";
	case DNS_MALFORMED: return "malformed";
	case DNS_ERROR: return "error";
	}
	return "error";
}

enum err_cause dns_err_cause(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return ERR_NONE;
	case DNS_NXDOMAIN: return ERR_NOHOST;
	default: return ERR_DNS;
	}
}

int dns_reverse_name(const char *addr, char *out, size_t size)
{
	unsigned char b[sizeof(struct in6_addr)];
	int n;

	if (inet_pton(AF_INET, addr, b) == 1) {
		n = snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	if (inet_pton(AF_INET6, addr, b) != 1)
		return -1;
	/* RFC 3596 2.5: nibbles, least significant first. */
	if (size < 16 * 4 + sizeof "ip6.arpa")
		return -1;
	char *p = out;
	for (int i = 15; i >= 0; i--) {
		char x[3];
		text_hex(&b[i], 1, x, sizeof x);
		*p++ = x[1];
		*p++ = '.';
		*p++ = x[0];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", sizeof "ip6.arpa");
	return 0;
}

/* ------------------------------------------------------------------ */
/* glibc's private resolver state                                      */

/* The one function that touches glibc's private res_state->_u._ext.
 * glibc 2.36 has no public way to give res_nsend an IPv6 server on a port
 * of our choosing (nsaddr_list[] holds only sockaddr_in), nor to read back
 * the IPv6 servers of resolv.conf.  glibc keeps IPv6 servers as malloc'd
 * sockaddr_in6 in _u._ext.nsaddrs[] (freed by res_nclose) and marks their
 * nsaddr_list[] slot with sin_family 0; this does the same.  If a glibc
 * release changes that layout, test_dns.c's IPv6 --resolver tests (real
 * queries, UDP and TCP, to a responder on [::1]) fail.
 *
 * With a --resolver, replace the servers from resolv.conf with r's.  Then
 * list st's servers in the form connect() takes, for the TCP retry.
 * Returns how many, or -1 when r's address cannot be used. */
static int use_servers(res_state st, const struct dns_resolver *r, struct sockaddr_storage *out)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (r->custom) {
	for (int i = 0; i < MAXNS; i++) {
		free(st->_u._ext.nsaddrs[i]);
		st->_u._ext.nsaddrs[i] = NULL;
	}
	st->_u._ext.nscount = 0;
	memset(st->nsaddr_list, 0, sizeof st->nsaddr_list);
	if (inet_pton(AF_INET, r->addr, &a4) == 1) {
		st->nsaddr_list[0].sin_family = AF_INET;
		st->nsaddr_list[0].sin_port = htons((uint16_t)r->port);
		st->nsaddr_list[0].sin_addr = a4;
	} else if (inet_pton(AF_INET6, r->addr, &a6) == 1) {
		struct sockaddr_in6 *s6 = calloc(1, sizeof *s6);
		if (s6 == NULL)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)r->port);
		s6->sin6_addr = a6;
		st->nsaddr_list[0].sin_family = 0;
		st->_u._ext.nsaddrs[0] = s6;
	} else {
		return -1;
	}
	st->nscount = 1;
	}

	int n = 0;
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		memset(&out[n], 0, sizeof out[n]);
		if (st->nsaddr_list[i].sin_family == AF_INET)
			memcpy(&out[n++], &st->nsaddr_list[i], sizeof st->nsaddr_list[i]);
		else if (st->_u._ext.nsaddrs[i] != NULL)
			memcpy(&out[n++], st->_u._ext.nsaddrs[i], sizeof *st->_u._ext.nsaddrs[i]);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

/* What the exchanges return instead of an answer's length. */
enum { EX_ERROR = -1, EX_TIMEOUT = -2, EX_REFUSED = -3 };

/* The one question of message m: its name (expanded), type and class. */
static bool question(const unsigned char *m, int mlen, char *name, size_t size, unsigned char tc[4])
{
	if (mlen < NS_HFIXEDSZ || m[4] != 0 || m[5] != 1)
		return false;
	int n = dn_expand(m, m + mlen, m + NS_HFIXEDSZ, name, (int)size);
	if (n < 0 || NS_HFIXEDSZ + n + 4 > mlen)
		return false;
	memcpy(tc, m + NS_HFIXEDSZ + n, 4);
	return true;
}

/* Message m asks q's question: name (ASCII case-insensitively, RFC 4343),
 * type and class.  res_queriesmatch does this, but is deprecated. */
static bool same_question(const unsigned char *q, int qlen, const unsigned char *m, int mlen)
{
	char qname[NS_MAXDNAME], mname[NS_MAXDNAME];
	unsigned char qtc[4], mtc[4];
	return question(q, qlen, qname, sizeof qname, qtc) && question(m, mlen, mname, sizeof mname, mtc)
	       && memcmp(qtc, mtc, 4) == 0 && text_casecmp(qname, mname) == 0;
}

/* m answers query q: the same ID, QR set, and the same question (RFC 5452
 * 9.1, as res_nsend checks).  Servers often drop the question from an
 * error answer: without one, only an rcode that ends in a temporary
 * failure or a retry (FORMERR, SERVFAIL, NOTIMP, REFUSED) is taken, never
 * records, NOERROR or NXDOMAIN.  Anything else is not an answer: ignored,
 * never used. */
static bool answers(const unsigned char *q, int qlen, const unsigned char *m, int mlen)
{
	if (mlen < NS_HFIXEDSZ || m[0] != q[0] || m[1] != q[1] || !(m[2] & 0x80))
		return false;
	if (m[4] == 0 && m[5] == 0 && m[6] == 0 && m[7] == 0) {
		int rcode = m[3] & 0x0f;
		return rcode == ns_r_formerr || rcode == ns_r_servfail || rcode == ns_r_notimpl
		       || rcode == ns_r_refused;
	}
	return same_question(q, qlen, m, mlen);
}

static socklen_t sockaddr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* Wait for an answer on the open UDP sockets until `until`.  A socket
 * whose server refused (ICMP port unreachable) is closed (-2).  Returns
 * the answer's length with *from set, 0 when the time passed, EX_ERROR. */
static int udp_wait(int *fds, int nservers, const unsigned char *q, int qlen, unsigned char *ans,
		    int64_t until, int *from)
{
	for (;;) {
		struct pollfd p[MAXNS];
		int who[MAXNS], np = 0;
		for (int i = 0; i < nservers; i++) {
			if (fds[i] >= 0) {
				p[np] = (struct pollfd){.fd = fds[i], .events = POLLIN};
				who[np++] = i;
			}
		}
		int64_t left = until - deadline_now_ms();
		if (np == 0 || left <= 0)
			return 0;
		/* Timeouts are at most a day (options.c), so left fits an int. */
		int n = poll(p, (nfds_t)np, (int)left);
		if (n < 0 && errno != EINTR)
			return EX_ERROR;
		for (int k = 0; n > 0 && k < np; k++) {
			if (!p[k].revents)
				continue;
			ssize_t m = recv(p[k].fd, ans, DNS_ANSWER_MAX, MSG_DONTWAIT);
			if (m < 0 && errno == ECONNREFUSED) {
				close(fds[who[k]]);
				fds[who[k]] = -2;
			} else if (m > 0 && answers(q, qlen, ans, (int)m)) {
				*from = who[k];
				return (int)m;
			}
		}
	}
}

/* A UDP socket connect()ed to the server, or -2 when none can be had. */
static int udp_open(const struct sockaddr_storage *ss)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -2;
	if (connect(fd, (const struct sockaddr *)ss, sockaddr_len(ss)) < 0) {
		close(fd);
		return -2;
	}
	return fd;
}

/* The query over UDP to each server in turn, `tries` rounds, all under one
 * deadline: each attempt waits its share of the time left (the last one
 * until the deadline) while an answer to an earlier attempt still counts.
 * Each server's socket is connect()ed, so the kernel drops datagrams from
 * any other address or port; answers() drops those with a wrong ID or
 * question.  Returns the answer's length with *from set to the server's
 * index, or EX_TIMEOUT, EX_REFUSED (every server refused), EX_ERROR. */
static int udp_exchange(const struct sockaddr_storage *servers, int nservers, int tries,
			const unsigned char *q, int qlen, unsigned char *ans, int64_t deadline, int *from)
{
	/* Per server: its socket, -1 before the first attempt, -2 unusable. */
	int fds[MAXNS], attempts = tries * nservers, rc = 0;

	for (int i = 0; i < nservers; i++)
		fds[i] = -1;
	for (int k = 0; k < attempts && rc == 0; k++) {
		int i = k % nservers;
		if (fds[i] == -1)
			fds[i] = udp_open(&servers[i]);
		if (fds[i] >= 0 && send(fds[i], q, (size_t)qlen, MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED) {
			close(fds[i]);
			fds[i] = -2;
		}
		int64_t now = deadline_now_ms();
		rc = udp_wait(fds, nservers, q, qlen, ans, now + (deadline - now) / (attempts - k), from);
	}
	if (rc == 0)            /* the attempts to refusing servers did not wait */
		rc = udp_wait(fds, nservers, q, qlen, ans, deadline, from);
	bool any_open = false;
	for (int i = 0; i < nservers; i++) {
		if (fds[i] >= 0) {
			any_open = true;
			close(fds[i]);
		}
	}
	if (rc == 0)
		return any_open ? EX_TIMEOUT : EX_REFUSED;
	return rc;
}

/* Wait for and read exactly n bytes; 0, or EX_TIMEOUT / EX_ERROR. */
static int tcp_read(int fd, unsigned char *buf, size_t n, int64_t deadline)
{
	size_t got = 0;
	while (got < n) {
		/* A server that streams without pause must not outlive the
		 * deadline either: it is checked before every read. */
		if (deadline_now_ms() >= deadline)
			return EX_TIMEOUT;
		ssize_t m = recv(fd, buf + got, n - got, 0);
		if (m < 0 && (errno == EAGAIN || errno == EINTR)) {
			int w = deadline_poll(fd, POLLIN, deadline);
			if (w <= 0)
				return w == 0 ? EX_TIMEOUT : EX_ERROR;
			continue;
		}
		if (m <= 0)
			return EX_ERROR;
		got += (size_t)m;
	}
	return 0;
}

/* One query over TCP (RFC 7766) until the deadline; messages that do not
 * answer it are read past and ignored.  glibc's own TCP retry reads
 * without a deadline, so truncated answers come here.  Returns the
 * answer's length, or EX_TIMEOUT, EX_ERROR. */
static int tcp_exchange(const struct sockaddr_storage *ss, const unsigned char *q, int qlen,
			unsigned char *ans, int64_t deadline)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc = EX_ERROR, w;

	if (fd < 0)
		return EX_ERROR;
	if (connect(fd, (const struct sockaddr *)ss, sockaddr_len(ss)) < 0) {
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (errno != EINPROGRESS)
			goto out;
		if ((w = deadline_poll(fd, POLLOUT, deadline)) <= 0) {
			rc = w == 0 ? EX_TIMEOUT : EX_ERROR;
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0)
			goto out;
	}

	unsigned char out[2 + DNS_QUERY_MAX];
	size_t outlen = 2 + (size_t)qlen, done = 0;
	out[0] = (unsigned char)(qlen >> 8);
	out[1] = (unsigned char)qlen;
	memcpy(out + 2, q, (size_t)qlen);
	while (done < outlen) {
		ssize_t n = send(fd, out + done, outlen - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((w = deadline_poll(fd, POLLOUT, deadline)) <= 0) {
				rc = w == 0 ? EX_TIMEOUT : EX_ERROR;
				goto out;
			}
			continue;
		}
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}

	for (;;) {
		unsigned char lenbuf[2];
		if ((rc = tcp_read(fd, lenbuf, 2, deadline)) < 0)
			goto out;
		size_t want = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if ((rc = tcp_read(fd, ans, want, deadline)) < 0)
			goto out;
		if (answers(q, qlen, ans, (int)want)) {
			rc = (int)want;
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* RFC 6891 6.1.2: an OPT pseudo-record in the additional section. */
static int add_edns0(unsigned char *q, int qlen, size_t size)
{
	static const unsigned char opt[11] = {
		0,                                      /* root owner */
		0, ns_t_opt,
		DNS_EDNS_PAYLOAD >> 8, DNS_EDNS_PAYLOAD & 0xff,
		0, 0, 0, 0,                             /* ext rcode, version, flags */
		0, 0,                                   /* rdlength */
	};
	if ((size_t)qlen + sizeof opt > size)
		return qlen;
	memcpy(q + qlen, opt, sizeof opt);
	unsigned ar = (unsigned)q[10] << 8 | q[11];
	ar++;
	q[10] = (unsigned char)(ar >> 8);
	q[11] = (unsigned char)ar;
	return qlen + (int)sizeof opt;
}

/* Send the query over UDP, then over TCP when the answer is truncated,
 * all before the deadline.  Returns the answer's length, or -1 with out
 * filled. */
static int exchange(const unsigned char *query, int qlen, unsigned char *ans,
		    const struct sockaddr_storage *servers, int nservers, int tries, int64_t deadline,
		    struct dns_answer *out)
{
	char ebuf[128];
	int from = 0;

	errno = 0;
	int n = udp_exchange(servers, nservers, tries, query, qlen, ans, deadline, &from);
	if (n == EX_TIMEOUT)
		return dns_answer_fail(out, DNS_TIMEOUT, "no server answered");
	if (n == EX_REFUSED)
		return dns_answer_fail(out, DNS_TIMEOUT, "no server answered (connection refused)");
	if (n < 0)
		return dns_answer_fail(out, DNS_ERROR, strerror_r(errno, ebuf, sizeof ebuf));
	if (!(ans[2] & 0x02))
		return n;

	/* RFC 7766 5: TC set, ask again over TCP, the server that answered first. */
	int tn = EX_ERROR;
	for (int k = 0; k < nservers && tn == EX_ERROR; k++)
		tn = tcp_exchange(&servers[(from + k) % nservers], query, qlen, ans, deadline);
	if (tn == EX_TIMEOUT)
		return dns_answer_fail(out, DNS_TIMEOUT, "no answer over TCP after a truncated answer");
	if (tn < 0)
		return dns_answer_fail(out, DNS_ERROR, "TCP query after a truncated answer failed");
	if (ans[2] & 0x02)
		return dns_answer_fail(out, DNS_MALFORMED, "answer truncated even over TCP");
	out->truncated_tcp = true;
	return tn;
}

int dns_query(const struct dns_resolver *r, const char *name, int type, struct dns_answer *out)
{
	struct __res_state st;
	unsigned char query[DNS_QUERY_MAX];
	unsigned char *ans = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) < 0)
		return dns_answer_fail(out, DNS_ERROR, "cannot initialise the resolver");

	int tries = r->tries < 1 ? 1 : r->tries > 5 ? 5 : r->tries;
	/* One deadline for the whole lookup: every try, every server, the TCP
	 * retry and the retry without EDNS. */
	int64_t deadline = deadline_now_ms() + (r->timeout_ms < 1 ? DNS_TIMEOUT_MS : r->timeout_ms);
	struct sockaddr_storage servers[MAXNS];
	int nservers = use_servers(&st, r, servers);
	if (nservers < 0) {
		dns_answer_fail(out, DNS_ERROR, "cannot use the --resolver address");
		goto done;
	}
	if (nservers == 0) {
		dns_answer_fail(out, DNS_ERROR, "no DNS server to ask");
		goto done;
	}

	int plain = res_nmkquery(&st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL,
				 query, sizeof query - 11);
	if (plain < NS_HFIXEDSZ) {
		dns_answer_fail(out, DNS_ERROR, "cannot build a query for this name");
		goto done;
	}
	/* RFC 6840 5.7: AD in the query asks for the AD bit in the answer. */
	query[3] |= 0x20;
	int qlen = add_edns0(query, plain, sizeof query);

	ans = malloc(DNS_ANSWER_MAX);
	if (ans == NULL) {
		dns_answer_fail(out, DNS_ERROR, "out of memory");
		goto done;
	}
	int n = exchange(query, qlen, ans, servers, nservers, tries, deadline, out);
	if (n < 0)
		goto done;
	rc = dns_parse_answer(ans, (size_t)n, name, type, out);
	if (out->status == DNS_ERROR && out->rcode == ns_r_formerr && qlen != plain) {
		/* RFC 6891 7: a server that does not know EDNS; ask without OPT. */
		query[11]--;
		memset(out, 0, sizeof *out);
		n = exchange(query, plain, ans, servers, nservers, tries, deadline, out);
		if (n < 0) {
			rc = -1;
			goto done;
		}
		rc = dns_parse_answer(ans, (size_t)n, name, type, out);
	}
done:
	free(ans);
	res_nclose(&st);
	return rc;
}
