/* probe.h - `smtpkit probe`'s ports: each one the session stopped after the
 * EHLO inside TLS (plus MAIL/RCPT/RSET with --relay-test), run concurrently
 * (probe_run.c), and their report (probe_report.c). */
#ifndef SMTPKIT_PROBE_H
#define SMTPKIT_PROBE_H

#include <pthread.h>
#include <stdbool.h>

#include "mandatory.h"
#include "out.h"
#include "smtp.h"

enum tls_found { FOUND_NONE, FOUND_STARTTLS, FOUND_IMPLICIT };

/* The TLS-first attempt on a port that stays silent: its own session,
 * policy and transaction, prepared before its thread starts. */
struct probe_tls_first {
	struct smtp_policy pol;
	struct out out;
	struct smtp_session s;
	struct smtp_txn txn;
	struct smtp_rcpt rcpt;
	int most_silence_ms;        /* how long the plain attempt may stay silent at most */
	bool tried, won;
};

/* What the plain attempt tells the TLS-first one, under the lock. */
struct probe_race {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool connected;             /* the plain attempt's connection is up */
	double connect_ms;          /* and took this long: one round trip */
	bool greeted;               /* the plain attempt read a greeting */
	bool plain_done;            /* the plain attempt ended: its socket may be gone */
	int plain_fd;               /* its socket, to wake it when TLS first wins; -1: none */
};

struct port_probe {
	const char *host;
	int port;
	struct smtp_policy pol;
	struct smtp_txn txn;
	struct smtp_rcpt rcpt;
	struct out out;
	struct smtp_session s;
	enum tls_found tls;
	bool relay_tested;
	struct mandatory_tls mandatory;     /* STARTTLS ports: MAIL refused before it? */
	struct probe_tls_first first;
	struct probe_race race;
};

struct probe {
	struct port_probe *ports;
	size_t n;
	bool mx;                    /* columns are MX hosts (--mx) */
};

/* Run every port of p at once; each port's results in its port_probe. */
void probe_run(struct probe *p);
void probe_free(struct probe *p);

/* The findings of one port, added to all (named after host and port). */
void probe_port_findings(struct port_probe *pp, struct out *all, const char *host);
void probe_report_human(struct probe *p, struct out *all, const char *host, bool relay);
void probe_report_json(struct probe *p, struct out *all, const char *host, const struct err *e);

#endif
