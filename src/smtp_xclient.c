/* smtp_xclient.c - Postfix's XCLIENT and XFORWARD: the attributes given
 * on the command line, checked against those the server lists after EHLO
 * and sent after it (XCLIENT_README, XFORWARD_README).  No syscalls. */
#define _DEFAULT_SOURCE
#include "smtp_int.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void smtp_attrs_free(struct smtp_attrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->name[i]);
		free(a->value[i]);
	}
	memset(a, 0, sizeof *a);
}

/* An attribute name is letters, digits and "_" (NAME, ADDR, REVERSE_NAME). */
static bool attr_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
		      || s[i] == '_'))
			return false;
	return true;
}

int smtp_attrs_parse(const char *list, struct smtp_attrs *a, const char **why)
{
	memset(a, 0, sizeof *a);
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		if (!eq || !attr_name_ok(p, (size_t)(eq - p))) {
			*why = "expected NAME=VALUE[,NAME=VALUE...] with NAME letters, digits or _";
			goto fail;
		}
		if (a->n == SMTP_ATTRS_MAX) {
			*why = "too many attributes";
			goto fail;
		}
		size_t nl = (size_t)(eq - p);
		a->name[a->n] = strndup(p, nl);
		a->value[a->n] = strndup(eq + 1, len - nl - 1);
		if (!a->name[a->n] || !a->value[a->n]) {
			a->n++;
			*why = "out of memory";
			goto fail;
		}
		for (char *c = a->name[a->n]; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		if (!*a->value[a->n] || text_has_control(a->value[a->n])) {
			a->n++;
			*why = "a value is empty or holds a control character";
			goto fail;
		}
		for (size_t i = 0; i < a->n; i++)
			if (strcmp(a->name[i], a->name[a->n]) == 0) {
				a->n++;
				*why = "an attribute is given twice";
				goto fail;
			}
		a->n++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
fail:
	smtp_attrs_free(a);
	return -1;
}

/* The EHLO keyword lists the attributes the server accepts (XCLIENT
 * NAME ADDR PROTO HELO ...); what it does not list is not sent. */
static int check_offered(struct smtp_session *s, const char *verb, const struct smtp_attrs *a)
{
	const struct ehlo_cap *c = ehlo_find(smtp_caps(s), verb);
	if (!c)
		return err_set(&s->err, ERR_UNSUPPORTED, smtp_step_name(s), "the server does not offer %s%s", verb,
			       s->used_helo ? " (HELO only: no extensions)" : "");
	for (size_t i = 0; i < a->n; i++) {
		bool listed = false;
		for (size_t k = 0; k < c->nparams && !listed; k++)
			listed = text_casecmp(c->params[k], a->name[i]) == 0;
		if (!listed)
			return err_set(&s->err, ERR_UNSUPPORTED, smtp_step_name(s),
				       "the server's %s does not list the attribute %s: not sent", verb, a->name[i]);
	}
	return 0;
}

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define COMMAND_MAX 510

static int send_attrs(struct smtp_session *s, const char *verb, const struct smtp_attrs *a)
{
	char line[COMMAND_MAX + 1];
	size_t n = (size_t)snprintf(line, sizeof line, "%s", verb);
	if (check_offered(s, verb, a) < 0 || smtp_expect_quiet(s, verb) < 0)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		char x[COMMAND_MAX + 1];
		text_xtext(a->value[i], x, sizeof x);
		int w = snprintf(line + n, sizeof line - n, " %s=%s", a->name[i], x);
		if (w < 0 || (size_t)w >= sizeof line - n)
			return err_set(&s->err, ERR_USAGE, smtp_step_name(s),
				       "the %s attributes make a command longer than 512 octets (RFC 5321 4.5.3.1.4)", verb);
		n += (size_t)w;
	}
	if (smtp_queue_command(s, NULL, "%s", line) < 0)
		return -1;
	return smtp_flush(s);
}

bool smtp_x_pending(const struct smtp_session *s)
{
	return (s->pol->xclient && !s->xclient_done) || (s->pol->xforward && !s->xforward_done);
}

enum smtp_state smtp_x_next(const struct smtp_session *s)
{
	return s->pol->xclient && !s->xclient_done ? SMTP_XCLIENT : SMTP_XFORWARD;
}

int smtp_enter_xclient(struct smtp_session *s)
{
	return send_attrs(s, "XCLIENT", s->pol->xclient);
}

int smtp_enter_xforward(struct smtp_session *s)
{
	return send_attrs(s, "XFORWARD", s->pol->xforward);
}

/* XCLIENT_README: success is a new greeting (220); the session starts
 * over as if the client were the one named, so EHLO (LHLO) again. */
enum smtp_state smtp_on_xclient(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 220 && r->code != 250)
		return smtp_fail_unexpected(s, r, "to XCLIENT");
	s->xclient_done = true;
	out_info(s->out, 0, "XCLIENT accepted: greeting again, as the client it names");
	return s->used_helo ? SMTP_HELO : SMTP_EHLO;
}

enum smtp_state smtp_on_xforward(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 250)
		return smtp_fail_unexpected(s, r, "to XFORWARD");
	s->xforward_done = true;
	return SMTP_ADVANCE;
}
