/* mtasts.c - MTA-STS (RFC 8461): TXT record, policy over HTTPS, matching. */
#define _GNU_SOURCE
#include "mtasts.h"
#include "conn.h"
#include "text.h"
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 8461 3.3: a policy body is at most 64 KiB. */
#define POLICY_MAX 65536

static void fail(struct mtasts *m, const char *fmt, const char *arg)
{
	snprintf(m->error, sizeof m->error, fmt, arg ? arg : "");
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

bool mtasts_parse(struct mtasts *m, const char *body, size_t len)
{
	char *copy = strndup(body, len), *save = NULL;
	bool have_age = false;
	if (!copy) {
		fail(m, "out of memory", NULL);
		return false;
	}
	m->nmx = 0;
	m->version[0] = m->mode[0] = '\0';
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *key = trim(line), *value = trim(colon + 1);
		if (strcmp(key, "version") == 0) {
			snprintf(m->version, sizeof m->version, "%s", value);
		} else if (strcmp(key, "mode") == 0) {
			snprintf(m->mode, sizeof m->mode, "%s", value);
		} else if (strcmp(key, "max_age") == 0) {
			char *end;
			m->max_age = strtol(value, &end, 10);
			have_age = *value && !*end;
		} else if (strcmp(key, "mx") == 0 && m->nmx < MTASTS_MAX_MX) {
			snprintf(m->mx[m->nmx++], sizeof m->mx[0], "%s", value);
		}
	}
	free(copy);
	m->valid = false;
	if (strcmp(m->version, "STSv1") != 0)
		fail(m, "the policy's version is \"%s\", not STSv1", m->version);
	else if (strcmp(m->mode, "enforce") && strcmp(m->mode, "testing") && strcmp(m->mode, "none"))
		fail(m, "the policy's mode is \"%s\": enforce, testing or none", m->mode);
	else if (!have_age || m->max_age < 0 || m->max_age > 31557600)
		fail(m, "the policy's max_age is missing or out of range (0 to 31557600)%s", NULL);
	else if (m->nmx == 0 && strcmp(m->mode, "none") != 0)
		fail(m, "the policy has no mx line%s", NULL);
	else
		m->valid = true;
	return m->valid;
}

bool mtasts_match(const struct mtasts *m, const char *host)
{
	char h[256];
	snprintf(h, sizeof h, "%s", host);
	size_t n = strlen(h);
	if (n && h[n - 1] == '.')
		h[n - 1] = '\0';
	for (size_t i = 0; i < m->nmx; i++) {
		const char *p = m->mx[i];
		if (strncmp(p, "*.", 2) == 0) {
			/* RFC 8461 4.1: the wildcard stands for exactly one label. */
			const char *dot = strchr(h, '.');
			if (dot && dot != h && text_casecmp(dot + 1, p + 2) == 0)
				return true;
		} else if (text_casecmp(h, p) == 0) {
			return true;
		}
	}
	return false;
}

/* Content-Length or chunked (RFC 9112 7.1) body of a response. */
static size_t http_body(char *resp, size_t len, char **body)
{
	char *end = strstr(resp, "\r\n\r\n");
	if (!end)
		return 0;
	*end = '\0';
	*body = end + 4;
	size_t blen = len - (size_t)(*body - resp);
	const char *te = strcasestr(resp, "\r\ntransfer-encoding:");
	if (!te || !strcasestr(te, "chunked"))
		return blen;
	/* De-chunk in place. */
	char *in = *body, *out = *body, *stop = *body + blen;
	while (in < stop) {
		char *eol = strstr(in, "\r\n");
		if (!eol)
			break;
		size_t n = strtoul(in, NULL, 16);
		in = eol + 2;
		if (n == 0 || n > (size_t)(stop - in))
			break;
		memmove(out, in, n);
		out += n;
		in += n + 2;
	}
	return (size_t)(out - *body);
}

/* A server that keeps the connection open despite "Connection: close"
 * must not cost the whole deadline: a Content-Length body is complete
 * when that many octets followed the headers. */
static bool response_complete(const char *resp, size_t len)
{
	const char *end = strstr(resp, "\r\n\r\n");
	if (!end)
		return false;
	const char *cl = strcasestr(resp, "\r\ncontent-length:");
	if (!cl || cl > end)
		return false;
	char *stop;
	unsigned long n = strtoul(cl + 17, &stop, 10);
	if (stop == cl + 17)
		return false;
	return len - (size_t)(end + 4 - resp) >= n;
}

bool mtasts_response(struct mtasts *m, char *resp, size_t len)
{
	resp[len] = '\0';
	/* "HTTP/1.1 200": the code after the 9th octet, if there is one. */
	m->http_status = atoi(resp + (len >= 9 && strncmp(resp, "HTTP/1.", 7) == 0 ? 9 : 0));
	char *body = NULL;
	size_t blen = http_body(resp, len, &body);
	if (!body) {
		fail(m, "the policy server's response has no end of headers within %s bytes", "73728");
		return false;
	}
	m->fetched = true;
	/* RFC 8461 3.3: 200 only; redirects are not followed. */
	if (m->http_status != 200) {
		char code[16];
		snprintf(code, sizeof code, "%d", m->http_status);
		fail(m, "the policy server answered HTTP %s (200 required, redirects not followed)", code);
		return false;
	}
	return mtasts_parse(m, body, blen);
}

static bool fetch(struct mtasts *m, const struct dns_resolver *res, const char *domain,
		  const char *cafile, int timeout_ms)
{
	char host[300];
	snprintf(host, sizeof host, "mta-sts.%s", domain);
	struct dns_answer a;
	dns_query(res, host, DNS_T_A, &a);
	if (a.status != DNS_OK) {
		dns_answer_free(&a);
		dns_query(res, host, DNS_T_AAAA, &a);
	}
	if (a.status != DNS_OK) {
		fail(m, "%s has no address", host);
		dns_answer_free(&a);
		return false;
	}
	char addr[64];
	snprintf(addr, sizeof addr, "%s", a.addrs[0]);
	dns_answer_free(&a);

	/* Tests serve the policy on a loopback port other than 443. */
	const char *port_env = getenv("SMTPKIT_HTTPS_PORT");
	int port = port_env ? atoi(port_env) : 443;
	struct conn c;
	struct err e = {0};
	struct conn_opts co = {.connect_timeout_ms = timeout_ms};
	struct tls_config cfg = {.cafile = cafile, .sni = host, .verify_name = host};
	struct tls_info info;
	bool ok = false;
	conn_init(&c);
	conn_step(&c, timeout_ms);
	if (conn_connect(&c, addr, port, &co, &e, "mta-sts") < 0 || tls_start(&c, &cfg, &info, &e, "mta-sts") < 0) {
		fail(m, "cannot fetch the policy: %s", e.msg);
		goto out;
	}
	if (!info.verified) {
		fail(m, "the policy server's certificate does not verify: %s", info.status_text);
		tls_info_free(&info);
		goto out;
	}
	tls_info_free(&info);
	char req[512];
	int n = snprintf(req, sizeof req,
			 "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: %s\r\nUser-Agent: smtpkit\r\n"
			 "Connection: close\r\n\r\n", host);
	conn_step(&c, timeout_ms);
	if (conn_queue(&c, req, (size_t)n) < 0 || conn_flush(&c, &e, "mta-sts") < 0) {
		fail(m, "cannot fetch the policy: %s", e.msg);
		goto out;
	}
	/* The raw response up to the peer's end (Connection: close), bounded:
	 * a policy body is at most 64 KiB (RFC 8461 3.3), headers a few KiB. */
	size_t cap = POLICY_MAX + 8192;
	char *resp = malloc(cap + 1);
	size_t len = 0;
	while (resp && len < cap) {
		struct err le = {0};
		ssize_t got = conn_read_some(&c, resp + len, cap - len, &le, "mta-sts");
		if (got <= 0)
			break;
		len += (size_t)got;
		resp[len] = '\0';
		if (response_complete(resp, len))
			break;
	}
	if (!resp || len == 0) {
		fail(m, "the policy server sent nothing%s", NULL);
		free(resp);
		goto out;
	}
	ok = mtasts_response(m, resp, len);
	free(resp);
out:
	conn_close(&c);
	return ok;
}

void mtasts_check(struct mtasts *m, const struct dns_resolver *res, const char *domain,
		  const char *cafile, int timeout_ms)
{
	char name[300];
	struct dns_answer a;
	memset(m, 0, sizeof *m);
	snprintf(name, sizeof name, "_mta-sts.%s", domain);
	dns_query(res, name, DNS_T_TXT, &a);
	m->txt_status = a.status;
	size_t found = 0;
	for (size_t i = 0; a.status == DNS_OK && i < a.n; i++) {
		if (strncmp(a.txt[i], "v=STSv1", 7) != 0)
			continue;
		if (found++ == 0)
			m->txt = strdup(a.txt[i]);
	}
	dns_answer_free(&a);
	if (!m->txt)
		return;
	if (found > 1) {
		/* RFC 8461 3.1: more than one record means no policy. */
		fail(m, "%s has more than one v=STSv1 record", name);
		return;
	}
	if (!strstr(m->txt, "id=")) {
		fail(m, "the _mta-sts record has no id= field%s", NULL);
		return;
	}
	fetch(m, res, domain, cafile, timeout_ms);
}

void mtasts_free(struct mtasts *m)
{
	free(m->txt);
	m->txt = NULL;
}
