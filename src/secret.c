/* secret.c - reading passwords and tokens without putting them on argv. */
#define _DEFAULT_SOURCE
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* An OAuth token runs to a few thousand octets; an AUTH line carries at
 * most 12288 (RFC 4954 4), base64 included. */
#define SECRET_MAX 8192

/* Up to SECRET_MAX octets of fp, NUL-terminated, *len set; NULL with e set
 * when there is more (a secret is never silently cut short). */
static char *read_all(FILE *fp, const char *source, size_t *len, struct err *e)
{
	char *buf = malloc(SECRET_MAX + 2);
	if (!buf) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, SECRET_MAX + 1, fp);
	buf[*len] = '\0';
	if (*len > SECRET_MAX) {
		explicit_bzero(buf, SECRET_MAX + 2);
		free(buf);
		err_set(e, ERR_CONFIG, NULL, "%s holds more than %d octets: too long for a password or token",
			source, SECRET_MAX);
		return NULL;
	}
	return buf;
}

/* SPEC 10.11: NUL would cut the secret short and CR or LF would end the
 * AUTH line early, sending the rest as a command; so a source holding one
 * is refused (78), naming it, before any connection.  With final_newline,
 * the one line ending (LF or CRLF) that ends a file or a command's output
 * is not part of the secret.  Returns buf, or NULL (buf wiped and freed)
 * with e set. */
static char *secret_checked(char *buf, size_t len, bool final_newline, const char *source, struct err *e)
{
	if (final_newline && len > 0 && buf[len - 1] == '\n') {
		buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	const char *what = memchr(buf, '\0', len) ? "a NUL octet"
			   : memchr(buf, '\r', len) ? "a carriage return (CR)"
			   : memchr(buf, '\n', len) ? (final_newline ? "more than one line" : "a line feed (LF)")
			   : NULL;
	if (what) {
		explicit_bzero(buf, len);
		free(buf);
		err_set(e, ERR_CONFIG, NULL, "%s holds %s: a password or token may not contain NUL, CR or LF",
			source, what);
		return NULL;
	}
	return buf;
}

char *secret_from_file(const char *path, struct err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		err_set(e, ERR_NOINPUT, NULL, "cannot read password file %s: %s", path, strerror(errno));
		return NULL;
	}
	char source[64 + 4096];
	snprintf(source, sizeof source, "password file %s", path);
	size_t len;
	char *s = read_all(fp, source, &len, e);
	bool failed = ferror(fp);
	fclose(fp);
	if (s && failed) {
		explicit_bzero(s, len);
		free(s);
		err_set(e, ERR_NOINPUT, NULL, "cannot read password file %s: %s", path, strerror(errno));
		return NULL;
	}
	return s ? secret_checked(s, len, true, source, e) : NULL;
}

char *secret_from_command(const char *cmd, const char *what, struct err *e)
{
	fflush(NULL);
	FILE *fp = popen(cmd, "r");
	if (!fp) {
		err_set(e, ERR_CONFIG, NULL, "cannot run %s: %s", what, strerror(errno));
		return NULL;
	}
	char source[128];
	snprintf(source, sizeof source, "the output of %s", what);
	size_t len;
	struct err too_long = {0};
	char *s = read_all(fp, source, &len, &too_long);
	/* Drain so the command is not killed by SIGPIPE mid-output. */
	char sink[512];
	while (fread(sink, 1, sizeof sink, fp) > 0)
		;
	explicit_bzero(sink, sizeof sink);
	int status = pclose(fp);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set(e, ERR_CONFIG, NULL, "%s failed (%s %d)", what,
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		if (s)
			explicit_bzero(s, len);
		free(s);
		return NULL;
	}
	if (!s) {
		if (!err_is_set(e))
			*e = too_long;
		return NULL;
	}
	return secret_checked(s, len, true, source, e);
}

char *secret_from_env(const char *name, struct err *e)
{
	const char *v = getenv(name);
	if (!v)
		return NULL;
	char *s = strdup(v);
	if (!s) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	return secret_checked(s, strlen(s), false, name, e);
}

/* While echo is off: Ctrl-C must give the terminal back as it was.  A
 * program that handles SIGINT itself (smtpkit session: Ctrl-C drops what
 * is being typed) gets the prompt abandoned; otherwise the signal does
 * what it would have done. */
static int prompt_fd = -1;
static struct termios prompt_saved;
static volatile sig_atomic_t prompt_keep_running, prompt_cancelled;

static void prompt_interrupted(int sig)
{
	if (prompt_fd >= 0)
		tcsetattr(prompt_fd, TCSAFLUSH, &prompt_saved);
	if (sig == SIGINT && prompt_keep_running) {
		/* No SA_RESTART: the read returns EINTR. */
		prompt_cancelled = 1;
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

char *secret_prompt(const char *prompt, struct err *e)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, ERR_CONFIG, NULL,
			"no password: use --password-file, --password-command or SMTPKIT_PASSWORD (no terminal to ask on)");
		return NULL;
	}
	struct termios old, quiet;
	bool restore = tcgetattr(fd, &old) == 0;
	struct sigaction sa = {.sa_handler = prompt_interrupted}, old_int, old_term;
	if (restore) {
		prompt_saved = old;
		prompt_fd = fd;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, NULL, &old_int);
		prompt_keep_running = old_int.sa_handler != SIG_DFL && old_int.sa_handler != SIG_IGN;
		prompt_cancelled = 0;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, &old_term);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		errno = 0;
	FILE *fp = fdopen(dup(fd), "r");
	char *s = NULL;
	size_t cap = 0;
	ssize_t n = fp ? getline(&s, &cap, fp) : -1;
	if (fp)
		fclose(fp);
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		prompt_fd = -1;
	}
	if (write(fd, "\n", 1) < 0)
		errno = 0;
	close(fd);
	if (n < 0) {
		free(s);
		if (prompt_cancelled)
			err_set(e, ERR_INTERRUPTED, NULL, "no password: the prompt was abandoned (Ctrl-C)");
		else
			err_set(e, ERR_CONFIG, NULL, "cannot read the password from the terminal");
		return NULL;
	}
	return secret_checked(s, (size_t)n, true, "the password typed at the terminal", e);
}

void secret_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
