/* session_input.c - lines typed at smtpkit session: GNU readline's
 * callback interface on a terminal when the build has it (so Ctrl-C can
 * drop the line being edited without ending the program), a plain prompt
 * otherwise, and getline() for a script. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include "session_input.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#define HISTORY_LINES 1000

volatile sig_atomic_t session_interrupted, session_busy;

static void on_sigint(int sig)
{
	(void)sig;
	if (session_busy) {
		/* Only write(2) here; the wait goes on and nothing is dropped. */
		static const char note[] =
			"\n=== Ctrl-C: STARTTLS, AUTH and QUIT are not stopped half-way; "
			"waiting for the server (at most --timeout)\n";
		int saved = errno;      /* the wait reads errno after its recv() */
		ssize_t w = write(STDERR_FILENO, note, sizeof note - 1);
		(void)w;
		errno = saved;
		return;
	}
	session_interrupted = 1;
}

const char *session_input_editor(void)
{
#ifdef HAVE_READLINE
	return "readline";
#else
	return "plain";
#endif
}

/* $XDG_STATE_HOME/smtpkit/history, else ~/.local/state/smtpkit/history;
 * the folders are made private (0700): the history holds addresses. */
static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];
	if (state && *state == '/')
		snprintf(dir, sizeof dir, "%s", state);
	else if (home && *home == '/')
		snprintf(dir, sizeof dir, "%s/.local/state", home);
	else
		return NULL;
	char path[4200];
	snprintf(path, sizeof path, "%s/smtpkit", dir);
	/* mkdir -p of the parents, then ours. */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return NULL;
	size_t len = strlen(path);
	snprintf(path + len, sizeof path - len, "/history");
	return strdup(path);
}

void session_input_open(struct session_input *in, FILE *prompt_fp)
{
	memset(in, 0, sizeof *in);
	in->prompt_fp = prompt_fp;
	in->terminal = isatty(0) == 1;
	if (!in->terminal)
		return;
	/* No SA_RESTART: a wait for the server (poll) or for a key (read)
	 * returns at Ctrl-C, and the session decides what it stops. */
	struct sigaction sa = {.sa_handler = on_sigint};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	in->history = history_path();
#ifdef HAVE_READLINE
	rl_catch_signals = 0;
	rl_outstream = prompt_fp;
	rl_readline_name = "smtpkit";
	using_history();
	stifle_history(HISTORY_LINES);
	if (in->history)
		read_history(in->history);
#endif
}

static int keep(struct session_input *in, const char *p, size_t n)
{
	if (n + 1 > in->cap) {
		char *b = realloc(in->buf, n + 1);
		if (!b)
			return -1;
		in->buf = b;
		in->cap = n + 1;
	}
	memcpy(in->buf, p, n);
	in->buf[n] = '\0';
	in->len = n;
	return 0;
}

static enum session_read read_script(struct session_input *in, const char **line, size_t *len)
{
	errno = 0;
	ssize_t n = getline(&in->buf, &in->cap, stdin);
	if (n < 0)
		return errno && !feof(stdin) ? SESSION_ERROR : SESSION_EOF;
	if (n > 0 && in->buf[n - 1] == '\n')
		in->buf[--n] = '\0';
	*line = in->buf;
	*len = (size_t)n;
	return SESSION_LINE;
}

#ifdef HAVE_READLINE
static char *line_read;
static bool line_done;

static void on_rl_line(char *line)
{
	line_read = line;
	line_done = true;
	rl_callback_handler_remove();
}

static enum session_read read_terminal(struct session_input *in, const char *prompt, const char **line,
				       size_t *len)
{
	line_read = NULL;
	line_done = false;
	session_interrupted = 0;
	rl_callback_handler_install(prompt, on_rl_line);
	while (!line_done) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		int n = session_interrupted ? -1 : poll(&p, 1, -1);
		if (n < 0 && (session_interrupted || errno == EINTR)) {
			if (!session_interrupted)
				continue;
			/* Ctrl-C: drop the line being edited, as a shell does. */
			fputs("^C\n", in->prompt_fp);
			fflush(in->prompt_fp);
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			session_interrupted = 0;
			return SESSION_INTERRUPT;
		}
		if (n < 0) {
			rl_callback_handler_remove();
			return SESSION_ERROR;
		}
		rl_callback_read_char();
	}
	if (!line_read) {
		fputc('\n', in->prompt_fp);
		return SESSION_EOF;
	}
	int rc = keep(in, line_read, strlen(line_read));
	free(line_read);
	if (rc < 0)
		return SESSION_ERROR;
	*line = in->buf;
	*len = in->len;
	return SESSION_LINE;
}
#else
/* A plain prompt: the terminal's own line editing (erase, kill). */
static enum session_read read_terminal(struct session_input *in, const char *prompt, const char **line,
				       size_t *len)
{
	session_interrupted = 0;
	fputs(prompt, in->prompt_fp);
	fflush(in->prompt_fp);
	for (;;) {
		char *lf = in->pending ? memchr(in->pending, '\n', in->npending) : NULL;
		if (lf) {
			size_t n = (size_t)(lf - in->pending);
			if (keep(in, in->pending, n) < 0)
				return SESSION_ERROR;
			memmove(in->pending, lf + 1, in->npending - n - 1);
			in->npending -= n + 1;
			*line = in->buf;
			*len = in->len;
			return SESSION_LINE;
		}
		char chunk[4096];
		ssize_t r = read(0, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR) {
			if (!session_interrupted)
				continue;
			in->npending = 0;
			fputs("^C\n", in->prompt_fp);
			session_interrupted = 0;
			return SESSION_INTERRUPT;
		}
		if (r < 0)
			return SESSION_ERROR;
		if (r == 0) {
			fputc('\n', in->prompt_fp);
			return SESSION_EOF;
		}
		char *p = realloc(in->pending, in->npending + (size_t)r);
		if (!p)
			return SESSION_ERROR;
		in->pending = p;
		memcpy(in->pending + in->npending, chunk, (size_t)r);
		in->npending += (size_t)r;
	}
}
#endif

enum session_read session_input_read(struct session_input *in, const char *prompt, const char **line,
				     size_t *len)
{
	fflush(stdout);
	if (!in->terminal)
		return read_script(in, line, len);
	return read_terminal(in, prompt, line, len);
}

void session_input_remember(struct session_input *in, const char *line)
{
#ifdef HAVE_READLINE
	if (in->terminal && *line)
		add_history(line);
#else
	(void)in;
	(void)line;
#endif
}

void session_input_close(struct session_input *in)
{
#ifdef HAVE_READLINE
	if (in->terminal && in->history) {
		/* 0600: the history holds addresses and server names. */
		mode_t old = umask(077);
		write_history(in->history);
		umask(old);
	}
#endif
	if (in->terminal)
		signal(SIGINT, SIG_DFL);
	free(in->history);
	free(in->buf);
	free(in->pending);
	memset(in, 0, sizeof *in);
}
