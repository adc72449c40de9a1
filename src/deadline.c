/* deadline.c - the monotonic clock and the one poll() loop with a deadline. */
#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

int64_t deadline_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t deadline_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int deadline_poll(int fd, short events, int64_t deadline)
{
	return deadline_poll_until(fd, events, deadline, NULL);
}

int deadline_poll_until(int fd, short events, int64_t deadline, const volatile sig_atomic_t *stop)
{
	struct pollfd p = {.fd = fd, .events = events};
	return deadline_poll_fds(&p, 1, deadline, stop);
}

int deadline_poll_fds(struct pollfd *fds, nfds_t n, int64_t deadline, const volatile sig_atomic_t *stop)
{
	for (;;) {
		if (stop && *stop) {
			errno = EINTR;
			return -1;
		}
		int64_t left = deadline - deadline_now_ms();
		if (left <= 0)
			return 0;
		/* Timeouts are at most a day (options.c), so left fits an int. */
		int r = poll(fds, n, (int)left);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR || (stop && *stop))
			return -1;
	}
}
