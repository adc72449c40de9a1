/* tlscheck/scan.h - tls-check's enumeration with its own ClientHellos
 * (tlscheck/hello.h): versions SSLv2 to TLS 1.3, the suites accepted at
 * each in the server's order, groups, DH size, TLS 1.2 signature
 * algorithms and the extensions the server answers.  Each question is one
 * connection through the engine (STARTTLS or implicit TLS); a connection
 * that fails before the ClientHello leaves its question open, never
 * answered "no". */
#ifndef SMTPKIT_TLSCHECK_SCAN_H
#define SMTPKIT_TLSCHECK_SCAN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlscheck/hello.h"
#include "tlscheck/suites.h"

#define SCAN_NVERSIONS 6        /* SSLv2, SSLv3, TLS 1.0 .. 1.3 */
#define SCAN_MAX_LIST 256

enum scan_order { SCAN_ORDER_UNKNOWN, SCAN_ORDER_SERVER, SCAN_ORDER_CLIENT };

/* One list learned by "offer all, remove the chosen one, repeat". */
struct scan_list {
	uint16_t v[SCAN_MAX_LIST];  /* in the order the server chose them */
	size_t n;
	bool asked;
	bool complete;              /* ended with the server refusing the rest */
	char why[160];              /* when not complete: what stopped it */
};

struct scan_version {
	uint16_t version;
	int offer;                  /* enum tlscheck_offer */
	char why[160];
	struct hello_reply first;   /* the answer to the first, full offer */
	struct scan_list suites;
	enum scan_order order;
	bool compression;           /* the server chose DEFLATE (RFC 3749) */
};

struct tlscheck_scan {
	/* settings */
	bool ciphers;               /* enumerate suites, groups, sigalgs; else versions only */
	bool versions_tls;          /* also TLS 1.0-1.3 (else SSLv2 and SSLv3 only) */
	unsigned max_connections;
	int pause_ms;

	/* results */
	struct scan_version v[SCAN_NVERSIONS];
	struct scan_list groups13, groups12, sigalgs12;
	struct scan_list sigalgs13;     /* by GnuTLS handshakes: TLS 1.3 signs in encrypted messages */
	unsigned dh_bits;           /* the smallest finite-field group seen */
	unsigned dh_bits_max;       /* the largest (suites of other strength) */
	bool dh_asked;
	int fallback;               /* -1 not asked, 0 not honoured, 1 honoured (RFC 7507) */
	unsigned connections;
	unsigned failed;            /* connections that taught nothing */
	pthread_mutex_t lock;
};

struct tlscheck;
void tlscheck_scan_init(struct tlscheck_scan *sc);
/* SSLv2 (i = 0) or SSLv3 (i = 1): one connection, run beside the GnuTLS
 * probes. */
void tlscheck_scan_old_version(struct tlscheck *tc, struct tlscheck_scan *sc, size_t i);
/* With versions_tls: TLS 1.0-1.3 (and with ciphers their suites); with
 * ciphers then groups, DH size, signature algorithms and the fallback test. */
void tlscheck_scan_run(struct tlscheck *tc, struct tlscheck_scan *sc);
void tlscheck_scan_free(struct tlscheck_scan *sc);
/* Some version (SSLv2 .. TLS 1.3) was found offered. */
bool tlscheck_scan_any_offered(const struct tlscheck_scan *sc);
/* The version's entry, or NULL. */
const struct scan_version *tlscheck_scan_version(const struct tlscheck_scan *sc, uint16_t version);
/* The ≤ TLS 1.2 answer the extension facts come from (best version), or NULL. */
const struct hello_reply *tlscheck_scan_tls12_facts(const struct tlscheck_scan *sc, uint16_t *version);

#endif
