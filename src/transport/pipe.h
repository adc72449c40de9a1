/* pipe.h - a local program as the server (--pipe): it speaks SMTP on its
 * stdin and stdout, which are one end of a socket pair; its stderr is
 * read as it comes and shown in the transcript; its exit is reaped under
 * a deadline. */
#ifndef SMTPKIT_TRANSPORT_PIPE_H
#define SMTPKIT_TRANSPORT_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct conn;

struct conn_child {
	pid_t pid;                  /* 0: no program */
	int err_fd;                 /* the read end of its stderr, -1 when closed */
	char name[64];              /* argv[0], for messages */
	char errline[512];          /* a stderr line not yet ended */
	size_t errlen;
};

/* Start argv (no shell: argv[0] is looked up in PATH) with its stdin and
 * stdout on a socket whose other end becomes *fd (non-blocking).  A
 * program that cannot be run is 66 (ERR_NOINPUT). */
int pipe_spawn(struct conn_child *ch, const char *const *argv, int *fd, struct err *e, const char *stage);
/* Show the stderr lines that can be read now; with to_end, up to the end
 * of stderr or the connection's current deadline. */
void pipe_drain_stderr(struct conn *c, bool to_end);
/* The program's stdin is closed (the caller closed its socket): wait
 * for it to exit, up to grace_ms, then SIGTERM and SIGKILL; say how it
 * ended. */
void pipe_reap(struct conn *c, int grace_ms);

#endif
