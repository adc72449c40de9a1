/* pipe.c - a local program spoken to over its stdin and stdout. */
#define _GNU_SOURCE
#include "transport/pipe.h"
#include "conn.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The program is the user's, but the secrets smtpkit reads from its own
 * environment are not the program's to see (SPEC 10.11). */
static const char *const withheld[] = {"SMTPKIT_PASSWORD=", "SMTPKIT_SOCKS_PASSWORD="};

static char **child_environment(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 1, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep = true;
		for (size_t w = 0; w < sizeof withheld / sizeof withheld[0]; w++)
			keep &= strncmp(environ[i], withheld[w], strlen(withheld[w])) != 0;
		if (keep)
			env[k++] = environ[i];
	}
	return env;
}

int pipe_spawn(struct conn_child *ch, const char *const *argv, int *fd, struct err *e, const char *stage)
{
	int sv[2], errp[2];
	memset(ch, 0, sizeof *ch);
	ch->err_fd = -1;
	snprintf(ch->name, sizeof ch->name, "%s", argv[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, ERR_LOCAL_IO, stage, "socketpair: %s", strerror(errno));
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set(e, ERR_LOCAL_IO, stage, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawnattr_init(&at);
	/* smtpkit ignores SIGPIPE (SPEC 10.9); the program gets the default
	 * back, and no signal blocked. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	char **env = child_environment();
	int rc = env ? posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, env) : ENOMEM;
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(sv[1]);
	close(errp[1]);
	if (rc != 0) {
		close(sv[0]);
		close(errp[0]);
		return err_set(e, rc == ENOENT || rc == EACCES || rc == ENOEXEC ? ERR_NOINPUT : ERR_LOCAL_IO, stage,
			       "cannot run %s: %s", argv[0], strerror(rc));
	}
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);
	ch->pid = pid;
	ch->err_fd = errp[0];
	*fd = sv[0];
	return 0;
}

static void show_line(struct conn *c, const char *line, size_t len)
{
	char esc[1024];
	if (len > 0 && line[len - 1] == '\r')
		len--;
	text_escape(line, len, esc, sizeof esc);
	if (c->note)
		c->note(c->note_ctx, "%s stderr: %s", c->child.name, esc);
}

/* Read what stderr holds now: 1 at its end, 0 otherwise. */
static int read_stderr(struct conn *c)
{
	struct conn_child *ch = &c->child;
	for (;;) {
		char buf[1024];
		ssize_t n = read(ch->err_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			if (ch->errlen)
				show_line(c, ch->errline, ch->errlen);
			ch->errlen = 0;
			close(ch->err_fd);
			ch->err_fd = -1;
			return 1;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || ch->errlen == sizeof ch->errline) {
				show_line(c, ch->errline, ch->errlen);
				ch->errlen = 0;
				if (buf[i] == '\n')
					continue;
			}
			ch->errline[ch->errlen++] = buf[i];
		}
	}
}

void pipe_drain_stderr(struct conn *c, bool to_end)
{
	while (c->child.err_fd >= 0) {
		if (read_stderr(c) == 1 || !to_end)
			return;
		if (deadline_poll(c->child.err_fd, POLLIN, c->deadline) <= 0)
			return;
	}
}

static bool reaped(struct conn *c, int *status)
{
	pid_t r;
	do
		r = waitpid(c->child.pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	return r == c->child.pid || r < 0;
}

static bool wait_exit(struct conn *c, int ms, int *status)
{
	int64_t end = deadline_now_ms() + ms;
	for (;;) {
		if (c->child.err_fd >= 0)
			read_stderr(c);
		if (reaped(c, status))
			return true;
		if (deadline_now_ms() >= end)
			return false;
		/* Woken early by stderr output; else a short nap. */
		if (c->child.err_fd >= 0)
			deadline_poll(c->child.err_fd, POLLIN, deadline_now_ms() + 20);
		else
			usleep(10000);
	}
}

void pipe_reap(struct conn *c, int grace_ms)
{
	struct conn_child *ch = &c->child;
	int status = 0;
	if (ch->pid <= 0)
		return;
	const char *how = "";
	if (!wait_exit(c, grace_ms, &status)) {
		how = " (stopped with SIGTERM)";
		kill(ch->pid, SIGTERM);
		if (!wait_exit(c, 300, &status)) {
			how = " (killed)";
			kill(ch->pid, SIGKILL);
			wait_exit(c, 1000, &status);
		}
	}
	if (ch->err_fd >= 0) {
		read_stderr(c);
		close(ch->err_fd);
		ch->err_fd = -1;
	}
	if (c->note) {
		if (WIFEXITED(status))
			c->note(c->note_ctx, "program %s exited with status %d%s", ch->name, WEXITSTATUS(status), how);
		else if (WIFSIGNALED(status))
			c->note(c->note_ctx, "program %s ended by signal %d%s", ch->name, WTERMSIG(status), how);
	}
	ch->pid = 0;
}
