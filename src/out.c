/* out.c - everything smtpkit prints: the live transcript, report parts,
 * the result line, errors, and the JSON pieces. */
#include "out.h"
#include "codes.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ESC_MAX (REPLY_LINE_MAX * 4 + 1)

enum paint { PAINT_SENT, PAINT_RECV, PAINT_INFO, PAINT_PARSE, PAINT_WARN, PAINT_OK, PAINT_FAIL };

static const char *const paint_sgr[] = {
	[PAINT_SENT] = "\033[32m", [PAINT_RECV] = "\033[36m", [PAINT_INFO] = "\033[33m",
	[PAINT_PARSE] = "\033[2m", [PAINT_WARN] = "\033[35m", [PAINT_OK] = "\033[1;32m",
	[PAINT_FAIL] = "\033[1;31m",
};

void out_init(struct out *out, const struct out_opts *o, FILE *fp)
{
	memset(out, 0, sizeof *out);
	out->o = *o;
	out->keep = true;
	out->fp = o->json ? NULL : fp;
	if (out->fp) {
		if (o->color == OUT_COLOR_ALWAYS)
			out->color = true;
		else if (o->color == OUT_COLOR_AUTO)
			out->color = isatty(fileno(fp)) && !getenv("NO_COLOR");
	}
}

void out_free(struct out *out)
{
	for (size_t i = 0; i < out->nentries; i++)
		free(out->entries[i].text);
	free(out->entries);
	for (size_t i = 0; i < out->nreplies; i++) {
		for (size_t k = 0; k < out->replies[i].nlines; k++)
			free(out->replies[i].lines[k]);
		free(out->replies[i].lines);
		free(out->replies[i].in_context);
	}
	free(out->replies);
	for (size_t i = 0; i < out->nfindings; i++)
		free(out->findings[i].text);
	free(out->findings);
	memset(out, 0, sizeof *out);
}

static void record_entry(struct out *out, char dir, bool tls, bool data, double ms, const char *escaped)
{
	if (!out->keep)
		return;
	struct out_entry *p = realloc(out->entries, (out->nentries + 1) * sizeof *p);
	if (!p)
		return;
	out->entries = p;
	char *text = strdup(escaped);
	if (!text)
		return;
	out->entries[out->nentries++] = (struct out_entry){dir, tls, data, ms, text};
}

static void record(struct out *out, char dir, bool tls, double ms, const char *escaped)
{
	record_entry(out, dir, tls, false, ms, escaped);
}

/* One human line: optional timing column, marker, text. */
static void print_line(struct out *out, enum paint paint, double ms, const char *marker,
		       const char *text)
{
	if (!out->fp || out->o.quiet)
		return;
	if (out->o.timing) {
		if (ms >= 0)
			fprintf(out->fp, "[%9.1f ms] ", ms);
		else
			fputs("              ", out->fp);
	}
	/* Every line may carry server text (capability words, certificate
	 * names): escaping here, at the one sink, means no caller can forget.
	 * It is idempotent on text escaped before. */
	char esc[ESC_MAX];
	text_escape(text, strlen(text), esc, sizeof esc);
	if (out->color)
		fputs(paint_sgr[paint], out->fp);
	fprintf(out->fp, "%s%s", marker, esc);
	if (out->color)
		fputs("\033[0m", out->fp);
	fputc('\n', out->fp);
	fflush(out->fp);
}

/* Nothing kept and nothing printed: no work (send --count). */
static bool silent(const struct out *out)
{
	return !out->keep && (!out->fp || out->o.quiet);
}

void out_sent(struct out *out, bool tls, double ms, const char *text, size_t len)
{
	if (silent(out))
		return;
	char esc[ESC_MAX];
	text_escape(text, len, esc, sizeof esc);
	record(out, 'C', tls, ms, esc);
	print_line(out, PAINT_SENT, ms, tls ? " ~> " : " -> ", esc);
}

void out_received(struct out *out, bool tls, double ms, const char *text, size_t len)
{
	if (silent(out))
		return;
	char esc[ESC_MAX];
	text_escape(text, len, esc, sizeof esc);
	record(out, 'S', tls, ms, esc);
	print_line(out, PAINT_RECV, ms, tls ? "<~  " : "<-  ", esc);
}

void out_data_begin(struct out *out, struct out_data *d, bool tls)
{
	memset(d, 0, sizeof *d);
	d->tls = tls;
	d->full = out->o.show_data == OUT_DATA_NONE;
}

/* One whole line of the message, without its CRLF. */
static void data_line(struct out *out, struct out_data *d, double ms)
{
	char esc[OUT_DATA_LINE_MAX * 4 + 8];
	size_t n = text_escape(d->line, d->len, esc, sizeof esc);
	if (d->overflow && n + sizeof "[...]" <= sizeof esc)
		memcpy(esc + n, "[...]", sizeof "[...]");
	/* Only the JSON document needs the lines kept; the human form prints
	 * them as they go, so that --show-data all stays flat too. */
	if (out->o.json)
		record_entry(out, 'C', d->tls, true, ms, esc);
	print_line(out, PAINT_SENT, ms, d->tls ? " ~| " : " -| ", esc);
}

static bool data_shown(const struct out *out, const struct out_data *d)
{
	if (out->o.show_data == OUT_DATA_NONE)
		return false;
	if (out->o.json && d->lines >= OUT_DATA_JSON_MAX)        /* all shown so far */
		return false;
	if (!d->in_body)
		return d->headers < OUT_DATA_HEADER_MAX;
	return out->o.show_data == OUT_DATA_ALL || d->body < (unsigned long long)out->o.show_data;
}

void out_data_feed(struct out *out, struct out_data *d, double ms, const char *buf, size_t len)
{
	if (silent(out))
		return;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		if (d->full) {
			/* Past what is shown: count, do not look. */
			if (!nl)
				return;
			d->lines++;
			d->hidden++;
			p = nl + 1;
			continue;
		}
		size_t n = (size_t)(stop - p);
		size_t room = sizeof d->line - d->len;
		memcpy(d->line + d->len, p, n < room ? n : room);
		d->len += n < room ? n : room;
		d->overflow |= n > room;
		if (!nl)
			return;
		if (d->len > 0 && d->line[d->len - 1] == '\r')
			d->len--;
		d->lines++;
		data_line(out, d, ms);
		if (!d->in_body && d->len == 0 && !d->overflow)
			d->in_body = true;      /* RFC 5322 2.1: the empty line */
		else if (d->in_body)
			d->body++;
		else
			d->headers++;
		d->len = 0;
		d->overflow = false;
		d->full = !data_shown(out, d);
		p = nl + 1;
	}
}

void out_data_end(struct out *out, struct out_data *d)
{
	if (silent(out))
		return;
	if (d->len > 0) {
		/* A message always ends in CRLF; a partial line is shown whole. */
		d->lines++;
		data_line(out, d, -1);
	}
	if (d->hidden)
		out_info(out, 0, "... %llu more line%s of the message not shown (--show-data)", d->hidden,
			 d->hidden == 1 ? "" : "s");
}

/* "250 requested action completed; 2.1.0 success: other address status" */
static void reply_meaning(int code, const char *enhanced, const char *in_context, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%d %s", code, in_context ? in_context : codes_reply_meaning(code));
	int cls, subject, detail;
	if (n < 0 || (size_t)n >= size || !enhanced[0])
		return;
	if (sscanf(enhanced, "%d.%d.%d", &cls, &subject, &detail) != 3)
		return;
	const char *c = codes_enhanced_class(cls);
	const char *d = codes_enhanced_detail(subject, detail);
	const char *s = codes_enhanced_subject(subject);
	if (d)
		snprintf(buf + n, size - (size_t)n, "; %s %s: %s", enhanced, c ? c : "", d);
	else if (s)
		snprintf(buf + n, size - (size_t)n, "; %s %s: %s (detail %d not registered)",
			 enhanced, c ? c : "", s, detail);
	else
		snprintf(buf + n, size - (size_t)n, "; %s not a registered status code", enhanced);
}

void out_reply(struct out *out, const struct reply *r, const char *stage, const char *in_context,
	       bool tls, double ms)
{
	if (silent(out))
		return;
	struct out_reply *p = out->keep ? realloc(out->replies, (out->nreplies + 1) * sizeof *p) : NULL;
	if (p) {
		out->replies = p;
		struct out_reply *or = &out->replies[out->nreplies++];
		memset(or, 0, sizeof *or);
		or->code = r->code;
		memcpy(or->enhanced, r->enhanced, sizeof or->enhanced);
		or->tls = tls;
		or->ms = ms;
		or->stage = stage;
		or->in_context = in_context ? strdup(in_context) : NULL;
		or->lines = calloc(r->nlines ? r->nlines : 1, sizeof *or->lines);
		if (or->lines) {
			char esc[ESC_MAX];
			for (size_t i = 0; i < r->nlines; i++) {
				text_escape(r->lines[i], r->lens[i], esc, sizeof esc);
				if ((or->lines[or->nlines] = strdup(esc)))
					or->nlines++;
			}
		}
	}
	char meaning[512];
	reply_meaning(r->code, r->enhanced, in_context, meaning, sizeof meaning);
	print_line(out, PAINT_PARSE, -1, "    = ", meaning);
	if (r->bare_lf)
		print_line(out, PAINT_WARN, -1, "    ! ", "reply lines end in LF without CR (RFC 5321 2.3.8 requires CRLF)");
}

void out_explain(struct out *out, int code, const char *enhanced)
{
	char meaning[512], source[256];
	reply_meaning(code, enhanced, NULL, meaning, sizeof meaning);
	print_line(out, PAINT_PARSE, -1, "    = ", meaning);
	const char *rs = codes_reply_source(code);
	int n = rs ? snprintf(source, sizeof source, "%d is defined in %s", code, rs)
		   : snprintf(source, sizeof source, "%d has no registered meaning of its own", code);
	int cls, subject, detail;
	if (enhanced[0] && sscanf(enhanced, "%d.%d.%d", &cls, &subject, &detail) == 3 && n > 0
	    && (size_t)n < sizeof source) {
		const char *es = codes_enhanced_source(subject, detail);
		if (es)
			snprintf(source + n, sizeof source - (size_t)n, ", %s in %s", enhanced, es);
		else
			snprintf(source + n, sizeof source - (size_t)n, ", %s is not registered", enhanced);
	}
	print_line(out, PAINT_PARSE, -1, "    = ", source);
}

static void vinfo(struct out *out, enum paint paint, const char *marker, char dir,
		  const char *fmt, va_list ap)
{
	char raw[1024], buf[4096];
	vsnprintf(raw, sizeof raw, fmt, ap);
	text_escape(raw, strlen(raw), buf, sizeof buf);
	record(out, dir, out->in_tls, -1, buf);
	print_line(out, paint, -1, marker, buf);
}

void out_info(struct out *out, int level, const char *fmt, ...)
{
	if (level > out->o.verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vinfo(out, PAINT_INFO, "=== ", 'I', fmt, ap);
	va_end(ap);
}

void out_warn(struct out *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vinfo(out, PAINT_WARN, "*** ", 'I', fmt, ap);
	va_end(ap);
}

void out_print(FILE *fp, const char *fmt, ...)
{
	char raw[8192], esc[ESC_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	for (char *line = raw;;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		text_escape(line, n, esc, sizeof esc);
		fputs(esc, fp);
		if (!nl)
			break;
		fputc('\n', fp);
		line = nl + 1;
	}
}

void out_human_size(unsigned long long bytes, char *buf, size_t size)
{
	static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu bytes", bytes);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
}

/* "SIZE 10240000" with its meaning: "message size limit 9.8 MiB (RFC 1870)". */
static void describe_cap(const struct ehlo_cap *c, char *buf, size_t size)
{
	const struct codes_ext *ext = codes_ext_lookup(c->keyword);
	int n;
	if (text_casecmp(c->keyword, "SIZE") == 0 && c->nparams == 1) {
		char *end;
		unsigned long long v = strtoull(c->params[0], &end, 10);
		char human[32];
		out_human_size(v, human, sizeof human);
		if (*end == '\0' && v > 0)
			n = snprintf(buf, size, "message size limit %s", human);
		else if (*end == '\0')
			n = snprintf(buf, size, "message size declared, no fixed limit");
		else
			n = snprintf(buf, size, "message size (invalid parameter)");
	} else if (text_casecmp(c->keyword, "AUTH") == 0) {
		n = snprintf(buf, size, "%s:", c->legacy ? "authentication, pre-standard AUTH= form"
			     : "authentication");
		for (size_t i = 0; i < c->nparams && n > 0 && (size_t)n < size; i++) {
			const char *m = codes_sasl_meaning(c->params[i]);
			n += snprintf(buf + n, size - (size_t)n, "%s %s%s%s%s", i ? ";" : "",
				      c->params[i], m ? " (" : "", m ? m : "", m ? ")" : "");
		}
		return;
	} else {
		n = snprintf(buf, size, "%s", ext ? ext->meaning : "unknown extension");
	}
	if (ext && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (%s)", ext->source);
}

static void cap_words(const struct ehlo_cap *c, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", c->keyword);
	for (size_t i = 0; i < c->nparams && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %s", c->params[i]);
}

void out_caps(struct out *out, const char *title, const struct ehlo_caps *caps)
{
	if (!out->fp || out->o.quiet)
		return;
	char esc[256];
	text_escape(caps->domain ? caps->domain : "", caps->domain ? strlen(caps->domain) : 0,
		    esc, sizeof esc);
	out_info(out, 0, "%s (server calls itself %s): %zu extension%s", title, esc, caps->n,
		 caps->n == 1 ? "" : "s");
	for (size_t i = 0; i < caps->n; i++) {
		char words[512], wesc[1024], meaning[1024];
		cap_words(&caps->caps[i], words, sizeof words);
		text_escape(words, strlen(words), wesc, sizeof wesc);
		describe_cap(&caps->caps[i], meaning, sizeof meaning);
		char line[2200];
		snprintf(line, sizeof line, "%-24s %s", wesc, meaning);
		print_line(out, PAINT_INFO, -1, "      ", line);
	}
}

static bool caps_contain(const struct ehlo_caps *caps, const struct ehlo_cap *c)
{
	char a[512], b[512];
	cap_words(c, a, sizeof a);
	for (size_t i = 0; i < caps->n; i++) {
		cap_words(&caps->caps[i], b, sizeof b);
		if (text_casecmp(a, b) == 0)
			return true;
	}
	return false;
}

void out_caps_diff(struct out *out, const struct ehlo_caps *before, const struct ehlo_caps *after)
{
	char words[512], esc[1024];
	size_t changes = 0;
	for (size_t i = 0; i < after->n; i++) {
		if (caps_contain(before, &after->caps[i]))
			continue;
		cap_words(&after->caps[i], words, sizeof words);
		text_escape(words, strlen(words), esc, sizeof esc);
		out_info(out, 0, "only after TLS:  %s", esc);
		changes++;
	}
	for (size_t i = 0; i < before->n; i++) {
		if (caps_contain(after, &before->caps[i]))
			continue;
		cap_words(&before->caps[i], words, sizeof words);
		text_escape(words, strlen(words), esc, sizeof esc);
		out_info(out, 0, "only before TLS: %s", esc);
		changes++;
	}
	if (changes == 0)
		out_info(out, 0, "TLS changed no capability");
}

static void fmt_time(time_t t, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void out_tls(struct out *out, const struct tls_info *info)
{
	out_info(out, 0, "TLS established: %s, %s%s%s", info->version, info->cipher,
		 info->group[0] ? ", group " : "", info->group);
	for (size_t i = 0; i < info->ncerts; i++) {
		const struct tls_cert_info *ci = &info->certs[i];
		if (i > 0 && out->o.verbose < 1)
			break;
		char nb[40], na[40];
		fmt_time(ci->not_before, nb, sizeof nb);
		fmt_time(ci->not_after, na, sizeof na);
		out_info(out, 0, "certificate %zu: %s", i, ci->subject);
		out_info(out, 0, "  issuer: %s", ci->issuer);
		for (size_t k = 0; k < ci->nsans; k++)
			out_info(out, 0, "  name: %s", ci->sans[k]);
		out_info(out, 0, "  valid %s to %s (%ld days left); %s %u bits, %s", nb, na,
			 ci->days_left, ci->key_type, ci->key_bits, ci->sig_alg);
		out_info(out, 1, "  SHA-256 %s", ci->sha256);
		out_info(out, 1, "  SPKI SHA-256 %s", ci->spki_sha256);
	}
	if (info->ncerts > 1 && out->o.verbose < 1)
		out_info(out, 0, "  (%zu more certificates in the chain; -v shows them)", info->ncerts - 1);
	if (info->verdict == TLS_VERIFIED)
		out_info(out, 0, "%s: %s", tls_verdict_name(info->verdict), info->status_text);
	else
		out_warn(out, "%s: %s", tls_verdict_name(info->verdict), info->status_text);
}

const char *out_level_name(enum finding_level level)
{
	switch (level) {
	case FINDING_OK: return "ok";
	case FINDING_WARN: return "warn";
	default: return "fail";
	}
}

static void vfinding(struct out *out, const char *host, int port, enum finding_level level,
		     const char *id, const char *fmt, va_list ap)
{
	/* Findings quote server and DNS text: kept escaped, so every printer
	 * of them is safe. */
	char raw[1024], buf[4096];
	vsnprintf(raw, sizeof raw, fmt, ap);
	text_escape(raw, strlen(raw), buf, sizeof buf);
	for (size_t i = 0; i < out->nfindings; i++)
		if (strcmp(out->findings[i].id, id) == 0 && strcmp(out->findings[i].text, buf) == 0)
			return;
	struct out_finding *p = realloc(out->findings, (out->nfindings + 1) * sizeof *p);
	if (!p)
		return;
	out->findings = p;
	struct out_finding *f = &out->findings[out->nfindings++];
	memset(f, 0, sizeof *f);
	f->level = level;
	snprintf(f->id, sizeof f->id, "%s", id);
	f->text = strdup(buf);
	if (host)
		text_escape(host, strlen(host), f->host, sizeof f->host);
	f->port = port;
}

void out_finding(struct out *out, enum finding_level level, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfinding(out, NULL, 0, level, id, fmt, ap);
	va_end(ap);
}

void out_finding_at(struct out *out, const char *host, int port, enum finding_level level,
		    const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfinding(out, host, port, level, id, fmt, ap);
	va_end(ap);
}

void out_try_help(const char *sub)
{
	fprintf(stderr, "Try 'smtpkit %s --help'.\n", sub);
}

void out_progress(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputc('\r', stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void out_progress_end(void)
{
	fputc('\n', stderr);
}

void out_error(const struct err *e)
{
	char msg[ERR_MSG_MAX * 4], reply[ERR_REPLY_MAX * 4];
	text_escape(e->msg, strlen(e->msg), msg, sizeof msg);
	text_escape(e->reply, strlen(e->reply), reply, sizeof reply);
	if (e->reply[0])
		fprintf(stderr, "smtpkit: %s%s%s: server said: %s\n", e->stage ? e->stage : "",
			e->stage ? ": " : "", msg, reply);
	else
		fprintf(stderr, "smtpkit: %s%s%s\n", e->stage ? e->stage : "", e->stage ? ": " : "", msg);
}

static void result_line(FILE *fp, bool color, const struct err *e, const char *fmt, va_list ap)
{
	char raw[1024], buf[4096], msg[ERR_MSG_MAX * 4];
	vsnprintf(raw, sizeof raw, fmt, ap);
	text_escape(raw, strlen(raw), buf, sizeof buf);
	text_escape(e->msg, strlen(e->msg), msg, sizeof msg);
	if (color)
		fputs(paint_sgr[err_is_set(e) ? PAINT_FAIL : PAINT_OK], fp);
	if (e->cause == ERR_FINDING)
		fprintf(fp, "result: failed at findings: %s", buf);
	else if (err_is_set(e))
		fprintf(fp, "result: failed at %s: %s", e->stage ? e->stage : "start", msg);
	else
		fprintf(fp, "result: ok%s%s", buf[0] ? ": " : "", buf);
	if (color)
		fputs("\033[0m", fp);
	fputc('\n', fp);
	fflush(fp);
}

void out_result_line(FILE *fp, bool color, const struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	result_line(fp, color, e, fmt, ap);
	va_end(ap);
}

void out_result(struct out *out, const struct err *e, const char *fmt, ...)
{
	/* A fail-level finding is the check's answer, not an error: it is
	 * on stdout with the findings, and in the exit status (1). */
	if (err_is_set(e) && e->cause != ERR_FINDING)
		out_error(e);
	if (!out->fp)
		return;
	va_list ap;
	va_start(ap, fmt);
	result_line(out->fp, out->color, e, fmt, ap);
	va_end(ap);
}

void out_json_early_error(const char *command, const struct err *e)
{
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, command);
	json_kbool(&j, "ok", false);
	json_kint(&j, "exit_code", err_exit_code(e));
	out_json_error(&j, e);
	json_object_end(&j);
	fflush(stdout);
}

void out_json_head(struct json *j, const char *command)
{
	json_kint(j, "schema", OUT_JSON_SCHEMA);
	json_kstr(j, "command", command);
}

void out_json_error_value(struct json *j, const struct err *e)
{
	if (!err_is_set(e)) {
		json_null(j);
		return;
	}
	json_object(j);
	/* null: before any step of a session (command line, message,
	 * configuration), or a fail-level finding */
	json_kstr(j, "stage", e->stage);
	json_kstr(j, "class", err_class_name(err_class(e)));
	json_kstr(j, "cause", err_cause_name(e->cause));
	json_kstr(j, "message", e->msg);
	json_kstr(j, "reply", e->reply[0] ? e->reply : NULL);
	json_object_end(j);
}

void out_json_error(struct json *j, const struct err *e)
{
	json_key(j, "error");
	out_json_error_value(j, e);
}

static void json_ms(struct json *j, double ms)
{
	json_key(j, "ms");
	if (ms >= 0)
		json_num(j, ms);
	else
		json_null(j);
}

void out_json_transcript(struct json *j, const struct out *out)
{
	json_key(j, "transcript");
	json_array(j);
	for (size_t i = 0; i < out->nentries; i++) {
		const struct out_entry *en = &out->entries[i];
		char dir[2] = {en->dir, '\0'};
		json_object(j);
		json_kstr(j, "dir", dir);
		json_kbool(j, "tls", en->tls);
		if (en->data)
			json_kbool(j, "data", true);
		json_kstr(j, "text", en->text);
		json_ms(j, en->ms);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "replies");
	json_array(j);
	for (size_t i = 0; i < out->nreplies; i++) {
		const struct out_reply *r = &out->replies[i];
		char meaning[512];
		json_object(j);
		json_kint(j, "code", r->code);
		json_kstr(j, "enhanced", r->enhanced[0] ? r->enhanced : NULL);
		json_key(j, "lines");
		json_array(j);
		for (size_t k = 0; k < r->nlines; k++)
			json_str(j, r->lines[k]);
		json_array_end(j);
		reply_meaning(r->code, r->enhanced, r->in_context, meaning, sizeof meaning);
		json_kstr(j, "meaning", meaning);
		json_kstr(j, "stage", r->stage);
		json_kbool(j, "tls", r->tls);
		json_ms(j, r->ms);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_json_reply(struct json *j, const struct reply *r, const char *in_context)
{
	if (!r || r->code == 0) {
		json_null(j);
		return;
	}
	char meaning[512], esc[ESC_MAX];
	json_object(j);
	json_kint(j, "code", r->code);
	json_kstr(j, "enhanced", r->enhanced[0] ? r->enhanced : NULL);
	json_key(j, "lines");
	json_array(j);
	for (size_t k = 0; k < r->nlines; k++) {
		text_escape(r->lines[k], r->lens[k], esc, sizeof esc);
		json_str(j, esc);
	}
	json_array_end(j);
	reply_meaning(r->code, r->enhanced, in_context, meaning, sizeof meaning);
	json_kstr(j, "meaning", meaning);
	json_object_end(j);
}

void out_json_caps(struct json *j, const struct ehlo_caps *caps)
{
	if (!caps) {
		json_null(j);
		return;
	}
	json_array(j);
	for (size_t i = 0; i < caps->n; i++) {
		const struct ehlo_cap *c = &caps->caps[i];
		char meaning[1024];
		json_object(j);
		json_kstr(j, "keyword", c->keyword);
		json_key(j, "params");
		json_array(j);
		for (size_t k = 0; k < c->nparams; k++)
			json_str(j, c->params[k]);
		json_array_end(j);
		describe_cap(c, meaning, sizeof meaning);
		json_kstr(j, "meaning", meaning);
		if (c->legacy)
			json_kbool(j, "legacy", true);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_json_capabilities(struct json *j, const struct ehlo_caps *before, const struct ehlo_caps *after)
{
	json_key(j, "capabilities");
	json_object(j);
	json_key(j, "before_tls");
	out_json_caps(j, before);
	json_key(j, "after_tls");
	out_json_caps(j, after);
	json_object_end(j);
}

void out_json_tls_params(struct json *j, const struct tls_info *info)
{
	json_kstr(j, "version", info->version);
	json_kstr(j, "cipher", info->cipher);
	json_kstr(j, "kx", info->kx);
	json_kstr(j, "group", info->group[0] ? info->group : NULL);
}

void out_json_tls(struct json *j, const struct tls_info *info)
{
	if (!info || !info->done) {
		json_null(j);
		return;
	}
	json_object(j);
	out_json_tls_params(j, info);
	json_kbool(j, "verified", info->verified);
	json_kstr(j, "verdict", tls_verdict_name(info->verdict));
	json_kbool(j, "name_matches", info->name_ok);
	json_kstr(j, "verify_name", info->verify_name);
	json_kstr(j, "status", info->status_text);
	json_key(j, "certificates");
	json_array(j);
	for (size_t i = 0; i < info->ncerts; i++) {
		const struct tls_cert_info *ci = &info->certs[i];
		char nb[40], na[40];
		fmt_time(ci->not_before, nb, sizeof nb);
		fmt_time(ci->not_after, na, sizeof na);
		json_object(j);
		json_kstr(j, "subject", ci->subject);
		json_kstr(j, "issuer", ci->issuer);
		json_key(j, "san");
		json_array(j);
		for (size_t k = 0; k < ci->nsans; k++)
			json_str(j, ci->sans[k]);
		json_array_end(j);
		json_kstr(j, "not_before", nb);
		json_kstr(j, "not_after", na);
		json_kint(j, "days_left", ci->days_left);
		json_kstr(j, "key_type", ci->key_type);
		json_kint(j, "key_bits", ci->key_bits);
		json_kstr(j, "signature_algorithm", ci->sig_alg);
		json_kstr(j, "sha256", ci->sha256);
		json_kstr(j, "spki_sha256", ci->spki_sha256);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void out_json_findings(struct json *j, const struct out *out)
{
	json_key(j, "findings");
	json_array(j);
	for (size_t i = 0; i < out->nfindings; i++) {
		json_object(j);
		json_kstr(j, "level", out_level_name(out->findings[i].level));
		json_kstr(j, "id", out->findings[i].id);
		json_kstr(j, "text", out->findings[i].text);
		if (out->findings[i].host[0])
			json_kstr(j, "host", out->findings[i].host);
		if (out->findings[i].port)
			json_kint(j, "port", out->findings[i].port);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_json_server(struct json *j, const char *host, int port, const char *address, const char *via,
		     const struct conn_opts *o)
{
	json_kstr(j, "host", host);
	json_kint(j, "port", port);
	json_kstr(j, "address", address && address[0] ? address : NULL);
	out_json_transport(j, via, o);
}

void out_json_transport(struct json *j, const char *via, const struct conn_opts *o)
{
	json_kstr(j, "transport", o->transport == CONN_UNIX ? "unix" : o->transport == CONN_PIPE ? "pipe"
			      : o->socks.host ? "socks5" : "tcp");
	json_kstr(j, "via", via && via[0] ? via : NULL);
}
