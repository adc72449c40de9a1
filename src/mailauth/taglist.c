/* taglist.c - the tag=value list parser (RFC 6376 3.2). */
#define _GNU_SOURCE
#include "mailauth/taglist.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int fail(struct taglist *tl, const char *what, const char *at, size_t len)
{
	char shown[80];
	text_escape(at, len < 40 ? len : 40, shown, sizeof shown);
	snprintf(tl->error, sizeof tl->error, "%s at \"%s\"", what, shown);
	return -1;
}

int taglist_parse(const char *s, struct taglist *tl)
{
	memset(tl, 0, sizeof *tl);
	while (*s) {
		size_t spec = strcspn(s, ";");
		const char *p = s, *end = s + spec;
		while (p < end && is_wsp(*p))
			p++;
		if (p == end) {
			/* Only a trailing ";" may leave an empty spec. */
			if (*end == ';' && end[1] != '\0') {
				const char *q = end + 1;
				while (*q && is_wsp(*q))
					q++;
				if (*q)
					return fail(tl, "an empty tag", s, spec + 1);
			}
			s = *end ? end + 1 : end;
			continue;
		}
		const char *name = p;
		if (!is_alpha(*p))
			return fail(tl, "a tag name must start with a letter", name, (size_t)(end - name));
		while (p < end && (is_alpha(*p) || (*p >= '0' && *p <= '9') || *p == '_'))
			p++;
		size_t nlen = (size_t)(p - name);
		while (p < end && is_wsp(*p))
			p++;
		if (p == end || *p != '=')
			return fail(tl, "no '=' after the tag name", name, (size_t)(end - name));
		p++;
		char *value = malloc((size_t)(end - p) + 1);
		if (!value)
			return fail(tl, "out of memory", name, nlen);
		size_t vlen = 0;
		for (; p < end; p++) {
			unsigned char c = (unsigned char)*p;
			if (is_wsp(*p))
				continue;
			if (c < 0x21 || c > 0x7e) {
				free(value);
				return fail(tl, "a character outside visible ASCII", name, (size_t)(end - name));
			}
			value[vlen++] = *p;
		}
		value[vlen] = '\0';
		char *nm = strndup(name, nlen);
		for (size_t i = 0; nm && i < tl->n; i++)
			if (strcmp(tl->t[i].name, nm) == 0) {
				free(nm);
				free(value);
				return fail(tl, "a tag given twice", name, nlen);
			}
		struct tag *v = nm ? realloc(tl->t, (tl->n + 1) * sizeof *v) : NULL;
		if (!v) {
			free(nm);
			free(value);
			return fail(tl, "out of memory", name, nlen);
		}
		tl->t = v;
		tl->t[tl->n++] = (struct tag){nm, value};
		s = *end ? end + 1 : end;
	}
	return 0;
}

const char *taglist_get(const struct taglist *tl, const char *name, bool nocase)
{
	for (size_t i = 0; i < tl->n; i++)
		if (nocase ? text_casecmp(tl->t[i].name, name) == 0 : strcmp(tl->t[i].name, name) == 0)
			return tl->t[i].value;
	return NULL;
}

void taglist_free(struct taglist *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		free(tl->t[i].name);
		free(tl->t[i].value);
	}
	free(tl->t);
	memset(tl, 0, sizeof *tl);
}
