/* dns_int.h - what dns.c (queries) and dns_parse.c (answers) share; not
 * for other modules. */
#ifndef SMTPKIT_DNS_INT_H
#define SMTPKIT_DNS_INT_H

#include "dns.h"

/* The largest answer read, over UDP or TCP (RFC 1035 4.2.2's length
 * prefix allows no more). */
#define DNS_ANSWER_MAX 65536

/* Parse an answer to qname (NULL for canned answers, whose name is not
 * checked) of type into a: dns_parse with the question checked. */
int dns_parse_answer(const unsigned char *msg, size_t len, const char *qname, int type,
		     struct dns_answer *a);
/* Free a's records, set its status and why; returns -1. */
int dns_answer_fail(struct dns_answer *a, enum dns_status st, const char *why);

#endif
