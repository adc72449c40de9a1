/* fuzz_msg.c - the message reader behind --data with -t (msg_build):
 * header fields and their folding, address lists with display names,
 * quoted strings, comments, groups and RFC 2047 words in them (the
 * reader takes encoded-words as display-name text; it decodes none),
 * recipients from To/Cc/Bcc and the removal of Bcc.  One input is the
 * message file.  Beyond "no crash", what the reader promises is
 * checked: the result is CRLF throughout, no Bcc field is left in its
 * header section, and no recipient or sender carries a control
 * character into an SMTP command. */
#define _GNU_SOURCE             /* memfd_create */
#include "fuzz.h"
#include "msg.h"
#include "text.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static char path[64];

/* The message file, in memory (memfd): one per process, rewritten for
 * each input and opened by msg_build through its /proc name. */
static void write_input(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		if ((fd = memfd_create("smtpkit-fuzz-msg", 0)) < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
}

static void check(const struct msg *m)
{
	const char *p = m->mem, *end = m->mem + m->memlen;
	bool header = true;
	for (const char *s = p; s < end; s++) {
		if (*s == '\n' && (s == p || s[-1] != '\r'))
			abort();        /* a bare LF left */
		if (*s == '\r' && (s + 1 == end || s[1] != '\n'))
			abort();        /* a bare CR left */
	}
	while (header && p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t n = (size_t)(eol - p);
		if (n == 0)
			header = false;
		else if (p[0] != ' ' && p[0] != '\t') {
			const char *colon = memchr(p, ':', n);
			size_t k = colon ? (size_t)(colon - p) : 0;
			while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
				k--;
			if (k == 3 && text_ncasecmp(p, "bcc", 3) == 0)
				abort();        /* -t keeps a Bcc field */
		}
		p = eol + 2;
	}
	for (size_t i = 0; i < m->nrecipients; i++)
		if (!*m->recipients[i] || text_has_control(m->recipients[i]))
			abort();
	if (m->sender && text_has_control(m->sender))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	write_input(data, size);
	struct msg_opts o = {.data = path, .read_recipients = true, .domain = "fuzz.example"};
	struct msg m;
	struct err e = {0};
	if (msg_build(&m, &o, &e) == 0) {
		if (!m.file)    /* in memory: all but inputs over MSG_SPOOL_MEM */
			check(&m);
		msg_free(&m);
	}
	return 0;
}
