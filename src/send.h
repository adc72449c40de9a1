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

#endif
