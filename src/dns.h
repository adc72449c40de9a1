/* dns.h - DNS on glibc's libresolv: per-call resolver state (thread-safe),
 * a custom server on any port, every outcome told apart, and parsers for
 * the record types smtpkit reads. */
#ifndef SMTPKIT_DNS_H
#define SMTPKIT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum dns_status {
	DNS_OK,                 /* answer with at least one record of the type */
	DNS_NODATA,             /* the name exists, no record of the type */
	DNS_NXDOMAIN,
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_TIMEOUT,            /* no answer from any server */
	DNS_MALFORMED,          /* an answer that does not parse, or lies about lengths */
	DNS_ERROR,              /* any other rcode or local failure */
};

/* Record types (RFC 1035, 3596, 6698). */
enum {
	DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16,
	DNS_T_AAAA = 28, DNS_T_TLSA = 52,
	DNS_T_SPF = 99,         /* RFC 7208 3.1: deprecated; TXT's format, read into txt */
};

struct dns_resolver {
	bool custom;            /* a --resolver was given */
	char addr[64];          /* numeric IPv4 or IPv6 */
	int port;
	int timeout_ms;         /* the whole lookup: every try, server, TCP retry */
	int tries;              /* rounds over the servers within it */
};

/* A lookup's deadline when --timeout is not given (glibc's resolver: 5 s
 * per try, 2 tries). */
#define DNS_TIMEOUT_MS 10000

/* spec: NULL (use /etc/resolv.conf), "ADDR", "ADDR:PORT", "[V6]" or
 * "[V6]:PORT".  64 for a malformed spec. */
int dns_resolver_init(struct dns_resolver *r, const char *spec, struct err *e);

struct dns_mx {
	uint16_t preference;
	char host[256];         /* "." for a null MX (RFC 7505) */
};

struct dns_tlsa {
	uint8_t usage, selector, mtype;
	size_t len;             /* length of the association data (not checked against mtype) */
	unsigned char data[64]; /* its first 64 bytes: all of a SHA-256 (1) or SHA-512 (2) */
	bool truncated;         /* len > 64 (mtype 0, full data): see full */
	unsigned char *full;    /* the whole association data, any mtype; allocated, NULL if len 0 */
};

struct dns_answer {
	enum dns_status status;
	int rcode;
	bool ad;                /* AD bit (RFC 4035 3.2.3), read with RES_TRUSTAD */
	bool truncated_tcp;     /* answered over TCP after a truncated UDP answer (dns.c does the
	                         * TCP retry itself, under the timeout; glibc's has no deadline) */
	char canonical[256];    /* the name after following CNAMEs in the answer, "" if none */
	size_t n;               /* records of the asked type */
	struct dns_mx *mx;
	char (*addrs)[64];      /* A / AAAA, numeric */
	char **txt;             /* TXT, the strings of one record joined */
	struct dns_tlsa *tlsa;
	char (*names)[256];     /* PTR, CNAME */
	char why[128];          /* for MALFORMED / ERROR / TIMEOUT: what was wrong, else "" */
};

/* Ask for name/type.  Always fills *out (status says how it went; free it
 * with dns_answer_free before reusing it); returns 0 for DNS_OK, -1
 * otherwise.  Safe to call from several threads at once. */
int dns_query(const struct dns_resolver *r, const char *name, int type, struct dns_answer *out);

/* Parse a raw answer (also used by unit tests on canned bytes).  len is
 * the real length of msg.  Sets status to OK, NODATA, NXDOMAIN, SERVFAIL,
 * REFUSED, MALFORMED or ERROR. */
int dns_parse(const unsigned char *msg, size_t len, int type, struct dns_answer *out);

void dns_answer_free(struct dns_answer *a);
const char *dns_status_name(enum dns_status s);
/* The cause a failed lookup maps to: NXDOMAIN -> ERR_NOHOST (68),
 * everything else -> ERR_DNS (75, SPEC 9). */
enum err_cause dns_err_cause(enum dns_status s);

/* "4.3.2.1.in-addr.arpa" / nibble form for IPv6; -1 if addr is not numeric. */
int dns_reverse_name(const char *addr, char *out, size_t size);

#endif
