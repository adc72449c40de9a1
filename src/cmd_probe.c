/* cmd_probe.c - `smtpkit probe`: which ports of a host work and what each
 * offers (SPEC 6).  Every port is the same session stopped after the EHLO
 * inside TLS (plus MAIL/RCPT/RSET with --relay-test), run concurrently. */
#include "cmd.h"
#include "findings.h"
#include "json.h"
#include "msg.h"
#include "mxcheck.h"
#include "options.h"
#include "out.h"
#include "parallel.h"
#include "reply.h"
#include "smtp.h"
#include "text.h"

#include <popt.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MAX_PORTS 32

static struct probe_args {
	char *ports;
	char *relay_test;
	char *mx;
} a;

static struct poptOption probe_options[] = {
	{"ports", '\0', POPT_ARG_STRING, &a.ports, 0, "ports to probe (default 25,465,587,2525)", "LIST"},
	{"relay-test", '\0', POPT_ARG_STRING, &a.relay_test, 0,
	 "MAIL and RCPT to this outside address without AUTH, then RSET: is it an open relay?", "ADDR"},
	{"mx", '\0', POPT_ARG_STRING, &a.mx, 0, "probe every MX host of DOMAIN on port 25", "DOMAIN"},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

enum tls_found { FOUND_NONE, FOUND_STARTTLS, FOUND_IMPLICIT };

struct port_probe {
	const char *host;
	int port;
	struct smtp_policy pol;
	struct smtp_txn txn;
	struct smtp_rcpt rcpt;
	struct out out;
	struct smtp_session s;
	enum tls_found tls;
	bool relay_tested;
	/* the TLS-first attempt on a silent port */
	_Atomic bool plain_done;
	bool tls_tried, tls_won;
	struct smtp_policy tls_pol;
	struct out tls_out;
	struct smtp_session tls_s;
	struct smtp_txn tls_txn;
	struct smtp_rcpt tls_rcpt;
};

struct probe {
	struct port_probe *ports;
	size_t n;
	bool mx;                    /* columns are MX hosts (--mx) */
};

static void run_one(struct port_probe *pp, enum smtp_tls_mode mode)
{
	/* Written only when it changes: the TLS-first helper reads pol. */
	if (pp->pol.tls_mode != mode)
		pp->pol.tls_mode = mode;
	smtp_init(&pp->s, &pp->pol, &pp->out, pp->host, pp->port);
	if (pp->txn.nrcpt)
		pp->s.txn = &pp->txn;
	smtp_run(&pp->s);
}

/* A port other than 465 that says nothing may be waiting for a TLS
 * ClientHello.  After a grace period without a greeting, this second
 * attempt speaks TLS first, within what is left of the step deadline, so
 * a silent port still costs one --timeout.  If it gets a greeting inside
 * TLS it wins, and the plain attempt is woken by shutting its socket. */
static void *tls_first(void *arg)
{
	struct port_probe *pp = arg;
	int grace = pp->pol.timeout_ms / 4;
	grace = grace > 2000 ? 2000 : grace < 100 ? 100 : grace;
	for (int waited = 0; waited < grace; waited += 20) {
		if (pp->s.greeted || pp->plain_done)
			return NULL;
		nanosleep(&(struct timespec){0, 20 * 1000000}, NULL);
	}
	pp->tls_pol = pp->pol;
	pp->tls_pol.tls_mode = SMTP_TLS_MODE_IMPLICIT;
	pp->tls_pol.timeout_ms = pp->pol.timeout_ms - grace;
	pp->tls_pol.conn.connect_timeout_ms = pp->pol.timeout_ms - grace;
	if (pp->txn.nrcpt) {
		/* Its own copy: the plain attempt may still be using pp->txn. */
		pp->tls_rcpt = (struct smtp_rcpt){.address = pp->rcpt.address};
		pp->tls_txn = pp->txn;
		pp->tls_txn.rcpts = &pp->tls_rcpt;
	}
	struct out_opts collect = pp->out.o;
	collect.json = true;
	out_init(&pp->tls_out, &collect, NULL);
	smtp_init(&pp->tls_s, &pp->tls_pol, &pp->tls_out, pp->host, pp->port);
	if (pp->txn.nrcpt)
		pp->tls_s.txn = &pp->tls_txn;
	pp->tls_tried = true;
	smtp_run(&pp->tls_s);
	if (pp->tls_s.tls.done && pp->tls_s.greeted && !pp->s.greeted) {
		pp->tls_won = true;
		if (pp->s.conn.fd >= 0)
			shutdown(pp->s.conn.fd, SHUT_RDWR);
	}
	return NULL;
}

/* One port: implicit TLS on 465 (falling back to plain when the server
 * greets in clear), else plain with STARTTLS when offered, and TLS first
 * when the port stays silent. */
static void probe_port(void *ctx, size_t i)
{
	struct probe *p = ctx;
	struct port_probe *pp = &p->ports[i];
	enum smtp_tls_mode asked = pp->pol.tls_mode;
	bool implicit = asked == SMTP_TLS_MODE_IMPLICIT || (asked == SMTP_TLS_MODE_AUTO && pp->port == 465);
	pthread_t helper;
	bool helper_started = false;

	if (!implicit && asked == SMTP_TLS_MODE_AUTO)
		helper_started = pthread_create(&helper, NULL, tls_first, pp) == 0;
	run_one(pp, implicit ? SMTP_TLS_MODE_IMPLICIT : asked);
	pp->plain_done = true;
	if (helper_started)
		pthread_join(helper, NULL);
	if (pp->tls_won) {
		smtp_free(&pp->s);
		out_free(&pp->out);
		pp->s = pp->tls_s;
		pp->out = pp->tls_out;
		pp->s.out = &pp->out;
		pp->pol = pp->tls_pol;
		pp->s.pol = &pp->pol;
		pp->tls = FOUND_IMPLICIT;
		if (pp->txn.nrcpt) {
			pp->rcpt = pp->tls_rcpt;
			pp->txn = pp->tls_txn;
			pp->txn.rcpts = &pp->rcpt;
			pp->s.txn = &pp->txn;
		}
		pp->relay_tested = pp->txn.nrcpt && pp->rcpt.code != 0;
		return;
	}
	if (pp->tls_tried) {
		smtp_free(&pp->tls_s);
		out_free(&pp->tls_out);
	}
	if (implicit && asked == SMTP_TLS_MODE_AUTO && pp->s.err.cause == ERR_PROTOCOL && !pp->s.tls.done) {
		/* The port answered our ClientHello in clear: plain SMTP there. */
		out_info(&pp->out, 0, "no TLS on connect: trying plain SMTP");
		smtp_free(&pp->s);
		run_one(pp, SMTP_TLS_MODE_AUTO);
		implicit = false;
	}
	pp->pol.tls_mode = asked;
	if (pp->s.tls.done)
		pp->tls = implicit && pp->s.in_tls && !pp->s.have_before ? FOUND_IMPLICIT : FOUND_STARTTLS;
	else if (pp->s.starttls_offered && !pp->s.starttls_refused && asked != SMTP_TLS_MODE_NONE)
		pp->tls = FOUND_STARTTLS;       /* offered, but the handshake failed: see the error */
	pp->relay_tested = pp->txn.nrcpt && pp->rcpt.code != 0;
}

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

static void port_findings(struct port_probe *pp, struct out *all, const char *host)
{
	struct smtp_session *s = &pp->s;
	struct out tmp;
	struct out_opts oo = {.json = true};

	if (!s->connected)
		return;
	out_init(&tmp, &oo, NULL);
	findings_session(&tmp, s);
	findings_tls(&tmp, &s->tls, 30);
	if (s->greeting.nlines > 0 && !net_is_ip_literal(host)) {
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

static void row(FILE *fp, const char *label, struct probe *p,
		const char *(*cell)(struct port_probe *, char *, size_t))
{
	fprintf(fp, "%-14s", label);
	for (size_t i = 0; i < p->n; i++) {
		char buf[128], esc[512];
		const char *v = cell(&p->ports[i], buf, sizeof buf);
		text_escape(v, strlen(v), esc, sizeof esc);
		fprintf(fp, " %-*.*s", COLW, COLW, esc);
	}
	fputc('\n', fp);
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

static void report_human(struct probe *p, struct out *all, const char *host, bool relay)
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
	json_key(j, "greeting");
	out_json_reply(j, &s->greeting);
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

static void report_json(struct probe *p, struct out *all, const char *host, const struct err *e)
{
	struct json j;
	json_init(&j, stdout);
	json_object(&j);
	json_kstr(&j, "command", "probe");
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

static int parse_ports(const char *list, int *ports, size_t *n, struct err *e)
{
	*n = 0;
	const char *p = list ? list : "25,465,587,2525";
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > 65535 || (*end && *end != ','))
			return err_set(e, ERR_USAGE, NULL, "invalid --ports \"%s\": a comma-separated list of ports", list);
		if (*n >= PROBE_MAX_PORTS)
			return err_set(e, ERR_USAGE, NULL, "--ports: at most %d ports", PROBE_MAX_PORTS);
		ports[(*n)++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (*n == 0)
		return err_set(e, ERR_USAGE, NULL, "--ports: no port given");
	return 0;
}

int cmd_probe(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit probe", argc, argv, probe_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] HOST");
	char *host = NULL;
	int target_port = 0, ports[PROBE_MAX_PORTS];
	size_t nports = 0;
	char *hosts[PROBE_MAX_PORTS] = {0};     /* --mx: one column per MX host */
	size_t nhosts = 0;
	struct smtp_policy pol;
	struct out_opts oo;
	int rc;

	if (net_parse(ctx, NULL, NULL, &e) < 0)
		goto usage;
	if (a.mx) {
		if (poptPeekArg(ctx) || a.ports) {
			err_set(&e, ERR_USAGE, NULL, "--mx DOMAIN takes no HOST and no --ports (MX hosts are probed on 25, or -p)");
			goto usage;
		}
		host = strdup(a.mx);
		int mx_port = 25;
		if (!host || net_port(0, 25, &mx_port, &e) < 0 || net_policy(host, &pol, &oo, &e) < 0)
			goto usage;
		struct dns_resolver res;
		struct mx_domain d;
		if (dns_resolver_init(&res, net_args.resolver, &e) < 0)
			goto usage;
		if (mx_route(&res, a.mx, &d, &e) < 0) {
			mx_domain_free(&d);
			goto usage;
		}
		for (size_t i = 0; i < d.nhosts && nhosts < PROBE_MAX_PORTS; i++) {
			if (d.hosts[i].ip_literal)
				continue;
			hosts[nhosts] = strdup(d.hosts[i].name);
			ports[nhosts++] = mx_port;
		}
		mx_domain_free(&d);
		nports = nhosts;
		if (nports == 0) {
			err_set(&e, ERR_NOHOST, "dns", "%s has no MX host to probe", a.mx);
			goto usage;
		}
	} else {
		const char *arg = poptGetArg(ctx);
		if (!arg || poptPeekArg(ctx)) {
			err_set(&e, ERR_USAGE, NULL, "probe takes exactly one HOST");
			goto usage;
		}
		if (net_parse_target(arg, &host, &target_port, &e) < 0)
			goto usage;
		if (net_args.port && !a.ports)
			a.ports = net_args.port;        /* -p P is --ports P */
		else if (target_port || net_args.port) {
			err_set(&e, ERR_USAGE, NULL, "probe takes its ports from --ports or -p (one of them), not HOST:PORT");
			goto usage;
		}
		if (parse_ports(a.ports, ports, &nports, &e) < 0 || net_policy(host, &pol, &oo, &e) < 0)
			goto usage;
	}
	char *relay = NULL;
	if (a.relay_test && !(relay = msg_addr_spec(a.relay_test, false, ERR_USAGE, &e)))
		goto usage;
	/* Report certificates, never stop on them; EHLO inside TLS is the end. */
	pol.tls_verify = false;
	pol.stop_after = a.relay_test ? SMTP_STAGE_RCPT : SMTP_STAGE_TLS;

	struct probe p = {.n = nports, .mx = nhosts > 0};
	p.ports = calloc(nports, sizeof *p.ports);
	if (!p.ports) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto usage;
	}
	struct out_opts collect = oo;
	collect.json = true;            /* per-port outs only collect */
	for (size_t i = 0; i < nports; i++) {
		struct port_probe *pp = &p.ports[i];
		pp->host = nhosts ? hosts[i] : host;
		pp->port = ports[i];
		pp->pol = pol;
		/* Each MX host's certificate must name that host (RFC 7672 3.2.2 style). */
		pp->pol.tls.verify_name = net_args.tls_name ? net_args.tls_name : pp->host;
		pp->pol.tls.sni = net_is_ip_literal(pp->host) ? NULL : pp->pol.tls.verify_name;
		out_init(&pp->out, &collect, NULL);
		if (relay) {
			pp->rcpt.address = relay;
			pp->txn = (struct smtp_txn){.mail_from = relay, .rcpts = &pp->rcpt, .nrcpt = 1};
		}
	}
	parallel_run(nports, nports, probe_port, &p);

	struct out all;
	out_init(&all, &oo, stdout);
	size_t open = 0, greeted = 0;
	for (size_t i = 0; i < nports; i++) {
		open += p.ports[i].s.connected;
		greeted += p.ports[i].s.greeting.code != 0;
		port_findings(&p.ports[i], &all, p.ports[i].host);
	}
	struct err result = {0};
	/* A local fault (unreadable --cafile, bad client key) spoils every
	 * port alike: it is the result, not a fact about one port. */
	for (size_t i = 0; i < nports && !err_is_set(&result); i++) {
		enum err_cause c = p.ports[i].s.err.cause;
		if (c == ERR_NOINPUT || c == ERR_CONFIG || c == ERR_INTERNAL)
			result = p.ports[i].s.err;
	}
	/* SPEC 9: a name that does not exist is 68, not a connect failure. */
	bool nohost = open == 0;
	for (size_t i = 0; i < nports; i++)
		nohost &= p.ports[i].s.err.cause == ERR_NOHOST;
	if (nohost && !err_is_set(&result))
		result = p.ports[0].s.err;
	if (open == 0)
		err_set(&result, ERR_CONNECT, "connect", "no port of %s answered", host);
	else if (greeted == 0)
		/* Open but silent everywhere: nothing there speaks SMTP in time. */
		err_set(&result, ERR_TIMEOUT, "greeting", "no port of %s sent a greeting (%zu open)", host, open);
	else
		for (size_t i = 0; i < all.nfindings; i++)
			if (all.findings[i].level == FINDING_FAIL)
				err_set(&result, ERR_FINDING, NULL, "%s", all.findings[i].text);
	if (oo.json) {
		report_json(&p, &all, host, &result);
		if (err_is_set(&result) && result.cause != ERR_FINDING)
			out_error(&result);
	} else {
		report_human(&p, &all, host, relay != NULL);
		if (result.cause == ERR_FINDING) {
			size_t fails = 0;
			for (size_t i = 0; i < all.nfindings; i++)
				fails += all.findings[i].level == FINDING_FAIL;
			out_result(&all, &result, "%zu of %zu ports open, %zu fail-level finding%s", open, nports,
				   fails, fails == 1 ? "" : "s");
		} else {
			out_result(&all, &result, "%zu of %zu ports open, no fail-level finding", open, nports);
		}
	}
	rc = err_exit_code(&result);
	for (size_t i = 0; i < nports; i++) {
		smtp_free(&p.ports[i].s);
		out_free(&p.ports[i].out);
	}
	out_free(&all);
	free(p.ports);
	free(relay);
	free(host);
	for (size_t i = 0; i < nhosts; i++)
		free(hosts[i]);
	poptFreeContext(ctx);
	return rc;
usage:
	net_early_error(argc, argv, &e);
	for (size_t i = 0; i < nhosts; i++)
		free(hosts[i]);
	free(host);
	poptFreeContext(ctx);
	return err_exit_code(&e);
}
