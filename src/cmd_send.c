/* cmd_send.c - `smtpkit send`: compose or relay one message (SPEC 3). */
#define _DEFAULT_SOURCE
#include "dkim/dkim.h"
#include "dns.h"
#include "cmd.h"
#include "config.h"
#include "deliverylog.h"
#include "findings.h"
#include "json.h"
#include "msg.h"
#include "options.h"
#include "out.h"
#include "reply.h"
#include "secret.h"
#include "send.h"
#include "smtp.h"
#include "text.h"

#include <popt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_TO = 1000, OPT_CC, OPT_BCC, OPT_HEADER, OPT_ATTACH, OPT_ATTACH_TYPE,
};

/* Repeatable options, kept in command-line order. */
struct list {
	char **v;
	size_t n;
};

static struct send_args {
	char *from, *envelope_from, *subject, *body, *html, *data;
	int read_recipients, keep_bcc;
	char *server;
	int no_pipelining, no_chunking, requiretls, allow_partial, dry_run;
	char *dsn_notify, *dsn_ret, *envid, *quit_after, *show_data;
	struct list to, cc, bcc, headers;
	struct msg_attach *attach;
	size_t nattach;
	char *next_attach_type;
	struct dkim_opts dkim;
	int sendmail_mode;          /* set by `smtpkit sendmail` (cmd_sendmail.c) */
	char *full_name;            /* sendmail -F */
} a;

struct poptOption send_options[] = {
	{"from", 'f', POPT_ARG_STRING, &a.from, 0, "header From and envelope sender", "ADDR"},
	{"envelope-from", '\0', POPT_ARG_STRING, &a.envelope_from, 0, "envelope sender only (<> is the null sender)", "ADDR"},
	{"to", '\0', POPT_ARG_STRING, NULL, OPT_TO, "recipient, in To (repeatable, comma-separated)", "ADDR[,ADDR...]"},
	{"cc", '\0', POPT_ARG_STRING, NULL, OPT_CC, "recipient, in Cc", "ADDR[,ADDR...]"},
	{"bcc", '\0', POPT_ARG_STRING, NULL, OPT_BCC, "recipient, in no header", "ADDR[,ADDR...]"},
	{"subject", '\0', POPT_ARG_STRING, &a.subject, 0, "Subject header", "TEXT"},
	{"body", '\0', POPT_ARG_STRING, &a.body, 0, "body text, @FILE, or - for standard input", "TEXT|@FILE|-"},
	{"html", '\0', POPT_ARG_STRING, &a.html, 0, "HTML alternative (multipart/alternative)", "TEXT|@FILE"},
	{"header", '\0', POPT_ARG_STRING, NULL, OPT_HEADER, "extra header (repeatable)", "'Name: value'"},
	{"attach", '\0', POPT_ARG_STRING, NULL, OPT_ATTACH, "attach a file (repeatable)", "FILE"},
	{"attach-type", '\0', POPT_ARG_STRING, NULL, OPT_ATTACH_TYPE,
	 "MIME type of the next --attach (default: from /etc/mime.types)", "TYPE"},
	{"data", '\0', POPT_ARG_STRING, &a.data, 0, "a complete RFC 5322 message, sent as is", "FILE|-"},
	{"read-recipients", 't', POPT_ARG_NONE, &a.read_recipients, 0,
	 "recipients from To/Cc/Bcc of --data (default: standard input), as sendmail -t", NULL},
	{"keep-bcc", '\0', POPT_ARG_NONE, &a.keep_bcc, 0,
	 "keep the Bcc header of --data or -t (removed by default)", NULL},
	{"server", 's', POPT_ARG_STRING, &a.server, 0, "send through this server", "HOST[:PORT]"},
	{"no-pipelining", '\0', POPT_ARG_NONE, &a.no_pipelining, 0, "do not pipeline commands (RFC 2920)", NULL},
	{"no-chunking", '\0', POPT_ARG_NONE, &a.no_chunking, 0, "use DATA, not BDAT (RFC 3030)", NULL},
	{"dsn-notify", '\0', POPT_ARG_STRING, &a.dsn_notify, 0, "NEVER or SUCCESS,FAILURE,DELAY (RFC 3461)", "WHEN"},
	{"dsn-ret", '\0', POPT_ARG_STRING, &a.dsn_ret, 0, "FULL or HDRS", "WHAT"},
	{"envid", '\0', POPT_ARG_STRING, &a.envid, 0, "envelope identifier for DSNs", "ID"},
	{"requiretls", '\0', POPT_ARG_NONE, &a.requiretls, 0, "REQUIRETLS (RFC 8689)", NULL},
	{"allow-partial", '\0', POPT_ARG_NONE, &a.allow_partial, 0,
	 "deliver to the accepted recipients when others are refused", NULL},
	{"quit-after", '\0', POPT_ARG_STRING, &a.quit_after, 0,
	 "stop with QUIT after connect, greeting, ehlo, tls, auth, mail or rcpt", "STAGE"},
	{"show-data", '\0', POPT_ARG_STRING, &a.show_data, 0,
	 "message lines in the transcript: the header block and N body lines (default 20), all or none",
	 "all|none|N"},
	{"dry-run", '\0', POPT_ARG_NONE, &a.dry_run, 0, "print envelope and message; no network", NULL},
	{"dkim-key", '\0', POPT_ARG_STRING, &a.dkim.key_file, 0,
	 "sign with DKIM (RFC 6376): RSA (PKCS#1/PKCS#8 PEM) or Ed25519 (RFC 8463) private key", "FILE"},
	{"dkim-selector", '\0', POPT_ARG_STRING, &a.dkim.selector, 0, "DKIM selector (s=): the key is at SEL._domainkey.DOMAIN", "SEL"},
	{"dkim-domain", '\0', POPT_ARG_STRING, &a.dkim.domain, 0, "DKIM signing domain (d=; default: the From header's domain)", "DOMAIN"},
	{"dkim-headers", '\0', POPT_ARG_STRING, &a.dkim.headers, 0,
	 "header fields to sign, in order (default: RFC 6376 5.4.1's set present, From signed twice)", "NAME[:NAME...]"},
	{"dkim-canon", '\0', POPT_ARG_STRING, &a.dkim.canon, 0,
	 "DKIM canonicalization header/body (default relaxed/relaxed)", "relaxed|simple[/relaxed|simple]"},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, auth_options, 0, "Authentication (with --server):", NULL},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, send_load_options, 0, "Load (with --server):", NULL},
	/* How `smtpkit sendmail` hands over what only it has: not options a
	 * user types, so hidden from --help. */
	{"sendmail-mode", '\0', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &a.sendmail_mode, 0, NULL, NULL},
	{"full-name", '\0', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, &a.full_name, 0, NULL, NULL},
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_options, 0, "Connection, TLS and output:", NULL},
	POPT_AUTOHELP
	POPT_TABLEEND
};

static int list_add(struct list *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		return -1;
	l->v = v;
	if (!(l->v[l->n] = strdup(s)))
		return -1;
	l->n++;
	return 0;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Comma-separated lists become one entry per address.  A value with no
 * address at all ("", " ", ",") is a usage error, as for --from: not a
 * message without recipients (65).  what names the option. */
static int list_add_addresses(struct list *l, const char *what, const char *arg, struct err *e)
{
	char **v;
	size_t n;
	if (net_check_value("an address", arg, e) < 0)
		return -1;
	if (msg_split_addresses(arg, &v, &n) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (n == 0)
		return err_set(e, ERR_USAGE, NULL, "bad address \"%s\" (%s): empty address", arg, what);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && list_add(l, v[i]) < 0)
			rc = err_set(e, ERR_INTERNAL, NULL, "out of memory");
		free(v[i]);
	}
	free(v);
	return rc;
}

static int on_option(int val, const char *arg, void *ctx, struct err *e)
{
	(void)ctx;
	switch (val) {
	case OPT_TO: return list_add_addresses(&a.to, "--to", arg, e);
	case OPT_CC: return list_add_addresses(&a.cc, "--cc", arg, e);
	case OPT_BCC: return list_add_addresses(&a.bcc, "--bcc", arg, e);
	case OPT_HEADER:
		if (net_check_value("--header", arg, e) < 0)
			return -1;
		return list_add(&a.headers, arg) < 0 ? err_set(e, ERR_INTERNAL, NULL, "out of memory") : 0;
	case OPT_ATTACH_TYPE:
		if (net_check_value("--attach-type", arg, e) < 0)
			return -1;
		free(a.next_attach_type);
		a.next_attach_type = strdup(arg);
		return 0;
	case OPT_ATTACH: {
		struct msg_attach *v = realloc(a.attach, (a.nattach + 1) * sizeof *v);
		if (!v)
			return err_set(e, ERR_INTERNAL, NULL, "out of memory");
		a.attach = v;
		a.attach[a.nattach++] = (struct msg_attach){strdup(arg), a.next_attach_type, NULL};
		a.next_attach_type = NULL;
		return 0;
	}
	}
	return 0;
}

static int parse_stage(const char *s, enum smtp_stage *stage, struct err *e)
{
	if (smtp_stage_parse(s, stage) == 0)
		return 0;
	return err_set(e, ERR_USAGE, NULL,
		       "invalid --quit-after \"%s\": connect, greeting, ehlo, tls, auth, mail or rcpt", s);
}

/* --show-data all|none|N: how much of the message the transcript shows. */
static int parse_show_data(const char *arg, long *show, struct err *e)
{
	*show = OUT_DATA_DEFAULT;
	if (!arg)
		return 0;
	if (strcmp(arg, "all") == 0) {
		*show = OUT_DATA_ALL;
		return 0;
	}
	if (strcmp(arg, "none") == 0) {
		*show = OUT_DATA_NONE;
		return 0;
	}
	char *end;
	long n = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || n < 0 || n > 100000000)
		return err_set(e, ERR_USAGE, NULL, "invalid --show-data \"%s\": all, none, or a number of lines", arg);
	*show = n;
	return 0;
}

/* RFC 3461 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
static int check_dsn(struct err *e)
{
	if (net_check_value("--dsn-notify", a.dsn_notify, e) < 0 || net_check_value("--dsn-ret", a.dsn_ret, e) < 0
	    || net_check_value("--envid", a.envid, e) < 0)
		return -1;
	if (a.dsn_notify) {
		char *copy = strdup(a.dsn_notify), *save = NULL;
		bool never = false, other = false, bad = !copy;
		for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save)) {
			if (text_casecmp(w, "NEVER") == 0)
				never = true;
			else if (text_casecmp(w, "SUCCESS") == 0 || text_casecmp(w, "FAILURE") == 0
				 || text_casecmp(w, "DELAY") == 0)
				other = true;
			else
				bad = true;
		}
		free(copy);
		if (bad || (never && other) || (!never && !other))
			return err_usage(e, "dsn-notify",
					 "invalid --dsn-notify \"%s\": NEVER, or a list of SUCCESS, FAILURE, DELAY",
					 a.dsn_notify);
	}
	if (a.dsn_ret && text_casecmp(a.dsn_ret, "FULL") != 0 && text_casecmp(a.dsn_ret, "HDRS") != 0)
		return err_usage(e, "dsn-ret", "invalid --dsn-ret \"%s\": FULL or HDRS", a.dsn_ret);
	/* RFC 3461 4.4: ENVID is at most 100 characters of printable ASCII. */
	if (a.envid && (strlen(a.envid) > 100 || msg_addr_needs_utf8(a.envid)))
		return err_set(e, ERR_USAGE, NULL, "invalid --envid: at most 100 printable ASCII characters");
	return 0;
}

/* Envelope sender when none is given: the login name at this host, as
 * sendmail does. */
static char *default_sender(const char *helo)
{
	struct passwd *pw = getpwuid(getuid());
	char buf[512];
	const char *name = pw && pw->pw_name && !text_has_control(pw->pw_name) && !strchr(pw->pw_name, ' ')
			   ? pw->pw_name : "smtpkit";
	snprintf(buf, sizeof buf, "%s@%s", name, helo);
	return strdup(buf);
}

struct envelope {
	char *from;                 /* addr-spec, "" for <> */
	struct smtp_rcpt *rcpts;
	size_t nrcpt;
	bool smtputf8;
};

static int add_rcpt(struct envelope *env, const char *addr, enum err_cause cause, struct err *e)
{
	char *spec = msg_addr_spec(addr, false, cause, e);
	if (!spec)
		return -1;
	for (size_t i = 0; i < env->nrcpt; i++) {
		if (strcmp(env->rcpts[i].address, spec) == 0) {
			free(spec);
			return 0;
		}
	}
	struct smtp_rcpt *v = realloc(env->rcpts, (env->nrcpt + 1) * sizeof *v);
	if (!v) {
		free(spec);
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	}
	env->rcpts = v;
	memset(&env->rcpts[env->nrcpt], 0, sizeof *v);
	env->rcpts[env->nrcpt++].address = spec;
	env->smtputf8 |= msg_addr_needs_utf8(spec);
	return 0;
}

static int build_envelope(struct envelope *env, poptContext ctx, const struct msg *m,
			  const char *helo, struct err *e)
{
	const char *arg;
	while ((arg = poptGetArg(ctx)))
		if (list_add_addresses(&a.to, "RECIPIENT", arg, e) < 0)
			return -1;
	const struct list *lists[] = {&a.to, &a.cc, &a.bcc};
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (add_rcpt(env, lists[l]->v[i], ERR_USAGE, e) < 0)
				return -1;
	for (size_t i = 0; i < m->nrecipients; i++)
		if (add_rcpt(env, m->recipients[i], ERR_INPUT, e) < 0)
			return -1;
	if (env->nrcpt == 0 && !send_load_rotates())
		return err_set(e, ERR_INPUT, NULL, "no recipients (give RECIPIENT, --to, --cc, --bcc, -t or --to-file)");

	if (a.envelope_from)
		env->from = msg_addr_spec(a.envelope_from, true, ERR_USAGE, e);
	else if (a.from)
		env->from = msg_addr_spec(a.from, false, ERR_USAGE, e);
	else if (m->sender)
		env->from = strdup(m->sender);
	else
		env->from = default_sender(helo);
	if (!env->from)
		return err_is_set(e) ? -1 : err_set(e, ERR_INTERNAL, NULL, "out of memory");
	env->smtputf8 |= msg_addr_needs_utf8(env->from);
	return 0;
}

static void envelope_free(struct envelope *env)
{
	for (size_t i = 0; i < env->nrcpt; i++)
		free((char *)env->rcpts[i].address);
	free(env->rcpts);
	free(env->from);
}

/* --dry-run: envelope and message, no network.  With --json the message
 * text is included up to 1 MiB (null beyond: use the human form). */
static int dry_run(const struct envelope *env, struct msg *m, const struct out_opts *oo,
		   const struct dkim_signer *dkim, struct err *e)
{
	char buf[65536];
	ssize_t n;
	if (msg_rewind(m) < 0)
		return err_set(e, ERR_INPUT, "message", "cannot re-read the message");
	if (oo->json) {
		struct json j;
		json_init(&j, stdout);
		json_object(&j);
		out_json_head(&j, "send");
		json_kbool(&j, "ok", true);
		json_kint(&j, "exit_code", 0);
		json_key(&j, "error");
		json_null(&j);
		json_kbool(&j, "dry_run", true);
		json_kstr(&j, "dkim", dkim ? dkim_signer_describe(dkim) : NULL);
		json_key(&j, "envelope");
		json_object(&j);
		json_kstr(&j, "from", env->from);
		json_key(&j, "recipients");
		json_array(&j);
		for (size_t i = 0; i < env->nrcpt; i++)
			json_str(&j, env->rcpts[i].address);
		json_array_end(&j);
		json_object_end(&j);
		json_key(&j, "message");
		json_object(&j);
		json_kint(&j, "size", (long long)m->size);
		json_kbool(&j, "eightbit", m->eightbit);
		json_key(&j, "text");
		char *text = m->size <= 1048576 ? malloc(m->size + 1) : NULL;
		size_t len = 0;
		while (text && (n = msg_read(m, text + len, m->size - len)) > 0)
			len += (size_t)n;
		if (text)
			json_strn(&j, text, len);
		else
			json_null(&j);
		free(text);
		json_object_end(&j);
		json_object_end(&j);
		return 0;
	}
	printf("=== envelope sender: <%s>\n", env->from);
	for (size_t i = 0; i < env->nrcpt; i++)
		printf("=== envelope recipient: <%s>\n", env->rcpts[i].address);
	if (dkim)
		printf("=== DKIM-signed: %s\n", dkim_signer_describe(dkim));
	printf("=== message: %llu octets%s\n", (unsigned long long)m->size, m->eightbit ? ", 8-bit" : "");
	while ((n = msg_read(m, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	struct out o;
	out_init(&o, oo, stdout);
	out_result(&o, e, "dry run, nothing sent");
	out_free(&o);
	return 0;
}

/* The domain of an addr-spec, for grouping direct deliveries. */
static const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

/* One delivery through --server, or one per recipient domain (compared
 * without regard to ASCII case). */
static int make_deliveries(const struct envelope *env, const struct smtp_txn *base,
			   const struct smtp_policy *pol, const struct out_opts *oo, bool relay,
			   struct send_delivery **out, size_t *n)
{
	struct send_delivery *v = calloc(env->nrcpt, sizeof *v);
	if (!v)
		return -1;
	size_t nv = 0;
	for (size_t i = 0; i < env->nrcpt; i++) {
		const char *dom = addr_domain(env->rcpts[i].address);
		struct send_delivery *d = NULL;
		for (size_t k = 0; k < nv && !d; k++)
			if (relay || text_casecmp(v[k].domain, dom) == 0)
				d = &v[k];
		if (!d) {
			d = &v[nv++];
			d->domain = relay ? NULL : strdup(dom);
			d->pol = *pol;
			d->txn = *base;
			d->txn.rcpts = calloc(env->nrcpt, sizeof *d->txn.rcpts);
			out_init(&d->out, oo, stdout);
			if (!d->txn.rcpts || (!relay && !d->domain)) {
				*out = v;
				*n = nv;
				return -1;
			}
		}
		d->txn.rcpts[d->txn.nrcpt++] = env->rcpts[i];
	}
	*out = v;
	*n = nv;
	return 0;
}

static void deliveries_free(struct send_delivery *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		send_delivery_free(&v[i]);
	free(v);
}

static void free_args(void)
{
	list_free(&a.to);
	list_free(&a.cc);
	list_free(&a.bcc);
	list_free(&a.headers);
	for (size_t i = 0; i < a.nattach; i++) {
		free((char *)a.attach[i].path);
		free((char *)a.attach[i].type);
	}
	free(a.attach);
	free(a.next_attach_type);
}

/* The options, checked together: the policy, the server and its port. */
static int check_args(poptContext ctx, struct smtp_policy *pol, struct out_opts *oo, char **host,
		      int *port, struct err *e)
{
	int target_port = 0;
	if (net_parse(ctx, on_option, NULL, e) < 0)
		return -1;
	config_apply(send_options);
	const char *checked[][2] = {
		{"--from", a.from}, {"--envelope-from", a.envelope_from}, {"--subject", a.subject},
		{"--server", a.server}, {"--dkim-selector", a.dkim.selector},
		{"--dkim-domain", a.dkim.domain}, {"--dkim-headers", a.dkim.headers}, {"--dkim-canon", a.dkim.canon},
		{"-F", a.full_name},
	};
	for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++)
		if (net_check_value(checked[i][0], checked[i][1], e) < 0)
			return -1;
	/* The senders first, so that a bad one is named as the option it is. */
	const struct {
		const char *option, *value;
		bool envelope;
	} senders[] = {{"from", a.from, false}, {"envelope-from", a.envelope_from, true}};
	for (size_t i = 0; i < sizeof senders / sizeof senders[0]; i++) {
		char *spec = senders[i].value ? msg_addr_spec(senders[i].value, senders[i].envelope, ERR_USAGE, e) : NULL;
		if (senders[i].value && !spec) {
			err_option(e, senders[i].option);
			return -1;
		}
		free(spec);
	}
	/* sendmail -t: without --data the message is standard input. */
	if (a.read_recipients && !a.data && (a.body || a.html || a.subject || a.nattach || a.headers.n))
		return err_set(e, ERR_USAGE, NULL, "-t reads a complete message (--data, or standard input): it excludes --body, --html, --subject, --header and --attach");
	if (a.data && (a.body || a.html || a.subject || a.nattach || a.headers.n))
		return err_set(e, ERR_USAGE, NULL, "--data sends a complete message: it excludes --body, --html, --subject, --header and --attach");
	if (a.read_recipients && !a.data)
		a.data = "-";
	if (a.keep_bcc && !a.data)
		return err_set(e, ERR_USAGE, NULL, "--keep-bcc goes with --data or -t: a composed message has no Bcc header");
	if (auth_args_check(e) < 0)
		return -1;
	/* --socket and --pipe name the server themselves: a relay, HOST optional. */
	bool relay = a.server || net_transport_local();
	if (!relay && auth_args.user)
		return err_usage(e, "user", "--user goes with --server: MX hosts take no authentication");
	if (check_dsn(e) < 0)
		return -1;
	if (!a.dkim.key_file && (a.dkim.selector || a.dkim.domain || a.dkim.headers || a.dkim.canon))
		return err_usage(e, a.dkim.selector ? "dkim-selector" : a.dkim.domain ? "dkim-domain"
				 : a.dkim.headers ? "dkim-headers" : "dkim-canon",
				 "--dkim-selector, --dkim-domain, --dkim-headers and --dkim-canon go with --dkim-key");
	/* A server on the command line, not the account's socket or pipe. */
	if (a.server && !config_gave("server"))
		net_host_named();
	net_args.no_secrets = a.dry_run;
	if (a.server && net_parse_target(a.server, host, &target_port, e) < 0) {
		err_option(e, "server");
		return -1;
	}
	int default_port = auth_args.user ? 587 : 25;
	if (net_port(target_port, default_port, port, e) < 0
	    || net_policy(*host ? *host : "localhost", pol, oo, e) < 0)
		return -1;
	if (a.quit_after && parse_stage(a.quit_after, &pol->stop_after, e) < 0)
		return -1;
	if (send_load_check(relay, a.quit_after != NULL, a.dry_run, e) < 0)
		return -1;
	for (size_t i = 0; send_load_wanted() && i < a.headers.n; i++)
		if (text_ncasecmp(a.headers.v[i], "Message-ID:", 11) == 0)
			return err_set(e, ERR_USAGE, NULL, "--count gives every message its own Message-ID: no --header Message-ID");
	if (parse_show_data(a.show_data, &oo->show_data, e) < 0)
		return -1;
	pol->tls_none_explicit = net_args.tls && strcmp(net_args.tls, "none") == 0;
	pol->data_timeout_ms = net_args.timeout_given ? pol->timeout_ms : 120000;
	if (auth_args.user && auth_args_mechs(&pol->auth.mechs, e) < 0)
		return -1;
	return 0;
}

/* The message and its envelope, checked whole before any connection
 * (SPEC 10.6). */
static int build(poptContext ctx, const struct smtp_policy *pol, struct msg *m,
		 struct envelope *env, char **header_from, struct err *e)
{
	/* RFC 5322 3.6: a composed message needs a From; without --from it is
	 * the envelope sender. */
	if (!a.from && !a.data) {
		bool null_sender = a.envelope_from && (!*a.envelope_from || strcmp(a.envelope_from, "<>") == 0);
		*header_from = a.envelope_from && !null_sender ? strdup(a.envelope_from) : default_sender(pol->helo);
	}
	/* sendmail: a message without From gets one (RFC 5322 3.6), from -F
	 * and the sender; config from-header: auto (when missing), on
	 * (always, replacing the message's), off. */
	char *add_from = NULL;
	const struct config_entry *fh = config_get("from-header");
	if (a.sendmail_mode && a.data && !(fh && strcmp(fh->value, "off") == 0)) {
		char *addr = a.from ? msg_addr_spec(a.from, false, ERR_USAGE, e) : default_sender(pol->helo);
		if (!addr)
			return err_is_set(e) ? -1 : err_set(e, ERR_INTERNAL, NULL, "out of memory");
		if (a.full_name && *a.full_name) {
			size_t n = strlen(a.full_name) + strlen(addr) + 4;
			if ((add_from = malloc(n)))
				snprintf(add_from, n, "%s <%s>", a.full_name, addr);
			free(addr);
		} else {
			add_from = addr;
		}
		if (!add_from)
			return err_set(e, ERR_INTERNAL, NULL, "out of memory");
		*header_from = add_from;
	}
	struct msg_opts mo = {
		.from = a.from ? a.from : *header_from, .to = a.to.v, .nto = a.to.n, .cc = a.cc.v, .ncc = a.cc.n,
		.bcc = a.bcc.v, .nbcc = a.bcc.n, .subject = a.subject, .body = a.body, .html = a.html,
		.headers = a.headers.v, .nheaders = a.headers.n, .attach = a.attach,
		.nattach = a.nattach, .data = a.data, .read_recipients = a.read_recipients,
		.keep_bcc = a.keep_bcc, .add_from = add_from,
		.replace_from = fh && strcmp(fh->value, "on") == 0,
		.domain = pol->helo, .stdin_is_tty = isatty(0), .no_message_id = send_load_wanted(),
	};
	if (msg_build(m, &mo, e) < 0 || build_envelope(env, ctx, m, pol->helo, e) < 0)
		return -1;
	return 0;
}

/* Through --server, or to each recipient domain's MX hosts; the report
 * and the exit status.  -1 with e set when nothing could be tried. */
static struct smtp_txn base_txn(const struct envelope *env, struct msg *m)
{
	return (struct smtp_txn){
		.mail_from = env->from, .msg = m, .rcpts = env->rcpts, .nrcpt = env->nrcpt,
		.smtputf8 = env->smtputf8, .dsn_notify = a.dsn_notify, .dsn_ret = a.dsn_ret,
		.envid = a.envid, .requiretls = a.requiretls, .allow_partial = a.allow_partial,
		.no_pipelining = a.no_pipelining, .no_chunking = a.no_chunking,
	};
}

static int deliver(const struct envelope *env, struct msg *m, const struct smtp_policy *pol,
		   const struct out_opts *oo, const char *host, int port, struct err *e)
{
	struct smtp_txn base = base_txn(env, m);
	base.rcpts = NULL;          /* each delivery gets its own */
	base.nrcpt = 0;
	struct send_delivery *v = NULL;
	size_t nv = 0;
	bool relay = a.server || net_transport_local();
	if (make_deliveries(env, &base, pol, oo, relay, &v, &nv) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (relay) {
		send_relay(&v[0], host ? host : "localhost", port);
	} else {
		struct dns_resolver res;
		int mx_port = 25;
		if (net_resolver(&res, pol, e) < 0 || net_mx_port(&mx_port, e) < 0) {
			deliveries_free(v, nv);
			return -1;
		}
		for (size_t i = 0; i < nv; i++)
			send_direct(&v[i], &res, mx_port);
	}
	for (size_t i = 0; i < nv; i++)
		if (v[i].ran) {
			findings_session(&v[i].out, &v[i].s);
			findings_starttls(&v[i].out, &v[i].s);
			findings_tls(&v[i].out, &v[i].s.tls, 30);
		}
	send_report(v, nv, oo, a.quit_after, relay);
	deliverylog_write(v, nv, env->from, m->size);
	int rc = send_exit_code(v, nv);
	deliveries_free(v, nv);
	return rc;
}

int cmd_send(int argc, const char **argv)
{
	struct err e = {0};
	poptContext ctx = poptGetContext("smtpkit send", argc, argv, send_options, 0);
	poptSetOtherOptionHelp(ctx, "[OPTIONS] [RECIPIENT...]");
	char *host = NULL, *secret = NULL, *header_from = NULL;
	int port = 0, rc = -1;
	struct smtp_policy pol;
	struct out_opts oo;
	struct msg m = {0};
	struct envelope env = {0};
	struct dkim_signer *dkim = NULL;

	/* The key is checked before the message is read: a bad key must not
	 * consume standard input. */
	if (check_args(ctx, &pol, &oo, &host, &port, &e) < 0
	    || (a.dkim.key_file && !(dkim = dkim_signer_new(&a.dkim, &e)))
	    || build(ctx, &pol, &m, &env, &header_from, &e) < 0
	    || (dkim && dkim_sign(dkim, &m, &e) < 0))
		goto fail;
	if (a.dry_run) {
		rc = dry_run(&env, &m, &oo, dkim, &e);
	} else if (auth_args.user && !(secret = auth_args_secret(&e))) {
		rc = -1;
	} else {
		pol.auth.user = auth_args.user;
		pol.auth.secret = secret;
		if (send_load_wanted()) {
			struct smtp_txn base = base_txn(&env, &m);
			rc = send_load_run(&base, &pol, &oo, host, port, &e);
		} else {
			rc = deliver(&env, &m, &pol, &oo, host, port, &e);
		}
	}
fail:
	if (rc < 0) {
		net_early_error(argc, argv, &e);
		rc = err_exit_code(&e);
	}
	free(header_from);
	dkim_signer_free(dkim);
	text_hide_clear();
	secret_free(secret);
	envelope_free(&env);
	msg_free(&m);
	free_args();
	send_load_free();
	free(host);
	poptFreeContext(ctx);
	return rc;
}
