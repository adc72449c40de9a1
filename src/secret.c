/* secret.c - reading passwords and tokens without putting them on argv. */
#define _DEFAULT_SOURCE
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 4096

/* Read up to the first line ending; the rest is discarded. */
static char *first_line(FILE *fp)
{
	char *buf = calloc(1, SECRET_MAX);
	if (!buf)
		return NULL;
	if (!fgets(buf, SECRET_MAX, fp))
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

char *secret_from_file(const char *path, struct err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		err_set(e, ERR_NOINPUT, NULL, "cannot read password file %s: %s", path, strerror(errno));
		return NULL;
	}
	char *s = first_line(fp);
	fclose(fp);
	if (!s)
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
	return s;
}

char *secret_from_command(const char *cmd, const char *what, struct err *e)
{
	fflush(NULL);
	FILE *fp = popen(cmd, "r");
	if (!fp) {
		err_set(e, ERR_CONFIG, NULL, "cannot run %s: %s", what, strerror(errno));
		return NULL;
	}
	char *s = first_line(fp);
	/* Drain so the command is not killed by SIGPIPE mid-output. */
	char sink[512];
	while (fread(sink, 1, sizeof sink, fp) > 0)
		;
	int status = pclose(fp);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set(e, ERR_CONFIG, NULL, "%s failed (%s %d)", what,
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		secret_free(s);
		return NULL;
	}
	if (!s)
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
	return s;
}

/* While echo is off: Ctrl-C must give the terminal back as it was. */
static int prompt_fd = -1;
static struct termios prompt_saved;

static void prompt_interrupted(int sig)
{
	if (prompt_fd >= 0)
		tcsetattr(prompt_fd, TCSAFLUSH, &prompt_saved);
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
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		errno = 0;
	FILE *fp = fdopen(dup(fd), "r");
	char *s = fp ? first_line(fp) : NULL;
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
	if (!s)
		err_set(e, ERR_CONFIG, NULL, "cannot read the password from the terminal");
	return s;
}

void secret_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
