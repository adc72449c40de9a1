/* msmtprc.c - msmtp's configuration, read as msmtp reads it (defaults
 * apply to the accounts that follow them; `account A : B, C` copies B and
 * C), written as smtpkit-config(5). */
#define _GNU_SOURCE
#include "msmtprc.h"
#include "text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of msmtp commands, the last value of each, in first-set order. */
struct kv {
	char *k, *v;
	int line;
};
struct dict {
	struct kv *v;
	size_t n;
	bool oom;
};

static struct kv *dict_find(const struct dict *d, const char *k)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].k, k) == 0)
			return &d->v[i];
	return NULL;
}

static const char *dict_get(const struct dict *d, const char *k)
{
	const struct kv *e = dict_find(d, k);
	return e ? e->v : NULL;
}

static void dict_set(struct dict *d, const char *k, const char *v, int line)
{
	struct kv *e = dict_find(d, k);
	char *nv = strdup(v);
	if (!nv) {
		d->oom = true;
		return;
	}
	if (e) {
		free(e->v);
		e->v = nv;
		e->line = line;
		return;
	}
	struct kv *a = realloc(d->v, (d->n + 1) * sizeof *a);
	char *nk = strdup(k);
	if (!a || !nk) {
		if (a)
			d->v = a;
		free(nk);
		free(nv);
		d->oom = true;
		return;
	}
	d->v = a;
	d->v[d->n++] = (struct kv){nk, nv, line};
}

static void dict_merge(struct dict *to, const struct dict *from)
{
	for (size_t i = 0; i < from->n; i++)
		dict_set(to, from->v[i].k, from->v[i].v, from->v[i].line);
}

static void dict_free(struct dict *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].k);
		free(d->v[i].v);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

struct account {
	char *name;
	int line;
	size_t nparents;
	char *parents[8];
	struct dict own;            /* its own commands */
	struct dict eff;            /* defaults at its definition, parents, own */
};

struct rc {
	struct dict defaults;
	struct account *acc;
	size_t nacc;
	bool defaults_after_account;    /* top-level keys cannot hold the defaults */
	struct text_buf notes;              /* lines msmtp's parser itself would reject */
};

/* smtpkit's account names have no spaces or brackets. */
static char *account_name(const char *name)
{
	char *s = strdup(name);
	for (char *p = s; p && *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '[' || *p == ']')
			*p = '-';
	return s;
}

static struct account *find_account(struct rc *rc, const char *name)
{
	for (size_t i = rc->nacc; i-- > 0;)
		if (strcmp(rc->acc[i].name, name) == 0)
			return &rc->acc[i];
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* msmtp's argument: "quoted with \" and \\", or as is. */
static void unquote(char *v)
{
	size_t n = strlen(v);
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return;
	char *w = v;
	for (size_t i = 1; i + 1 < n; i++) {
		if (v[i] == '\\' && i + 2 < n)
			i++;
		*w++ = v[i];
	}
	*w = '\0';
}

/* "account NAME [: P1, P2]" */
static void parse_account(struct rc *rc, char *arg, int line, struct account **cur)
{
	char *colon = strchr(arg, ':');
	if (colon)
		*colon = '\0';
	char *name = trim(arg);
	if (!*name) {
		text_buf_printf(&rc->notes, "# msmtp line %d: an account without a name: skipped\n", line);
		*cur = NULL;
		return;
	}
	struct account *a = realloc(rc->acc, (rc->nacc + 1) * sizeof *a);
	if (!a) {
		rc->notes.oom = true;
		return;
	}
	rc->acc = a;
	struct account *n = &rc->acc[rc->nacc];
	memset(n, 0, sizeof *n);
	n->name = account_name(name);
	if (n->name && strcmp(n->name, name) != 0)
		text_buf_printf(&rc->notes, "# msmtp line %d: account \"%s\" is named %s here: no spaces or brackets\n",
		       line, name, n->name);
	n->line = line;
	dict_merge(&n->eff, &rc->defaults);
	char *save = NULL;
	for (char *p = colon ? strtok_r(colon + 1, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save)) {
		char *pn = trim(p);
		char *clean = account_name(pn);
		struct account *parent = clean ? find_account(rc, clean) : NULL;
		free(clean);
		if (!parent) {
			text_buf_printf(&rc->notes, "# msmtp line %d: account %s inherits from unknown account %s: ignored\n",
			       line, name, pn);
			continue;
		}
		dict_merge(&n->eff, &parent->eff);
		if (n->nparents < sizeof n->parents / sizeof n->parents[0])
			n->parents[n->nparents++] = strdup(parent->name);
	}
	rc->nacc++;
	*cur = n;
}

static void parse(struct rc *rc, const char *text, size_t len)
{
	struct account *cur = NULL;
	bool in_defaults = false;
	int line = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		line++;
		char *buf = strndup(text + pos, n);
		pos += n + 1;
		if (!buf) {
			rc->notes.oom = true;
			return;
		}
		if (strlen(buf) != n || text_has_control(trim(buf))) {
			text_buf_printf(&rc->notes, "# msmtp line %d: holds a control character or NUL: skipped\n", line);
			free(buf);
			continue;
		}
		char *s = trim(buf);
		if (!*s || *s == '#') {
			free(buf);
			continue;
		}
		size_t klen = strcspn(s, " \t");
		char *arg = s + klen;
		if (*arg)
			*arg++ = '\0';
		arg = trim(arg);
		if (strcmp(s, "defaults") == 0) {
			in_defaults = true;
			cur = NULL;
			if (rc->nacc)
				rc->defaults_after_account = true;
		} else if (strcmp(s, "account") == 0) {
			in_defaults = false;
			parse_account(rc, arg, line, &cur);
		} else if (!in_defaults && !cur) {
			text_buf_printf(&rc->notes, "# msmtp line %d: %s before any defaults or account: skipped\n", line, s);
		} else {
			unquote(arg);
			if (in_defaults)
				dict_set(&rc->defaults, s, arg, line);
			else {
				dict_set(&cur->own, s, arg, line);
				dict_set(&cur->eff, s, arg, line);
			}
		}
		free(buf);
	}
}

static bool on(const char *v)
{
	return v && (strcmp(v, "on") == 0 || !*v);
}

/* A value as smtpkit-config(5) reads it: quoted when spaces at its ends
 * or a leading quote would change it. */
static void put_kv(struct text_buf *b, const char *k, const char *v)
{
	size_t n = strlen(v);
	if (n && v[0] != '"' && v[0] != ' ' && v[n - 1] != ' ') {
		text_buf_printf(b, "%s %s\n", k, v);
		return;
	}
	text_buf_printf(b, "%s \"", k);
	for (const char *p = v; *p; p++)
		text_buf_printf(b, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
	text_buf_printf(b, "\"\n");
}

static void unmapped(struct text_buf *b, const struct kv *e, const char *why)
{
	/* The command only, never its value: it may be a secret. */
	text_buf_printf(b, "# msmtp line %d: %s: not converted: %s\n", e->line, e->k, why);
}

static const char *const auth_mechs[][2] = {
	{"plain", "PLAIN"}, {"login", "LOGIN"}, {"cram-md5", "CRAM-MD5"}, {"scram-sha-1", "SCRAM-SHA-1"},
	{"scram-sha-256", "SCRAM-SHA-256"}, {"xoauth2", "XOAUTH2"}, {"oauthbearer", "OAUTHBEARER"},
};

/* One command of a section (own), with the section's effective settings
 * (eff) for the ones that depend on others. */
static void map_one(struct text_buf *b, const struct kv *e, const struct dict *eff, bool *tls_done)
{
	const char *k = e->k, *v = e->v;
	static const char *const same[][2] = {
		{"host", "server"}, {"port", "port"}, {"tls_cert_file", "cert"}, {"tls_key_file", "key"},
		{"tls_priorities", "tls-priority"}, {"tls_host_override", "tls-name"}, {"password", "password"},
		{"passwordeval", "password-command"}, {"domain", "helo"}, {"source_ip", "source"},
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		if (strcmp(k, same[i][0]) == 0) {
			put_kv(b, same[i][1], v);
			return;
		}
	if (strcmp(k, "tls") == 0 || strcmp(k, "tls_starttls") == 0) {
		if (!*tls_done) {
			/* msmtp: tls off is plain SMTP; tls on is STARTTLS unless
			 * tls_starttls off, then TLS from the first byte. */
			const char *t = dict_get(eff, "tls"), *st = dict_get(eff, "tls_starttls");
			text_buf_printf(b, "tls %s\n", !on(t) ? "none" : (st && !on(st)) ? "implicit" : "starttls");
		}
		*tls_done = true;
	} else if (strcmp(k, "tls_trust_file") == 0) {
		if (strcmp(v, "system") == 0 || !*v)
			text_buf_printf(b, "# msmtp line %d: tls_trust_file %s: the system store is smtpkit's default\n",
			       e->line, v);
		else
			put_kv(b, "cafile", v);
	} else if (strcmp(k, "tls_certcheck") == 0) {
		if (!on(v))
			text_buf_printf(b, "insecure yes\n");
	} else if (strcmp(k, "auth") == 0) {
		if (on(v) || strcmp(v, "off") == 0)
			return;     /* smtpkit authenticates exactly when user is set */
		for (size_t i = 0; i < sizeof auth_mechs / sizeof auth_mechs[0]; i++)
			if (strcmp(v, auth_mechs[i][0]) == 0) {
				text_buf_printf(b, "auth %s\n", auth_mechs[i][1]);
				return;
			}
		unmapped(b, e, "smtpkit has no such SASL mechanism (it has PLAIN, LOGIN, CRAM-MD5, "
			 "SCRAM-SHA-1, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER)");
	} else if (strcmp(k, "user") == 0) {
		if (strcmp(dict_get(eff, "auth") ? dict_get(eff, "auth") : "", "off") == 0)
			text_buf_printf(b, "# msmtp line %d: user: auth off here, so no user\n", e->line);
		else
			put_kv(b, "user", v);
	} else if (strcmp(k, "from") == 0) {
		if (strchr(v, '%'))
			unmapped(b, e, "msmtp's %U/%H/%C/%M substitutions have no smtpkit equivalent; write the address");
		else
			put_kv(b, "from", v);
	} else if (strcmp(k, "timeout") == 0) {
		if (strcmp(v, "off") != 0)
			put_kv(b, "timeout", v);
	} else if (strcmp(k, "dsn_notify") == 0) {
		if (strcmp(v, "off") != 0)
			put_kv(b, "dsn-notify", v);
	} else if (strcmp(k, "dsn_return") == 0) {
		if (strcmp(v, "headers") == 0)
			text_buf_printf(b, "dsn-ret HDRS\n");
		else if (strcmp(v, "full") == 0)
			text_buf_printf(b, "dsn-ret FULL\n");
	} else if (strcmp(k, "logfile") == 0) {
		if (strcmp(v, "-") == 0)
			unmapped(b, e, "smtpkit's delivery log is a file or syslog, not standard output");
		else if (*v)
			put_kv(b, "logfile", v);
	} else if (strcmp(k, "syslog") == 0) {
		if (strcmp(v, "off") == 0)
			text_buf_printf(b, "syslog no\n");
		else {
			text_buf_printf(b, "syslog yes\n");
			if (strncmp(v, "LOG_", 4) == 0)
				text_buf_printf(b, "# msmtp line %d: syslog facility %s: smtpkit logs to LOG_MAIL\n", e->line, v);
		}
	} else if (strcmp(k, "set_from_header") == 0) {
		if (strcmp(v, "auto") == 0 || strcmp(v, "on") == 0 || strcmp(v, "off") == 0)
			text_buf_printf(b, "from-header %s\n", v);
		else
			unmapped(b, e, "not auto, on or off");
	} else if (strcmp(k, "add_missing_from_header") == 0) {
		text_buf_printf(b, "from-header %s\n", on(v) ? "auto" : "off");
	} else if (strcmp(k, "add_missing_date_header") == 0) {
		text_buf_printf(b, "# msmtp line %d: add_missing_date_header: smtpkit always adds a missing Date "
		       "(RFC 5322 3.6)\n", e->line);
	} else if (strcmp(k, "remove_bcc_headers") == 0) {
		if (!on(v))
			unmapped(b, e, "smtpkit sendmail always removes Bcc (send --keep-bcc keeps it)");
	} else if (strcmp(k, "protocol") == 0) {
		if (strcmp(v, "smtp") != 0)
			unmapped(b, e, "smtpkit speaks SMTP only here");
	} else {
		static const char *const why[][2] = {
			{"tls_fingerprint", "smtpkit verifies the chain and the name (use cafile with the server's own certificate)"},
			{"tls_crl_file", "smtpkit does not read CRL files"},
			{"tls_min_dh_prime_bits", "set the groups with tls-priority"},
			{"proxy_host", "no SOCKS proxy in smtpkit's account settings"},
			{"proxy_port", "no SOCKS proxy in smtpkit's account settings"},
			{"socket", "smtpkit connects over TCP"},
			{"auto_from", "deprecated in msmtp; write the address in from"},
			{"maildomain", "deprecated in msmtp; write the address in from"},
			{"undisclosed_recipients", "smtpkit keeps the message's To and Cc"},
			{"logfile_time_format", "smtpkit's log uses ISO 8601 time"},
			{"allow_from_override", "sendmail -f always sets the envelope sender in smtpkit"},
			{"ntlmdomain", "smtpkit has no NTLM"},
			{"eval", "smtpkit does not run commands to produce its configuration"},
			{"tls_trust_file_system", "the system store is smtpkit's default"},
		};
		for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
			if (strcmp(k, why[i][0]) == 0) {
				unmapped(b, e, why[i][1]);
				return;
			}
		unmapped(b, e, "not an msmtp command smtpkit knows");
	}
}

static void map_section(struct text_buf *b, const struct dict *own, const struct dict *eff)
{
	bool tls_done = false;
	for (size_t i = 0; i < own->n; i++)
		map_one(b, &own->v[i], eff, &tls_done);
}

char *msmtprc_convert(const char *text, size_t len, const char *name)
{
	struct rc rc = {0};
	struct text_buf b = {0};
	parse(&rc, text, len);

	text_buf_printf(&b, "# smtpkit configuration converted from %s by `smtpkit config --import-msmtprc`.\n"
		   "# Check it with `smtpkit config --check --config FILE`, keep it private\n"
		   "# (chmod 600: a password key in a file others can read is refused) and save\n"
		   "# it as ~/.config/smtpkit/config.  msmtp's default is tls off; where an account\n"
		   "# does not set tls, smtpkit's default applies: STARTTLS when offered, with the\n"
		   "# certificate verified.\n", name);
	if (rc.notes.len)
		text_buf_printf(&b, "%s", rc.notes.p);
	bool flat = rc.defaults_after_account;
	if (flat)
		text_buf_printf(&b, "# defaults appear after an account: each account below holds its\n"
			   "# settings in full, as msmtp applied them.\n");
	else
		map_section(&b, &rc.defaults, &rc.defaults);
	if (find_account(&rc, "default"))
		text_buf_printf(&b, "account default\n");
	for (size_t i = 0; i < rc.nacc; i++) {
		struct account *a = &rc.acc[i];
		if (!a->name) {
			b.oom = true;
			continue;
		}
		text_buf_printf(&b, "\n[account %s]\n", a->name);
		if (!flat && a->nparents == 1 && a->parents[0]) {
			text_buf_printf(&b, "inherit %s\n", a->parents[0]);
			map_section(&b, &a->own, &a->eff);
		} else if (!flat && a->nparents == 0) {
			map_section(&b, &a->own, &a->eff);
		} else {
			/* Several parents (smtpkit inherits from one), or defaults
			 * that changed: everything msmtp would use, spelled out. */
			struct dict extra = {0};
			for (size_t k = 0; k < a->eff.n; k++)
				if (flat || !dict_find(&rc.defaults, a->eff.v[k].k)
				    || strcmp(dict_get(&rc.defaults, a->eff.v[k].k), a->eff.v[k].v) != 0)
					dict_set(&extra, a->eff.v[k].k, a->eff.v[k].v, a->eff.v[k].line);
			map_section(&b, &extra, &a->eff);
			b.oom |= extra.oom;
			dict_free(&extra);
		}
		/* msmtp's port is 25, or 465 with TLS from the first byte; smtpkit
		 * send's would be 587 with a user. */
		if (dict_get(&a->eff, "host") && !dict_get(&a->eff, "port")) {
			const char *t = dict_get(&a->eff, "tls"), *st = dict_get(&a->eff, "tls_starttls");
			text_buf_printf(&b, "port %s\n", on(t) && st && !on(st) ? "465" : "25");
		}
	}
	if (!rc.nacc)
		text_buf_printf(&b, "# no account in %s\n", name);

	bool oom = b.oom || rc.notes.oom || rc.defaults.oom;
	dict_free(&rc.defaults);
	for (size_t i = 0; i < rc.nacc; i++) {
		oom |= rc.acc[i].own.oom || rc.acc[i].eff.oom;
		free(rc.acc[i].name);
		for (size_t k = 0; k < rc.acc[i].nparents; k++)
			free(rc.acc[i].parents[k]);
		dict_free(&rc.acc[i].own);
		dict_free(&rc.acc[i].eff);
	}
	free(rc.acc);
	free(rc.notes.p);
	if (oom) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}
