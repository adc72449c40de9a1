/* mailauth_report.c - `mx --check`'s sender authentication results as
 * human lines and JSON.  Record text comes from DNS: escaped when shown. */
#include "mailauth/mailauth.h"
#include "text.h"

#include <string.h>

static void esc(const char *s, char *buf, size_t size)
{
	text_escape(s, strlen(s), buf, size);
}

static void print_spf(FILE *fp, const struct mx_mailauth *m, const struct mailauth_opts *o)
{
	const struct spf_eval *s = &m->spf;
	char mech[700], expl[1600], reason[1000];
	if (!m->spf_done)
		return;
	esc(s->mechanism, mech, sizeof mech);
	esc(s->explanation, expl, sizeof expl);
	esc(s->reason, reason, sizeof reason);
	if (o && o->spf_ip) {
		out_print(fp, "  SPF for %s: %s", o->spf_ip, spf_result_name(s->result));
		if (s->mechanism[0])
			out_print(fp, " by \"%s\" in the record of %s", mech, s->mechanism_domain);
		if (s->reason[0])
			out_print(fp, " (%s)", reason);
		fputc('\n', fp);
		if (s->explanation[0])
			out_print(fp, "  SPF explanation: %s\n", expl);
	} else if (s->result == SPF_PERMERROR || s->result == SPF_TEMPERROR) {
		out_print(fp, "  SPF check: %s: %s\n", spf_result_name(s->result), reason);
	} else if (s->result != SPF_NONE) {
		out_print(fp, "  SPF check: the record and its includes parse\n");
	}
	out_print(fp, "  SPF DNS lookups: %d of %d, void lookups: %d of %d\n", s->lookups, SPF_LOOKUP_LIMIT,
		  s->void_lookups, SPF_VOID_LIMIT);
}

void mailauth_print(FILE *fp, const struct mx_mailauth *m, const struct mailauth_opts *o)
{
	char buf[1600];
	print_spf(fp, m, o);
	if (m->dmarc_found) {
		const struct dmarc *dm = &m->dmarc;
		if (dm->valid)
			out_print(fp, "  DMARC policy: p=%s%s%s%s%s pct=%d adkim=%c aspf=%c (at %s; organizational domain %s)\n",
				  dm->p, dm->sp[0] ? " sp=" : "", dm->sp, dm->np[0] ? " np=" : "", dm->np, dm->pct,
				  dm->adkim, dm->aspf, m->policy_domain, m->org_domain);
		for (size_t i = 0; i < m->ndests; i++) {
			esc(m->dests[i].uri, buf, sizeof buf);
			out_print(fp, "  DMARC reports: %s%s\n", buf,
				  !m->dests[i].external ? "" : m->dests[i].authorized ? " (external, authorized)"
											: " (external, NOT authorized)");
		}
	}
	for (size_t i = 0; i < m->ndkim; i++) {
		const struct mailauth_dkim *k = &m->dkim[i];
		if (k->nrecords == 0)
			out_print(fp, "  DKIM %s: no key (%s)\n", k->selector, dns_status_name(k->status));
		else if (!k->key.valid)
			out_print(fp, "  DKIM %s: invalid key record\n", k->selector);
		else if (k->key.revoked)
			out_print(fp, "  DKIM %s: revoked (empty p=)\n", k->selector);
		else
			out_print(fp, "  DKIM %s: %s, %u bits%s\n", k->selector, k->key.type, k->key.bits,
				  k->key.testing ? ", testing (t=y)" : "");
	}
	if (m->bimi_record[0]) {
		esc(m->bimi_record, buf, sizeof buf);
		out_print(fp, "  BIMI: %s\n", buf);
	} else {
		out_print(fp, "  BIMI: none\n");
	}
	for (size_t i = 0; i < m->ndnsbl; i++) {
		const struct mailauth_dnsbl *b = &m->dnsbl[i];
		esc(b->reason, buf, sizeof buf);
		out_print(fp, "  DNSBL %s %s: %s%s%s\n", b->zone, b->addr,
			  b->state == DNSBL_LISTED ? "listed" : b->state == DNSBL_CLEAN ? "not listed" : "could not check",
			  b->reason[0] ? ": " : "", buf);
	}
}

void mailauth_json_spf(struct json *j, char **records, size_t n, const struct mx_mailauth *m,
		       const struct mailauth_opts *o)
{
	const struct spf_eval *s = &m->spf;
	bool errored = s->result == SPF_PERMERROR || s->result == SPF_TEMPERROR;
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
		json_kstr(j, "result", errored ? spf_result_name(s->result) : s->result == SPF_NONE ? "none" : "ok");
		json_kstr(j, "reason", errored ? s->reason : NULL);
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

static void json_dmarc(struct json *j, const struct mx_mailauth *m)
{
	const struct dmarc *dm = &m->dmarc;
	json_key(j, "dmarc_policy");
	if (!m->dmarc_found) {
		json_null(j);
		return;
	}
	json_object(j);
	json_kstr(j, "record", m->dmarc_record);
	json_kstr(j, "policy_domain", m->policy_domain);
	json_kstr(j, "organizational_domain", m->org_domain);
	json_kbool(j, "valid", dm->valid);
	json_kstr(j, "error", dm->valid ? NULL : dm->error);
	json_kstr(j, "p", dm->valid ? dm->p : NULL);
	json_kstr(j, "sp", dm->valid && dm->sp[0] ? dm->sp : NULL);
	json_kstr(j, "np", dm->valid && dm->np[0] ? dm->np : NULL);
	char a[2] = {dm->adkim, 0}, s[2] = {dm->aspf, 0};
	json_kstr(j, "adkim", dm->valid ? a : NULL);
	json_kstr(j, "aspf", dm->valid ? s : NULL);
	json_kint(j, "pct", dm->pct);
	json_kbool(j, "testing", dm->testing);
	json_key(j, "reports");
	json_array(j);
	for (size_t i = 0; i < m->ndests; i++) {
		const struct mailauth_report_dest *t = &m->dests[i];
		json_object(j);
		json_kstr(j, "uri", t->uri);
		json_kstr(j, "kind", i < dm->nrua ? "rua" : "ruf");
		json_kstr(j, "domain", t->domain);
		json_kbool(j, "external", t->external);
		json_kbool(j, "authorized", t->authorized);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void mailauth_json(struct json *j, const struct mx_mailauth *m)
{
	json_dmarc(j, m);
	json_key(j, "dkim_keys");
	json_array(j);
	for (size_t i = 0; i < m->ndkim; i++) {
		const struct mailauth_dkim *k = &m->dkim[i];
		json_object(j);
		json_kstr(j, "selector", k->selector);
		json_kstr(j, "status", dns_status_name(k->status));
		json_kstr(j, "record", k->nrecords ? k->record : NULL);
		json_kint(j, "records", (long long)k->nrecords);
		json_kbool(j, "valid", k->nrecords && k->key.valid);
		json_kstr(j, "error", k->nrecords && !k->key.valid ? k->key.error : NULL);
		json_kstr(j, "type", k->nrecords && k->key.valid ? k->key.type : NULL);
		json_kint(j, "bits", k->key.valid ? k->key.bits : 0);
		json_kbool(j, "revoked", k->key.revoked);
		json_kbool(j, "testing", k->key.testing);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "bimi");
	if (m->bimi_record[0]) {
		json_object(j);
		json_kstr(j, "record", m->bimi_record);
		json_kbool(j, "valid", m->bimi.valid);
		json_kstr(j, "error", m->bimi.valid ? NULL : m->bimi.error);
		json_kstr(j, "logo", m->bimi.l[0] ? m->bimi.l : NULL);
		json_kstr(j, "authority", m->bimi.a[0] ? m->bimi.a : NULL);
		json_kbool(j, "declined", m->bimi.declined);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "dnsbl");
	json_array(j);
	for (size_t i = 0; i < m->ndnsbl; i++) {
		const struct mailauth_dnsbl *b = &m->dnsbl[i];
		json_object(j);
		json_kstr(j, "address", b->addr);
		json_kstr(j, "zone", b->zone);
		json_kstr(j, "state", b->state == DNSBL_LISTED ? "listed" : b->state == DNSBL_CLEAN ? "clean" : "unchecked");
		json_kstr(j, "answer", b->answer[0] ? b->answer : NULL);
		json_kstr(j, "reason", b->reason[0] ? b->reason : NULL);
		json_object_end(j);
	}
	json_array_end(j);
}
