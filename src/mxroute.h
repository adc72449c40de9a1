/* mxroute.h - where mail for a domain goes (RFC 5321 5.1, RFC 7505): its
 * MX hosts by preference, null and implicit MX, each host's addresses.
 * What send delivers by, probe --mx probes, and mx examines further
 * (mxcheck.h: policy records, findings, --smtp). */
#ifndef SMTPKIT_MXROUTE_H
#define SMTPKIT_MXROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
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
	bool null_mx;               /* a null MX record ("." target) is present */
	uint16_t null_preference;   /* its preference (RFC 7505 3: should be 0) */
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
	struct mx_mailauth *mailauth;   /* SPF evaluated (mailauth/mailauth.h) */
};

/* The MX query and the hosts' addresses (A and AAAA of all hosts at
 * once): 0, or -1 with d->err set: 68 for NXDOMAIN or a null MX alone,
 * 75 for a failed MX lookup.  d is initialised here; mx_domain_free() it. */
int mx_lookup(struct mx_domain *d, const char *name, const struct dns_resolver *res);

/* The hosts to deliver to, in order (RFC 5321 5.1: by preference, random
 * among equal ones; implicit MX).  0 and *n > 0, or -1 with e set: 68 for
 * NXDOMAIN, null MX or no mail host, 75 for DNS failures. */
int mx_route(const struct dns_resolver *res, const char *domain, struct mx_domain *d,
	     struct err *e);
void mx_domain_free(struct mx_domain *d);

/* Private, loopback, link-local or documentation (RFC 6890). */
bool mx_special_address(const char *addr);

#endif
