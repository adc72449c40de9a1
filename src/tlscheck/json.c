/* tlscheck/json.c - the complete JSON document of `smtpkit tls-check`
 * (documented in smtpkit-tls-check(1), JSON). */
#include "tlscheck/tlscheck.h"
#include "json.h"

#include <string.h>

static const char *dane_state_word(enum tlscheck_dane_state s)
{
	switch (s) {
	case TLSCHECK_DANE_NOT_LOOKED: return "not-looked-up";
	case TLSCHECK_DANE_NONE: return "no-tlsa";
	case TLSCHECK_DANE_INSECURE: return "insecure";
	case TLSCHECK_DANE_NO_USABLE: return "no-usable-record";
	case TLSCHECK_DANE_MATCH: return "match";
	case TLSCHECK_DANE_MISMATCH: return "mismatch";
	default: return "error";
	}
}

static void json_offer(struct json *j, const char *key, enum tlscheck_offer o)
{
	json_key(j, key);
	if (o == TLSCHECK_UNKNOWN)
		json_null(j);
	else
		json_bool(j, o == TLSCHECK_OFFERED);
}

static void json_session(struct json *j, const struct tlscheck *tc)
{
	const struct tls_info *b = tc->best;
	json_key(j, "session");
	if (!b) {
		json_null(j);
		return;
	}
	json_object(j);
	json_kstr(j, "from", tc->best_from);
	out_json_tls_params(j, b);
	json_kstr(j, "mac", b->mac);
	json_kstr(j, "signature_algorithm", b->sig_alg[0] ? b->sig_alg : NULL);
	/* null: TLS 1.3 only, where both are built in */
	const struct tls_info *t12 = tlscheck_tls12_session(tc);
	json_key(j, "ext_master_secret");
	if (t12)
		json_bool(j, t12->ext_master_secret);
	else
		json_null(j);
	json_key(j, "safe_renegotiation");
	if (t12)
		json_bool(j, t12->safe_renegotiation);
	else
		json_null(j);
	json_key(j, "resumption");
	if (!tc->resume_tried)
		json_null(j);
	else
		json_bool(j, tc->resume.s.tls.resumed);
	json_key(j, "ocsp");
	json_object(j);
	json_kbool(j, "stapled", b->ocsp_stapled);
	json_kbool(j, "valid", b->ocsp_valid);
	json_kbool(j, "expected", tc->ocsp_expected);
	json_object_end(j);
	json_object_end(j);
}

static void json_dane(struct json *j, const struct tlscheck_dane *d)
{
	json_key(j, "dane");
	json_object(j);
	json_kstr(j, "name", d->qname[0] ? d->qname : NULL);
	json_kstr(j, "state", dane_state_word(d->state));
	json_kstr(j, "lookup", d->lookup[0] ? d->lookup : NULL);
	json_kbool(j, "dnssec_validated", d->ad);
	json_kstr(j, "message", d->why[0] ? d->why : NULL);
	json_key(j, "rollover_ready");
	if (d->state == TLSCHECK_DANE_MATCH)
		json_bool(j, d->rollover_ready);
	else
		json_null(j);
	json_kint(j, "unmatched", (long long)d->unmatched);
	json_key(j, "records");
	json_array(j);
	for (size_t i = 0; i < d->n; i++) {
		const struct tlscheck_tlsa *x = &d->tlsa[i];
		json_object(j);
		json_kint(j, "usage", x->usage);
		json_kint(j, "selector", x->selector);
		json_kint(j, "mtype", x->mtype);
		json_kstr(j, "data", x->data_hex);
		json_kbool(j, "usable", x->usable);
		json_kbool(j, "matched", x->matched);
		json_kstr(j, "text", x->why[0] ? x->why : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void tlscheck_report_json(struct tlscheck *tc)
{
	const struct smtp_session *m = &tc->main.s;
	struct json j;
	int code = tlscheck_exit_code(tc);
	json_init(&j, stdout);
	json_object(&j);
	out_json_head(&j, "tls-check");
	json_kbool(&j, "ok", code == 0);
	json_kint(&j, "exit_code", code);
	out_json_error(&j, &tc->err);
	json_key(&j, "server");
	json_object(&j);
	out_json_server(&j, tc->host, tc->port, m->conn.peer_addr, m->conn.via, &tc->base.conn);
	json_kstr(&j, "tls_mode", tc->implicit ? "implicit" : "starttls");
	json_kstr(&j, "name", tc->name);
	json_object_end(&j);
	json_key(&j, "greeting");
	out_json_reply(&j, &m->greeting, smtp_reply_meaning(SMTP_GREETING, m->greeting.code));
	json_kbool(&j, "starttls_offered", !tc->implicit && m->have_before && ehlo_has(&m->caps_before, "STARTTLS"));
	json_key(&j, "protocols");
	json_array(&j);
	for (size_t v = TLSCHECK_NVERSIONS; v-- > 0;) {
		const struct tlscheck_version *ver = &tc->versions[v];
		json_object(&j);
		json_kstr(&j, "version", ver->name);
		json_offer(&j, "offered", ver->offer);
		json_kstr(&j, "cipher", ver->offer == TLSCHECK_OFFERED && ver->conn.s.tls.cipher[0] ? ver->conn.s.tls.cipher : NULL);
		json_kstr(&j, "message", ver->why[0] ? ver->why : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "tls");
	out_json_tls(&j, tc->best);
	if (tc->show_certs && tc->best) {
		json_key(&j, "certificates_pem");
		json_array(&j);
		for (size_t i = 0; i < tc->best->ncerts; i++)
			json_str(&j, tc->best->certs[i].pem ? tc->best->certs[i].pem : "");
		json_array_end(&j);
	}
	json_session(&j, tc);
	tlscheck_scan_json(&j, tc);
	json_dane(&j, &tc->dane);
	json_key(&j, "starttls");
	if (tc->implicit) {
		json_null(&j);
	} else {
		json_object(&j);
		bool injection_test = tc->main.pol.injection_test && !tlscheck_starttls_missing(tc);
		json_kbool(&j, "injection_test", injection_test);
		json_key(&j, "injection_vulnerable");
		if (injection_test && (m->have_after || m->injection_vulnerable))
			json_bool(&j, m->injection_vulnerable);
		else
			json_null(&j);
		json_kbool(&j, "data_after_220", m->data_after_starttls);
		json_object_end(&j);
	}
	json_key(&j, "mandatory_starttls");
	mandatory_tls_json(&j, &tc->mandatory);
	/* The main connection's own failure when the check ran anyway. */
	json_key(&j, "main_error");
	if (tc->best)
		out_json_error_value(&j, &m->err);
	else
		json_null(&j);
	json_key(&j, "elapsed_ms");
	json_num(&j, tc->elapsed_ms);
	out_json_findings(&j, &tc->report);
	out_json_transcript(&j, &tc->main.out);
	json_object_end(&j);
}
