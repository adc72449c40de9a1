/* load_run.c - smtpkit send --count: C threads, each holding a session
 * open (smtp_hold_txn) for transaction after transaction, claiming message
 * numbers from one counter at the rate asked; every claimed message gets
 * exactly one outcome, counted under one lock. */
#define _DEFAULT_SOURCE
#include "load.h"
#include "deadline.h"
#include "msg.h"
#include "parallel.h"

#include <gnutls/crypto.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct load {
	const struct load_job *job;
	struct load_stats *st;
	pthread_mutex_t lock;
	unsigned long long next_seq;    /* the next message to claim, from 1 */
	int64_t t0, end;                /* ms; end 0: no --duration */
	char nonce[17];                 /* Message-IDs of this run */
	unsigned open;                  /* sessions open now */
	unsigned long long done;        /* outcomes counted */
};

/* ---- the latency histogram ----------------------------------------------- */

/* Bucket i covers 10 us * 1.01^i; 1900 buckets reach beyond 1000 s. */
static size_t bucket_of(double ms)
{
	double us = ms * 1000.0;
	if (us <= 10.0)
		return 0;
	double i = log(us / 10.0) / log(1.01);
	return i >= LOAD_BUCKETS - 1 ? LOAD_BUCKETS - 1 : (size_t)i;
}

void load_hist_add(struct load_hist *h, double ms)
{
	h->bucket[bucket_of(ms)]++;
	h->n++;
	if (ms > h->max)
		h->max = ms;
}

double load_hist_percentile(const struct load_hist *h, double p)
{
	if (h->n == 0)
		return 0;
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->n), seen = 0;
	for (size_t i = 0; i < LOAD_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want && seen > 0) {
			double ms = 0.01 * pow(1.01, (double)i + 0.5);
			return ms < h->max ? ms : h->max;
		}
	}
	return h->max;
}

/* ---- claiming messages at the rate asked ----------------------------------- */

static void sleep_until(int64_t ms)
{
	int64_t left = ms - deadline_now_ms();
	if (left <= 0)
		return;
	struct timespec ts = {left / 1000, (left % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* The next message number, 0 when there is none left (--count reached,
 * --duration over).  With --rate, message n leaves at t0 + (n-1)/rate. */
static unsigned long long claim(struct load *L)
{
	const struct load_opts *o = L->job->o;
	pthread_mutex_lock(&L->lock);
	unsigned long long seq = L->next_seq;
	bool over = (o->count && seq > o->count) || (L->end && deadline_now_ms() >= L->end);
	if (!over)
		L->next_seq++;
	pthread_mutex_unlock(&L->lock);
	if (over)
		return 0;
	if (o->rate > 0)
		sleep_until(L->t0 + (int64_t)((double)(seq - 1) * 1000.0 / o->rate));
	if (L->end && deadline_now_ms() >= L->end)
		return 0;               /* claimed, but its time is past the end: not sent */
	return seq;
}

/* ---- outcomes ---------------------------------------------------------------- */

static void note_reply(struct load *L, unsigned long long seq, int cls, const char *text)
{
	struct load_stats *st = L->st;
	for (size_t i = 0; i < st->nreplies; i++) {
		if (st->replies[i].cls == cls && strncmp(st->replies[i].text, text, sizeof st->replies[i].text - 1) == 0) {
			st->replies[i].count++;
			return;
		}
	}
	struct load_reply *more = realloc(st->replies, (st->nreplies + 1) * sizeof *more);
	if (!more)
		return;
	st->replies = more;
	struct load_reply *r = &st->replies[st->nreplies++];
	memset(r, 0, sizeof *r);
	size_t n = strlen(text);
	if (n >= sizeof r->text)
		n = sizeof r->text - 1;
	memcpy(r->text, text, n);
	r->text[n] = '\0';
	r->cls = cls;
	r->count = 1;
	r->first_seq = seq;
	r->first_s = (double)(deadline_now_ms() - L->t0) / 1000.0;
}

/* What message seq got: accepted (its final reply was 2xx), or the
 * failure e (a 4xx, a refusal, or no answer at all). */
static void outcome(struct load *L, unsigned long long seq, bool accepted, double ms, const struct err *e)
{
	struct load_stats *st = L->st;
	pthread_mutex_lock(&L->lock);
	L->done++;
	if (accepted) {
		st->accepted++;
		load_hist_add(&st->latency, ms);
	} else {
		int cls = 0;
		switch (e->cause) {
		case ERR_REPLY_TEMP:
			cls = 4;
			st->temp_failed++;
			break;
		case ERR_REPLY_PERM:
		case ERR_RCPTS_REFUSED:
		case ERR_AUTH:
			cls = 5;
			st->refused++;
			break;
		default:
			st->failed++;
			break;
		}
		note_reply(L, seq, cls, e->reply[0] ? e->reply : e->msg);
		if (cls == 4 && !st->first_temp_seq) {
			st->first_temp_seq = seq;
			st->first_temp_s = (double)(deadline_now_ms() - L->t0) / 1000.0;
		}
		if (!err_is_set(&st->worst) || err_worse_exit(err_exit_code(e), err_exit_code(&st->worst))
						       != err_exit_code(&st->worst))
			st->worst = *e;
	}
	pthread_mutex_unlock(&L->lock);
}

/* ---- one worker: sessions held open, one after another --------------------- */

/* A message and its transaction: a worker has two, the one being sent
 * and the one whose MAIL group goes out behind its end of data. */
struct slot {
	unsigned long long seq;         /* 0: empty */
	bool retried;                   /* sent again once already (unanswered) */
	struct smtp_txn t;
	struct smtp_rcpt *rcpts;
	struct msg view;
	char head[512];
};

struct worker {
	struct load *L;
	unsigned index;
	struct smtp_session s;
	struct out out;
	bool open;
	unsigned long long in_session;  /* transactions on this session */
	struct slot slot[2];
	int64_t tls_at, auth_at;        /* set-up steps being timed (us) */
	double tls_ms, auth_ms;
	bool transcript_done;           /* -v: the first session only */
};

/* Set-up times from the machine's state changes: the handshake, AUTH. */
static void observe(void *ctx, const struct smtp_session *s, enum smtp_state next)
{
	struct worker *w = ctx;
	int64_t now = deadline_now_us();
	bool tls = next == SMTP_TLS_HANDSHAKE || next == SMTP_TLS_IMPLICIT;
	bool was_tls = s->state == SMTP_TLS_HANDSHAKE || s->state == SMTP_TLS_IMPLICIT;
	if (tls && !was_tls)
		w->tls_at = now;
	if (was_tls && !tls)
		w->tls_ms = (double)(now - w->tls_at) / 1000.0;
	bool auth = next == SMTP_AUTH || next == SMTP_AUTH_STEP;
	bool was_auth = s->state == SMTP_AUTH || s->state == SMTP_AUTH_STEP;
	if (auth && !was_auth)
		w->auth_at = now;
	if (was_auth && !auth)
		w->auth_ms = (double)(now - w->auth_at) / 1000.0;
}

static void close_session(struct worker *w, bool quit)
{
	struct load *L = w->L;
	if (!w->open)
		return;
	if (quit && w->s.state == SMTP_HELD)
		smtp_hold_quit(&w->s);
	smtp_free(&w->s);
	out_free(&w->out);
	w->open = false;
	pthread_mutex_lock(&L->lock);
	L->open--;
	if (w->in_session > L->st->max_per_session)
		L->st->max_per_session = w->in_session;
	pthread_mutex_unlock(&L->lock);
}

/* Connect, greet, TLS, AUTH: held open at the policy's stop stage.  false
 * with the failure counted against message seq. */
static bool open_session(struct worker *w, unsigned long long seq)
{
	struct load *L = w->L;
	const struct load_job *j = L->job;
	/* -v: the first session's transcript; -vv: every session's. */
	bool show = j->o->transcript >= 2 || (j->o->transcript == 1 && w->index == 0 && !w->transcript_done);
	w->transcript_done |= show;
	out_init(&w->out, j->oo, show ? stdout : NULL);
	w->out.keep = false;            /* flat memory: nothing kept for a report */
	smtp_init(&w->s, j->pol, &w->out, j->host, j->port);
	w->s.observer = observe;
	w->s.observer_ctx = w;
	w->tls_ms = w->auth_ms = -1;
	w->open = true;
	w->in_session = 0;
	pthread_mutex_lock(&L->lock);
	L->open++;
	L->st->sessions_opened++;
	pthread_mutex_unlock(&L->lock);
	smtp_run(&w->s);
	if (w->s.state == SMTP_HELD) {
		pthread_mutex_lock(&L->lock);
		load_hist_add(&L->st->setup_tcp, w->s.conn.connect_ms);
		if (w->tls_ms >= 0)
			load_hist_add(&L->st->setup_tls, w->tls_ms);
		if (w->auth_ms >= 0)
			load_hist_add(&L->st->setup_auth, w->auth_ms);
		if (!L->st->via[0]) {
			memcpy(L->st->address, w->s.conn.peer_addr, sizeof L->st->address);
			memcpy(L->st->via, w->s.conn.via, sizeof L->st->via);
		}
		pthread_mutex_unlock(&L->lock);
		return true;
	}
	pthread_mutex_lock(&L->lock);
	L->st->sessions_failed++;
	pthread_mutex_unlock(&L->lock);
	outcome(L, seq, false, 0, &w->s.err);
	close_session(w, false);
	return false;
}

/* "<load-NONCE-SEQ@DOMAIN>" and the sequence header, before the message. */
static size_t prefix(const struct load *L, unsigned long long seq, char *buf, size_t size)
{
	const struct load_opts *o = L->job->o;
	int n = snprintf(buf, size, "Message-ID: <load-%s-%llu@%s>\r\n", L->nonce, seq, o->domain);
	if (o->seq_header && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "X-Smtpkit-Seq: %llu\r\n", seq);
	return n < 0 ? 0 : (size_t)n;
}

/* Message seq in slot m, its transaction ready to run: false (the
 * failure counted, the slot empty) when its view cannot be made. */
static bool fill_slot(struct worker *w, struct slot *m, unsigned long long seq)
{
	struct load *L = w->L;
	const struct load_job *j = L->job;
	m->t = *j->txn;
	m->t.rcpts = m->rcpts;
	if (j->o->rotate) {
		m->rcpts[0].address = j->o->rotate[(seq - 1) % j->o->nrotate];
		m->t.nrcpt = 1;
	}
	if (msg_view(&m->view, j->txn->msg, m->head, prefix(L, seq, m->head, sizeof m->head)) < 0) {
		struct err e = {0};
		err_set(&e, ERR_LOCAL_IO, "data", "cannot read the message spool");
		outcome(L, seq, false, 0, &e);
		m->seq = 0;
		return false;
	}
	m->t.msg = &m->view;
	smtp_txn_reset(&m->t);
	m->seq = seq;
	m->retried = false;
	return true;
}

static void empty_slot(struct slot *m)
{
	msg_view_free(&m->view);
	m->seq = 0;
}

/* One more message may follow m on this session, its MAIL group behind
 * m's end of data: not with --rate (it would leave before its time), nor
 * past the session's --per-connection. */
static bool may_follow(const struct worker *w)
{
	const struct load_opts *o = w->L->job->o;
	return o->rate <= 0 && (!o->per_connection || w->in_session + 1 < o->per_connection);
}

/* The session ended before m's MAIL was answered and none of its message
 * went out: the server closed after refusing the message before, say
 * (Exim's ACL drop).  m was not refused; it may go once more. */
static bool unanswered(const struct worker *w, const struct slot *m)
{
	return !m->retried && m->t.mail_code == 0 && !m->t.message_sent && err_class(&w->s.err) == ERR_CLASS_IO;
}

/* Message m on the open session, with next (or NULL) written behind it:
 * true when m has its outcome, false when it is to be sent again. */
static bool send_one(struct worker *w, struct slot *m, struct slot *next)
{
	struct load *L = w->L;
	if (!m->retried) {
		pthread_mutex_lock(&L->lock);
		L->st->sent++;
		pthread_mutex_unlock(&L->lock);
	}
	int rc = smtp_hold_txn(&w->s, &m->t, next ? &next->t : NULL);
	w->in_session++;
	if (rc < 0 && unanswered(w, m)) {
		close_session(w, false);
		m->retried = true;
		smtp_txn_reset(&m->t);
		if (next)
			smtp_txn_reset(&next->t);
		return false;
	}
	/* From its MAIL on the wire to its final reply. */
	double ms = (double)(deadline_now_us() - m->t.begun_us) / 1000.0;
	/* Accepted: its final reply (every one, with LMTP) said so. */
	outcome(L, m->seq, m->t.delivered && !err_is_set(&w->s.err), ms, &w->s.err);
	empty_slot(m);
	if (rc < 0) {
		close_session(w, false);
		if (next)               /* none of it was sent: again, on another session */
			smtp_txn_reset(&next->t);
		return true;
	}
	err_clear(&w->s.err);
	if (L->job->o->per_connection && w->in_session >= L->job->o->per_connection)
		close_session(w, true);
	return true;
}

static void work(void *ctx, size_t index)
{
	struct worker *w = &((struct worker *)ctx)[index];
	struct slot *m = &w->slot[0], *next = &w->slot[1];
	for (;;) {
		if (!m->seq && next->seq) {
			/* m failed to open a session: the one behind it is next. */
			struct slot *swap = m;
			m = next;
			next = swap;
		}
		if (!m->seq) {
			unsigned long long seq = claim(w->L);
			if (!seq)
				break;
			if (!fill_slot(w, m, seq))
				continue;
		}
		if (!w->open && !open_session(w, m->seq)) {
			empty_slot(m);
			continue;
		}
		if (!next->seq && may_follow(w)) {
			unsigned long long seq = claim(w->L);
			if (seq)
				fill_slot(w, next, seq);
		}
		if (!send_one(w, m, next->seq ? next : NULL))
			continue;       /* m again, on a new session */
		struct slot *swap = m;
		m = next;
		next = swap;
	}
	close_session(w, true);
}

/* ---- the run ---------------------------------------------------------------- */

static void free_workers(struct worker *w, unsigned n)
{
	for (unsigned i = 0; w && i < n; i++)
		for (int k = 0; k < 2; k++)
			free(w[i].slot[k].rcpts);
	free(w);
}

struct runner {
	struct load *L;
	struct worker *workers;
	pthread_mutex_t lock;
	pthread_cond_t done;            /* the workers are finished */
	bool finished;
};

static void *run_workers(void *ctx)
{
	struct runner *r = ctx;
	parallel_run(r->L->job->o->connections, r->L->job->o->connections, work, r->workers);
	pthread_mutex_lock(&r->lock);
	r->finished = true;
	pthread_cond_signal(&r->done);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Until the workers are finished, or ms have passed: true when finished. */
static bool wait_finished(struct runner *r, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&r->lock);
	while (!r->finished && pthread_cond_timedwait(&r->done, &r->lock, &until) == 0)
		;
	bool finished = r->finished;
	pthread_mutex_unlock(&r->lock);
	return finished;
}

static void progress(struct load *L)
{
	struct load_stats *st = L->st;
	pthread_mutex_lock(&L->lock);
	double secs = (double)(deadline_now_ms() - L->t0) / 1000.0;
	out_progress("sent %llu  accepted %llu  temp-failed %llu  refused %llu  failed %llu  %.0f msgs/s  %u open ",
		     st->sent, st->accepted, st->temp_failed, st->refused, st->failed,
		     secs > 0 ? (double)st->accepted / secs : 0.0, L->open);
	pthread_mutex_unlock(&L->lock);
}

int load_run(const struct load_job *job, struct load_stats *st, struct err *e)
{
	const struct load_opts *o = job->o;
	struct load L = {.job = job, .st = st, .next_seq = 1};
	memset(st, 0, sizeof *st);
	unsigned char rnd[8];
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "no random numbers");
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(L.nonce + 2 * i, 3, "%02x", rnd[i]);
	struct worker *w = calloc(o->connections, sizeof *w);
	size_t nrcpt = o->rotate ? 1 : job->txn->nrcpt;
	bool ok = w != NULL;
	for (unsigned i = 0; ok && i < o->connections; i++) {
		w[i].L = &L;
		w[i].index = i;
		for (int k = 0; ok && k < 2; k++) {
			struct slot *m = &w[i].slot[k];
			ok = (m->rcpts = calloc(nrcpt, sizeof *m->rcpts)) != NULL;
			if (ok && !o->rotate)
				memcpy(m->rcpts, job->txn->rcpts, nrcpt * sizeof *m->rcpts);
		}
	}
	if (!ok) {
		free_workers(w, o->connections);
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	}
	pthread_mutex_init(&L.lock, NULL);
	L.t0 = deadline_now_ms();
	L.end = o->duration > 0 ? L.t0 + (int64_t)(o->duration * 1000.0) : 0;

	struct runner r = {.L = &L, .workers = w, .lock = PTHREAD_MUTEX_INITIALIZER,
			   .done = PTHREAD_COND_INITIALIZER};
	pthread_t th;
	if (pthread_create(&th, NULL, run_workers, &r) != 0) {
		run_workers(&r);
	} else {
		/* The display, rewritten five times a second while they run. */
		while (!wait_finished(&r, 200))
			if (o->progress)
				progress(&L);
		pthread_join(th, NULL);
	}
	if (o->progress) {
		progress(&L);
		out_progress_end();
	}
	st->elapsed = (double)(deadline_now_ms() - L.t0) / 1000.0;
	free_workers(w, o->connections);
	pthread_mutex_destroy(&L.lock);
	return 0;
}

void load_stats_free(struct load_stats *st)
{
	free(st->replies);
	st->replies = NULL;
	st->nreplies = 0;
}
