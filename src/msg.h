/* msg.h - the message: reading, composition (MIME), validation, and the
 * wire form (CRLF, dot-stuffing).  Memory does not grow with message size:
 * the final message is spooled (memory up to a limit, then an unlinked
 * temporary file). */
#ifndef SMTPKIT_MSG_H
#define SMTPKIT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"

/* RFC 5321 4.5.3.1: size limits on the parts of an address. */
#define MSG_LOCAL_MAX 64
#define MSG_DOMAIN_MAX 255
#define MSG_PATH_MAX 256
/* RFC 5322 2.1.1: a line is at most 998 octets plus CRLF. */
#define MSG_LINE_MAX 998

struct msg_attach {
	const char *path;
	const char *type;       /* NULL: from /etc/mime.types, else application/octet-stream */
	const char *name;       /* NULL: basename of path */
};

struct msg_opts {
	const char *from;               /* "addr" or "Name <addr>"; header From */
	char **to, **cc, **bcc;         /* each "addr" or "Name <addr>", already split */
	size_t nto, ncc, nbcc;
	const char *subject;
	const char *body;               /* TEXT, @FILE or "-" (stdin); NULL: see below */
	const char *html;               /* TEXT or @FILE; makes multipart/alternative */
	char **headers;                 /* "Name: value" */
	size_t nheaders;
	struct msg_attach *attach;
	size_t nattach;
	const char *data;               /* FILE or "-": a complete message, sent as is */
	bool read_recipients;           /* -t: recipients from To/Cc/Bcc of data */
	bool keep_bcc;                  /* --data: keep its Bcc header (removed by default) */
	/* --data (sendmail mode): this From ("addr" or "Name <addr>") is added
	 * when the message has none, or replaces its own with replace_from. */
	const char *add_from;
	bool replace_from;
	const char *domain;             /* for Message-ID's right-hand side */
	bool stdin_is_tty;              /* no --body/--data and a terminal: the test message */
	/* send --count: no Message-ID (one given is dropped): each message
	 * gets its own before it (msg_view). */
	bool no_message_id;
};

struct msg {
	uint64_t size;                  /* octets of the final message, CRLF form */
	bool eightbit;                  /* some octet >= 0x80 (RFC 6152) */
	bool has_bcc_removed;
	char **recipients;              /* -t: addr-specs from To/Cc/Bcc */
	size_t nrecipients;
	char *sender;                   /* --data: addr-spec from Sender, else From; NULL */
	/* header fields placed before the spool (DKIM-Signature); counted in size */
	char *prefix;
	size_t prefixlen;
	/* spool */
	char *mem;
	size_t memlen, memcap;
	FILE *file;
	uint64_t pos;
};

/* Build the final message: compose or read --data, validate (65 for lone
 * CR, NUL, a line over 998 octets, an empty message; 66 for an unreadable
 * file), normalise line endings to CRLF, add a final CRLF, Date,
 * Message-ID and (composed) MIME-Version. */
int msg_build(struct msg *m, const struct msg_opts *o, struct err *e);
/* Place header fields (CRLF-terminated) before the built message, as a
 * signer does (RFC 6376 5.6); -1 when out of memory. */
int msg_prepend(struct msg *m, const char *fields, size_t len);
/* A reader of its own over base's final message, with header fields
 * (CRLF-terminated) placed before it: send --count gives each message its
 * Message-ID this way.  Views of one base may be read from several
 * threads; the base must outlive them.  Free with msg_view_free(), never
 * msg_free().  -1 when out of memory or the spool cannot be reopened. */
int msg_view(struct msg *view, const struct msg *base, const char *fields, size_t len);
void msg_view_free(struct msg *view);
/* Read the final message from the start again. */
int msg_rewind(struct msg *m);
/* Up to size bytes of the final message; 0 at the end, -1 on error. */
ssize_t msg_read(struct msg *m, char *buf, size_t size);
void msg_free(struct msg *m);

/* RFC 5321 4.5.2: a line starting with "." gets one more.  State carries
 * across calls; out must hold 2 * len bytes.  Returns bytes written. */
struct msg_dotstuff {
	bool mid_line;
};
size_t msg_dotstuff(struct msg_dotstuff *d, const char *in, size_t len, char *out);

/* The addr-spec inside "addr", "<addr>" or "Name <addr>"; allocated.
 * NULL with e set (class cause: 64 for the command line, 65 for the message)
 * when it is malformed, holds control characters or breaks RFC 5321
 * 4.5.3.1 length limits.  "<>" or "" is the null path when allow_null. */
char *msg_addr_spec(const char *addr, bool allow_null, enum err_cause cause, struct err *e);
/* Split "a@x, Name <b@y>" at commas outside quotes and angle brackets. */
int msg_split_addresses(const char *list, char ***out, size_t *n);
/* Non-ASCII in an address: it needs SMTPUTF8 (RFC 6531). */
bool msg_addr_needs_utf8(const char *addr);

#endif
