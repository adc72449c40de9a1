/* reply.h - pure parsers: reply lines -> struct reply; EHLO reply -> capabilities. */
#ifndef SMTPKIT_REPLY_H
#define SMTPKIT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5321 4.5.3.1.5 allows 512 octets per reply line; real servers exceed
 * it, so allow more, but bounded so that an endless line is an error. */
#define REPLY_LINE_MAX 4096
/* An EHLO reply with a few dozen extensions is large; a thousand lines is not
 * a reply, it is a server that never stops. */
#define REPLY_LINES_MAX 200

struct reply {
	int code;               /* 0 while nothing parsed */
	char enhanced[16];      /* RFC 3463 "4.7.1", or "" */
	size_t nlines;
	char **lines;           /* text after "NNN-"/"NNN ", NUL-terminated */
	size_t *lens;           /* byte length of each line's text */
	bool bare_lf;           /* some line ended in LF alone (RFC 5321 2.3.8: CRLF) */
	bool complete;
};

enum reply_status {
	REPLY_MORE,             /* a continuation line ("NNN-"); feed the next */
	REPLY_DONE,             /* the last line ("NNN " or "NNN") */
	REPLY_MALFORMED,        /* not a reply line, or inconsistent; *why says how */
};

/* Feed one received line (without its CRLF or LF).  why is set on
 * REPLY_MALFORMED to a static phrase. */
enum reply_status reply_feed(struct reply *r, const char *line, size_t len,
			     bool bare_lf, const char **why);
void reply_free(struct reply *r);

/* Class digit (2..5) of the reply, 0 if none. */
int reply_class(const struct reply *r);

/* The reply on one line for messages: "550 5.1.1 no such user" (first line,
 * code included, control characters escaped), into buf. */
void reply_summary(const struct reply *r, char *buf, size_t size);

/* EHLO capabilities (RFC 5321 4.1.1.1: first line is the domain, then one
 * keyword with parameters per line). */
struct ehlo_cap {
	char *keyword;          /* as sent */
	size_t nparams;
	char **params;
	bool legacy;            /* "AUTH=LOGIN PLAIN" pre-RFC 2554 form */
	bool malformed;         /* keyword not ALPHA/DIGIT *(ALPHA/DIGIT/"-") */
};

struct ehlo_caps {
	char *domain;           /* first word of the first line */
	char *greet_text;       /* the rest of the first line */
	size_t n;
	struct ehlo_cap *caps;
};

int ehlo_parse(const struct reply *r, struct ehlo_caps *caps);
void ehlo_free(struct ehlo_caps *caps);
const struct ehlo_cap *ehlo_find(const struct ehlo_caps *caps, const char *keyword);
bool ehlo_has(const struct ehlo_caps *caps, const char *keyword);
/* SIZE (RFC 1870): 1 and *size set when advertised with a valid number
 * (0 means no fixed limit), 0 when absent, -1 when the parameter is invalid
 * or overflows. */
int ehlo_size(const struct ehlo_caps *caps, uint64_t *size);
/* AUTH offered at all: the keyword, or the legacy AUTH= form. */
bool ehlo_offers_auth(const struct ehlo_caps *caps);
/* Mechanism offered by AUTH or the legacy AUTH= form. */
bool ehlo_has_auth(const struct ehlo_caps *caps, const char *mechanism);

#endif
