/* load_report.c - what send --count reports: totals per class and per
 * distinct reply, rates, latency and set-up percentiles, when throttling
 * began; human or one JSON document; the exit status by the worst class. */
#include "load.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *class_name(int cls)
{
	return cls == 4 ? "temp-failed" : cls == 5 ? "refused" : "failed";
}

static double per_second(unsigned long long n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

int load_exit_code(const struct load_stats *st)
{
	return err_exit_code(&st->worst);
}

/* Most frequent first. */
static int by_count(const void *a, const void *b)
{
	const struct load_reply *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void human(const struct load_job *job, const struct load_stats *st)
{
	const struct load_opts *o = job->o;
	unsigned long long total = st->accepted + st->temp_failed + st->refused + st->failed;
	double rate = per_second(st->accepted, st->elapsed);
	if (job->oo->quiet)
		goto result;
	/* "127.0.0.1 port 25 over TCP", the socket, the program: as connected. */
	char to[400];
	if (st->via[0])
		snprintf(to, sizeof to, "%s", st->via);
	else
		snprintf(to, sizeof to, "%s port %d", job->host ? job->host : "(no server reached)", job->port);
	out_print(stdout, "=== load: %llu message%s over %u connection%s to %s in %.2f s\n", total,
		  total == 1 ? "" : "s", o->connections, o->connections == 1 ? "" : "s", to, st->elapsed);
	printf("    accepted     %10llu   %.0f msgs/s overall, %.0f per connection\n", st->accepted, rate,
	       rate / o->connections);
	printf("    temp-failed  %10llu\n    refused      %10llu\n    failed       %10llu\n", st->temp_failed,
	       st->refused, st->failed);
	for (size_t i = 0; i < st->nreplies; i++) {
		const struct load_reply *r = &st->replies[i];
		out_print(stdout, "    %-12s %10llu   %s (first: message %llu after %.2f s)\n", class_name(r->cls),
			  r->count, r->text, r->first_seq, r->first_s);
	}
	if (st->latency.n)
		printf("=== transaction latency (ms): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		       load_hist_percentile(&st->latency, 50), load_hist_percentile(&st->latency, 90),
		       load_hist_percentile(&st->latency, 99), st->latency.max);
	printf("=== sessions: %llu opened, %llu failed to open, at most %llu transactions on one\n",
	       st->sessions_opened, st->sessions_failed, st->max_per_session);
	const struct {
		const char *name;
		const struct load_hist *h;
	} setup[] = {{"TCP", &st->setup_tcp}, {"TLS", &st->setup_tls}, {"AUTH", &st->setup_auth}};
	for (size_t i = 0; i < 3; i++)
		if (setup[i].h->n)
			printf("=== set-up %-4s (ms): p50 %.2f  p99 %.2f\n", setup[i].name,
			       load_hist_percentile(setup[i].h, 50), load_hist_percentile(setup[i].h, 99));
	if (st->first_temp_seq)
		printf("=== throttling: the first 4xx came for message %llu, %.2f s in\n", st->first_temp_seq,
		       st->first_temp_s);
result:
	if (!err_is_set(&st->worst))
		printf("result: ok: %llu of %llu accepted\n", st->accepted, total);
	else
		out_result_line(stdout, false, &st->worst, "%llu of %llu accepted", st->accepted, total);
}

static void json_hist(struct json *j, const char *key, const struct load_hist *h, bool p90)
{
	json_key(j, key);
	if (!h->n) {
		json_null(j);
		return;
	}
	json_object(j);
	json_kint(j, "count", (long long)h->n);
	json_knum(j, "p50", load_hist_percentile(h, 50));
	if (p90)
		json_knum(j, "p90", load_hist_percentile(h, 90));
	json_knum(j, "p99", load_hist_percentile(h, 99));
	json_knum(j, "max", h->max);
	json_object_end(j);
}

static void as_json(const struct load_job *job, const struct load_stats *st)
{
	const struct load_opts *o = job->o;
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, "send");
	json_kstr(&j, "mode", "load");
	json_kbool(&j, "ok", !err_is_set(&st->worst));
	json_kint(&j, "exit_code", load_exit_code(st));
	out_json_error(&j, &st->worst);
	json_key(&j, "server");
	json_object(&j);
	out_json_server(&j, job->host, job->port, st->address, st->via, &job->pol->conn);
	json_object_end(&j);
	json_key(&j, "totals");
	json_object(&j);
	json_kint(&j, "sent", (long long)st->sent);
	json_kint(&j, "accepted", (long long)st->accepted);
	json_kint(&j, "temp_failed", (long long)st->temp_failed);
	json_kint(&j, "refused", (long long)st->refused);
	json_kint(&j, "failed", (long long)st->failed);
	json_object_end(&j);
	json_key(&j, "replies");
	json_array(&j);
	for (size_t i = 0; i < st->nreplies; i++) {
		const struct load_reply *r = &st->replies[i];
		json_object(&j);
		json_kstr(&j, "class", class_name(r->cls));
		json_kstr(&j, "reply", r->text);
		json_kint(&j, "count", (long long)r->count);
		json_kint(&j, "first_message", (long long)r->first_seq);
		json_knum(&j, "first_seconds", r->first_s);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_knum(&j, "seconds", st->elapsed);
	json_kint(&j, "connections", o->connections);
	json_knum(&j, "msgs_per_second", per_second(st->accepted, st->elapsed));
	json_knum(&j, "msgs_per_second_per_session", per_second(st->accepted, st->elapsed) / o->connections);
	json_hist(&j, "latency_ms", &st->latency, true);
	json_key(&j, "setup_ms");
	json_object(&j);
	json_hist(&j, "tcp", &st->setup_tcp, false);
	json_hist(&j, "tls", &st->setup_tls, false);
	json_hist(&j, "auth", &st->setup_auth, false);
	json_object_end(&j);
	json_key(&j, "sessions");
	json_object(&j);
	json_kint(&j, "opened", (long long)st->sessions_opened);
	json_kint(&j, "failed", (long long)st->sessions_failed);
	json_kint(&j, "max_transactions", (long long)st->max_per_session);
	json_object_end(&j);
	json_key(&j, "throttling");
	if (st->first_temp_seq) {
		json_object(&j);
		json_kint(&j, "first_message", (long long)st->first_temp_seq);
		json_knum(&j, "first_seconds", st->first_temp_s);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_object_end(&j);
}

void load_report(const struct load_job *job, const struct load_stats *st, bool json)
{
	if (st->nreplies)
		qsort(st->replies, st->nreplies, sizeof *st->replies, by_count);
	if (json)
		as_json(job, st);
	else
		human(job, st);
	if (err_is_set(&st->worst))
		out_error(&st->worst);
}
