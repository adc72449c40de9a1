/* parallel.h - run independent jobs (sessions to several ports, lookups
 * for several domains) on a bounded number of threads. */
#ifndef SMTPKIT_PARALLEL_H
#define SMTPKIT_PARALLEL_H

#include <stddef.h>

/* Called once per job index, from some worker thread. */
typedef void parallel_job_fn(void *ctx, size_t index);

/* Run job(ctx, i) for i in [0, n) on at most max_threads threads (1 runs
 * them in order on the calling thread).  Returns when all are done; 0, or
 * -1 if no thread could be started (the jobs then ran on the caller). */
int parallel_run(size_t n, size_t max_threads, parallel_job_fn *job, void *ctx);

#endif
