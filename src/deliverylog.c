/* deliverylog.c - one line per delivery to the logfile and/or syslog. */
#define _GNU_SOURCE
#include "deliverylog.h"
#include "config.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192

struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof l->buf - 1 - l->len)
		n = sizeof l->buf - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* key=value, the value escaped (text_escape: control octets, and any
 * secret given to text_hide) and quoted when it holds a space or quote. */
static void field(struct line *l, const char *key, const char *value)
{
	char esc[2048];
	size_t n = text_escape(value, strlen(value), esc, sizeof esc);
	bool quote = !n || strpbrk(esc, " \"");
	put(l, " ", 1);
	put(l, key, strlen(key));
	put(l, quote ? "=\"" : "=", quote ? 2 : 1);
	for (size_t i = 0; i < n; i++)
		put(l, esc[i] == '"' ? "\\\"" : esc + i, esc[i] == '"' ? 2 : 1);
	if (quote)
		put(l, "\"", 1);
}

static void one_line(struct line *l, const struct send_delivery *d, const char *sender, uint64_t size)
{
	char num[64];
	const char *account = config_account();
	field(l, "account", account ? account : "-");
	field(l, "host", d->ran && d->s.host ? (d->mx[0] ? d->mx : d->s.host) : d->domain ? d->domain : "-");
	if (d->ran) {
		snprintf(num, sizeof num, "%d", d->s.port);
		field(l, "port", num);
		if (d->s.conn.peer_addr[0])
			field(l, "address", d->s.conn.peer_addr);
		field(l, "tls", d->s.in_tls ? "yes" : "no");
		field(l, "auth", d->s.authenticated ? "yes" : "no");
	}
	field(l, "from", sender[0] ? sender : "<>");
	/* recipients=a@x,b@y as given; refused ones follow with their code. */
	struct line r = {0};
	for (size_t i = 0; i < d->txn.nrcpt; i++) {
		if (i)
			put(&r, ",", 1);
		put(&r, d->txn.rcpts[i].address, strlen(d->txn.rcpts[i].address));
		if (d->txn.rcpts[i].code && !d->txn.rcpts[i].accepted) {
			snprintf(num, sizeof num, "(%d)", d->txn.rcpts[i].code);
			put(&r, num, strlen(num));
		}
	}
	field(l, "recipients", r.buf);
	snprintf(num, sizeof num, "%llu", (unsigned long long)size);
	field(l, "size", num);
	if (d->txn.delivered) {
		field(l, "reply", d->txn.final_reply);
		if (d->txn.queue_id[0])
			field(l, "queue_id", d->txn.queue_id);
	} else {
		if (d->err.reply[0])
			field(l, "reply", d->err.reply);
		field(l, "error", d->err.msg[0] ? d->err.msg : "not delivered");
	}
	int rc = err_exit_code(&d->err);
	snprintf(num, sizeof num, "%d", rc);
	field(l, "exit", num);
	field(l, "status", rc == 0 ? "sent" : d->txn.maybe_delivered ? "maybe-sent" : "failed");
}

/* "~/x" is the user's: msmtp's logfile allows it, so ours does. */
static void log_path(const char *v, char *buf, size_t size)
{
	const char *home = getenv("HOME");
	if (strncmp(v, "~/", 2) == 0 && home)
		snprintf(buf, size, "%s/%s", home, v + 2);
	else
		snprintf(buf, size, "%s", v);
}

void deliverylog_write(const struct send_delivery *v, size_t n, const char *sender, uint64_t size)
{
	const struct config_entry *file = config_get("logfile");
	bool to_syslog = config_flag("syslog");
	if (!file && !to_syslog)
		return;
	int fd = -1;
	char path[4096];
	if (file) {
		log_path(file->value, path, sizeof path);
		/* 0600: the log names who mails whom. */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			fprintf(stderr, "smtpkit: warning: delivery log %s (%s:%d): %s\n", path, file->file,
				file->line, strerror(errno));
	}
	if (to_syslog)
		openlog("smtpkit", LOG_PID, LOG_MAIL);
	for (size_t i = 0; i < n; i++) {
		struct line l = {0};
		one_line(&l, &v[i], sender, size);
		if (fd >= 0) {
			char stamp[64];
			time_t now = time(NULL);
			struct tm tm;
			localtime_r(&now, &tm);
			strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
			char out[LOG_LINE_MAX + 128];
			int len = snprintf(out, sizeof out, "%s smtpkit[%ld]:%s\n", stamp, (long)getpid(), l.buf);
			if (len > (int)sizeof out - 1)
				len = (int)sizeof out - 1;
			/* One write: lines of concurrent runs do not interleave (O_APPEND). */
			if (write(fd, out, (size_t)len) != len)
				fprintf(stderr, "smtpkit: warning: delivery log %s: %s\n", path, strerror(errno));
		}
		if (to_syslog)
			syslog(err_exit_code(&v[i].err) == 0 ? LOG_INFO : LOG_ERR, "%s", l.buf + 1);
	}
	if (fd >= 0)
		close(fd);
	if (to_syslog)
		closelog();
}
