/* deadline.h - waiting for a socket under a deadline on the monotonic
 * clock; shared by the SMTP connection (conn.c) and DNS over TCP (dns.c). */
#ifndef SMTPKIT_DEADLINE_H
#define SMTPKIT_DEADLINE_H

#include <poll.h>
#include <signal.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock, the unit of every deadline: a
 * change of the wall clock must not stretch or cut a step short. */
int64_t deadline_now_ms(void);
/* The same clock in microseconds, for measuring (send --count latencies). */
int64_t deadline_now_us(void);

/* Wait until fd is ready for events (POLLIN or POLLOUT) or the deadline
 * passes, each poll() given only the time left, so that interruptions
 * and retries cannot extend the step.  1 ready (an error or hang-up counts:
 * the next read or write says which), 0 the deadline passed, -1 poll()
 * failed with errno set. */
int deadline_poll(int fd, short events, int64_t deadline);
/* The same, but -1 with errno EINTR once *stop is set (by a signal
 * handler; NULL: never). */
int deadline_poll_until(int fd, short events, int64_t deadline, const volatile sig_atomic_t *stop);
/* The same over several descriptors (a --pipe program's output and its
 * stderr): 1 when any is ready (see revents). */
int deadline_poll_fds(struct pollfd *fds, nfds_t n, int64_t deadline, const volatile sig_atomic_t *stop);

#endif
