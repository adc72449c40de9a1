/* out.h - the transcript and report printers, human and JSON. */
#ifndef SMTPKIT_OUT_H
#define SMTPKIT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "json.h"
#include "reply.h"
#include "tls.h"

enum out_color { OUT_COLOR_AUTO, OUT_COLOR_ALWAYS, OUT_COLOR_NEVER };

#define OUT_DATA_ALL (-1)
#define OUT_DATA_NONE (-2)
#define OUT_DATA_DEFAULT 20

struct out_opts {
	bool json;
	bool quiet;
	int verbose;
	bool timing;
	enum out_color color;
	bool show_secrets;
	long show_data;             /* send: message body lines shown after the
				     * header block; OUT_DATA_ALL, OUT_DATA_NONE */
};

/* One transcript entry; text is already escaped for display. */
struct out_entry {
	char dir;                   /* 'C' client, 'S' server, 'I' smtpkit */
	bool tls;
	bool data;                  /* 'C': a line of the message, not a command */
	double ms;
	char *text;
};

struct out_reply {
	int code;
	char enhanced[16];
	size_t nlines;
	char **lines;               /* escaped */
	bool tls;
	double ms;
	const char *stage;          /* static */
	char *in_context;           /* the code's meaning for this command, owned; NULL: the general one */
};

enum finding_level { FINDING_OK, FINDING_WARN, FINDING_FAIL };

struct out_finding {
	enum finding_level level;
	char id[32];
	char *text;
	char host[256];             /* which host and port it is about, when   */
	int port;                   /* a report covers several ("", 0: none)   */
};

/* The message as it goes on the wire, shown but never held: the header
 * block (up to OUT_DATA_HEADER_MAX lines) and the first show_data body
 * lines; the rest are only counted. */
#define OUT_DATA_HEADER_MAX 100
#define OUT_DATA_LINE_MAX 1024
/* The JSON document keeps the lines it shows: at most this many, so that
 * memory stays flat with --show-data all (SPEC 10.10). */
#define OUT_DATA_JSON_MAX 10000
struct out_data {
	bool tls;
	bool in_body;
	bool full;                  /* the line being read is past what is shown */
	char line[OUT_DATA_LINE_MAX];
	size_t len;
	bool overflow;              /* the line is longer than line[] */
	unsigned long long headers, body, lines, hidden;
};

struct out {
	struct out_opts o;
	FILE *fp;                   /* live human transcript; NULL collects only */
	/* Transcript entries and replies kept for the report (the default);
	 * false for sessions nobody reports on one by one (send --count). */
	bool keep;
	bool color;
	bool in_tls;                /* smtpkit's own lines are marked inside TLS too */
	struct out_entry *entries;
	size_t nentries;
	struct out_reply *replies;
	size_t nreplies;
	struct out_finding *findings;
	size_t nfindings;
};

void out_init(struct out *out, const struct out_opts *o, FILE *fp);
/* "Try 'smtpkit SUB --help'." after a usage error. */
void out_try_help(const char *sub);
/* A progress line on stderr, rewritten in place; _end ends the line. */
void out_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_progress_end(void);
void out_free(struct out *out);

/* Transcript: a command line we sent, a line we received, a complete reply
 * (followed in the human form by its parse), and smtpkit's own lines. */
void out_sent(struct out *out, bool tls, double ms, const char *text, size_t len);
void out_received(struct out *out, bool tls, double ms, const char *text, size_t len);
/* A whole reply; in_context is the code's meaning as an answer to the
 * command it answers (NULL: the general meaning from codes.c). */
void out_reply(struct out *out, const struct reply *r, const char *stage, const char *in_context,
	       bool tls, double ms);
/* The message's octets as sent (dot-stuffed for DATA, as is for BDAT), fed
 * in pieces; lines shown marked as data (" -| ", " ~| "; JSON "data": true).
 * _end notes "... N more lines" when some were not shown. */
void out_data_begin(struct out *out, struct out_data *d, bool tls);
void out_data_feed(struct out *out, struct out_data *d, double ms, const char *buf, size_t len);
void out_data_end(struct out *out, struct out_data *d);
/* What a reply code and enhanced status code ("" for none) mean, with
 * where each is defined, without a reply (smtpkit session's /explain). */
void out_explain(struct out *out, int code, const char *enhanced);
/* level 0 always (unless -q), 1 with -v, 2 with -vv */
void out_info(struct out *out, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void out_warn(struct out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report parts, human form only (JSON is written whole at the end). */
void out_caps(struct out *out, const char *title, const struct ehlo_caps *caps);
void out_caps_diff(struct out *out, const struct ehlo_caps *before, const struct ehlo_caps *after);
void out_tls(struct out *out, const struct tls_info *info);

void out_finding(struct out *out, enum finding_level level, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same finding, about one host and port of several (probe, mx);
 * host may be NULL, port 0. */
void out_finding_at(struct out *out, const char *host, int port, enum finding_level level,
		    const char *id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
const char *out_level_name(enum finding_level level);

/* The closing line on stdout and, on failure, the one-line error on stderr. */
void out_result(struct out *out, const struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Error on stderr only (usage errors before any session). */
void out_error(const struct err *e);

/* SPEC 8: with --json, even a failure before any session (bad option,
 * bad message) is one JSON document on stdout. */
void out_json_early_error(const char *command, const struct err *e);

/* The version of the JSON documents' layout, "schema" in each of them:
 * raised when a key is removed or changes meaning, and the schema file
 * (man/smtpkit.schema.json, smtpkit-json(7)) changes with it. */
#define OUT_JSON_SCHEMA 1

/* JSON pieces shared by every subcommand. */
/* The first keys of every document: "schema", then "command". */
void out_json_head(struct json *j, const char *command);
void out_json_error(struct json *j, const struct err *e);
/* The value alone: null, or {stage, class, cause, message, reply}. */
void out_json_error_value(struct json *j, const struct err *e);
void out_json_transcript(struct json *j, const struct out *out);
/* A greeting: the only reply kept whole after the session. */
/* A reply as JSON; in_context as for out_reply(). */
void out_json_reply(struct json *j, const struct reply *r, const char *in_context);
void out_json_caps(struct json *j, const struct ehlo_caps *caps);
/* "capabilities": {"before_tls": [...], "after_tls": [...]}; NULL -> null. */
void out_json_capabilities(struct json *j, const struct ehlo_caps *before, const struct ehlo_caps *after);
void out_json_tls(struct json *j, const struct tls_info *info);
/* What was negotiated, as keys of the object being written: version,
 * cipher, kx, group (out_json_tls and tls-check's "session"). */
void out_json_tls_params(struct json *j, const struct tls_info *info);
void out_json_findings(struct json *j, const struct out *out);
/* The keys of a "server" object: host, port, address (numeric; null
 * before a connection: ""), transport and via. */
void out_json_server(struct json *j, const char *host, int port, const char *address, const char *via,
		     const struct conn_opts *o);
/* Its "transport" ("tcp", "socks5", "unix", "pipe") and "via" (how it was
 * reached, as the transcript says; null, or "", before any). */
void out_json_transport(struct json *j, const char *via, const struct conn_opts *o);

/* fprintf for report lines built from server or DNS text: everything but
 * the line breaks is escaped (text_escape), so no peer can reach the
 * terminal's control sequences. */
void out_print(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The closing line alone: "result: ok[: TEXT]" when e is not set,
 * "result: failed at findings: TEXT" for a fail-level finding in e, else
 * "result: failed at STAGE: MESSAGE".  out_result() also reports e on
 * stderr; this does not. */
void out_result_line(FILE *fp, bool color, const struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "9.8 MiB" */
void out_human_size(unsigned long long bytes, char *buf, size_t size);

#endif
