/* probe_run.c - the sessions of `smtpkit probe`, one per port, all at once.
 * A port other than 465 that stays silent gets a second attempt that
 * speaks TLS first; the two share only the probe_race. */
#include "probe.h"
#include "parallel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The plain attempt's observer: its socket once connected, and the
 * greeting when it came.  Runs in the plain attempt's thread. */
static void observe_plain(void *ctx, const struct smtp_session *s, enum smtp_state next)
{
	struct probe_race *r = ctx;
	pthread_mutex_lock(&r->lock);
	if (s->state == SMTP_CONNECT && s->connected) {
		r->plain_fd = s->conn.fd;
		r->connected = true;
		r->connect_ms = s->conn.connect_ms;
	}
	if (s->state == SMTP_GREETING && s->greeting.code)
		r->greeted = true;
	(void)next;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
}

static void run_one(struct port_probe *pp, enum smtp_tls_mode mode)
{
	pp->pol.tls_mode = mode;
	smtp_init(&pp->s, &pp->pol, &pp->out, pp->host, pp->port);
	pp->s.observer = observe_plain;
	pp->s.observer_ctx = &pp->race;
	if (pp->txn.nrcpt)
		pp->s.txn = &pp->txn;
	smtp_run(&pp->s);
	pthread_mutex_lock(&pp->race.lock);
	pp->race.plain_done = true;
	pp->race.plain_fd = -1;
	pthread_cond_broadcast(&pp->race.changed);
	pthread_mutex_unlock(&pp->race.lock);
}

/* How long a connected port may stay silent before the TLS-first attempt:
 * a few round trips (the connect time is one), for a greeting normally
 * comes one round trip after the connection; at least TLS_FIRST_MIN_MS so
 * that a loopback or LAN server gets a moment, at most a quarter of the
 * step deadline and 2 s. */
#define TLS_FIRST_RTTS 4
#define TLS_FIRST_MIN_MS 50
static int most_silence_ms(const struct smtp_policy *pol)
{
	int most = pol->timeout_ms / 4;
	return most > 2000 ? 2000 : most < TLS_FIRST_MIN_MS ? TLS_FIRST_MIN_MS : most;
}

static int silence_ms(const struct probe_tls_first *f, double connect_ms)
{
	int most = f->most_silence_ms;
	double wait = TLS_FIRST_RTTS * connect_ms;
	return wait < TLS_FIRST_MIN_MS ? TLS_FIRST_MIN_MS : wait > most ? most : (int)wait;
}

/* Everything the TLS-first attempt needs, copied before its thread starts:
 * it never reads the plain attempt's policy, transaction or session. */
static void prepare_tls_first(struct port_probe *pp)
{
	struct probe_tls_first *f = &pp->first;
	f->most_silence_ms = most_silence_ms(&pp->pol);
	f->pol = pp->pol;
	f->pol.tls_mode = SMTP_TLS_MODE_IMPLICIT;
	if (pp->txn.nrcpt) {
		f->rcpt = (struct smtp_rcpt){.address = pp->rcpt.address};
		f->txn = pp->txn;
		f->txn.rcpts = &f->rcpt;
	}
	struct out_opts collect = pp->out.o;
	collect.json = true;
	out_init(&f->out, &collect, NULL);
}

/* A port other than 465 that says nothing may be waiting for a TLS
 * ClientHello.  Once the plain attempt is connected and has stayed silent
 * for a few round trips, this second attempt speaks TLS first, within what
 * is left of the step deadline, so a silent port still costs one
 * --timeout.  Only a greeting inside TLS makes it win (a plain server that
 * greets late answers its ClientHello in clear, which fails it); then the
 * plain attempt is woken by shutting its socket. */
static void *tls_first(void *arg)
{
	struct port_probe *pp = arg;
	struct probe_tls_first *f = &pp->first;
	struct probe_race *r = &pp->race;
	struct timespec end;

	pthread_mutex_lock(&r->lock);
	while (!r->connected && !r->greeted && !r->plain_done)
		pthread_cond_wait(&r->changed, &r->lock);
	int silence = silence_ms(f, r->connect_ms);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += silence / 1000;
	end.tv_nsec += (long)(silence % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!r->greeted && !r->plain_done && pthread_cond_timedwait(&r->changed, &r->lock, &end) != ETIMEDOUT)
		;
	bool go = !r->greeted && !r->plain_done;
	pthread_mutex_unlock(&r->lock);
	if (!go)
		return NULL;
	f->pol.timeout_ms -= silence;       /* f->pol is the plain attempt's, copied */
	f->pol.conn.connect_timeout_ms = f->pol.timeout_ms;
	smtp_init(&f->s, &f->pol, &f->out, pp->host, pp->port);
	if (f->txn.nrcpt)
		f->s.txn = &f->txn;
	f->tried = true;
	smtp_run(&f->s);
	pthread_mutex_lock(&r->lock);
	if (f->s.tls.done && f->s.greeting.code && !r->greeted) {
		f->won = true;
		if (!r->plain_done && r->plain_fd >= 0)
			shutdown(r->plain_fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* The TLS-first attempt won: its session is the port's. */
static void take_tls_first(struct port_probe *pp)
{
	struct probe_tls_first *f = &pp->first;
	smtp_free(&pp->s);
	out_free(&pp->out);
	pp->s = f->s;
	pp->out = f->out;
	pp->s.out = &pp->out;
	pp->pol = f->pol;
	pp->s.pol = &pp->pol;
	pp->s.observer = NULL;
	pp->tls = FOUND_IMPLICIT;
	if (pp->txn.nrcpt) {
		pp->rcpt = f->rcpt;
		pp->txn = f->txn;
		pp->txn.rcpts = &pp->rcpt;
		pp->s.txn = &pp->txn;
	}
}

/* One port: implicit TLS on 465 (falling back to plain when the server
 * greets in clear), else plain with STARTTLS when offered, and TLS first
 * when the port stays silent. */
static void probe_port(void *ctx, size_t i)
{
	struct probe *p = ctx;
	struct port_probe *pp = &p->ports[i];
	enum smtp_tls_mode asked = pp->pol.tls_mode;
	bool implicit = asked == SMTP_TLS_MODE_IMPLICIT || (asked == SMTP_TLS_MODE_AUTO && pp->port == 465);
	pthread_t helper;
	bool helper_started = false;

	pthread_mutex_init(&pp->race.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pp->race.changed, &ca);
	pthread_condattr_destroy(&ca);
	pp->race.plain_fd = -1;
	if (!implicit && asked == SMTP_TLS_MODE_AUTO) {
		prepare_tls_first(pp);
		helper_started = pthread_create(&helper, NULL, tls_first, pp) == 0;
		if (!helper_started)
			out_free(&pp->first.out);
	}
	run_one(pp, implicit ? SMTP_TLS_MODE_IMPLICIT : asked);
	if (helper_started)
		pthread_join(helper, NULL);
	if (pp->first.won) {
		take_tls_first(pp);
		pp->relay_tested = pp->txn.nrcpt && pp->rcpt.code != 0;
		return;
	}
	if (helper_started) {
		if (pp->first.tried)
			smtp_free(&pp->first.s);
		out_free(&pp->first.out);
	}
	if (implicit && asked == SMTP_TLS_MODE_AUTO && pp->s.err.cause == ERR_PROTOCOL && !pp->s.tls.done) {
		/* The port answered our ClientHello in clear: plain SMTP there. */
		out_info(&pp->out, 0, "no TLS on connect: trying plain SMTP");
		smtp_free(&pp->s);
		run_one(pp, SMTP_TLS_MODE_AUTO);
		implicit = false;
	}
	pp->pol.tls_mode = asked;
	if (pp->s.tls.done)
		pp->tls = implicit && pp->s.in_tls && !pp->s.have_before ? FOUND_IMPLICIT : FOUND_STARTTLS;
	else if (pp->s.starttls_offered && !pp->s.starttls_refused && asked != SMTP_TLS_MODE_NONE)
		pp->tls = FOUND_STARTTLS;       /* offered, but the handshake failed: see the error */
	pp->relay_tested = pp->txn.nrcpt && pp->rcpt.code != 0;
	if (pp->tls == FOUND_STARTTLS)
		mandatory_tls_ask(&pp->pol, &pp->out.o, pp->host, pp->port, &pp->mandatory);
}


void probe_run(struct probe *p)
{
	parallel_run(p->n, p->n, probe_port, p);
}

void probe_free(struct probe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		smtp_free(&p->ports[i].s);
		out_free(&p->ports[i].out);
		pthread_cond_destroy(&p->ports[i].race.changed);
		pthread_mutex_destroy(&p->ports[i].race.lock);
	}
	free(p->ports);
	p->ports = NULL;
	p->n = 0;
}
