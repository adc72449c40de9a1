/* parallel.c - a tiny pool: workers take the next job index until none
 * are left. */
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	parallel_job_fn *job;
	void *ctx;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		p->job(p->ctx, i);
	}
}

int parallel_run(size_t n, size_t max_threads, parallel_job_fn *job, void *ctx)
{
	struct pool p = {.next = 0, .n = n, .job = job, .ctx = ctx};
	/* The calling thread is one of the workers. */
	size_t nthreads = (max_threads < n ? max_threads : n);
	nthreads = nthreads > 0 ? nthreads - 1 : 0;
	pthread_t *threads = nthreads > 0 ? calloc(nthreads, sizeof *threads) : NULL;
	size_t started = 0;
	int rc = 0;

	pthread_mutex_init(&p.lock, NULL);
	if (threads) {
		for (; started < nthreads; started++)
			if (pthread_create(&threads[started], NULL, worker, &p) != 0)
				break;
		if (started == 0)
			rc = -1;
	}
	worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&p.lock);
	return rc;
}
