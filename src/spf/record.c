/* record.c - the SPF record's syntax (RFC 7208 4.6, 5, 6, 12): terms,
 * qualifiers, CIDR lengths, modifiers.  Any error is a permerror for the
 * whole record, found before anything is evaluated (4.6). */
#define _GNU_SOURCE
#include "spf/spf.h"
#include "text.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *spf_result_name(enum spf_result r)
{
	static const char *const names[] = {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static const struct {
	const char *name;
	enum spf_mech mech;
} mechs[] = {
	{"all", SPF_ALL}, {"include", SPF_INCLUDE}, {"a", SPF_A}, {"mx", SPF_MX},
	{"ptr", SPF_PTR}, {"ip4", SPF_IP4}, {"ip6", SPF_IP6}, {"exists", SPF_EXISTS},
};

static int fail(struct spf_record *r, const char *fmt, const char *term)
{
	char shown[120];
	text_escape(term, strlen(term), shown, sizeof shown);
	snprintf(r->error, sizeof r->error, fmt, shown);
	return -1;
}

/* "/N" with N in 0..max, no leading zero (RFC 7208 12 ip4-cidr-length). */
static int parse_cidr(const char *s, size_t len, int max)
{
	if (len < 2 || s[0] != '/' || len > 4 || (len > 2 && s[1] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* RFC 7208 12 toplabel: alphanumerics with at least one letter, or with
 * an inner hyphen. */
static bool toplabel_ok(const char *s, size_t n)
{
	bool alpha = false;
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (c == '-')
			alpha = true;
		else if (!(c >= '0' && c <= '9'))
			return false;
	}
	return alpha;
}

/* domain-spec = macro-string domain-end; domain-end is "." toplabel ["."]
 * or a macro-expand. */
static bool domain_spec_ok(const char *s, size_t len)
{
	if (len == 0 || !spf_macro_valid(s, len, false))
		return false;
	if (s[len - 1] == '}' || (len >= 2 && s[len - 2] == '%'))
		return true;
	if (s[len - 1] == '.')
		len--;
	const char *dot = NULL;
	for (size_t i = len; i-- > 0;)
		if (s[i] == '.') {
			dot = s + i;
			break;
		}
	if (!dot)
		return false;
	return toplabel_ok(dot + 1, len - (size_t)(dot + 1 - s));
}

static int parse_directive(struct spf_record *r, struct spf_term *t, const char *term)
{
	const char *p = term;
	t->qualifier = '+';
	if (*p && strchr("+-~?", *p))
		t->qualifier = *p++;
	size_t nlen = strcspn(p, ":/");
	size_t k;
	for (k = 0; k < sizeof mechs / sizeof mechs[0]; k++)
		if (strlen(mechs[k].name) == nlen && text_ncasecmp(p, mechs[k].name, nlen) == 0)
			break;
	if (k == sizeof mechs / sizeof mechs[0])
		return fail(r, "unknown mechanism \"%s\" (RFC 7208 5)", term);
	t->mech = mechs[k].mech;
	t->cidr4 = 32;
	t->cidr6 = 128;
	const char *arg = p + nlen;
	bool colon = *arg == ':';
	if (colon)
		arg++;
	switch (t->mech) {
	case SPF_ALL:
		if (*arg || colon)
			return fail(r, "\"%s\": all takes no argument", term);
		return 0;
	case SPF_INCLUDE:
	case SPF_EXISTS:
	case SPF_PTR:
		if (!colon && t->mech != SPF_PTR)
			return fail(r, "\"%s\": a domain is required", term);
		if (*arg == '/' || (colon && !domain_spec_ok(arg, strlen(arg))))
			return fail(r, "\"%s\": not a valid domain-spec", term);
		if (colon && !(t->domain = strdup(arg)))
			return fail(r, "out of memory at \"%s\"", term);
		return 0;
	case SPF_A:
	case SPF_MX: {
		/* domain-spec, then dual-cidr-length: "/N", "//M" or "/N//M". */
		const char *slash = strchr(arg, '/');
		size_t alen = strlen(arg);
		size_t dlen = slash ? (size_t)(slash - arg) : alen;
		if (colon && !domain_spec_ok(arg, dlen))
			return fail(r, "\"%s\": not a valid domain-spec", term);
		if (!colon && dlen)
			return fail(r, "\"%s\": not a valid mechanism", term);
		if (colon && !(t->domain = strndup(arg, dlen)))
			return fail(r, "out of memory at \"%s\"", term);
		if (slash) {
			const char *c = slash, *dbl = strstr(c, "//");
			size_t l4 = dbl ? (size_t)(dbl - c) : strlen(c);
			if (l4 && (t->cidr4 = parse_cidr(c, l4, 32)) < 0)
				return fail(r, "\"%s\": bad IPv4 prefix length", term);
			if (dbl && (t->cidr6 = parse_cidr(dbl + 1, strlen(dbl + 1), 128)) < 0)
				return fail(r, "\"%s\": bad IPv6 prefix length", term);
		}
		return 0;
	}
	case SPF_IP4:
	case SPF_IP6: {
		bool v6 = t->mech == SPF_IP6;
		if (!colon)
			return fail(r, "\"%s\": an address is required", term);
		char addr[INET6_ADDRSTRLEN + 1];
		const char *sl = strchr(arg, '/');
		size_t alen = sl ? (size_t)(sl - arg) : strlen(arg);
		if (alen == 0 || alen >= sizeof addr)
			return fail(r, "\"%s\": not a valid address", term);
		memcpy(addr, arg, alen);
		addr[alen] = '\0';
		/* inet_pton takes exactly the RFC 7208 12 forms for v4 (no
		 * leading zeros, four parts). */
		if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, t->net) != 1)
			return fail(r, "\"%s\": not a valid address", term);
		int *len = v6 ? &t->cidr6 : &t->cidr4;
		if (sl && (*len = parse_cidr(sl, strlen(sl), v6 ? 128 : 32)) < 0)
			return fail(r, "\"%s\": bad prefix length", term);
		return 0;
	}
	}
	return 0;
}

static int parse_modifier(struct spf_record *r, struct spf_term *t, const char *term, const char *eq)
{
	size_t nlen = (size_t)(eq - term);
	/* RFC 7208 12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	bool ok = nlen > 0 && ((term[0] | 0x20) >= 'a' && (term[0] | 0x20) <= 'z');
	for (size_t i = 1; ok && i < nlen; i++) {
		char c = term[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
		     || c == '.';
	}
	if (!ok)
		return fail(r, "\"%s\": not a valid modifier", term);
	t->modifier = true;
	if (!(t->name = strndup(term, nlen)) || !(t->value = strdup(eq + 1)))
		return fail(r, "out of memory at \"%s\"", term);
	bool redirect = text_casecmp(t->name, "redirect") == 0, exp = text_casecmp(t->name, "exp") == 0;
	if (redirect || exp) {
		/* 6: each at most once; the value is a domain-spec. */
		if ((redirect && r->redirect) || (exp && r->exp))
			return fail(r, "\"%s\": this modifier appears twice (RFC 7208 6)", term);
		if (!domain_spec_ok(t->value, strlen(t->value)))
			return fail(r, "\"%s\": not a valid domain-spec", term);
		*(redirect ? &r->redirect : &r->exp) = t->value;
	} else if (!spf_macro_valid(t->value, strlen(t->value), false)) {
		return fail(r, "\"%s\": not a valid macro-string", term);
	}
	return 0;
}

int spf_record_parse(const char *txt, struct spf_record *r)
{
	memset(r, 0, sizeof *r);
	/* 4.5: "v=spf1" then a space or the end. */
	if (text_ncasecmp(txt, "v=spf1", 6) != 0 || (txt[6] && txt[6] != ' '))
		return fail(r, "%s: not an SPF record", "v=spf1");
	const char *p = txt + 6;
	while (*p) {
		/* 4.6.1: terms are separated by spaces (and only spaces). */
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " ");
		char *term = strndup(p, len);
		if (!term)
			return fail(r, "%s", "out of memory");
		struct spf_term *v = realloc(r->t, (r->n + 1) * sizeof *v);
		if (!v) {
			free(term);
			return fail(r, "%s", "out of memory");
		}
		r->t = v;
		struct spf_term *t = memset(&r->t[r->n++], 0, sizeof *t);
		t->text = term;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)term[i] < 0x21 || (unsigned char)term[i] > 0x7e)
				return fail(r, "\"%s\": a character outside visible ASCII", term);
		size_t sep = strcspn(term, ":/=");
		int rc = term[sep] == '=' ? parse_modifier(r, t, term, term + sep) : parse_directive(r, t, term);
		if (rc < 0)
			return -1;
		p += len;
	}
	return 0;
}

void spf_record_free(struct spf_record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->t[i].text);
		free(r->t[i].domain);
		free(r->t[i].name);
		free(r->t[i].value);
	}
	free(r->t);
	memset(r, 0, sizeof *r);
}
