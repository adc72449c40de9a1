/* mailauth.h - what `mx --check` says about sender authentication beyond
 * the records themselves: SPF evaluated (RFC 7208 check_host, or the
 * record checked against its limits). */
#ifndef SMTPKIT_MAILAUTH_H
#define SMTPKIT_MAILAUTH_H

#include <stdbool.h>
#include <stdio.h>

#include "dns.h"
#include "json.h"
#include "out.h"
#include "spf/spf.h"

struct mailauth_opts {
	const char *spf_ip;         /* --spf-ip: evaluate for this client; NULL: check only */
	const char *spf_sender;     /* --spf-sender (MAIL FROM), NULL: postmaster@DOMAIN */
	const char *spf_helo;       /* --spf-helo, for %{h} */
};

struct mx_mailauth {
	bool spf_done;
	struct spf_eval spf;
};

/* The options as given: 64 for an --spf-ip that is not an address, or
 * values with control characters. */
int mailauth_opts_check(const struct mailauth_opts *o, struct err *e);

/* The lookups (blocking); m is zeroed first. */
void mailauth_run(struct mx_mailauth *m, const struct dns_resolver *res, const char *domain,
		  const struct mailauth_opts *o);
/* Findings: spf-fail, spf-permerror, spf-temperror, spf-too-many-lookups,
 * spf-void-lookups, spf-plus-all, spf-ptr. */
void mailauth_findings(struct out *out, const struct mx_mailauth *m, const struct mailauth_opts *o,
		       bool has_spf);
/* Human lines under the domain (two-space indent, as cmd_mx prints). */
void mailauth_print(FILE *fp, const struct mx_mailauth *m, const struct mailauth_opts *o);
/* "spf": {"records": [...], "evaluation": {...} | null, "check": {...}}. */
void mailauth_json_spf(struct json *j, char **records, size_t n, const struct mx_mailauth *m,
		       const struct mailauth_opts *o);

#endif
