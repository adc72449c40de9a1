/* mailauth.c - SPF evaluated for `mx --check`: the lookups, the findings,
 * the human lines and the JSON. */
#define _GNU_SOURCE
#include "mailauth/mailauth.h"
#include "text.h"

#include <arpa/inet.h>
#include <string.h>

int mailauth_opts_check(const struct mailauth_opts *o, struct err *e)
{
	unsigned char buf[16];
	const char *vals[][2] = {{"--spf-ip", o->spf_ip}, {"--spf-sender", o->spf_sender}, {"--spf-helo", o->spf_helo}};
	for (size_t i = 0; i < 3; i++)
		if (vals[i][1] && (text_has_control(vals[i][1]) || strchr(vals[i][1], ' ') || strlen(vals[i][1]) > 300))
			return err_set(e, ERR_USAGE, NULL, "invalid %s: no spaces or control characters", vals[i][0]);
	if (o->spf_ip && inet_pton(AF_INET, o->spf_ip, buf) != 1 && inet_pton(AF_INET6, o->spf_ip, buf) != 1)
		return err_set(e, ERR_USAGE, NULL, "invalid --spf-ip \"%s\": an IPv4 or IPv6 address", o->spf_ip);
	if (!o->spf_ip && (o->spf_sender || o->spf_helo))
		return err_set(e, ERR_USAGE, NULL, "--spf-sender and --spf-helo go with --spf-ip");
	return 0;
}

void mailauth_run(struct mx_mailauth *m, const struct dns_resolver *res, const char *domain,
		  const struct mailauth_opts *o)
{
	memset(m, 0, sizeof *m);
	struct spf_query q = {
		.ip = o ? o->spf_ip : NULL, .domain = domain, .sender = o ? o->spf_sender : NULL,
		.helo = o ? o->spf_helo : NULL,
	};
	m->spf_done = spf_check_host(res, &q, &m->spf) == 0;
}

void mailauth_findings(struct out *out, const struct mx_mailauth *m, const struct mailauth_opts *o,
		       bool has_spf)
{
	const struct spf_eval *s = &m->spf;
	bool evaluated = o && o->spf_ip;
	/* No record, or several: no-spf and spf-multiple (mxcheck.c) say it. */
	if (!m->spf_done || !has_spf)
		return;
	if (s->result == SPF_PERMERROR) {
		bool lookups = s->lookups > SPF_LOOKUP_LIMIT, voids = s->void_lookups > SPF_VOID_LIMIT;
		out_finding(out, FINDING_FAIL,
			    lookups ? "spf-too-many-lookups" : voids ? "spf-void-lookups" : "spf-permerror",
			    "SPF: permerror: %s", s->reason);
	} else if (s->result == SPF_TEMPERROR) {
		out_finding(out, FINDING_WARN, "spf-temperror", "SPF: temperror: %s", s->reason);
	}
	if (s->plus_all)
		out_finding(out, FINDING_FAIL, "spf-plus-all",
			    "SPF: \"+all\" (or \"all\") lets every address on the Internet pass (RFC 7208 5.1)");
	if (s->ptr)
		out_finding(out, FINDING_WARN, "spf-ptr",
			    "SPF: the ptr mechanism is slow and unreliable; RFC 7208 5.5 says not to use it");
	if (evaluated && (s->result == SPF_FAIL || s->result == SPF_SOFTFAIL))
		out_finding(out, s->result == SPF_FAIL ? FINDING_FAIL : FINDING_WARN, "spf-fail",
			    "SPF: %s is not allowed to send for this domain (%s, by \"%s\")", o->spf_ip,
			    spf_result_name(s->result), s->mechanism);
}

void mailauth_print(FILE *fp, const struct mx_mailauth *m, const struct mailauth_opts *o)
{
	const struct spf_eval *s = &m->spf;
	char mech[700], expl[1600], reason[1000];
	if (!m->spf_done)
		return;
	text_escape(s->mechanism, strlen(s->mechanism), mech, sizeof mech);
	text_escape(s->explanation, strlen(s->explanation), expl, sizeof expl);
	text_escape(s->reason, strlen(s->reason), reason, sizeof reason);
	if (o && o->spf_ip) {
		out_print(fp, "  SPF for %s: %s", o->spf_ip, spf_result_name(s->result));
		if (s->mechanism[0])
			out_print(fp, " by \"%s\" in the record of %s", mech, s->mechanism_domain);
		if (s->reason[0])
			out_print(fp, " (%s)", reason);
		fputc('\n', fp);
		if (s->explanation[0])
			out_print(fp, "  SPF explanation: %s\n", expl);
	} else {
		out_print(fp, "  SPF check: %s\n",
			  s->result == SPF_PERMERROR || s->result == SPF_TEMPERROR ? reason : "record and its includes parse");
	}
	out_print(fp, "  SPF DNS lookups: %d of %d, void lookups: %d of %d\n", s->lookups, SPF_LOOKUP_LIMIT,
		  s->void_lookups, SPF_VOID_LIMIT);
}

void mailauth_json_spf(struct json *j, char **records, size_t n, const struct mx_mailauth *m,
		       const struct mailauth_opts *o)
{
	const struct spf_eval *s = &m->spf;
	json_key(j, "spf");
	json_object(j);
	json_key(j, "records");
	json_array(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, records[i]);
	json_array_end(j);
	json_key(j, "evaluation");
	if (m->spf_done && o && o->spf_ip) {
		json_object(j);
		json_kstr(j, "ip", o->spf_ip);
		json_kstr(j, "result", spf_result_name(s->result));
		json_kstr(j, "mechanism", s->mechanism[0] ? s->mechanism : NULL);
		json_kstr(j, "mechanism_domain", s->mechanism[0] ? s->mechanism_domain : NULL);
		json_kstr(j, "explanation", s->explanation[0] ? s->explanation : NULL);
		json_kstr(j, "reason", s->reason[0] ? s->reason : NULL);
		json_kint(j, "lookups", s->lookups);
		json_kint(j, "void_lookups", s->void_lookups);
		json_object_end(j);
	} else {
		json_null(j);
	}
	/* Without --spf-ip: the whole tree walked, nothing matched. */
	json_key(j, "check");
	if (m->spf_done && !(o && o->spf_ip)) {
		json_object(j);
		json_kstr(j, "result", s->result == SPF_PERMERROR || s->result == SPF_TEMPERROR
				       ? spf_result_name(s->result) : s->result == SPF_NONE ? "none" : "ok");
		json_kstr(j, "reason", s->result == SPF_PERMERROR || s->result == SPF_TEMPERROR ? s->reason : NULL);
		json_kint(j, "lookups", s->lookups);
		json_kint(j, "void_lookups", s->void_lookups);
		json_kbool(j, "plus_all", s->plus_all);
		json_kbool(j, "ptr", s->ptr);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_kint(j, "lookup_limit", SPF_LOOKUP_LIMIT);
	json_kint(j, "void_lookup_limit", SPF_VOID_LIMIT);
	json_object_end(j);
}
