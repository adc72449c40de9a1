/* send_deliver.c - running the session for a delivery: to a relay, or to
 * a domain's MX hosts one after another. */
#include "send.h"
#include "mxcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run(struct send_delivery *d, const char *host, int port)
{
	if (d->ran)
		smtp_free(&d->s);
	/* Another host, another transaction: nothing of the last one counts. */
	smtp_txn_reset(&d->txn);
	struct smtp_txn *t = &d->txn;
	smtp_init(&d->s, &d->pol, &d->out, host, port);
	d->s.txn = t;
	d->ran = true;
	smtp_run(&d->s);
	d->err = d->s.err;
}

void send_relay(struct send_delivery *d, const char *host, int port)
{
	run(d, host, port);
}

/* Another host may take the message: the failure was the connection or a
 * 4xx, and the message cannot have been delivered already. */
static bool try_next(const struct send_delivery *d)
{
	if (d->txn.delivered || d->txn.maybe_delivered)
		return false;
	switch (d->err.cause) {
	case ERR_DNS:
	case ERR_CONNECT:
	case ERR_REFUSED:
	case ERR_TIMEOUT:
	case ERR_CLOSED:
	case ERR_TLS_CLOSED:
	case ERR_REPLY_TEMP:
		return true;
	default:
		return false;
	}
}

void send_direct(struct send_delivery *d, const struct dns_resolver *res, int port)
{
	struct mx_domain mx;
	struct err e = {0};

	if (mx_route(res, d->domain, &mx, &e) < 0) {
		d->err = e;
		out_warn(&d->out, "%s: %s", d->domain, e.msg);
		mx_domain_free(&mx);
		return;
	}
	/* RFC 7435: to an MX, TLS is opportunistic unless --tls starttls. */
	bool verify = d->pol.tls_mode == SMTP_TLS_MODE_STARTTLS;
	for (size_t i = 0; i < mx.nhosts; i++) {
		const struct mx_host *h = &mx.hosts[i];
		if (h->naddrs == 0) {
			out_warn(&d->out, "%s: MX %s has no address: next", d->domain, h->name);
			continue;
		}
		for (size_t k = 0; k < h->naddrs; k++) {
			snprintf(d->mx, sizeof d->mx, "%s", h->name);
			d->pol.tls_verify = verify;
			d->pol.tls.verify_name = d->mx;
			d->pol.tls.sni = d->mx;
			out_info(&d->out, 0, "%s: MX %u %s (%s)", d->domain, h->preference, h->name,
				 h->addrs[k].addr);
			/* The session keeps the host pointer; mx is freed below. */
			snprintf(d->addr, sizeof d->addr, "%s", h->addrs[k].addr);
			run(d, d->addr, port);
			if (!err_is_set(&d->err) || !try_next(d))
				goto done;
			out_warn(&d->out, "%s: %s failed (%s): trying the next address or MX host", d->domain,
				 h->name, d->err.msg);
		}
	}
done:
	mx_domain_free(&mx);
	if (!d->ran && !err_is_set(&d->err))
		err_set(&d->err, ERR_CONNECT, "connect", "no MX host of %s has an address", d->domain);
}

void send_delivery_free(struct send_delivery *d)
{
	if (d->ran)
		smtp_free(&d->s);
	out_free(&d->out);
	free(d->domain);
	free(d->txn.rcpts);
}
