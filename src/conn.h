/* conn.h - one connection: socket, per-step deadlines, one buffered line
 * reader and a batching writer, plain or TLS. */
#ifndef SMTPKIT_CONN_H
#define SMTPKIT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>

#include "deadline.h"
#include "err.h"
#include "transport/pipe.h"
#include "transport/proxy.h"
#include "transport/socks.h"

struct dns_resolver;

#define CONN_RBUF 8192          /* > REPLY_LINE_MAX + CRLF */

/* How the bytes reach the server. */
enum conn_transport {
	CONN_TCP,                   /* HOST:PORT, possibly through a SOCKS5 proxy */
	CONN_UNIX,                  /* a UNIX socket (--socket) */
	CONN_PIPE,                  /* a local program's stdin and stdout (--pipe) */
};

struct conn_opts {
	int family;                 /* AF_UNSPEC, AF_INET or AF_INET6 */
	const char *source;         /* local address to bind, or NULL */
	int connect_timeout_ms;
	const struct dns_resolver *resolver;    /* --resolver: names through it, else getaddrinfo */
	enum conn_transport transport;
	const char *socket_path;    /* CONN_UNIX */
	const char *const *pipe_argv;   /* CONN_PIPE: the program and its arguments */
	struct conn_socks socks;    /* CONN_TCP through a SOCKS5 proxy when socks.host */
	struct conn_proxy proxy;    /* a PROXY protocol header first when proxy.version */
};

/* Called for each address tried, so the transcript can say what happened. */
typedef void conn_note_fn(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct conn {
	int fd;
	gnutls_session_t tls;       /* NULL while plain */
	gnutls_certificate_credentials_t tls_cred;
	unsigned char rbuf[CONN_RBUF];
	size_t rstart, rend;        /* unread bytes are rbuf[rstart..rend) */
	bool eof;
	char *wbuf;                 /* commands queued for the next flush */
	size_t wlen, wcap;
	int64_t t0;                 /* monotonic ms at connect start */
	int64_t deadline;           /* deadline_now_ms() the current step must end by */
	int step_ms;                /* length of the current step, for messages */
	char peer_addr[64];         /* numeric address connected to */
	int peer_port;
	char via[320];              /* how: "127.0.0.1 port 25 over TCP", the socket, the program */
	struct conn_child child;    /* CONN_PIPE: the program */
	char proxy_sent[200];       /* the PROXY header sent, as shown; "" none */
	double connect_ms;
	int tls_first_byte;         /* first byte read in the handshake, -1 none */
	/* Set by a signal handler (Ctrl-C in smtpkit session): a wait to read
	 * ends with ERR_INTERRUPTED.  NULL: waits are not interrupted. */
	const volatile sig_atomic_t *interrupt;
	conn_note_fn *note;
	void *note_ctx;
};

void conn_init(struct conn *c);
/* An IPv4 or IPv6 address (no brackets), not a name. */
bool conn_is_address(const char *host);
/* Resolve host and try each address in order until one connects. */
int conn_connect(struct conn *c, const char *host, int port,
		 const struct conn_opts *o, struct err *e, const char *stage);
void conn_close(struct conn *c);
/* The session is over: with a program (--pipe), close its stdin, show the
 * rest of its stderr and reap it, giving it grace_ms to exit; else nothing. */
void conn_finish(struct conn *c, int grace_ms);

/* Start a step: reads and writes until the next call must finish within
 * timeout_ms in total, however the peer paces its bytes. */
void conn_step(struct conn *c, int timeout_ms);
/* Milliseconds since connect started. */
double conn_elapsed(const struct conn *c);

/* Queue bytes; conn_flush sends everything queued in one write so that a
 * pipelined group leaves in one segment (RFC 2920 3.1). */
int conn_queue(struct conn *c, const void *data, size_t len);
int conn_flush(struct conn *c, struct err *e, const char *stage);

/* Read one line.  *line points into the buffer (not NUL-terminated, no
 * CR LF), valid until the next read.  *bare_lf tells an LF without CR.
 * A line longer than max is a protocol error. */
int conn_read_line(struct conn *c, const char **line, size_t *len, bool *bare_lf,
		   size_t max, struct err *e, const char *stage);

/* Up to size bytes, whatever arrived (buffered bytes first); 0 at the
 * peer's end of stream, -1 on error or when the step's deadline passes. */
ssize_t conn_read_some(struct conn *c, void *buf, size_t size, struct err *e, const char *stage);

/* Bytes received but not yet consumed (RFC 3207 5: nothing may follow the
 * 220 to STARTTLS before the handshake). */
size_t conn_pending(const struct conn *c);
/* The same, after taking in without waiting whatever the socket (or TLS)
 * holds now: what the server sent that no read has asked for yet. */
size_t conn_arrived(struct conn *c);

/* Used by tls.c while it owns the handshake. */
int conn_wait(struct conn *c, bool for_write, struct err *e, const char *stage);

#endif
