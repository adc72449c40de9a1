/* tlscheck/report.c - findings of `smtpkit tls-check` (SPEC 9 ids and
 * levels) and the one-screen human report. */
#define _GNU_SOURCE
#include "tlscheck/tlscheck.h"
#include "findings.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- findings ----------------------------------------------------------- */

/* A staple is expected when the leaf names an OCSP responder (the server
 * can fetch and staple its answer) or demands one (RFC 7633 must-staple). */
static bool ocsp_expected(const struct tls_info *info)
{
	if (!info || info->ncerts == 0 || !info->certs[0].pem)
		return false;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	bool expected = false;
	gnutls_datum_t pem = {(unsigned char *)info->certs[0].pem, (unsigned)strlen(info->certs[0].pem)};
	if (gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) == 0) {
		for (int seq = 0; !expected; seq++) {
			gnutls_datum_t d;
			unsigned critical;
			int rc = gnutls_x509_crt_get_authority_info_access(crt, seq, GNUTLS_IA_OCSP_URI, &d, &critical);
			if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (rc == 0) {
				expected = true;
				gnutls_free(d.data);
			}
			if (rc < 0 && rc != GNUTLS_E_UNKNOWN_ALGORITHM)
				break;
		}
		gnutls_x509_tlsfeatures_t feat;
		if (!expected && gnutls_x509_tlsfeatures_init(&feat) == 0) {
			unsigned f;
			if (gnutls_x509_crt_get_tlsfeatures(crt, feat, 0, NULL) == 0
			    && gnutls_x509_tlsfeatures_get(feat, 0, &f) == 0)
				expected = true;
			gnutls_x509_tlsfeatures_deinit(feat);
		}
	}
	gnutls_x509_crt_deinit(crt);
	return expected;
}

/* A DANE match authenticates the server by itself (RFC 7672 3.1): the
 * PKIX problems it makes irrelevant stay listed, as warnings. */
static void dane_downgrade(struct out *out, unsigned usage)
{
	static const char *const ee[] = {"cert-untrusted", "cert-name-mismatch", "cert-expired",
					 "cert-not-yet-valid"};
	size_t n = usage == 3 ? 4 : 1;
	for (size_t i = 0; i < out->nfindings; i++) {
		struct out_finding *f = &out->findings[i];
		for (size_t k = 0; k < n; k++) {
			if (strcmp(f->id, ee[k]) != 0 || f->level != FINDING_FAIL)
				continue;
			char *text = NULL;
			if (asprintf(&text, "%s (not a failure: DANE-%s authenticates the server, RFC 7672)",
				     f->text ? f->text : "", usage == 3 ? "EE" : "TA") < 0)
				continue;
			free(f->text);
			f->text = text;
			f->level = FINDING_WARN;
		}
	}
}

bool tlscheck_offered(const struct tlscheck *tc, size_t v)
{
	return tc->versions[v].offer == TLSCHECK_OFFERED;
}

const char *tlscheck_starttls_missing(const struct tlscheck *tc)
{
	const struct smtp_session *m = &tc->main.s;
	if (tc->implicit || !tc->main.ran)
		return NULL;
	if (m->used_helo)
		return "the server answers HELO only: no STARTTLS";
	if (m->starttls_refused)
		return "the server offers STARTTLS but refuses it";
	if (m->have_before && !ehlo_has(&m->caps_before, "STARTTLS"))
		return "the server does not offer STARTTLS";
	return NULL;
}

void tlscheck_findings(struct tlscheck *tc)
{
	struct out *out = &tc->report;
	const struct smtp_session *m = &tc->main.s;
	bool dat = m->data_after_starttls;
	bool dat_alone = false;     /* seen without our pipelined NOOP */
	for (size_t v = 0; v < TLSCHECK_NVERSIONS; v++)
		if (tc->versions[v].conn.ran && tc->versions[v].conn.s.data_after_starttls)
			dat = dat_alone = true;

	if (tc->main.ran)
		findings_session(out, m);
	if (m->injection_vulnerable)
		out_finding(out, FINDING_FAIL, "starttls-injection",
			    "the NOOP sent in the same packet as STARTTLS was answered inside TLS: the server runs "
			    "plaintext commands injected before the handshake (CVE-2011-0411)");
	if (dat)
		out_finding(out, FINDING_FAIL, "data-after-starttls", "%s",
			    dat_alone ? "the server sent data after its 220 to STARTTLS, before the TLS handshake"
			    : "the server answered the NOOP pipelined behind STARTTLS in plaintext, after its 220 "
			      "and before the TLS handshake");

	/* Our own ClientHellos may find TLS that GnuTLS will not speak (SSLv3
	 * only, or only suites it lacks): then the port has TLS, graded below,
	 * but no certificate to examine. */
	bool own_tls = tc->scanned && tlscheck_scan_any_offered(&tc->scan);
	if (!tc->best && own_tls)
		out_finding(out, FINDING_WARN, "cert-not-examined",
			    "the server offers TLS, but only what GnuTLS refuses to speak: no handshake completed, "
			    "the certificate was not examined");
	if (!tc->best && !own_tls) {
		const char *missing = tlscheck_starttls_missing(tc);
		if (tc->implicit)
			out_finding(out, FINDING_FAIL, "no-tls", "no TLS handshake succeeded on this port: %s",
				    m->err.msg[0] ? m->err.msg : "refused");
		else if (missing)
			out_finding(out, FINDING_FAIL, "no-tls", "%s", missing);
		else if (!dat)
			out_finding(out, FINDING_FAIL, "no-tls", "no TLS handshake succeeded: %s",
				    m->err.msg[0] ? m->err.msg : "refused at every version");
		return;
	}

	bool modern = tlscheck_offered(tc, 2) || tlscheck_offered(tc, 3);
	bool old = tlscheck_offered(tc, 0) || tlscheck_offered(tc, 1);
	if (!modern && old)
		out_finding(out, FINDING_FAIL, "no-tls-1.2", "the server offers only %s%s%s: neither TLS 1.2 nor TLS 1.3",
			    tlscheck_offered(tc, 0) ? "TLS 1.0" : "", tlscheck_offered(tc, 0) && tlscheck_offered(tc, 1) ? " and " : "",
			    tlscheck_offered(tc, 1) ? "TLS 1.1" : "");
	else if (old)
		out_finding(out, FINDING_WARN, "tls-old-version", "the server also offers %s%s%s (RFC 8996 deprecates them)",
			    tlscheck_offered(tc, 0) ? "TLS 1.0" : "", tlscheck_offered(tc, 0) && tlscheck_offered(tc, 1) ? " and " : "",
			    tlscheck_offered(tc, 1) ? "TLS 1.1" : "");

	tlscheck_scan_findings(tc);
	if (!tc->best)
		return;
	findings_tls(out, tc->best, tc->warn_days);
	tc->ocsp_expected = ocsp_expected(tc->best);
	if (tc->ocsp_expected && !tc->best->ocsp_stapled)
		out_finding(out, FINDING_WARN, "no-ocsp-staple",
			    "the certificate names an OCSP responder but the server sends no OCSP staple");

	if (tc->dane.state == TLSCHECK_DANE_MATCH) {
		dane_downgrade(out, tc->dane.matched_usage);
		if (!tc->dane.rollover_ready)
			out_finding(out, FINDING_WARN, "dane-no-rollover",
				    "the TLSA records of %s cover only the current key: publish the next key's record "
				    "(or add a DANE-TA 2 1 1 beside 3 1 1) before changing it (RFC 7671 8.1)", tc->dane.qname);
		if (tc->dane.unmatched)
			out_finding(out, FINDING_OK, "dane-unmatched-record",
				    "%zu usable TLSA record%s of %s match%s nothing in the chain: a next key, or stale",
				    tc->dane.unmatched, tc->dane.unmatched == 1 ? "" : "s", tc->dane.qname,
				    tc->dane.unmatched == 1 ? "es" : "");
	}
	if (tc->dane.state == TLSCHECK_DANE_MISMATCH)
		out_finding(out, FINDING_FAIL, "dane-mismatch",
			    "no DNSSEC-validated TLSA record of %s matches the server's certificate chain",
			    tc->dane.qname);
}

/* The check could not run: nothing reached the point where TLS is asked. */
static bool could_not_run(const struct tlscheck *tc)
{
	return err_is_set(&tc->err);
}

int tlscheck_exit_code(const struct tlscheck *tc)
{
	if (could_not_run(tc))
		return err_exit_code(&tc->err);
	for (size_t i = 0; i < tc->report.nfindings; i++)
		if (tc->report.findings[i].level == FINDING_FAIL)
			return 1;
	return 0;
}

/* ---- words ------------------------------------------------------------------ */

static const char *offer_word(enum tlscheck_offer o)
{
	switch (o) {
	case TLSCHECK_OFFERED: return "offered";
	case TLSCHECK_NOT_OFFERED: return "not offered";
	default: return "unknown";
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void fmt_date(time_t t, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Extended master secret and secure renegotiation are TLS 1.2 matters
 * (TLS 1.3 has both built in): read them from a TLS 1.2 session. */
const struct tls_info *tlscheck_tls12_session(const struct tlscheck *tc)
{
	if (tc->best && strcmp(tc->best->version, "TLS1.3") != 0)
		return tc->best;
	if (tlscheck_offered(tc, 2))
		return &tc->versions[2].conn.s.tls;
	return NULL;
}

static const char *resumption_word(const struct tlscheck *tc)
{
	if (!tc->resume_tried)
		return "not tried";
	if (tc->resume.s.tls.resumed)
		return "yes";
	return tc->resume.s.tls.done ? "no (full handshake)" : "no (second connection failed)";
}

/* ---- human ------------------------------------------------------------------- */

static void replay_transcript(FILE *fp, const struct out *o, bool timing)
{
	for (size_t i = 0; i < o->nentries; i++) {
		const struct out_entry *en = &o->entries[i];
		const char *mark = en->dir == 'C' ? (en->tls ? " ~> " : " -> ")
				   : en->dir == 'S' ? (en->tls ? "<~  " : "<-  ") : "=== ";
		if (timing && en->ms >= 0)
			out_print(fp, "[%9.1f ms] ", en->ms);
		else if (timing)
			fputs("              ", fp);
		out_print(fp, "%s%s\n", mark, en->text);
	}
}

static void print_cert(FILE *fp, const struct tls_cert_info *ci, size_t i, bool full, bool pem)
{
	char nb[32], na[32];
	fmt_date(ci->not_before, nb, sizeof nb);
	fmt_date(ci->not_after, na, sizeof na);
	out_print(fp, "certificate %zu: %s\n", i, ci->subject);
	out_print(fp, "    issuer   %s\n", ci->issuer);
	if (ci->nsans) {
		fputs("    names   ", fp);
		for (size_t k = 0; k < ci->nsans; k++)
			out_print(fp, " %s", ci->sans[k]);
		fputc('\n', fp);
	}
	out_print(fp, "    key      %s %u bits, signed with %s\n", ci->key_type, ci->key_bits, ci->sig_alg);
	out_print(fp, "    valid    %s to %s (%ld days left)\n", nb, na, ci->days_left);
	if (full) {
		out_print(fp, "    SHA-256  %s\n", ci->sha256);
		out_print(fp, "    SPKI     %s\n", ci->spki_sha256);
	}
	if (pem && ci->pem)
		fputs(ci->pem, fp);
}

static void print_dane(FILE *fp, const struct tlscheck_dane *d)
{
	switch (d->state) {
	case TLSCHECK_DANE_NOT_LOOKED:
		out_print(fp, "DANE:        not looked up (HOST is an address; --name gives the TLSA base name)\n");
		return;
	case TLSCHECK_DANE_NONE:
		out_print(fp, "DANE:        no TLSA record at %s (%s)\n", d->qname, d->lookup);
		return;
	case TLSCHECK_DANE_ERROR:
		out_print(fp, "DANE:        %s: %s\n", d->qname, d->why);
		return;
	case TLSCHECK_DANE_INSECURE:
		out_print(fp, "DANE:        %zu TLSA record%s at %s, but not DNSSEC-validated (AD bit clear): "
			"DANE does not apply\n", d->n, d->n == 1 ? "" : "s", d->qname);
		break;
	case TLSCHECK_DANE_NO_USABLE:
		out_print(fp, "DANE:        %s: no usable record (usage 2 or 3), DNSSEC-validated\n", d->qname);
		break;
	case TLSCHECK_DANE_MATCH:
		out_print(fp, "DANE:        %s (DNSSEC-validated): match, rollover %s\n", d->qname,
			  d->rollover_ready ? "ready" : "NOT ready (only the current key)");
		break;
	case TLSCHECK_DANE_MISMATCH:
		out_print(fp, "DANE:        %s (DNSSEC-validated): MISMATCH\n", d->qname);
		break;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct tlscheck_tlsa *x = &d->tlsa[i];
		out_print(fp, "    TLSA %u %u %u %.24s%s: %s\n", x->usage, x->selector, x->mtype, x->data_hex,
			strlen(x->data_hex) > 24 ? "..." : "", x->why[0] ? x->why : "not checked");
	}
}

static void print_mandatory(FILE *fp, const struct mandatory_tls *m)
{
	char buf[320];
	if (m->asked)
		out_print(fp, "mandatory:   %s\n", mandatory_tls_words(m, buf, sizeof buf));
}

static void print_starttls(FILE *fp, const struct tlscheck *tc)
{
	const struct smtp_session *m = &tc->main.s;
	if (tc->implicit)
		return;
	const char *missing = tlscheck_starttls_missing(tc);
	if (missing) {
		/* No 220 to STARTTLS: nothing for the injection test to test. */
		out_print(fp, "STARTTLS:    %s\n", missing);
		return;
	}
	const char *inj;
	if (!tc->main.pol.injection_test)
		inj = "not run (--no-injection-test)";
	else if (m->injection_vulnerable)
		inj = "VULNERABLE: the NOOP pipelined behind STARTTLS was answered inside TLS (CVE-2011-0411)";
	else if (m->have_after)
		inj = "not vulnerable (the NOOP pipelined behind STARTTLS was not run inside TLS)";
	else
		inj = "no result (the session did not reach EHLO inside TLS)";
	out_print(fp, "STARTTLS:    injection test: %s\n", inj);
	out_print(fp, "             data after the 220 before the handshake: %s\n",
		yes_no(m->data_after_starttls));
}

void tlscheck_report_human(struct tlscheck *tc)
{
	FILE *fp = stdout;
	const struct tls_info *b = tc->best;
	struct out *out = &tc->report;
	bool quiet = tc->oo.quiet;

	if (!quiet) {
		if (tc->oo.verbose && tc->main.ran) {
			replay_transcript(fp, &tc->main.out, tc->oo.timing);
			fputc('\n', fp);
		}
		out_print(fp, "tls-check %s port %d (%s), certificate name %s\n", tc->host, tc->port,
			tc->implicit ? "implicit TLS" : "STARTTLS", tc->name);
		if (tc->main.s.conn.peer_addr[0])
			out_print(fp, "server:      %s, %.0f ms for the whole check\n", tc->main.s.conn.peer_addr,
				tc->elapsed_ms);
		bool same = true;   /* every probe stopped short the same way */
		for (size_t v = 0; v < TLSCHECK_NVERSIONS; v++)
			same &= tc->versions[v].offer == TLSCHECK_UNKNOWN
				&& strcmp(tc->versions[v].why, tc->versions[0].why) == 0;
		if (same)
			out_print(fp, "%-12s %-7s %-12s %s\n", "versions:", "all", offer_word(TLSCHECK_UNKNOWN),
				tc->versions[0].why);
		for (size_t v = TLSCHECK_NVERSIONS; !same && v-- > 0;) {
			const struct tlscheck_version *ver = &tc->versions[v];
			const char *detail = ver->offer == TLSCHECK_OFFERED ? ver->conn.s.tls.cipher
					     : ver->offer == TLSCHECK_UNKNOWN || tc->oo.verbose ? ver->why : "";
			out_print(fp, "%-12s %-7s %s%*s%s\n", v == TLSCHECK_NVERSIONS - 1 ? "versions:" : "",
				ver->name, offer_word(ver->offer), detail[0] ? 13 - (int)strlen(offer_word(ver->offer)) : 0,
				"", detail);
		}
		const struct err *me = &tc->main.s.err;
		if (b && err_is_set(me))
			out_print(fp, "note:        the main connection failed at %s: %s\n", me->stage ? me->stage : "start",
				me->msg);
		if (b) {
			out_print(fp, "session:     %s %s, key exchange %s%s%s, signature %s\n", b->version, b->cipher,
				b->kx[0] ? b->kx : "-", b->group[0] ? ", group " : "", b->group,
				b->sig_alg[0] ? b->sig_alg : "-");
			const struct tls_info *t12 = tlscheck_tls12_session(tc);
			out_print(fp, "             extended master secret %s, safe renegotiation %s%s, resumption %s, "
				"OCSP staple %s\n", t12 ? yes_no(t12->ext_master_secret) : "n/a",
				t12 ? yes_no(t12->safe_renegotiation) : "n/a", t12 && t12 != b ? " (at TLS1.2)" : "",
				resumption_word(tc),
				b->ocsp_stapled ? (b->ocsp_valid ? "yes, valid" : "yes, NOT valid") : "no");
			for (size_t i = 0; i < b->ncerts; i++)
				print_cert(fp, &b->certs[i], i, i == 0 || tc->oo.verbose, tc->show_certs);
			out_print(fp, "%s: %s\n", tls_verdict_name(b->verdict), b->status_text);
		}
		print_dane(fp, &tc->dane);
		print_starttls(fp, tc);
		print_mandatory(fp, &tc->mandatory);
		tlscheck_scan_print(fp, tc);
		for (int lvl = FINDING_FAIL; lvl >= FINDING_OK; lvl--)
			for (size_t i = 0; i < out->nfindings; i++)
				if ((int)out->findings[i].level == lvl)
					out_print(fp, "finding: %s %s: %s\n", out_level_name(out->findings[i].level),
						out->findings[i].id, out->findings[i].text);
	}

	if (could_not_run(tc)) {
		out_error(&tc->err);
		out_result_line(fp, false, &tc->err, "%s", "");
		return;
	}
	size_t fails = 0, warns = 0;
	char ids[256] = "";
	for (size_t i = 0; i < out->nfindings; i++) {
		if (out->findings[i].level == FINDING_WARN)
			warns++;
		if (out->findings[i].level != FINDING_FAIL)
			continue;
		size_t len = strlen(ids);
		snprintf(ids + len, sizeof ids - len, "%s%s", fails ? ", " : "", out->findings[i].id);
		fails++;
	}
	struct err verdict = {0};
	if (fails) {
		err_set(&verdict, ERR_FINDING, NULL, "%zu fail-level finding%s", fails, fails == 1 ? "" : "s");
		out_result_line(fp, false, &verdict, "%zu fail-level finding%s: %s", fails,
				fails == 1 ? "" : "s", ids);
	} else if (b) {
		out_result_line(fp, false, &verdict, "%s TLS connection (%s, %s), %zu warning%s",
				tls_verdict_name(b->verdict), b->version, b->cipher, warns, warns == 1 ? "" : "s");
	} else {
		out_result_line(fp, false, &verdict, "%zu warning%s", warns, warns == 1 ? "" : "s");
	}
}
