/* dnsbl.c - DNS blocklists (RFC 5782): every MX address asked of every
 * zone, as an A query on the reversed address under the zone. */
#define _GNU_SOURCE
#include "mailauth/mailauth.h"
#include "mxroute.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* RFC 5782 2.1, 2.4: "4.3.2.1.zone", or 32 nibbles for IPv6. */
static bool query_name(const char *addr, const char *zone, char *out, size_t size)
{
	char rev[120];
	if (dns_reverse_name(addr, rev, sizeof rev) < 0)
		return false;
	char *suffix = strstr(rev, ".in-addr.arpa");
	if (!suffix)
		suffix = strstr(rev, ".ip6.arpa");
	if (!suffix)
		return false;
	*suffix = '\0';
	return (size_t)snprintf(out, size, "%s.%s", rev, zone) < size;
}

static void check_one(struct mailauth_dnsbl *b, const struct dns_resolver *res)
{
	char name[400];
	struct dns_answer a;
	if (!query_name(b->addr, b->zone, name, sizeof name)) {
		b->state = DNSBL_UNCHECKED;
		snprintf(b->reason, sizeof b->reason, "no query name for this address");
		return;
	}
	dns_query(res, name, DNS_T_A, &a);
	if (a.status == DNS_NXDOMAIN || a.status == DNS_NODATA) {
		b->state = DNSBL_CLEAN;
	} else if (a.status != DNS_OK || a.n == 0) {
		b->state = DNSBL_UNCHECKED;
		snprintf(b->reason, sizeof b->reason, "the lookup failed (%s)", dns_status_name(a.status));
	} else {
		snprintf(b->answer, sizeof b->answer, "%s", a.addrs[0]);
		/* Public lists answer 127.255.255.x when they refuse to
		 * answer (a public resolver, over quota): neither listed nor
		 * clean.  RFC 5782 2.1: a listing is in 127.0.0.0/8. */
		if (strncmp(a.addrs[0], "127.255.255.", 12) == 0) {
			b->state = DNSBL_UNCHECKED;
			snprintf(b->reason, sizeof b->reason, "the list refused the query (answer %s)", a.addrs[0]);
		} else if (strncmp(a.addrs[0], "127.", 4) != 0) {
			b->state = DNSBL_UNCHECKED;
			snprintf(b->reason, sizeof b->reason, "an answer outside 127.0.0.0/8 (%s): not a blocklist answer",
				 a.addrs[0]);
		} else {
			struct dns_answer t;
			b->state = DNSBL_LISTED;
			dns_query(res, name, DNS_T_TXT, &t);
			if (t.status == DNS_OK && t.n > 0)
				snprintf(b->reason, sizeof b->reason, "%s", t.txt[0]);
			dns_answer_free(&t);
		}
	}
	dns_answer_free(&a);
}

void mailauth_dnsbl(struct mx_mailauth *m, const struct dns_resolver *res, const struct mx_domain *d,
		    const char *zones)
{
	size_t naddr = 0, nzone = 0;
	for (size_t i = 0; i < d->nhosts; i++)
		naddr += d->hosts[i].naddrs;
	for (const char *p = zones; *p; p += strcspn(p, ","), p += *p == ',')
		nzone++;
	if (!naddr || !nzone || !(m->dnsbl = calloc(naddr * nzone, sizeof *m->dnsbl)))
		return;
	for (size_t i = 0; i < d->nhosts; i++)
		for (size_t k = 0; k < d->hosts[i].naddrs; k++)
			for (const char *p = zones; *p;) {
				size_t len = strcspn(p, ",");
				struct mailauth_dnsbl *b = &m->dnsbl[m->ndnsbl++];
				snprintf(b->addr, sizeof b->addr, "%s", d->hosts[i].addrs[k].addr);
				snprintf(b->zone, sizeof b->zone, "%.*s", (int)(len < 255 ? len : 255), p);
				check_one(b, res);
				p += len;
				if (*p)
					p++;
			}
}
