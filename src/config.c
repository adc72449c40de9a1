/* config.c - reading the accounts file, resolving `inherit`, choosing the
 * account, and filling the options the command line left unset. */
#define _GNU_SOURCE
#include "config.h"
#include "auth.h"
#include "text.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum config_kind {
	CK_STRING, CK_FLAG, CK_TLS, CK_PORT, CK_SECONDS, CK_FROM_HEADER, CK_AUTH, CK_COLOR,
};

/* Keys are the long options of the network and send options that belong
 * to an account rather than to one message (no --to, --subject, --data),
 * plus the few that have no option: password, logfile, syslog, from-header.
 * tests/integration/test_config.py checks that each option-named key is an
 * option of `smtpkit send`, so the two cannot drift apart. */
static const struct config_key {
	const char *name;
	enum config_kind kind;
} keys[] = {
	{"server", CK_STRING}, {"port", CK_PORT}, {"tls", CK_TLS}, {"insecure", CK_FLAG},
	{"cafile", CK_STRING}, {"cert", CK_STRING}, {"key", CK_STRING}, {"sni", CK_STRING},
	{"tls-priority", CK_STRING}, {"tls-name", CK_STRING}, {"helo", CK_STRING},
	{"timeout", CK_SECONDS}, {"connect-timeout", CK_SECONDS}, {"source", CK_STRING},
	{"resolver", CK_STRING}, {"color", CK_COLOR}, {"timing", CK_FLAG},
	{"user", CK_STRING}, {"password-file", CK_STRING}, {"password-command", CK_STRING},
	{"oauth-token-command", CK_STRING}, {"auth", CK_AUTH}, {"from", CK_STRING},
	{"envelope-from", CK_STRING}, {"no-pipelining", CK_FLAG}, {"no-chunking", CK_FLAG},
	{"dsn-notify", CK_STRING}, {"dsn-ret", CK_STRING}, {"requiretls", CK_FLAG},
	{"allow-partial", CK_FLAG},
	/* DKIM signing (send) */
	{"dkim-key", CK_STRING}, {"dkim-selector", CK_STRING}, {"dkim-domain", CK_STRING},
	{"dkim-headers", CK_STRING}, {"dkim-canon", CK_STRING},
	/* transports and protocol variants */
	{"protocol", CK_STRING}, {"socket", CK_STRING}, {"pipe", CK_STRING},
	{"proxy-protocol", CK_STRING}, {"proxy-source", CK_STRING}, {"proxy-dest", CK_STRING},
	{"xclient", CK_STRING}, {"xforward", CK_STRING}, {"socks", CK_STRING},
	{"socks-remote-dns", CK_FLAG}, {"socks-user", CK_STRING}, {"socks-password-file", CK_STRING},
	{"password", CK_STRING}, {"logfile", CK_STRING}, {"syslog", CK_FLAG},
	{"from-header", CK_FROM_HEADER},
};
#define NKEYS (sizeof keys / sizeof keys[0])

struct section {
	char *name;
	char *inherit;              /* NULL: none */
	int inherit_line;
	size_t file;                /* index in cfg.files */
	int line;
};

static struct {
	char **files;
	size_t nfiles;
	struct config_entry *raw;   /* every key = value read, in order */
	int *raw_section;           /* the section of each: -1 top level */
	size_t nraw;
	struct section *sec;
	size_t nsec;
	char *default_account;      /* top-level `account` */
	size_t default_file;
	int default_line;
	const char *selected;
	const struct config_entry *eff[NKEYS];
	size_t neff;
	const struct config_entry *eff_list[NKEYS];
	bool applied[NKEYS];        /* an option was set from the key (config_apply) */
} cfg;

static const struct config_key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

bool config_key_is_secret(const char *key)
{
	return strcmp(key, "password") == 0;
}

static bool is_true(const char *v)
{
	return text_casecmp(v, "yes") == 0 || text_casecmp(v, "on") == 0 || text_casecmp(v, "true") == 0
	       || strcmp(v, "1") == 0;
}

static bool is_false(const char *v)
{
	return text_casecmp(v, "no") == 0 || text_casecmp(v, "off") == 0 || text_casecmp(v, "false") == 0
	       || strcmp(v, "0") == 0;
}

static bool one_of(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(v, *words) == 0)
			return true;
	return false;
}

/* The values whose checks would otherwise come later as a usage error
 * (64) without the file's name: a bad value in the file is 78, here. */
static const char *bad_value(const struct config_key *k, const char *v)
{
	static const char *const tls[] = {"auto", "starttls", "implicit", "none", NULL};
	static const char *const color[] = {"auto", "always", "never", NULL};
	static const char *const from_header[] = {"auto", "on", "off", NULL};
	char *end;
	switch (k->kind) {
	case CK_FLAG:
		return is_true(v) || is_false(v) ? NULL : "yes or no";
	case CK_TLS:
		return one_of(v, tls) ? NULL : "auto, starttls, implicit or none";
	case CK_COLOR:
		return one_of(v, color) ? NULL : "auto, always or never";
	case CK_FROM_HEADER:
		return one_of(v, from_header) ? NULL : "auto, on or off";
	case CK_PORT: {
		errno = 0;
		long p = strtol(v, &end, 10);
		return *v >= '0' && *v <= '9' && !*end && !errno && p >= 1 && p <= 65535 ? NULL : "a port, 1 to 65535";
	}
	case CK_SECONDS: {
		errno = 0;
		double s = strtod(v, &end);
		return *v && !*end && !errno && s > 0 && s <= 86400 ? NULL : "seconds, more than 0";
	}
	case CK_AUTH: {
		char *copy = strdup(v), *save = NULL;
		const char *why = copy ? NULL : "out of memory";
		for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w && !why; w = strtok_r(NULL, ",", &save))
			if (auth_mech_from_name(w) == AUTH_MECH_COUNT)
				why = "a list of SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN, XOAUTH2, OAUTHBEARER";
		free(copy);
		return why;
	}
	case CK_STRING:
		break;
	}
	return NULL;
}

static int fail(struct err *e, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct err *e, const char *file, int line, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX - 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_CONFIG, NULL, "%s:%d: %s", file, line, msg);
}

/* `"text"` with \" and \\, or the rest of the line as is.  In place. */
static int unquote(char *v, const char *file, int line, const char *key, struct err *e)
{
	if (*v != '"')
		return 0;
	char *w = v;
	const char *r = v + 1;
	for (; *r && *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	if (*r != '"')
		return fail(e, file, line, "%s: unclosed \"", key);
	for (r++; *r == ' ' || *r == '\t'; r++)
		;
	if (*r)
		return fail(e, file, line, "%s: text after the closing \"", key);
	*w = '\0';
	return 0;
}

static int add_raw(const char *key, const char *value, size_t file, int line, int section, struct err *e)
{
	struct config_entry *v = realloc(cfg.raw, (cfg.nraw + 1) * sizeof *v);
	if (v)
		cfg.raw = v;
	int *s = realloc(cfg.raw_section, (cfg.nraw + 1) * sizeof *s);
	if (s)
		cfg.raw_section = s;
	if (!v || !s)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	struct config_entry *c = &cfg.raw[cfg.nraw];
	c->key = strdup(key);
	c->value = strdup(value);
	c->file = cfg.files[file];
	c->line = line;
	c->account = section >= 0 ? cfg.sec[section].name : NULL;
	cfg.raw_section[cfg.nraw++] = section;
	if (!c->key || !c->value)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	return 0;
}

static int add_section(const char *name, size_t file, int line, struct err *e)
{
	const char *path = cfg.files[file];
	for (size_t i = 0; i < cfg.nsec; i++)
		if (cfg.sec[i].file == file && strcmp(cfg.sec[i].name, name) == 0)
			return fail(e, path, line, "duplicate account \"%s\" (first at line %d)", name, cfg.sec[i].line);
	struct section *v = realloc(cfg.sec, (cfg.nsec + 1) * sizeof *v);
	if (!v)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	cfg.sec = v;
	/* Entries point at section names: they stay put, the array moves. */
	cfg.sec[cfg.nsec] = (struct section){.name = strdup(name), .file = file, .line = line};
	if (!cfg.sec[cfg.nsec].name)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	cfg.nsec++;
	return 0;
}

/* "[account NAME]" */
static int parse_section(char *s, size_t file, int line, struct err *e)
{
	const char *path = cfg.files[file];
	size_t n = strlen(s);
	if (s[n - 1] != ']')
		return fail(e, path, line, "a section is [account NAME]: no closing ]");
	s[n - 1] = '\0';
	char *p = s + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "account", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
		return fail(e, path, line, "a section is [account NAME], not [%s]", p);
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*p)
		return fail(e, path, line, "[account]: missing the account's name");
	if (strpbrk(p, " \t[]"))
		return fail(e, path, line, "account name \"%s\": no spaces or brackets", p);
	return add_section(p, file, line, e);
}

static int parse_line(char *s, size_t file, int line, int section, bool first_in_section,
		      bool *has_password, struct err *e)
{
	const char *path = cfg.files[file];
	char *key = s;
	size_t klen = strcspn(s, " \t=");
	char *v = s + klen;
	bool had_space = *v == ' ' || *v == '\t';
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '=') {
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
	} else if (!had_space && *v) {
		return fail(e, path, line, "cannot read \"%s\"", s);
	}
	key[klen] = '\0';
	char *end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (unquote(v, path, line, key, e) < 0)
		return -1;

	bool is_account = strcmp(key, "account") == 0, is_inherit = strcmp(key, "inherit") == 0;
	const struct config_key *k = find_key(key);
	if (!k && !is_account && !is_inherit)
		return fail(e, path, line, "unknown key \"%s\" (smtpkit-config(5) lists the keys)", key);
	if (!*v)
		return fail(e, path, line, "%s: missing value", key);
	if (text_has_control(v))
		return fail(e, path, line, "%s: the value holds a control character", key);
	if (is_account) {
		if (section >= 0)
			return fail(e, path, line, "account: names the default account at the top, "
				    "not inside [account %s]", cfg.sec[section].name);
		if (cfg.default_account && cfg.default_file == file)
			return fail(e, path, line, "account: given twice (first at line %d)", cfg.default_line);
		free(cfg.default_account);
		cfg.default_account = strdup(v);
		cfg.default_file = file;
		cfg.default_line = line;
		return cfg.default_account ? 0 : err_set(e, ERR_INTERNAL, NULL, "out of memory");
	}
	if (is_inherit) {
		if (section < 0 || !first_in_section)
			return fail(e, path, line, "inherit: only as the first line of an [account NAME] section");
		if (!(cfg.sec[section].inherit = strdup(v)))
			return err_set(e, ERR_INTERNAL, NULL, "out of memory");
		cfg.sec[section].inherit_line = line;
		return 0;
	}
	const char *why = bad_value(k, v);
	if (why)
		return fail(e, path, line, "%s: invalid value \"%s\": %s", key, v, why);
	for (size_t i = 0; i < cfg.nraw; i++)
		if (cfg.raw_section[i] == section && cfg.raw[i].file == path && strcmp(cfg.raw[i].key, key) == 0)
			return fail(e, path, line, "%s: set twice (first at line %d)", key, cfg.raw[i].line);
	if (config_key_is_secret(key))
		*has_password = true;
	return add_raw(key, v, file, line, section, e);
}

#define LINE_MAX_LEN 4096

static int read_file(FILE *fp, size_t file, struct err *e)
{
	const char *path = cfg.files[file];
	char buf[LINE_MAX_LEN + 2];
	int line = 0, section = -1, password_line = 0;
	bool first_in_section = false;
	while (fgets(buf, sizeof buf, fp)) {
		line++;
		size_t n = strlen(buf);
		if (n == sizeof buf - 1 && buf[n - 1] != '\n')
			return fail(e, path, line, "line longer than %d octets", LINE_MAX_LEN);
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (strlen(buf) != n)
			return fail(e, path, line, "a NUL octet in the line");
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			if (parse_section(s, file, line, e) < 0)
				return -1;
			section = (int)cfg.nsec - 1;
			first_in_section = true;
			continue;
		}
		bool has_password = false;
		if (parse_line(s, file, line, section, first_in_section, &has_password, e) < 0)
			return -1;
		if (has_password && !password_line)
			password_line = line;
		first_in_section = false;
	}
	if (ferror(fp))
		return err_set(e, ERR_CONFIG, NULL, "%s: cannot read: %s", path, strerror(errno));
	/* A password others can read is a password others know (msmtp refuses
	 * the same way). */
	struct stat st;
	if (password_line && fstat(fileno(fp), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		return fail(e, path, password_line, "password: the file is readable by %s (mode %04o): "
			    "chmod 600 %s, or use password-command or password-file",
			    (st.st_mode & S_IROTH) ? "others" : "its group", (unsigned)(st.st_mode & 07777), path);
	return 0;
}

static int add_file(const char *path, struct err *e)
{
	char **v = realloc(cfg.files, (cfg.nfiles + 1) * sizeof *v);
	if (v)
		cfg.files = v;
	if (!v || !(v[cfg.nfiles] = strdup(path)))
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	cfg.nfiles++;
	return 0;
}

int config_load_stream(FILE *fp, const char *name, struct err *e)
{
	config_free();
	if (add_file(name, e) < 0)
		return -1;
	return read_file(fp, cfg.nfiles - 1, e);
}

static int load_one(const char *path, bool must_exist, struct err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return err_set(e, ERR_CONFIG, NULL, "%s: cannot open: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(fp);
		return err_set(e, ERR_CONFIG, NULL, "%s: not a regular file", path);
	}
	if (add_file(path, e) < 0) {
		fclose(fp);
		return -1;
	}
	int rc = read_file(fp, cfg.nfiles - 1, e);
	fclose(fp);
	return rc;
}

void config_free(void)
{
	for (size_t i = 0; i < cfg.nraw; i++) {
		free(cfg.raw[i].key);
		free(cfg.raw[i].value);
	}
	for (size_t i = 0; i < cfg.nsec; i++) {
		free(cfg.sec[i].name);
		free(cfg.sec[i].inherit);
	}
	for (size_t i = 0; i < cfg.nfiles; i++)
		free(cfg.files[i]);
	free(cfg.raw);
	free(cfg.raw_section);
	free(cfg.sec);
	free(cfg.files);
	free(cfg.default_account);
	memset(&cfg, 0, sizeof cfg);
}

int config_load(const char *path, bool no_config, struct err *e)
{
	config_free();
	if (no_config)
		return 0;
	if (path)
		return load_one(path, true, e);
	char buf[4096];
	snprintf(buf, sizeof buf, "%s/smtpkit/config", SMTPKIT_SYSCONFDIR);
	if (load_one(buf, false, e) < 0)
		return -1;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof buf, "%s/smtpkit/config", xdg);
	else if (home && *home)
		snprintf(buf, sizeof buf, "%s/.config/smtpkit/config", home);
	else
		return 0;
	return load_one(buf, false, e);
}

/* The account of that name: the last defined, so a user's file replaces
 * the system's. */
static int find_section(const char *name)
{
	for (size_t i = cfg.nsec; i-- > 0;)
		if (strcmp(cfg.sec[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void eff_set(const struct config_entry **eff, int section)
{
	for (size_t i = 0; i < cfg.nraw; i++) {
		if (cfg.raw_section[i] != section)
			continue;
		const struct config_key *k = find_key(cfg.raw[i].key);
		eff[k - keys] = &cfg.raw[i];
	}
}

/* Top-level keys, then the account's ancestors from the farthest, then
 * the account itself. */
static int resolve(int section, const struct config_entry **eff, struct err *e)
{
	int chain[64];
	size_t n = 0;
	memset(eff, 0, NKEYS * sizeof *eff);
	for (int s = section; s >= 0;) {
		for (size_t i = 0; i < n; i++)
			if (chain[i] == s)
				return fail(e, cfg.files[cfg.sec[section].file], cfg.sec[section].line,
					    "[account %s]: a loop of inherit (%s inherits, in the end, from itself)",
					    cfg.sec[section].name, cfg.sec[s].name);
		if (n == sizeof chain / sizeof chain[0])
			return fail(e, cfg.files[cfg.sec[section].file], cfg.sec[section].line,
				    "[account %s]: more than %zu levels of inherit", cfg.sec[section].name, n);
		chain[n++] = s;
		const struct section *sec = &cfg.sec[s];
		if (!sec->inherit)
			break;
		int parent = find_section(sec->inherit);
		if (parent < 0)
			return fail(e, cfg.files[sec->file], sec->inherit_line, "inherit: unknown account \"%s\"",
				    sec->inherit);
		s = parent;
	}
	eff_set(eff, -1);
	while (n > 0)
		eff_set(eff, chain[--n]);
	return 0;
}

int config_select(const char *name, struct err *e)
{
	const struct config_entry *eff[NKEYS];
	/* Every account is checked, not only the one chosen: a broken file is
	 * reported the first time, whatever account is used. */
	for (size_t i = 0; i < cfg.nsec; i++)
		if (resolve((int)i, eff, e) < 0)
			return -1;
	int section = -1;
	if (!name && cfg.default_account) {
		if ((section = find_section(cfg.default_account)) < 0)
			return fail(e, cfg.files[cfg.default_file], cfg.default_line,
				    "account: unknown account \"%s\"", cfg.default_account);
	} else if (name) {
		if ((section = find_section(name)) < 0) {
			if (!cfg.nfiles)
				return err_set(e, ERR_CONFIG, NULL, "unknown account \"%s\": no configuration file was read", name);
			return err_set(e, ERR_CONFIG, NULL, "unknown account \"%s\" (%s%s has %zu account%s)", name,
				       cfg.files[cfg.nfiles - 1], cfg.nfiles > 1 ? " and the system file" : "",
				       cfg.nsec, cfg.nsec == 1 ? "" : "s");
		}
	}
	cfg.selected = section >= 0 ? cfg.sec[section].name : NULL;
	if (resolve(section, cfg.eff, e) < 0)
		return -1;
	cfg.neff = 0;
	for (size_t i = 0; i < NKEYS; i++)
		if (cfg.eff[i])
			cfg.eff_list[cfg.neff++] = cfg.eff[i];
	return 0;
}

/* "Name <addr>" -> addr, for matching. */
static void bare_address(const char *from, char *buf, size_t size)
{
	const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		snprintf(buf, size, "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(buf, size, "%s", from);
}

const char *config_account_for_sender(const char *sender)
{
	const struct config_entry *eff[NKEYS];
	struct err e = {0};
	const struct config_key *from = find_key("from");
	char want[512];
	bare_address(sender, want, sizeof want);
	for (size_t i = 0; i < cfg.nsec; i++) {
		if (find_section(cfg.sec[i].name) != (int)i || resolve((int)i, eff, &e) < 0)
			continue;
		const struct config_entry *f = eff[from - keys];
		char pattern[512];
		if (!f)
			continue;
		bare_address(f->value, pattern, sizeof pattern);
		if (fnmatch(pattern, want, FNM_CASEFOLD) == 0)
			return cfg.sec[i].name;
	}
	return NULL;
}

const struct config_entry *config_get(const char *key)
{
	const struct config_key *k = find_key(key);
	return k ? cfg.eff[k - keys] : NULL;
}

size_t config_count(void) { return cfg.neff; }
const struct config_entry *config_at(size_t i) { return i < cfg.neff ? cfg.eff_list[i] : NULL; }
const char *config_account(void) { return cfg.selected; }
size_t config_nfiles(void) { return cfg.nfiles; }
const char *config_file(size_t i) { return i < cfg.nfiles ? cfg.files[i] : NULL; }

size_t config_naccounts(void)
{
	return cfg.nsec;
}

const char *config_account_at(size_t i)
{
	return i < cfg.nsec ? cfg.sec[i].name : NULL;
}

bool config_flag(const char *key)
{
	const struct config_entry *c = config_get(key);
	return c && is_true(c->value);
}

void config_apply(const struct poptOption *table)
{
	for (const struct poptOption *o = table; o->longName || o->shortName || o->argInfo || o->arg; o++) {
		unsigned kind = o->argInfo & POPT_ARG_MASK;
		if (kind == POPT_ARG_INCLUDE_TABLE) {
			config_apply(o->arg);
			continue;
		}
		if (!o->longName || !o->arg)
			continue;
		const struct config_entry *c = config_get(o->longName);
		if (!c)
			continue;
		/* A `from` pattern selects an account for sendmail -f; it is no
		 * address to send as. */
		if (strcmp(o->longName, "from") == 0 && strpbrk(c->value, "*?["))
			continue;
		bool *applied = &cfg.applied[find_key(o->longName) - keys];
		if (kind == POPT_ARG_STRING) {
			char **p = o->arg;
			if (!*p)
				*p = c->value;
			*applied |= *p == c->value;
		} else if (kind == POPT_ARG_NONE || kind == POPT_ARG_VAL) {
			int *p = o->arg;
			if (!*p && is_true(c->value))
				*applied = (*p = 1);
		}
	}
}

bool config_gave(const char *key)
{
	const struct config_key *k = find_key(key);
	return k && cfg.applied[k - keys] && cfg.eff[k - keys];
}

const char *config_take(const char *key)
{
	const struct config_key *k = find_key(key);
	if (!k || !cfg.eff[k - keys])
		return NULL;
	cfg.applied[k - keys] = true;
	return cfg.eff[k - keys]->value;
}

void config_blame(struct err *e)
{
	bool blamable = e->cause == ERR_USAGE || e->cause == ERR_NOINPUT;
	const struct config_key *k = blamable && e->option ? find_key(e->option) : NULL;
	if (!k || !cfg.applied[k - keys])
		return;
	const struct config_entry *c = cfg.eff[k - keys];
	char msg[ERR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", e->msg);
	memset(e, 0, sizeof *e);
	fail(e, c->file, c->line, "%s: %s", k->name, msg);
}
