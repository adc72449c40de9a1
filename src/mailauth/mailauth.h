/* mailauth.h - what `mx --check` says about sender authentication beyond
 * listing the records: SPF evaluated (RFC 7208 check_host, or the record
 * tree checked against its limits), DKIM key records at given selectors,
 * DMARC parsed with its organizational domain and report authorisation,
 * BIMI, and DNS blocklists for every MX address. */
#ifndef SMTPKIT_MAILAUTH_H
#define SMTPKIT_MAILAUTH_H

#include <stdbool.h>
#include <stdio.h>

#include "dns.h"
#include "json.h"
#include "mailauth/records.h"
#include "out.h"
#include "spf/spf.h"

struct mx_domain;

struct mailauth_opts {
	const char *spf_ip;         /* --spf-ip: evaluate for this client; NULL: check only */
	const char *spf_sender;     /* --spf-sender (MAIL FROM), NULL: postmaster@DOMAIN */
	const char *spf_helo;       /* --spf-helo, for %{h} */
	const char *dkim_selectors; /* --dkim-selector SEL[,SEL...] */
	const char *dnsbl;          /* --dnsbl ZONE[,ZONE...] */
};

#define MAILAUTH_MAX_LIST 16

struct mailauth_dkim {
	char selector[254];
	enum dns_status status;
	size_t nrecords;            /* DKIM1-looking TXT records at the selector */
	char record[1024];          /* the first, "" if none */
	struct dkim_key key;
};

struct mailauth_report_dest {
	char uri[300];
	char domain[256];
	bool external;              /* outside the organizational domain */
	enum dns_status status;     /* of DOMAIN._report._dmarc.DEST */
	bool authorized;
};

struct mailauth_dnsbl {
	char addr[64], zone[256];
	enum { DNSBL_CLEAN, DNSBL_LISTED, DNSBL_UNCHECKED } state;
	char answer[64];            /* the A record, for listed and refused */
	char reason[400];           /* TXT reason, or why it could not be checked */
};

struct mx_mailauth {
	bool spf_done;
	struct spf_eval spf;
	bool spf_rr;                /* a record of the deprecated SPF type (99) */
	struct mailauth_dkim dkim[MAILAUTH_MAX_LIST];
	size_t ndkim;
	/* DMARC */
	bool dmarc_found;
	bool dmarc_inherited;       /* found above the domain: sp= applies */
	char dmarc_record[1024];
	char policy_domain[256];    /* where the record applying to the domain is */
	char org_domain[256];       /* the organizational domain (DMARCbis tree walk) */
	struct dmarc dmarc;
	struct mailauth_report_dest dests[2 * DMARC_URI_MAX];
	size_t ndests;
	/* BIMI */
	enum dns_status bimi_status;
	char bimi_record[1024];
	struct bimi bimi;
	/* DNSBL */
	struct mailauth_dnsbl *dnsbl;
	size_t ndnsbl;
};

/* The options as given: 64 for an --spf-ip that is not an address, a
 * selector or zone that is not a DNS name, values with control characters. */
int mailauth_opts_check(const struct mailauth_opts *o, struct err *e);

/* The lookups (blocking); m is zeroed first.  d's hosts and DMARC record
 * have been looked up. */
void mailauth_run(struct mx_mailauth *m, const struct dns_resolver *res, const struct mx_domain *d,
		  const struct mailauth_opts *o);
void mailauth_free(struct mx_mailauth *m);
/* Findings: spf-*, dkim-key-*, dmarc-*, bimi-*, dnsbl-* (see smtpkit-mx(1)). */
void mailauth_findings(struct out *out, const struct mx_mailauth *m, const struct mailauth_opts *o,
		       bool has_spf);

/* dnsbl.c: every address of d's hosts in each of the comma-separated zones. */
void mailauth_dnsbl(struct mx_mailauth *m, const struct dns_resolver *res, const struct mx_domain *d,
		    const char *zones);

/* mailauth_report.c */
/* Human lines under the domain (two-space indent, as cmd_mx prints). */
void mailauth_print(FILE *fp, const struct mx_mailauth *m, const struct mailauth_opts *o);
/* "spf": {"records": [...], "evaluation": {...} | null, "check": {...}}. */
void mailauth_json_spf(struct json *j, char **records, size_t n, const struct mx_mailauth *m,
		       const struct mailauth_opts *o);
/* "dmarc_policy", "dkim_keys", "bimi", "dnsbl". */
void mailauth_json(struct json *j, const struct mx_mailauth *m);

#endif
