/* mtasts.h - MTA-STS (RFC 8461): the _mta-sts TXT record, the policy
 * fetched over HTTPS, and matching MX hosts against it. */
#ifndef SMTPKIT_MTASTS_H
#define SMTPKIT_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"

#define MTASTS_MAX_MX 32

struct mtasts {
	char *txt;                  /* the v=STSv1 record, NULL if none */
	enum dns_status txt_status;
	bool fetched;               /* the policy was retrieved */
	bool valid;                 /* ... and it parses (RFC 8461 3.2) */
	char error[1024];           /* why not, in words */
	char version[16];
	char mode[16];              /* enforce, testing, none */
	long max_age;
	size_t nmx;
	char mx[MTASTS_MAX_MX][256];
	int http_status;
};

/* Look up _mta-sts.DOMAIN and, if it is there, fetch and parse the policy
 * from https://mta-sts.DOMAIN/.well-known/mta-sts.txt (the certificate must
 * verify for that name; no redirects, RFC 8461 3.3).  timeout_ms bounds each
 * step.  cafile: trust instead of the system store, or NULL. */
void mtasts_check(struct mtasts *m, const struct dns_resolver *res, const char *domain,
		  const char *cafile, int timeout_ms);
/* The policy server's HTTP response, len octets in resp (which has room
 * for a NUL after them and is changed in place): the status, the body
 * (Content-Length or chunked), then the policy.  Sets fetched when the
 * headers end; true when the status is 200 and the policy valid. */
bool mtasts_response(struct mtasts *m, char *resp, size_t len);
/* Parse a policy body; false with m->error set when it is invalid. */
bool mtasts_parse(struct mtasts *m, const char *body, size_t len);
/* RFC 8461 4.1: "mx.example.com" or "*.example.com" (one label). */
bool mtasts_match(const struct mtasts *m, const char *host);
void mtasts_free(struct mtasts *m);

#endif
