/* load.h - smtpkit send --count: many messages over sessions held open,
 * C at a time, at a given rate; what every message got, counted. */
#ifndef SMTPKIT_LOAD_H
#define SMTPKIT_LOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "out.h"
#include "smtp.h"

struct msg;

struct load_opts {
	unsigned long long count;       /* messages; 0: as many as --duration allows */
	double duration;                /* seconds; 0: none */
	unsigned connections;           /* sessions at once */
	unsigned long long per_connection;  /* transactions before QUIT; 0: as many as the server allows */
	double rate;                    /* messages a second overall; 0: no limit */
	bool seq_header;                /* X-Smtpkit-Seq: */
	bool progress;                  /* the one-line display on stderr */
	int transcript;                 /* 0 none, 1 the first session's, 2 every session's */
	char **rotate;                  /* --to-file: one recipient each, in turn; NULL: the envelope's */
	size_t nrotate;
	const char *domain;             /* Message-ID's right-hand side */
};

/* A latency histogram on a log scale (about 1% wide buckets from 10 us
 * to 1000 s): percentiles in flat memory whatever the count. */
#define LOAD_BUCKETS 1900
struct load_hist {
	uint64_t n;
	double max;
	uint32_t bucket[LOAD_BUCKETS];
};
void load_hist_add(struct load_hist *h, double ms);
double load_hist_percentile(const struct load_hist *h, double p);

/* One distinct reply (or cause) and how often it came. */
struct load_reply {
	char text[160];                 /* "421 4.7.0 too many connections", or the error */
	int cls;                        /* 4, 5, or 0 for a failure without a reply */
	unsigned long long count;
	unsigned long long first_seq;   /* the message it first came for */
	double first_s;                 /* seconds after the start */
};

struct load_stats {
	unsigned long long sent;        /* transactions begun */
	unsigned long long accepted, temp_failed, refused, failed;
	unsigned long long sessions_opened, sessions_failed;
	struct load_hist latency;       /* MAIL written to the final reply */
	struct load_hist setup_tcp, setup_tls, setup_auth;
	struct load_reply *replies;
	size_t nreplies;
	double elapsed;                 /* seconds */
	double first_temp_s;            /* throttling: the first 4xx */
	unsigned long long first_temp_seq;
	unsigned long long max_per_session;
	char address[64];               /* of the first session opened, "" if none */
	char via[320];                  /* how it was reached, as the transcript says */
	struct err worst;               /* the worst failure, for the exit status */
};

/* Everything load_run() needs: the session policy (held open), the
 * transaction to repeat (its recipients and message are replaced per
 * message) and where to connect. */
struct load_job {
	const struct load_opts *o;
	const struct smtp_policy *pol;
	const struct out_opts *oo;
	const struct smtp_txn *txn;     /* mail_from, rcpts, options; msg is the base message */
	const char *host;
	int port;
};

/* Run the load; the stats are filled whatever happens.  -1 with e set
 * only when it could not start. */
int load_run(const struct load_job *job, struct load_stats *st, struct err *e);
void load_stats_free(struct load_stats *st);

/* load_report.c: the summary, human or JSON, and the exit status. */
void load_report(const struct load_job *job, const struct load_stats *st, bool json);
int load_exit_code(const struct load_stats *st);

#endif
