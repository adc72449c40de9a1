/* conn.c - sockets under deadlines; the buffered reader and writer used
 * before and after TLS. */
#define _GNU_SOURCE
#include "conn.h"
#include "dns.h"
#include "parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_ms_precise(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void conn_init(struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->tls_first_byte = -1;
	c->child.err_fd = -1;
}

double conn_elapsed(const struct conn *c)
{
	return now_ms_precise() - (double)c->t0;
}

void conn_step(struct conn *c, int timeout_ms)
{
	c->step_ms = timeout_ms;
	c->deadline = deadline_now_ms() + timeout_ms;
}

static void note(struct conn *c, const char *fmt, const char *a, const char *b)
{
	if (c->note)
		c->note(c->note_ctx, fmt, a, b);
}

static int bind_source(int fd, int family, const char *source)
{
	struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
	struct addrinfo *res;
	if (getaddrinfo(source, NULL, &hints, &res) != 0)
		return -1;
	int rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}

/* Non-blocking connect bounded by timeout_ms; 0 or an errno value. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	int w = deadline_poll(fd, POLLOUT, deadline_now_ms() + timeout_ms);
	if (w == 0)
		return ETIMEDOUT;
	if (w < 0)
		return errno;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return errno;
	return soerr;
}

#define CONN_MAX_ADDRS 16

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
};

bool conn_is_address(const char *host)
{
	unsigned char b[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

static void add_target(struct target *t, size_t *n, const char *addr, int port)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&t[*n].ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&t[*n].ss;
	if (*n >= CONN_MAX_ADDRS)
		return;
	memset(&t[*n], 0, sizeof t[*n]);
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		t[(*n)++].len = sizeof *v4;
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		t[(*n)++].len = sizeof *v6;
	}
}

/* getaddrinfo under a deadline (SPEC 10.7): the lookup runs in a thread of
 * ours, waited for up to the connect timeout.  The request is shared: after
 * a timeout the thread still runs, and whichever of the two lets go last
 * frees it.  (Not glibc's getaddrinfo_a: its helper thread is one that
 * ThreadSanitizer builds cannot follow.) */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	bool done, abandoned;
	int rc;
	struct addrinfo hints, *res;
	char port[16];
	char host[256];
};

static void lookup_free(struct lookup *l)
{
	if (l->res)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->done_cv);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void *lookup_thread(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(l->host, l->port, &l->hints, &res);
	pthread_mutex_lock(&l->lock);
	l->rc = rc;
	l->res = res;
	l->done = true;
	bool abandoned = l->abandoned;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	if (abandoned)
		lookup_free(l);
	return NULL;
}

static int system_lookup(const char *host, int port, const struct conn_opts *o, struct addrinfo **res,
			 bool *timed_out)
{
	struct addrinfo hints = {.ai_family = o->family, .ai_socktype = SOCK_STREAM};
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	*timed_out = false;
	*res = NULL;
	/* An address literal needs no lookup, so no thread: the plain call
	 * answers at once. */
	if (conn_is_address(host)) {
		hints.ai_flags = AI_NUMERICHOST;
		return getaddrinfo(host, portstr, &hints, res);
	}
	struct lookup *l = calloc(1, sizeof *l);
	if (!l)
		return EAI_MEMORY;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	l->hints = hints;
	snprintf(l->port, sizeof l->port, "%s", portstr);
	snprintf(l->host, sizeof l->host, "%s", host);

	pthread_t t;
	pthread_attr_t ta;
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	int started = pthread_create(&t, &ta, lookup_thread, l);
	pthread_attr_destroy(&ta);
	if (started != 0) {
		/* No thread to be had: the plain, blocking call. */
		lookup_free(l);
		return getaddrinfo(host, portstr, &hints, res);
	}
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += o->connect_timeout_ms / 1000;
	end.tv_nsec += (long)(o->connect_timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->lock);
	while (!l->done && pthread_cond_timedwait(&l->done_cv, &l->lock, &end) != ETIMEDOUT)
		;
	if (!l->done) {
		l->abandoned = true;    /* the thread frees it when it is done */
		pthread_mutex_unlock(&l->lock);
		*timed_out = true;
		return EAI_AGAIN;
	}
	pthread_mutex_unlock(&l->lock);
	int g = l->rc;
	*res = l->res;
	l->res = NULL;
	lookup_free(l);
	return g;
}

/* AAAA and A of one name, asked at once: the two lookups share the
 * time, so a silent resolver costs one deadline, not two. */
struct host_lookup {
	const struct conn_opts *o;
	const char *host;
	struct dns_answer answers[2];
};

static const int host_types[] = {DNS_T_AAAA, DNS_T_A};

static void host_lookup_one(void *ctx, size_t k)
{
	struct host_lookup *l = ctx;
	if ((host_types[k] == DNS_T_AAAA && l->o->family == AF_INET)
	    || (host_types[k] == DNS_T_A && l->o->family == AF_INET6)) {
		l->answers[k].status = DNS_NODATA;
		return;
	}
	dns_query(l->o->resolver, l->host, host_types[k], &l->answers[k]);
}

/* With --resolver, names go through our DNS (with its deadline); without
 * it, through the system's (getaddrinfo: /etc/hosts, nsswitch). */
static int resolve(const char *host, int port, const struct conn_opts *o, struct target *t,
		   size_t *n, struct err *e, const char *stage)
{
	*n = 0;
	if (o->resolver && !conn_is_address(host)) {
		enum dns_status worst = DNS_NXDOMAIN;
		struct host_lookup l = {.o = o, .host = host};
		parallel_run(2, 2, host_lookup_one, &l);
		for (size_t k = 0; k < 2; k++) {
			struct dns_answer *a = &l.answers[k];
			for (size_t i = 0; a->status == DNS_OK && i < a->n; i++)
				add_target(t, n, a->addrs[i], port);
			if (a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA)
				worst = a->status;
			dns_answer_free(a);
		}
		if (*n == 0 && worst == DNS_NXDOMAIN)
			return err_set(e, dns_err_cause(worst), stage, "cannot resolve %s: no address", host);
		if (*n == 0)
			return err_set(e, dns_err_cause(worst), stage, "cannot resolve %s: %s", host,
				       dns_status_name(worst));
		return 0;
	}
	struct addrinfo *res = NULL;
	bool timed_out;
	int g = system_lookup(host, port, o, &res, &timed_out);
	if (timed_out)
		return err_set(e, ERR_DNS, stage, "cannot resolve %s: no answer within %d s", host,
			       (o->connect_timeout_ms + 999) / 1000);
	if (g == EAI_NONAME || g == EAI_NODATA || g == EAI_ADDRFAMILY)
		return err_set(e, ERR_NOHOST, stage, "cannot resolve %s: %s", host, gai_strerror(g));
	if (g != 0)
		return err_set(e, ERR_DNS, stage, "cannot resolve %s: %s", host, gai_strerror(g));
	for (struct addrinfo *ai = res; ai && *n < CONN_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof t[*n].ss)
			continue;
		memcpy(&t[*n].ss, ai->ai_addr, ai->ai_addrlen);
		t[(*n)++].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

/* Each address of host in turn until one connects. */
static int connect_tcp(struct conn *c, const char *host, int port,
		       const struct conn_opts *o, struct err *e, const char *stage)
{
	struct target t[CONN_MAX_ADDRS];
	size_t n;
	if (resolve(host, port, o, t, &n, e, stage) < 0)
		return -1;

	int last_err = 0;
	for (size_t i = 0; i < n; i++) {
		char addr[64] = "?", portstr[16];
		snprintf(portstr, sizeof portstr, "%d", port);
		getnameinfo((struct sockaddr *)&t[i].ss, t[i].len, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
		note(c, "Trying %s port %s", addr, portstr);
		int family = t[i].ss.ss_family;
		int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last_err = errno;
			continue;
		}
		if (o->source && bind_source(fd, family, o->source) < 0) {
			last_err = errno ? errno : EADDRNOTAVAIL;
			note(c, "%s: cannot bind source address %s", addr, o->source);
			close(fd);
			continue;
		}
		double start = now_ms_precise();
		int rc = connect_one(fd, (struct sockaddr *)&t[i].ss, t[i].len, o->connect_timeout_ms);
		if (rc != 0) {
			last_err = rc;
			note(c, "%s: %s", addr, strerror(rc));
			close(fd);
			continue;
		}
		int one = 1;
		/* Each pipelined group is one write; Nagle would only delay it. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->connect_ms = now_ms_precise() - start;
		snprintf(c->peer_addr, sizeof c->peer_addr, "%s", addr);
		c->peer_port = port;
		snprintf(c->via, sizeof c->via, "%s port %d over TCP", addr, port);
		return 0;
	}
	if (o->source && last_err == EADDRNOTAVAIL)
		return err_set(e, ERR_CONFIG, stage, "cannot bind source address %s", o->source);
	if (!last_err)
		last_err = EHOSTUNREACH;
	enum err_cause cause = last_err == ECONNREFUSED ? ERR_REFUSED
			       : last_err == ETIMEDOUT ? ERR_TIMEOUT : ERR_CONNECT;
	return err_set(e, cause, stage, "cannot connect to %s port %d: %s", host, port,
		       strerror(last_err));
}


static int connect_unix(struct conn *c, const char *path, const struct conn_opts *o, struct err *e,
			const char *stage)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path)
		return err_set(e, ERR_USAGE, stage, "socket path longer than %zu octets: %s", sizeof sun.sun_path - 1,
			       path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	note(c, "Trying UNIX socket %s%s", path, "");
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, ERR_LOCAL_IO, stage, "socket: %s", strerror(errno));
	double start = now_ms_precise();
	int rc = connect_one(fd, (struct sockaddr *)&sun, sizeof sun, o->connect_timeout_ms);
	if (rc != 0) {
		close(fd);
		/* No such socket, or not ours to use: a local file that cannot
		 * be opened (66); nobody listening: refused (75). */
		enum err_cause cause = rc == ENOENT || rc == EACCES || rc == ENOTDIR ? ERR_NOINPUT
				       : rc == ECONNREFUSED ? ERR_REFUSED : rc == ETIMEDOUT ? ERR_TIMEOUT : ERR_CONNECT;
		return err_set(e, cause, stage, "cannot connect to UNIX socket %s: %s", path, strerror(rc));
	}
	c->fd = fd;
	c->connect_ms = now_ms_precise() - start;
	snprintf(c->via, sizeof c->via, "UNIX socket %s", path);
	return 0;
}

static int connect_pipe(struct conn *c, const char *const *argv, struct err *e, const char *stage)
{
	double start = now_ms_precise();
	if (pipe_spawn(&c->child, argv, &c->fd, e, stage) < 0)
		return -1;
	c->connect_ms = now_ms_precise() - start;
	snprintf(c->via, sizeof c->via, "program %s (pid %ld) over its stdin and stdout", c->child.name,
		 (long)c->child.pid);
	return 0;
}

/* RFC 1928: connect to the proxy, then ask it for host:port; the server's
 * name goes to the proxy (--socks-remote-dns) or its first address does. */
static int connect_socks(struct conn *c, const char *host, int port, const struct conn_opts *o,
			 struct err *e, const char *stage, struct proxy_endpoint *dst)
{
	const struct conn_socks *p = &o->socks;
	const char *target = host;
	struct target t[CONN_MAX_ADDRS];
	size_t n = 0;
	char addr[64] = "";
	bool name = p->remote_dns && !conn_is_address(host);
	if (!name) {
		if (resolve(host, port, o, t, &n, e, stage) < 0)
			return -1;
		getnameinfo((struct sockaddr *)&t[0].ss, t[0].len, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
		proxy_endpoint_from_sockaddr((struct sockaddr *)&t[0].ss, t[0].len, dst);
		target = addr;
	}
	/* The proxy's own name is the system's to resolve, never the proxy's. */
	struct conn_opts direct = *o;
	direct.socks.host = NULL;
	if (connect_tcp(c, p->host, p->port, &direct, e, stage) < 0) {
		err_append(e, " (the SOCKS proxy)");
		return -1;
	}
	char proxy_addr[64];
	snprintf(proxy_addr, sizeof proxy_addr, "%s", c->peer_addr);
	note(c, "SOCKS5 proxy %s: asking for %s", proxy_addr, target);
	/* RFC 1928 handshake under the connect deadline, as one step. */
	conn_step(c, o->connect_timeout_ms);
	if (socks_handshake(c, p, target, port, name, e, stage) < 0)
		return -1;
	snprintf(c->peer_addr, sizeof c->peer_addr, "%s", target);
	c->peer_port = port;
	snprintf(c->via, sizeof c->via, "%s port %d through the SOCKS5 proxy %s port %d%s", target, port,
		 proxy_addr, p->port, name ? " (name resolved by the proxy)" : "");
	return 0;
}

int conn_connect(struct conn *c, const char *host, int port,
		 const struct conn_opts *o, struct err *e, const char *stage)
{
	struct proxy_endpoint dst = {0};
	int rc;
	c->t0 = deadline_now_ms();
	if (o->transport == CONN_UNIX)
		rc = connect_unix(c, o->socket_path, o, e, stage);
	else if (o->transport == CONN_PIPE)
		rc = connect_pipe(c, o->pipe_argv, e, stage);
	else if (o->socks.host)
		rc = connect_socks(c, host, port, o, e, stage, &dst);
	else
		rc = connect_tcp(c, host, port, o, e, stage);
	if (rc < 0 || !o->proxy.version)
		return rc;
	return proxy_send(c, &o->proxy, dst.set ? &dst : NULL, c->proxy_sent, sizeof c->proxy_sent, e, stage);
}

void conn_finish(struct conn *c, int grace_ms)
{
	if (c->child.pid <= 0)
		return;
	/* EOF on its stdin: a program speaking SMTP ends after QUIT anyway. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_WR);
	pipe_reap(c, grace_ms);
}

void conn_close(struct conn *c)
{
	if (c->tls) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->tls_cred) {
		gnutls_certificate_free_credentials(c->tls_cred);
		c->tls_cred = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->child.pid > 0) {
		/* Not finished (a failure): no notes, the report is out. */
		c->note = NULL;
		pipe_reap(c, 300);
	}
	if (c->child.err_fd >= 0)
		close(c->child.err_fd);
	c->child.err_fd = -1;
	free(c->wbuf);
	c->wbuf = NULL;
	c->wlen = c->wcap = 0;
}

static int timed_out(struct conn *c, struct err *e, const char *stage)
{
	return err_set(e, ERR_TIMEOUT, stage, "timed out after %d s", (c->step_ms + 999) / 1000);
}

/* A program's stderr is shown while its output is waited for: what it
 * says before it stops answering is often why. */
static int wait_with_stderr(struct conn *c, bool for_write)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = c->fd, .events = for_write ? POLLOUT : POLLIN},
				      {.fd = c->child.err_fd, .events = POLLIN}};
		int w = deadline_poll_fds(p, 2, c->deadline, for_write ? NULL : c->interrupt);
		if (w <= 0 || p[0].revents)
			return w;
		pipe_drain_stderr(c, false);
		if (c->child.err_fd < 0)
			return deadline_poll_until(c->fd, for_write ? POLLOUT : POLLIN, c->deadline,
						   for_write ? NULL : c->interrupt);
	}
}

int conn_wait(struct conn *c, bool for_write, struct err *e, const char *stage)
{
	int w = c->child.err_fd >= 0 ? wait_with_stderr(c, for_write)
		: deadline_poll_until(c->fd, for_write ? POLLOUT : POLLIN, c->deadline,
				      for_write ? NULL : c->interrupt);
	if (w < 0 && errno == EINTR)
		return err_set(e, ERR_INTERRUPTED, stage, "stopped waiting (Ctrl-C)");
	if (w < 0)
		return err_set(e, ERR_LOCAL_IO, stage, "poll: %s", strerror(errno));
	if (w == 0)
		return timed_out(c, e, stage);
	return 0;
}

int conn_queue(struct conn *c, const void *data, size_t len)
{
	if (c->wlen + len > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 1024;
		while (cap < c->wlen + len)
			cap *= 2;
		char *p = realloc(c->wbuf, cap);
		if (!p)
			return -1;
		c->wbuf = p;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, data, len);
	c->wlen += len;
	return 0;
}

static int program_ended(struct conn *c, struct err *e, const char *stage);

static int write_error(struct conn *c, struct err *e, const char *stage, int errnum)
{
	if (c->child.pid > 0 && (errnum == EPIPE || errnum == ECONNRESET))
		return program_ended(c, e, stage);
	if (errnum == EPIPE || errnum == ECONNRESET)
		return err_set(e, ERR_CLOSED, stage, "connection closed by server while sending");
	return err_set(e, ERR_CLOSED, stage, "write failed: %s", strerror(errnum));
}

static int flush_tls(struct conn *c, struct err *e, const char *stage)
{
	size_t off = 0;
	while (off < c->wlen) {
		ssize_t n = gnutls_record_send(c->tls, c->wbuf + off, c->wlen - off);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (conn_wait(c, gnutls_record_get_direction(c->tls) == 1, e, stage) < 0)
				return -1;
			/* GnuTLS resumes the pending record when called again with
			 * the same arguments. */
			continue;
		}
		if (n < 0)
			return err_set(e, ERR_CLOSED, stage, "TLS write failed: %s", gnutls_strerror((int)n));
		off += (size_t)n;
	}
	return 0;
}

static int flush_plain(struct conn *c, struct err *e, const char *stage)
{
	size_t off = 0;
	while (off < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + off, c->wlen - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (conn_wait(c, true, e, stage) < 0)
				return -1;
			continue;
		}
		if (n < 0)
			return write_error(c, e, stage, errno);
		off += (size_t)n;
	}
	return 0;
}

int conn_flush(struct conn *c, struct err *e, const char *stage)
{
	if (c->wlen == 0)
		return 0;
	int rc = c->tls ? flush_tls(c, e, stage) : flush_plain(c, e, stage);
	c->wlen = 0;
	return rc;
}

/* Read more bytes into rbuf; 0 on data, 1 on EOF, -1 on error. */
static int fill(struct conn *c, struct err *e, const char *stage)
{
	if (c->rstart > 0) {
		memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
		c->rend -= c->rstart;
		c->rstart = 0;
	}
	size_t room = sizeof c->rbuf - c->rend;
	if (c->eof)             /* met by conn_arrived() */
		return 1;
	for (;;) {
		if (c->deadline - deadline_now_ms() <= 0)
			return timed_out(c, e, stage);
		if (c->tls) {
			ssize_t n = gnutls_record_recv(c->tls, c->rbuf + c->rend, room);
			if (n > 0) {
				c->rend += (size_t)n;
				return 0;
			}
			if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
				return 1;
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
				if (conn_wait(c, gnutls_record_get_direction(c->tls) == 1, e, stage) < 0)
					return -1;
				continue;
			}
			if (n == GNUTLS_E_REHANDSHAKE)
				continue;
			if (n == GNUTLS_E_PULL_ERROR)
				return err_set(e, ERR_CLOSED, stage, "connection reset by server");
			return err_set(e, ERR_CLOSED, stage, "TLS read failed: %s", gnutls_strerror((int)n));
		}
		ssize_t n = recv(c->fd, c->rbuf + c->rend, room, 0);
		if (n > 0) {
			c->rend += (size_t)n;
			return 0;
		}
		if (n == 0)
			return 1;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			if (conn_wait(c, false, e, stage) < 0)
				return -1;
			continue;
		}
		if (errno == ECONNRESET && c->child.pid > 0)
			return program_ended(c, e, stage);      /* it exited with our bytes unread */
		if (errno == ECONNRESET)
			return err_set(e, ERR_CLOSED, stage, "connection reset by server");
		return err_set(e, ERR_CLOSED, stage, "read failed: %s", strerror(errno));
	}
}

/* A program (--pipe) that ends its output without an answer does not
 * speak SMTP as asked: a protocol failure (76), with its last words. */
static int program_ended(struct conn *c, struct err *e, const char *stage)
{
	conn_step(c, 1000);
	pipe_drain_stderr(c, true);
	return err_set(e, ERR_PROTOCOL, stage, "the program %s ended without %s", c->child.name,
		       c->rend > c->rstart ? "ending its line" : "a reply");
}

int conn_read_line(struct conn *c, const char **line, size_t *len, bool *bare_lf,
		   size_t max, struct err *e, const char *stage)
{
	size_t scanned = 0;
	for (;;) {
		unsigned char *start = c->rbuf + c->rstart;
		size_t avail = c->rend - c->rstart;
		unsigned char *lf = memchr(start + scanned, '\n', avail - scanned);
		if (lf) {
			size_t n = (size_t)(lf - start);
			*bare_lf = !(n > 0 && start[n - 1] == '\r');
			if (!*bare_lf)
				n--;
			if (n > max)
				return err_set(e, ERR_PROTOCOL, stage, "reply line longer than %zu octets", max);
			*line = (const char *)start;
			*len = n;
			c->rstart += (size_t)(lf - start) + 1;
			return 0;
		}
		scanned = avail;
		if (avail > max + 1)
			return err_set(e, ERR_PROTOCOL, stage, "reply line longer than %zu octets", max);
		int rc = fill(c, e, stage);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			c->eof = true;
			if (c->child.pid > 0)
				return program_ended(c, e, stage);
			if (c->rend > c->rstart)
				return err_set(e, ERR_CLOSED, stage, "connection closed by server in the middle of a line");
			return err_set(e, ERR_CLOSED, stage, "connection closed by server");
		}
	}
}

ssize_t conn_read_some(struct conn *c, void *buf, size_t size, struct err *e, const char *stage)
{
	if (c->rend == c->rstart) {
		int rc = fill(c, e, stage);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return 0;
	}
	size_t n = c->rend - c->rstart;
	if (n > size)
		n = size;
	memcpy(buf, c->rbuf + c->rstart, n);
	c->rstart += n;
	return (ssize_t)n;
}

size_t conn_pending(const struct conn *c)
{
	return c->rend - c->rstart;
}

size_t conn_arrived(struct conn *c)
{
	if (c->rend > c->rstart || c->fd < 0 || c->eof)
		return c->rend - c->rstart;
	c->rstart = c->rend = 0;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	if (!(c->tls && gnutls_record_check_pending(c->tls) > 0) && poll(&p, 1, 0) <= 0)
		return 0;
	ssize_t n;
	if (c->tls) {
		/* The socket is non-blocking: a TLS 1.3 session ticket, or half a
		 * record, is taken in and gives GNUTLS_E_AGAIN, not data. */
		n = gnutls_record_recv(c->tls, c->rbuf, sizeof c->rbuf);
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			c->eof = true;
	} else {
		n = recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT);
		if (n == 0)
			c->eof = true;
	}
	/* An error is left for the next read to meet and report. */
	if (n > 0)
		c->rend = (size_t)n;
	return c->rend - c->rstart;
}
