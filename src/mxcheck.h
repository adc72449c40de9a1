/* mxcheck.h - what the DNS says about a mail domain: MX hosts and their
 * addresses (RFC 5321 5.1, RFC 7505), and with --check its policy records
 * (SPF, DMARC, MTA-STS, TLS-RPT, TLSA, FCrDNS); with --smtp each MX host's
 * port 25. */
#ifndef SMTPKIT_MXCHECK_H
#define SMTPKIT_MXCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "findings.h"
#include "mailauth/mailauth.h"
#include "mxroute.h"

struct mx_opts {
	const struct dns_resolver *res;
	bool check;
	bool smtp;
	int smtp_port;                  /* --smtp: 25 unless -p (tests) */
	const struct smtp_policy *pol;  /* for --smtp */
	const struct out_opts *oo;
	const struct mailauth_opts *auth;   /* --spf-ip ...; NULL: none given */
};

/* Examine one domain (blocking; its host lookups run concurrently). */
void mx_examine(struct mx_domain *d, const char *name, const struct mx_opts *o);

/* The exit status of one domain's examination (SPEC 9): 68 NXDOMAIN or no
 * mail host, 75 DNS failure, 1 a fail-level finding, else 0. */
int mx_exit_code(const struct mx_domain *d);

/* The TXT records of a that are policy records of one kind: prefix
 * ("v=spf1", "v=DMARC1", "v=TLSRPTv1") then a space, ';' or the end,
 * case-insensitive.  *out (allocated copies, *n of them) holds what was
 * kept even when this returns -1 (out of memory). */
int mx_policy_records(const struct dns_answer *a, const char *prefix, char ***out, size_t *n);

#endif
