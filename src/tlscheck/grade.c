/* tlscheck/grade.c - what tls-check's own ClientHellos found, graded by
 * the one table (tlscheck/suites.c, NCSC-NL v2.1): findings for every
 * phase-out and insufficient item, the human section and its JSON. */
#define _GNU_SOURCE
#include "tlscheck/tlscheck.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum finding_level level_of(enum tlscheck_grade g)
{
	return g == TLSCHECK_INSUFFICIENT ? FINDING_FAIL : g == TLSCHECK_PHASE_OUT ? FINDING_WARN : FINDING_OK;
}

/* One finding per problem id, naming every suite and version it covers;
 * its level is the worst grade among them. */
#define MAX_IDS 16
struct suite_problem {
	const char *id;
	enum tlscheck_grade worst;
	char *text;
	size_t n;
};

static void add_problem(struct suite_problem *p, size_t *np, const char *id, enum tlscheck_grade g,
			const char *suite, const char *version)
{
	size_t i = 0;
	while (i < *np && strcmp(p[i].id, id) != 0)
		i++;
	if (i == *np) {
		if (*np == MAX_IDS)
			return;
		p[i] = (struct suite_problem){id, g, NULL, 0};
		(*np)++;
	}
	if (g > p[i].worst)
		p[i].worst = g;
	char *t = NULL;
	if (p[i].n < 6) {
		if (asprintf(&t, "%s%s%s (%s)", p[i].text ? p[i].text : "", p[i].text ? ", " : "", suite, version) < 0)
			return;
	} else if (p[i].n == 6) {
		if (asprintf(&t, "%s, ...", p[i].text) < 0)
			return;
	}
	if (t) {
		free(p[i].text);
		p[i].text = t;
	}
	p[i].n++;
}

static const char *problem_words(const char *id)
{
	static const struct { const char *id, *words; } w[] = {
		{"cipher-null", "no encryption (NULL)"},
		{"cipher-export", "EXPORT-grade (40/56-bit) suites"},
		{"cipher-anon", "anonymous (unauthenticated) key exchange"},
		{"cipher-rc4", "RC4 (RFC 7465 forbids it)"},
		{"cipher-des", "single DES"},
		{"cipher-md5", "MD5 MACs"},
		{"cipher-3des", "3DES"},
		{"cipher-rsa-kx", "RSA key transport (no forward secrecy)"},
		{"cipher-cbc-sha1", "CBC with SHA-1 at TLS 1.2"},
		{"cipher-insufficient", "suites outside the NCSC-NL lists (static DH/ECDH, CAMELLIA, ARIA, SEED, IDEA, PSK, SRP...)"},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (strcmp(w[i].id, id) == 0)
			return w[i].words;
	return id;
}

static void suite_findings(struct tlscheck *tc)
{
	struct suite_problem p[MAX_IDS];
	size_t np = 0;
	for (size_t vi = 0; vi < SCAN_NVERSIONS; vi++) {
		const struct scan_version *v = &tc->scan.v[vi];
		if (v->offer != TLSCHECK_OFFERED)
			continue;
		for (size_t i = 0; i < v->suites.n; i++) {
			const struct tlscheck_suite_info *s = tlscheck_suite_find(v->suites.v[i]);
			const char *id = NULL;
			if (!s)
				continue;
			enum tlscheck_grade g = tlscheck_suite_grade(s, v->version, &id);
			if (id)
				add_problem(p, &np, id, g, s->iana, tlscheck_version_name(v->version));
		}
	}
	for (size_t i = 0; i < np; i++) {
		out_finding(&tc->report, level_of(p[i].worst), p[i].id, "%s accepted (NCSC-NL: %s): %s",
			    problem_words(p[i].id), tlscheck_grade_name(p[i].worst), p[i].text ? p[i].text : "");
		free(p[i].text);
	}
}

static void named_findings(struct tlscheck *tc, const struct scan_list *l, bool group, const char *at)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct tlscheck_named *nm = group ? tlscheck_group_find(l->v[i]) : tlscheck_sigalg_find(l->v[i]);
		if (!nm || nm->grade < TLSCHECK_PHASE_OUT)
			continue;
		const char *id = group ? (nm->grade == TLSCHECK_INSUFFICIENT ? "group-insufficient" : "group-phase-out")
				 : strstr(nm->name, "sha1") ? "sigalg-sha1"
				 : nm->grade == TLSCHECK_INSUFFICIENT ? "sigalg-insufficient" : "sigalg-phase-out";
		out_finding(&tc->report, level_of(nm->grade), id, "%s %s accepted at %s (NCSC-NL: %s)",
			    group ? "group" : "signature algorithm", nm->name, at, tlscheck_grade_name(nm->grade));
	}
}

/* What could not be learned, so that an absence is never read as "not
 * offered" (a 421, a drop, a timeout mid-scan). */
static void incomplete_findings(struct tlscheck *tc)
{
	const struct tlscheck_scan *sc = &tc->scan;
	char what[512] = "";
	size_t len = 0;
#define ADD(...) do { if (len < sizeof what) len += (size_t)snprintf(what + len, sizeof what - len, __VA_ARGS__); } while (0)
	for (size_t i = 0; i < SCAN_NVERSIONS; i++) {
		const struct scan_version *v = &sc->v[i];
		if (!sc->versions_tls && v->version >= TLSCHECK_TLS10)
			continue;
		if (v->offer == TLSCHECK_UNKNOWN)
			ADD("%s%s (%s)", len ? "; " : "", tlscheck_version_name(v->version), v->why);
		else if (v->suites.asked && !v->suites.complete)
			ADD("%ssuites at %s after %zu found (%s)", len ? "; " : "", tlscheck_version_name(v->version),
			    v->suites.n, v->suites.why);
	}
	const struct scan_list *lists[] = {&sc->groups13, &sc->groups12, &sc->sigalgs12, &sc->sigalgs13};
	const char *names[] = {"TLS1.3 groups", "TLS1.2 groups", "TLS1.2 signature algorithms",
			       "TLS1.3 signature algorithms"};
	for (size_t i = 0; i < 4; i++)
		if (lists[i]->asked && !lists[i]->complete)
			ADD("%s%s after %zu found (%s)", len ? "; " : "", names[i], lists[i]->n, lists[i]->why);
#undef ADD
	if (len)
		out_finding(&tc->report, FINDING_WARN, "scan-incomplete",
			    "%u of %u connections taught nothing; not learned: %s", sc->failed, sc->connections, what);
}

void tlscheck_scan_findings(struct tlscheck *tc)
{
	if (!tc->scanned)
		return;
	const struct tlscheck_scan *sc = &tc->scan;
	for (size_t i = 0; i < 2; i++)
		if (sc->v[i].offer == TLSCHECK_OFFERED)
			out_finding(&tc->report, FINDING_FAIL, "ssl-version", "the server offers %s (%s)",
				    tlscheck_version_name(sc->v[i].version),
				    sc->v[i].version == TLSCHECK_SSL2 ? "RFC 6176 forbids it" : "RFC 7568 forbids it");
	suite_findings(tc);
	named_findings(tc, &sc->groups13, true, "TLS1.3");
	named_findings(tc, &sc->groups12, true, "TLS1.2");
	named_findings(tc, &sc->sigalgs12, false, "TLS1.2");
	named_findings(tc, &sc->sigalgs13, false, "TLS1.3");
	if (sc->dh_bits) {
		enum tlscheck_grade g = tlscheck_dh_grade(sc->dh_bits);
		if (g >= TLSCHECK_PHASE_OUT)
			out_finding(&tc->report, level_of(g), g == TLSCHECK_INSUFFICIENT ? "dh-weak" : "dh-2048",
				    "finite-field DH group of %u bits (NCSC-NL: %s)", sc->dh_bits, tlscheck_grade_name(g));
	}
	uint16_t at = 0;
	const struct hello_reply *f = tlscheck_scan_tls12_facts(sc, &at);
	if (f && f->answer == HELLO_SERVER_HELLO && !f->secure_renegotiation)
		out_finding(&tc->report, FINDING_FAIL, "no-secure-renegotiation",
			    "the server does not answer renegotiation_info at %s (RFC 5746)", tlscheck_version_name(at));
	for (size_t i = 0; i < SCAN_NVERSIONS; i++)
		if (sc->v[i].compression)
			out_finding(&tc->report, FINDING_FAIL, "tls-compression",
				    "the server chose DEFLATE compression at %s (CRIME)", tlscheck_version_name(sc->v[i].version));
	if (sc->fallback == 0)
		out_finding(&tc->report, FINDING_WARN, "no-fallback-scsv",
			    "a ClientHello below the best version with TLS_FALLBACK_SCSV was accepted (RFC 7507)");
	incomplete_findings(tc);
}

/* ---- human ------------------------------------------------------------- */

static const char *offer_words(int offer)
{
	return offer == TLSCHECK_OFFERED ? "offered" : offer == TLSCHECK_NOT_OFFERED ? "not offered" : "unknown";
}

static void print_named(FILE *fp, const char *title, const struct scan_list *l, bool group)
{
	if (!l->asked)
		return;
	out_print(fp, "%-27s", title);
	for (size_t i = 0; i < l->n; i++) {
		const struct tlscheck_named *nm = group ? tlscheck_group_find(l->v[i]) : tlscheck_sigalg_find(l->v[i]);
		if (nm)
			out_print(fp, " %s (%s)", nm->name, tlscheck_grade_name(nm->grade));
		else
			out_print(fp, " 0x%04X", l->v[i]);
	}
	if (l->n == 0)
		out_print(fp, " none");
	if (!l->complete)
		out_print(fp, " [incomplete: %s]", l->why);
	fputc('\n', fp);
}

void tlscheck_scan_print(FILE *fp, const struct tlscheck *tc)
{
	if (!tc->scanned)
		return;
	const struct tlscheck_scan *sc = &tc->scan;
	out_print(fp, "own ClientHellos (%u connections, at most %u at a time):\n", sc->connections,
		  sc->max_connections);
	for (size_t i = SCAN_NVERSIONS; i-- > 0;) {
		const struct scan_version *v = &sc->v[i];
		if (!sc->versions_tls && v->version >= TLSCHECK_TLS10)
			continue;
		out_print(fp, "  %-7s %-12s %s", tlscheck_version_name(v->version), offer_words(v->offer),
			  v->offer == TLSCHECK_OFFERED ? tlscheck_grade_name(tlscheck_version_grade(v->version)) : v->why);
		if (v->offer == TLSCHECK_OFFERED && v->suites.asked && v->version != TLSCHECK_SSL2)
			out_print(fp, ", %zu suites, %s order", v->suites.n,
				  v->order == SCAN_ORDER_SERVER ? "server" : v->order == SCAN_ORDER_CLIENT ? "client" : "unknown");
		fputc('\n', fp);
		if (v->version == TLSCHECK_SSL2 && v->offer == TLSCHECK_OFFERED)
			for (size_t k = 0; k < v->first.nssl2; k++) {
				const char *nm = tlscheck_ssl2_name(v->first.ssl2_specs[k]);
				out_print(fp, "    0x%06X %s\n", (unsigned)v->first.ssl2_specs[k], nm ? nm : "?");
			}
		for (size_t k = 0; k < v->suites.n; k++) {
			const struct tlscheck_suite_info *s = tlscheck_suite_find(v->suites.v[k]);
			if (!s)
				continue;
			out_print(fp, "    0x%04X %-45s %-31s %-9s %-5s %-17s %3u %-12s\n", s->value, s->iana, s->openssl,
				  s->kx, s->au, s->enc, s->bits, tlscheck_grade_name(tlscheck_suite_grade(s, v->version, NULL)));
		}
		if (v->suites.asked && !v->suites.complete)
			out_print(fp, "    [incomplete: %s]\n", v->suites.why);
	}
	if (!sc->ciphers)
		return;
	print_named(fp, "groups (TLS1.3):", &sc->groups13, true);
	print_named(fp, "groups (TLS1.2, ECDHE):", &sc->groups12, true);
	if (sc->dh_asked)
		out_print(fp, "%-27s %s\n", "DH size (TLS1.2 and older):", sc->dh_bits ? "" : "not learned");
	if (sc->dh_bits)
		out_print(fp, "  %u bits (%s)", sc->dh_bits, tlscheck_grade_name(tlscheck_dh_grade(sc->dh_bits)));
	if (sc->dh_bits && sc->dh_bits_max > sc->dh_bits)
		out_print(fp, ", %u bits with other suites (%s)", sc->dh_bits_max,
			  tlscheck_grade_name(tlscheck_dh_grade(sc->dh_bits_max)));
	if (sc->dh_bits)
		fputc('\n', fp);
	print_named(fp, "signature algs (TLS1.2):", &sc->sigalgs12, false);
	print_named(fp, "signature algs (TLS1.3):", &sc->sigalgs13, false);
	uint16_t at = 0;
	const struct hello_reply *f = tlscheck_scan_tls12_facts(sc, &at);
	if (f && f->answer == HELLO_SERVER_HELLO)
		out_print(fp, "extensions (%s):%*s secure renegotiation %s, extended master secret %s, "
			  "session ticket %s, heartbeat %s, OCSP status_request %s\n",
			  tlscheck_version_name(at), (int)(27 - 14 - strlen(tlscheck_version_name(at))), "",
			  f->secure_renegotiation ? "yes" : "no", f->ext_master_secret ? "yes" : "no",
			  f->session_ticket ? "yes" : "no", f->heartbeat ? "yes" : "no", f->status_request ? "yes" : "no");
	out_print(fp, "%-27s %s\n", "TLS_FALLBACK_SCSV:",
		  sc->fallback == 1 ? "honoured" : sc->fallback == 0 ? "NOT honoured" : "not tested (one version only)");
	out_print(fp, "%-27s %s\n", "0-RTT (early data):", "not learned (announced encrypted)");
}

/* ---- JSON -------------------------------------------------------------- */

static void json_named(struct json *j, const char *key, const struct scan_list *l, bool group)
{
	json_key(j, key);
	if (!l->asked) {
		json_null(j);
		return;
	}
	json_object(j);
	json_kbool(j, "complete", l->complete);
	json_kstr(j, "message", l->complete ? NULL : l->why);
	json_key(j, "accepted");
	json_array(j);
	for (size_t i = 0; i < l->n; i++) {
		const struct tlscheck_named *nm = group ? tlscheck_group_find(l->v[i]) : tlscheck_sigalg_find(l->v[i]);
		json_object(j);
		json_kint(j, "value", l->v[i]);
		json_kstr(j, "name", nm ? nm->name : NULL);
		json_kstr(j, "grade", nm ? tlscheck_grade_name(nm->grade) : "insufficient");
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_suite(struct json *j, const struct tlscheck_suite_info *s, uint16_t version)
{
	json_object(j);
	json_kint(j, "value", s->value);
	json_kstr(j, "iana", s->iana);
	json_kstr(j, "openssl", s->openssl);
	json_kstr(j, "kx", s->kx);
	json_kstr(j, "auth", s->au);
	json_kstr(j, "encryption", s->enc);
	json_kint(j, "bits", s->bits);
	json_kstr(j, "mac", s->mac);
	json_kstr(j, "grade", tlscheck_grade_name(tlscheck_suite_grade(s, version, NULL)));
	json_object_end(j);
}

void tlscheck_scan_json(struct json *j, const struct tlscheck *tc)
{
	const struct tlscheck_scan *sc = &tc->scan;
	/* "ciphers" and "groups": the IANA names, as before the scan existed. */
	json_key(j, "ciphers");
	if (!tc->scanned || !sc->ciphers) {
		json_null(j);
	} else {
		json_object(j);
		for (size_t i = 0; i < SCAN_NVERSIONS; i++) {
			const struct scan_version *v = &sc->v[i];
			if (v->offer != TLSCHECK_OFFERED || v->version == TLSCHECK_SSL2)
				continue;
			json_key(j, tlscheck_version_name(v->version));
			json_array(j);
			for (size_t k = 0; k < v->suites.n; k++) {
				const struct tlscheck_suite_info *s = tlscheck_suite_find(v->suites.v[k]);
				if (s)
					json_str(j, s->iana);
			}
			json_array_end(j);
		}
		json_object_end(j);
	}
	json_key(j, "groups");
	json_array(j);
	const struct scan_list *gl[] = {&sc->groups13, &sc->groups12};
	for (size_t g = 0; tc->scanned && g < 2; g++)
		for (size_t i = 0; i < gl[g]->n; i++) {
			bool seen = false;
			for (size_t k = 0; g == 1 && k < sc->groups13.n; k++)
				seen |= sc->groups13.v[k] == gl[g]->v[i];
			const struct tlscheck_named *nm = tlscheck_group_find(gl[g]->v[i]);
			if (!seen && nm)
				json_str(j, nm->name);
		}
	json_array_end(j);

	json_key(j, "scan");
	if (!tc->scanned) {
		json_null(j);
		return;
	}
	json_object(j);
	json_kint(j, "connections", sc->connections);
	json_kint(j, "failed_connections", sc->failed);
	json_kint(j, "max_connections", sc->max_connections);
	json_key(j, "versions");
	json_array(j);
	for (size_t i = SCAN_NVERSIONS; i-- > 0;) {
		const struct scan_version *v = &sc->v[i];
		if (!sc->versions_tls && v->version >= TLSCHECK_TLS10)
			continue;
		json_object(j);
		json_kstr(j, "version", tlscheck_version_name(v->version));
		json_kstr(j, "offered", v->offer == TLSCHECK_OFFERED ? "yes" : v->offer == TLSCHECK_NOT_OFFERED ? "no" : "unknown");
		json_kstr(j, "grade", tlscheck_grade_name(tlscheck_version_grade(v->version)));
		json_kstr(j, "message", v->why[0] ? v->why : NULL);
		if (v->offer == TLSCHECK_OFFERED && v->suites.n) {
			/* Without --ciphers: the one suite chosen, complete false. */
			json_kstr(j, "order", v->order == SCAN_ORDER_SERVER ? "server" : v->order == SCAN_ORDER_CLIENT ? "client" : NULL);
			json_kbool(j, "complete", v->suites.complete);
			json_key(j, "suites");
			json_array(j);
			for (size_t k = 0; k < v->suites.n; k++) {
				const struct tlscheck_suite_info *s = tlscheck_suite_find(v->suites.v[k]);
				if (s)
					json_suite(j, s, v->version);
			}
			json_array_end(j);
		}
		if (v->version == TLSCHECK_SSL2 && v->offer == TLSCHECK_OFFERED) {
			json_key(j, "ssl2_specs");
			json_array(j);
			for (size_t k = 0; k < v->first.nssl2; k++) {
				const char *nm = tlscheck_ssl2_name(v->first.ssl2_specs[k]);
				json_str(j, nm ? nm : "unknown");
			}
			json_array_end(j);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_named(j, "groups_tls13", &sc->groups13, true);
	json_named(j, "groups_tls12", &sc->groups12, true);
	json_named(j, "sigalgs_tls12", &sc->sigalgs12, false);
	json_named(j, "sigalgs_tls13", &sc->sigalgs13, false);
	json_key(j, "dh_bits");
	if (sc->dh_bits)
		json_int(j, sc->dh_bits);
	else
		json_null(j);
	json_key(j, "dh_bits_max");
	if (sc->dh_bits_max)
		json_int(j, sc->dh_bits_max);
	else
		json_null(j);
	uint16_t at = 0;
	const struct hello_reply *f = tlscheck_scan_tls12_facts(sc, &at);
	json_key(j, "extensions");
	if (f && f->answer == HELLO_SERVER_HELLO) {
		json_object(j);
		json_kstr(j, "version", tlscheck_version_name(at));
		json_kbool(j, "secure_renegotiation", f->secure_renegotiation);
		json_kbool(j, "extended_master_secret", f->ext_master_secret);
		json_kbool(j, "session_ticket", f->session_ticket);
		json_kbool(j, "heartbeat", f->heartbeat);
		json_kbool(j, "status_request", f->status_request);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "compression");
	bool comp = false;
	for (size_t i = 0; i < SCAN_NVERSIONS; i++)
		comp |= sc->v[i].compression;
	json_bool(j, comp);
	json_key(j, "fallback_scsv");
	if (sc->fallback < 0)
		json_null(j);
	else
		json_bool(j, sc->fallback == 1);
	json_key(j, "early_data");
	json_null(j);               /* announced encrypted: not learned */
	json_object_end(j);
}
