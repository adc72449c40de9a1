/* mxcheck.h - what the DNS says about a mail domain: MX hosts and their
 * addresses (RFC 5321 5.1, RFC 7505), and with --check its policy records
 * (SPF, DMARC, MTA-STS, TLS-RPT, TLSA, FCrDNS); with --smtp each MX host's
 * port 25. */
#ifndef SMTPKIT_MXCHECK_H
#define SMTPKIT_MXCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"
#include "findings.h"
#include "mtasts.h"
#include "out.h"
#include "smtp.h"

struct mx_addr {
	char addr[64];
	bool v6;
	bool special;               /* private, loopback, link-local or documentation */
	char ptr[256];              /* --check: reverse name, "" if none */
	enum dns_status ptr_status;
	bool fcrdns;                /* the PTR name resolves back to addr */
};

struct mx_host {
	char name[256];
	uint16_t preference;
	bool tie;                   /* another host has the same preference */
	bool ip_literal;            /* RFC 7505 / 5321 5.1: MX must name a host */
	bool cname;                 /* the name is an alias (RFC 2181 10.3) */
	bool duplicate;
	enum dns_status a_status, aaaa_status;
	bool ad;
	struct mx_addr *addrs;
	size_t naddrs;
	struct dns_answer tlsa;     /* --check: _25._tcp.NAME */
	bool tlsa_done;
	/* --smtp */
	bool smtp_done;
	struct out smtp_out;
	struct smtp_session smtp;
};

enum mx_kind {
	MX_RECORDS,                 /* MX records name the hosts */
	MX_NULL,                    /* "0 ." alone: the domain accepts no mail (RFC 7505) */
	MX_IMPLICIT,                /* no MX, the domain's own address (RFC 5321 5.1) */
	MX_NONE,                    /* no MX and no address: no mail host */
};

struct mx_domain {
	char *name;
	enum dns_status status;     /* of the MX query */
	enum mx_kind kind;
	bool ad;
	bool null_mixed;
	struct mx_host *hosts;
	size_t nhosts;
	struct out out;             /* findings, and notes */
	struct err err;             /* why the domain could not be examined */
	/* --check */
	bool checked;
	char **spf;
	size_t nspf;
	enum dns_status txt_status;
	char *dmarc;
	enum dns_status dmarc_status;
	char *tls_rpt;
	struct mtasts mta_sts;
};

struct mx_opts {
	const struct dns_resolver *res;
	bool check;
	bool smtp;
	int smtp_port;                  /* --smtp: 25 unless -p (tests) */
	const struct smtp_policy *pol;  /* for --smtp */
	const struct out_opts *oo;
};

/* Examine one domain (blocking; its host lookups run concurrently). */
void mx_examine(struct mx_domain *d, const char *name, const struct mx_opts *o);
void mx_domain_free(struct mx_domain *d);

/* The exit status of one domain's examination (SPEC 9): 68 NXDOMAIN or no
 * mail host, 75 DNS failure, 1 a fail-level finding, else 0. */
int mx_exit_code(const struct mx_domain *d);

/* The hosts to deliver to, in order (RFC 5321 5.1: by preference, random
 * among equal ones; implicit MX).  0 and *n > 0, or -1 with e set: 68 for
 * NXDOMAIN, null MX or no mail host, 75 for DNS failures. */
int mx_route(const struct dns_resolver *res, const char *domain, struct mx_domain *d,
	     struct err *e);

bool mx_special_address(const char *addr);

#endif
