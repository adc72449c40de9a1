/* dns_query_tool.c - drive src/dns.c from the integration tests until a
 * subcommand uses it.
 *
 *   dns_query_tool NAME TYPE [--resolver ADDR[:PORT]] [--timeout-ms N]
 *                  [--tries N] [--parallel N]
 *
 * Prints "status=S rcode=N ad=0|1 tcp=0|1 canonical=NAME n=N" and one line
 * per record ("MX 10 mx.example", "A 192.0.2.1", "TXT text", "TLSA 3 1 1
 * HEX", "PTR name", "CNAME name").  --parallel runs N identical queries in
 * N threads and prints the first; every answer must be the same (exit 3
 * otherwise).  Exit 0 for status ok, 1 for any other status, 2 for usage. */
#include "dns.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int type;
} types[] = {
	{"A", DNS_T_A}, {"AAAA", DNS_T_AAAA}, {"MX", DNS_T_MX}, {"TXT", DNS_T_TXT},
	{"TLSA", DNS_T_TLSA}, {"PTR", DNS_T_PTR}, {"CNAME", DNS_T_CNAME},
};

struct job {
	const struct dns_resolver *r;
	const char *name;
	int type;
	const char *type_name;
	char out[8192];
};

static void print_answer(const struct dns_answer *a, const char *tname, char *out, size_t size)
{
	size_t len = 0;
#define EMIT(...) do { \
	int n_ = snprintf(out + len, size - len, __VA_ARGS__); \
	if (n_ > 0 && (size_t)n_ < size - len) len += (size_t)n_; \
} while (0)
	EMIT("status=%s rcode=%d ad=%d tcp=%d canonical=%s n=%zu\n", dns_status_name(a->status),
	     a->rcode, a->ad, a->truncated_tcp, a->canonical[0] ? a->canonical : "-", a->n);
	if (a->why[0])
		EMIT("why=%s\n", a->why);
	for (size_t i = 0; i < a->n; i++) {
		if (a->mx) {
			EMIT("MX %u %s\n", a->mx[i].preference, a->mx[i].host);
		} else if (a->addrs) {
			EMIT("%s %s\n", tname, a->addrs[i]);
		} else if (a->txt) {
			EMIT("TXT %s\n", a->txt[i]);
		} else if (a->names) {
			EMIT("%s %s\n", tname, a->names[i]);
		} else if (a->tlsa) {
			const struct dns_tlsa *t = &a->tlsa[i];
			EMIT("TLSA %u %u %u ", t->usage, t->selector, t->mtype);
			for (size_t j = 0; j < t->len; j++)
				EMIT("%02x", t->full[j]);
			EMIT("\n");
		}
	}
#undef EMIT
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	struct dns_answer a;
	dns_query(j->r, j->name, j->type, &a);
	print_answer(&a, j->type_name, j->out, sizeof j->out);
	dns_answer_free(&a);
	return NULL;
}

int main(int argc, char **argv)
{
	struct dns_resolver r;
	struct err e;
	const char *spec = NULL;
	int timeout_ms = 0, tries = 0, parallel = 1;

	if (argc < 3)
		goto usage;
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "--resolver") == 0)
			spec = argv[++i];
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			timeout_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--tries") == 0)
			tries = atoi(argv[++i]);
		else if (strcmp(argv[i], "--parallel") == 0)
			parallel = atoi(argv[++i]);
		else
			goto usage;
	}
	if (parallel < 1 || parallel > 256)
		goto usage;
	int type = 0;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(argv[2], types[i].name) == 0)
			type = types[i].type;
	if (type == 0)
		goto usage;

	memset(&e, 0, sizeof e);
	if (dns_resolver_init(&r, spec, &e) < 0) {
		fprintf(stderr, "dns_query_tool: %s\n", e.msg);
		return 2;
	}
	if (timeout_ms > 0)
		r.timeout_ms = timeout_ms;
	if (tries > 0)
		r.tries = tries;

	struct job *jobs = calloc((size_t)parallel, sizeof *jobs);
	pthread_t *tids = calloc((size_t)parallel, sizeof *tids);
	if (jobs == NULL || tids == NULL)
		return 2;
	for (int i = 0; i < parallel; i++) {
		jobs[i] = (struct job){.r = &r, .name = argv[1], .type = type, .type_name = argv[2]};
		if (pthread_create(&tids[i], NULL, run_job, &jobs[i]) != 0)
			return 2;
	}
	for (int i = 0; i < parallel; i++)
		pthread_join(tids[i], NULL);
	fputs(jobs[0].out, stdout);
	int rc = strncmp(jobs[0].out, "status=ok ", 10) == 0 ? 0 : 1;
	for (int i = 1; i < parallel; i++)
		if (strcmp(jobs[i].out, jobs[0].out) != 0) {
			fprintf(stderr, "dns_query_tool: thread %d answered differently:\n%s", i, jobs[i].out);
			rc = 3;
		}
	free(jobs);
	free(tids);
	return rc;

usage:
	fprintf(stderr, "usage: dns_query_tool NAME A|AAAA|MX|TXT|TLSA|PTR|CNAME [--resolver ADDR[:PORT]]"
		" [--timeout-ms N] [--tries N] [--parallel N]\n");
	return 2;
}
