/* tlscheck/tlscheck.h - what the parts of `smtpkit tls-check` share: the probe
 * connections (tlscheck/probe.c), DANE (tlscheck/dane.c) and the report
 * (tlscheck/report.c).  Each probe is the engine's session stopped at a
 * stage, with its own output collected and read after all have ended. */
#ifndef SMTPKIT_TLSCHECK_H
#define SMTPKIT_TLSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dns.h"
#include "mandatory.h"
#include "err.h"
#include "out.h"
#include "smtp.h"
#include "tls.h"
#include "tlscheck/scan.h"

#define TLSCHECK_THREADS 8
#define TLSCHECK_NVERSIONS 4

/* One connection: its policy (priority string and stop stage), its
 * collected output, and the session as it ended. */
struct tlscheck_conn {
	char priority[512];
	struct smtp_policy pol;
	struct out out;
	struct smtp_session s;
	bool ran;
};

enum tlscheck_offer {
	TLSCHECK_UNKNOWN,           /* the probe failed for another reason */
	TLSCHECK_OFFERED,
	TLSCHECK_NOT_OFFERED,       /* the handshake was refused */
};

struct tlscheck_version {
	const char *name;           /* "TLS1.2" */
	const char *vers;           /* "VERS-TLS1.2" */
	struct tlscheck_conn conn;
	enum tlscheck_offer offer;
	char why[256];              /* UNKNOWN / NOT_OFFERED: what happened */
};

#define TLSCHECK_MAX_TLSA 16

struct tlscheck_tlsa {
	unsigned usage, selector, mtype;
	char data_hex[140];         /* shortened for display when long */
	bool usable;                /* usage 2 or 3 (RFC 7672 3.1.3) */
	bool matched;
	char why[160];
};

enum tlscheck_dane_state {
	TLSCHECK_DANE_NOT_LOOKED,   /* HOST is an address and no --name */
	TLSCHECK_DANE_NONE,         /* NXDOMAIN / NODATA: no TLSA */
	TLSCHECK_DANE_INSECURE,     /* records, but not DNSSEC-validated (AD clear) */
	TLSCHECK_DANE_NO_USABLE,    /* validated, but no usage 2 or 3 record */
	TLSCHECK_DANE_MATCH,
	TLSCHECK_DANE_MISMATCH,
	TLSCHECK_DANE_ERROR,        /* lookup failed (SERVFAIL, timeout...) */
};

struct tlscheck_dane {
	char qname[300];            /* "_25._tcp.mx.example" */
	enum tlscheck_dane_state state;
	bool ad;
	char lookup[64];            /* dns_status_name() */
	char why[256];
	size_t n;
	struct tlscheck_tlsa tlsa[TLSCHECK_MAX_TLSA];
	unsigned matched_usage;     /* with MATCH: 2 or 3 */
	/* With MATCH (RFC 7671 8.1): a next key is already published (a usable
	 * record that matches nothing today beside one that matches), or both
	 * a DANE-EE and a DANE-TA record match, so a key or certificate can
	 * change without a gap. */
	bool rollover_ready;
	size_t unmatched;           /* usable records matching nothing */
	char **raw;                 /* per record: usage, selector, mtype, data */
	int *raw_len;               /* (dane_raw_tlsa's form), freed after matching */
};

struct tlscheck {
	/* what to check */
	const char *host;
	int port;
	bool implicit;              /* TLS from the first byte */
	const char *name;           /* the name the certificate must match */
	struct dns_resolver resolver;       /* for TLSA: --resolver, --timeout */
	int warn_days;
	bool ciphers, show_certs, injection_test;
	bool quick;                 /* today's fast check: no ClientHellos of our own */
	unsigned max_connections;   /* at a time */
	int pause_ms;               /* between connections of the scan */
	struct smtp_policy base;    /* from the shared options */
	struct out_opts oo;

	/* results */
	struct tlscheck_conn main;  /* best version, injection test, EHLO in TLS */
	struct tlscheck_conn resume;        /* resumes main's session */
	bool resume_tried;
	struct tlscheck_version versions[TLSCHECK_NVERSIONS];       /* 1.0 .. 1.3 */
	const struct tls_info *best;        /* main's session, else the best probe's */
	const char *best_from;              /* "main" or the version's name */
	bool ocsp_expected;                 /* leaf names an OCSP responder or must-staple */
	struct tlscheck_scan scan;         /* own ClientHellos (not with --quick) */
	struct mandatory_tls mandatory;    /* plain MAIL before STARTTLS (not with --quick) */
	bool scanned;
	struct tlscheck_dane dane;
	double elapsed_ms;

	struct out report;          /* findings go here */
	struct err err;             /* set when the check could not run */
};

/* tlscheck/probe.c */
void tlscheck_init(struct tlscheck *tc);
/* Run one connection with its policy set (c->pol) and the transaction
 * txn (or NULL), collecting its output; tlscheck_conn_free() forgets it. */
void tlscheck_conn_run(const struct tlscheck *tc, struct tlscheck_conn *c, struct smtp_txn *txn);
void tlscheck_conn_free(struct tlscheck_conn *c);
/* One GnuTLS handshake with the priority string narrowed by restrict_prio
 * (":-SIGN-ALL:+SIGN-..."): did it complete? */
enum tlscheck_offer tlscheck_gnutls_ask(const struct tlscheck *tc, const char *restrict_prio, char *why,
					size_t size);
/* Every connection, concurrently (bounded); DANE lookup alongside. */
void tlscheck_run(struct tlscheck *tc);
void tlscheck_free(struct tlscheck *tc);
bool tlscheck_tls_offered(const struct tlscheck *tc);

/* tlscheck/dane.c */
void tlscheck_dane_lookup(struct tlscheck *tc);
/* Match the TLSA records against tc->best's chain. */
void tlscheck_dane_match(struct tlscheck *tc);

/* tlscheck/report.c */
void tlscheck_findings(struct tlscheck *tc);
void tlscheck_report_human(struct tlscheck *tc);
/* 0, 1, or the error's code when the check could not run. */
int tlscheck_exit_code(const struct tlscheck *tc);
bool tlscheck_offered(const struct tlscheck *tc, size_t version);
/* Why STARTTLS never got its 220 on the main connection (not offered, HELO
 * only, refused), or NULL: then the injection test had something to test. */
const char *tlscheck_starttls_missing(const struct tlscheck *tc);
/* Extended master secret and secure renegotiation are TLS 1.2 matters:
 * the session to read them from, or NULL when only TLS 1.3 is offered. */
const struct tls_info *tlscheck_tls12_session(const struct tlscheck *tc);

/* tlscheck/grade.c: the scan's findings, human section and JSON keys
 * "ciphers", "groups" and "scan". */
void tlscheck_scan_findings(struct tlscheck *tc);
void tlscheck_scan_print(FILE *fp, const struct tlscheck *tc);
struct json;
void tlscheck_scan_json(struct json *j, const struct tlscheck *tc);

/* tlscheck/json.c */
void tlscheck_report_json(struct tlscheck *tc);

#endif
