/* send.h - the parts of `smtpkit send` after the message is built: the
 * deliveries (through --server, or per recipient domain to its MX hosts)
 * and their report. */
#ifndef SMTPKIT_SEND_H
#define SMTPKIT_SEND_H

#include <stdbool.h>

#include "dns.h"
#include "err.h"
#include "out.h"
#include "smtp.h"

struct send_delivery {
	char *domain;               /* recipient domain (direct), NULL through --server */
	char mx[256];               /* the MX host that got the message */
	char addr[64];              /* the MX address s was given (s.host points here) */
	struct smtp_policy pol;     /* this delivery's copy (TLS names differ per MX) */
	struct smtp_txn txn;        /* recipients and results */
	struct out out;
	struct smtp_session s;      /* the last session tried */
	bool ran;                   /* s holds a session */
	struct err err;             /* the outcome */
};

/* Through the named server. */
void send_relay(struct send_delivery *d, const char *host, int port);
/* RFC 5321 5.1: the domain's MX hosts in order, each address in turn,
 * moving on after a connection failure or a temporary refusal, never
 * after the message may have been delivered.  port is 25 unless -p. */
void send_direct(struct send_delivery *d, const struct dns_resolver *res, int port);

/* Reports every delivery: human lines or one JSON document. */
void send_report(struct send_delivery *v, size_t n, const struct out_opts *oo,
		 const char *quit_after, bool relay);
/* The worst outcome (SPEC 9): permanent failures rank above temporary
 * ones, since a retry cannot mend them. */
int send_exit_code(const struct send_delivery *v, size_t n);
void send_delivery_free(struct send_delivery *d);

/* send_load.c: --count, --duration and their companions (a load test of
 * one server: many messages over sessions held open). */
#include <popt.h>
extern struct poptOption send_load_options[];
bool send_load_wanted(void);
/* --to-file: the recipients come from it, one per message. */
bool send_load_rotates(void);
/* After the options are parsed: 64 for what does not go together. */
int send_load_check(bool server, bool quit_after, bool dry_run, struct err *e);
/* Send base (its message gets a Message-ID and X-Smtpkit-Seq: per copy)
 * the number of times asked; the report; the exit status, or -1 with e
 * set when it could not start. */
int send_load_run(const struct smtp_txn *base, const struct smtp_policy *pol, const struct out_opts *oo,
		  const char *host, int port, struct err *e);
void send_load_free(void);

#endif
