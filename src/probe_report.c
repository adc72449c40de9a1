/* probe_report.c - what `smtpkit probe` prints: one table with the ports as
 * columns, the findings, or one JSON document (smtpkit-probe(1)). */
#include "probe.h"
#include "findings.h"
#include "json.h"
#include "options.h"
#include "reply.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the facts of one port, as strings for the table ---------------- */

static const char *reach(const struct port_probe *pp, char *buf, size_t size)
{
	const struct smtp_session *s = &pp->s;
	if (!s->connected) {
		if (s->err.cause == ERR_REFUSED)
			return "refused";
		if (s->err.cause == ERR_TIMEOUT)
			return "timed out";
		return "unreachable";
	}
	snprintf(buf, size, "open %.1fms", s->conn.connect_ms);
	return buf;
}

/* A port that never greeted (or refused service) may well speak TLS
 * first: its TLS mode is unknown, not "none". */
static bool tls_known(const struct port_probe *pp)
{
	return pp->s.tls.done || pp->s.have_before || pp->s.used_helo;
}

static const char *tls_mode_name(enum tls_found t)
{
	switch (t) {
	case FOUND_IMPLICIT: return "implicit";
	case FOUND_STARTTLS: return "STARTTLS";
	default: return "none";
	}
}

static void auth_list(const struct ehlo_caps *caps, bool have, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!have) {
		snprintf(buf, size, "-");
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < caps->n; i++) {
		const struct ehlo_cap *c = &caps->caps[i];
		if (text_casecmp(c->keyword, "AUTH") != 0 || c->legacy)
			continue;
		for (size_t k = 0; k < c->nparams && n + 1 < size; k++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", c->params[k]);
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* Capabilities that decide what a client can do, inside TLS if any. */
static const struct ehlo_caps *best_caps(const struct smtp_session *s)
{
	return s->have_after ? &s->caps_after : &s->caps_before;
}

static const char *yesno(const struct port_probe *pp, const char *keyword)
{
	const struct smtp_session *s = &pp->s;
	if (!s->have_before && !s->have_after)
		return "-";
	return ehlo_has(best_caps(s), keyword) ? "yes" : "no";
}

static const char *size_text(const struct port_probe *pp, char *buf, size_t size)
{
	uint64_t v;
	const struct smtp_session *s = &pp->s;
	if (!s->have_before && !s->have_after)
		return "-";
	int rc = ehlo_size(best_caps(s), &v);
	if (rc == 0)
		return "not said";
	if (rc < 0)
		return "invalid";
	if (v == 0)
		return "no limit";
	out_human_size(v, buf, size);
	return buf;
}

static const char *relay_text(const struct port_probe *pp)
{
	if (!pp->txn.nrcpt)
		return "not tested";
	if (!pp->relay_tested)
		return "not reached";
	return pp->rcpt.accepted ? "OPEN RELAY" : "refused";
}

/* ---- findings ------------------------------------------------------- */

void probe_port_findings(struct port_probe *pp, struct out *all, const char *host)
{
	struct smtp_session *s = &pp->s;
	struct out tmp;
	struct out_opts oo = {.json = true};

	if (!s->connected)
		return;
	out_init(&tmp, &oo, NULL);
	findings_session(&tmp, s);
	findings_starttls(&tmp, s);
	findings_tls(&tmp, &s->tls, 30);
	if (s->greeting.nlines > 0 && !conn_is_address(host)) {
		const char *g = s->greeting.lines[0];
		size_t n = strcspn(g, " ");
		char word[256];
		snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), g);
		/* Host names compare without regard to case (RFC 4343). */
		if (n >= sizeof word || text_casecmp(word, host) != 0) {
			char esc[300];
			text_escape(g, n < 200 ? n : 200, esc, sizeof esc);
			out_finding(&tmp, FINDING_WARN, "greeting-name-mismatch",
				    "the greeting names %s, not %s", esc, host);
		}
	}
	if (pp->relay_tested && pp->rcpt.accepted)
		out_finding(&tmp, FINDING_FAIL, "open-relay",
			    "RCPT TO:<%s> accepted without authentication: an open relay", pp->rcpt.address);
	for (size_t i = 0; i < tmp.nfindings; i++)
		out_finding_at(all, pp->host, pp->port, tmp.findings[i].level, tmp.findings[i].id, "port %d: %s", pp->port,
			    tmp.findings[i].text);
	out_free(&tmp);
}

/* ---- the report ----------------------------------------------------- */

#define COLW 15
#define CELL_MAX 2048

/* The next piece of a cell that fits its column: up to the last space
 * before COLW (the space dropped), else COLW characters; never inside a
 * UTF-8 sequence.  Returns its length; *next is where the rest starts. */
static size_t cell_piece(const char *text, const char **next)
{
	size_t len = strlen(text);
	if (len <= COLW) {
		*next = text + len;
		return len;
	}
	for (size_t i = COLW - 1; i > 0; i--) {
		if (text[i] == ' ') {
			*next = text + i + 1;
			return i;
		}
	}
	size_t n = COLW;
	while (n > 1 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	*next = text + n;
	return n;
}

/* One row of the table: the label, then each port's cell in its column.
 * A cell wider than the column goes on over continuation lines (blank
 * label): nothing is cut. */
static void row(FILE *fp, const char *label, struct probe *p,
		const char *(*cell)(struct port_probe *, char *, size_t))
{
	char (*esc)[CELL_MAX * 4] = calloc(p->n ? p->n : 1, sizeof *esc);
	const char **rest = calloc(p->n ? p->n : 1, sizeof *rest);
	if (!esc || !rest) {
		free(esc);
		free(rest);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		char buf[CELL_MAX];
		const char *v = cell(&p->ports[i], buf, sizeof buf);
		text_escape(v, strlen(v), esc[i], sizeof esc[i]);
		rest[i] = esc[i];
	}
	for (bool first = true;; first = false) {
		bool more = false;
		for (size_t i = 0; i < p->n; i++)
			more |= *rest[i] != '\0';
		if (!first && !more)
			break;
		fprintf(fp, "%-14s", first ? label : "");
		for (size_t i = 0; i < p->n; i++) {
			const char *piece = rest[i];
			size_t n = cell_piece(piece, &rest[i]);
			fprintf(fp, " %-*.*s", COLW, (int)n, piece);
		}
		fputc('\n', fp);
	}
	free(esc);
	free(rest);
}

static const char *c_host(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return pp->host; }
static const char *c_port(struct port_probe *pp, char *b, size_t n) { snprintf(b, n, "%d", pp->port); return b; }
static const char *c_reach(struct port_probe *pp, char *b, size_t n) { return reach(pp, b, n); }
static const char *c_greeting(struct port_probe *pp, char *b, size_t n)
{
	const struct reply *g = &pp->s.greeting;
	if (!g->code)
		return pp->s.connected ? "none" : "-";
	snprintf(b, n, "%d %s", g->code, g->nlines ? g->lines[0] : "");
	return b;
}
static const char *c_tls(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return tls_known(pp) ? tls_mode_name(pp->tls) : "-"; }
static const char *c_version(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return pp->s.tls.done ? pp->s.tls.version : "-"; }
static const char *c_cipher(struct port_probe *pp, char *b, size_t n)
{
	if (!pp->s.tls.done)
		return "-";
	/* The column is narrow: the bulk cipher says most.  TLS_AES_256_GCM_SHA384
	 * and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> AES_256_GCM; the whole
	 * name is in the JSON. */
	const char *c = pp->s.tls.cipher, *with = strstr(c, "_WITH_");
	c = with ? with + 6 : strncmp(c, "TLS_", 4) == 0 ? c + 4 : c;
	snprintf(b, n, "%s", c);
	size_t len = strlen(b);
	bool aead = strstr(b, "_GCM") || strstr(b, "_CCM") || strstr(b, "POLY1305");
	if (aead && len > 7 && (strcmp(b + len - 7, "_SHA256") == 0 || strcmp(b + len - 7, "_SHA384") == 0))
		b[len - 7] = '\0';
	char *poly = strstr(b, "_POLY1305");
	if (poly)
		memcpy(poly, "_P1305", 7);
	return b;
}
static const char *c_cert(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return pp->s.tls.done ? tls_verdict_name(pp->s.tls.verdict) : "-"; }
static const char *c_auth_before(struct port_probe *pp, char *b, size_t n)
{
	if (pp->tls == FOUND_IMPLICIT)
		return "(TLS only)";
	auth_list(&pp->s.caps_before, pp->s.have_before, b, n);
	return b;
}
static const char *c_auth_after(struct port_probe *pp, char *b, size_t n) { auth_list(&pp->s.caps_after, pp->s.have_after, b, n); return b; }
static const char *c_caps(struct port_probe *pp, char *b, size_t n)
{
	const struct smtp_session *s = &pp->s;
	if (!s->have_before && !s->have_after)
		return "-";
	char before[24] = "-", after[24] = "-";
	if (s->have_before)
		snprintf(before, sizeof before, "%zu", s->caps_before.n);
	if (s->have_after)
		snprintf(after, sizeof after, "%zu", s->caps_after.n);
	snprintf(b, n, "%s / %s", before, after);
	return b;
}
static const char *c_mandatory(struct port_probe *pp, char *b, size_t n)
{
	const struct mandatory_tls *m = &pp->mandatory;
	if (!m->asked)
		return "-";
	if (m->required == 1)
		snprintf(b, n, "yes (%d%s%s)", m->code, m->enhanced[0] ? " " : "", m->enhanced);
	else
		snprintf(b, n, "%s", m->required == 0 ? "no" : "unknown");
	return b;
}
static const char *c_size(struct port_probe *pp, char *b, size_t n) { return size_text(pp, b, n); }
static const char *c_pipe(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return yesno(pp, "PIPELINING"); }
static const char *c_chunk(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return yesno(pp, "CHUNKING"); }
static const char *c_utf8(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return yesno(pp, "SMTPUTF8"); }
static const char *c_reqtls(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return yesno(pp, "REQUIRETLS"); }
static const char *c_dsn(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return yesno(pp, "DSN"); }
static const char *c_relay(struct port_probe *pp, char *b, size_t n) { (void)b; (void)n; return relay_text(pp); }
static const char *c_error(struct port_probe *pp, char *b, size_t n)
{
	/* A refused relay test is the answer, shown in its own row. */
	if (!err_is_set(&pp->s.err) || !pp->s.connected || (pp->relay_tested && !pp->rcpt.accepted))
		return "-";
	snprintf(b, n, "%s: %s", pp->s.err.stage ? pp->s.err.stage : "", pp->s.err.msg);
	return b;
}

void probe_report_human(struct probe *p, struct out *all, const char *host, bool relay)
{
	FILE *fp = stdout;
	if (!all->o.quiet) {
		if (all->o.verbose > 0) {
			for (size_t i = 0; i < p->n; i++) {
				fprintf(fp, "--- port %d ---\n", p->ports[i].port);
				for (size_t k = 0; k < p->ports[i].out.nentries; k++) {
					const struct out_entry *en = &p->ports[i].out.entries[k];
					fprintf(fp, "%s%s\n", en->dir == 'C' ? (en->tls ? " ~> " : " -> ")
							      : en->dir == 'S' ? (en->tls ? "<~  " : "<-  ") : "=== ",
						en->text);
				}
			}
		}
		fprintf(fp, "probe of %s%s\n", p->mx ? "the MX hosts of " : "", host);
		if (p->mx)
			row(fp, "host", p, c_host);
		row(fp, "port", p, c_port);
		row(fp, "reachable", p, c_reach);
		row(fp, "greeting", p, c_greeting);
		row(fp, "TLS", p, c_tls);
		row(fp, "TLS version", p, c_version);
		row(fp, "cipher", p, c_cipher);
		row(fp, "certificate", p, c_cert);
		row(fp, "extensions", p, c_caps);
		row(fp, "TLS required", p, c_mandatory);
		row(fp, "AUTH pre-TLS", p, c_auth_before);
		row(fp, "AUTH in TLS", p, c_auth_after);
		row(fp, "SIZE", p, c_size);
		row(fp, "PIPELINING", p, c_pipe);
		row(fp, "CHUNKING", p, c_chunk);
		row(fp, "SMTPUTF8", p, c_utf8);
		row(fp, "REQUIRETLS", p, c_reqtls);
		row(fp, "DSN", p, c_dsn);
		if (relay)
			row(fp, "relay test", p, c_relay);
		row(fp, "error", p, c_error);
		for (size_t i = 0; i < all->nfindings; i++)
			fprintf(fp, "finding: %s %s: %s\n", out_level_name(all->findings[i].level),
				all->findings[i].id, all->findings[i].text);
	}
}

static void json_port(struct json *j, struct port_probe *pp)
{
	char buf[128];
	struct smtp_session *s = &pp->s;
	json_object(j);
	json_kstr(j, "host", pp->host);
	json_kint(j, "port", pp->port);
	json_kstr(j, "state", s->connected ? "open" : reach(pp, buf, sizeof buf));
	json_key(j, "connect_ms");
	if (s->connected)
		json_num(j, s->conn.connect_ms);
	else
		json_null(j);
	json_kstr(j, "address", s->conn.peer_addr[0] ? s->conn.peer_addr : NULL);
	out_json_transport(j, s->conn.via, &s->pol->conn);
	json_key(j, "greeting");
	out_json_reply(j, &s->greeting, smtp_reply_meaning(SMTP_GREETING, s->greeting.code));
	json_kstr(j, "tls_mode", tls_known(pp) ? tls_mode_name(pp->tls) : NULL);
	json_key(j, "tls");
	out_json_tls(j, &s->tls);
	out_json_capabilities(j, s->have_before ? &s->caps_before : NULL,
			      s->have_after ? &s->caps_after : NULL);
	uint64_t size;
	json_key(j, "size");
	if ((s->have_before || s->have_after) && ehlo_size(best_caps(s), &size) == 1)
		json_int(j, (long long)size);
	else
		json_null(j);
	json_key(j, "mandatory_starttls");
	mandatory_tls_json(j, &pp->mandatory);
	json_key(j, "relay_test");
	if (!pp->txn.nrcpt) {
		json_null(j);
	} else {
		json_object(j);
		json_kstr(j, "address", pp->rcpt.address);
		json_key(j, "code");
		if (pp->rcpt.code)
			json_int(j, pp->rcpt.code);
		else
			json_null(j);
		json_kstr(j, "reply", pp->rcpt.code ? pp->rcpt.text : NULL);
		json_kbool(j, "open_relay", pp->relay_tested && pp->rcpt.accepted);
		json_object_end(j);
	}
	struct err none = {0};
	out_json_error(j, pp->relay_tested && pp->s.err.cause == ERR_RCPTS_REFUSED ? &none : &s->err);
	out_json_transcript(j, &pp->out);
	json_object_end(j);
}

void probe_report_json(struct probe *p, struct out *all, const char *host, const struct err *e)
{
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, "probe");
	json_kbool(&j, "ok", err_exit_code(e) == 0);
	json_kint(&j, "exit_code", err_exit_code(e));
	out_json_error(&j, e);
	json_kstr(&j, "host", host);
	json_key(&j, "ports");
	json_array(&j);
	for (size_t i = 0; i < p->n; i++)
		json_port(&j, &p->ports[i]);
	json_array_end(&j);
	out_json_findings(&j, all);
	json_object_end(&j);
}

