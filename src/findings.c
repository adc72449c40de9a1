/* findings.c - turning what a session saw into findings with ids. */
#include "findings.h"

#include <gnutls/gnutls.h>
#include <string.h>

/* RSA and DSA below 2048 bits, elliptic curves below 224 (NIST SP 800-57). */
static bool weak_key(const struct tls_cert_info *ci)
{
	if (strcmp(ci->key_type, "RSA") == 0 || strcmp(ci->key_type, "DSA") == 0
	    || strcmp(ci->key_type, "RSA-PSS") == 0)
		return ci->key_bits < 2048;
	if (strncmp(ci->key_type, "EC", 2) == 0)
		return ci->key_bits < 224;
	return false;
}

void findings_tls(struct out *out, const struct tls_info *info, int warn_days)
{
	if (!info->done || info->ncerts == 0) {
		if (info->done)
			out_finding(out, FINDING_FAIL, "cert-untrusted", "the server sent no certificate");
		return;
	}
	const struct tls_cert_info *leaf = &info->certs[0];
	unsigned st = info->status;
	unsigned dated = GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED;

	if (st & GNUTLS_CERT_EXPIRED)
		out_finding(out, FINDING_FAIL, "cert-expired", "a certificate in the chain has expired (leaf valid until %s)",
			    leaf->days_left < 0 ? "a past date" : "later; an issuer expired");
	if (st & GNUTLS_CERT_NOT_ACTIVATED)
		out_finding(out, FINDING_FAIL, "cert-not-yet-valid", "a certificate in the chain is not valid yet");
	if (st & ~dated)
		out_finding(out, FINDING_FAIL, "cert-untrusted", "%s", info->status_text);
	if (!info->name_ok)
		out_finding(out, FINDING_FAIL, "cert-name-mismatch", "the certificate does not match the name %s",
			    info->verify_name);
	if (!(st & GNUTLS_CERT_EXPIRED) && leaf->days_left < warn_days)
		out_finding(out, FINDING_WARN, "cert-expiring", "the certificate expires in %ld days",
			    leaf->days_left);
	for (size_t i = 0; i < info->ncerts; i++) {
		if (weak_key(&info->certs[i])) {
			out_finding(out, FINDING_WARN, "weak-key", "certificate %zu has a %u-bit %s key", i,
				    info->certs[i].key_bits, info->certs[i].key_type);
			break;
		}
	}
}

void findings_session(struct out *out, const struct smtp_session *s)
{
	const struct ehlo_caps *before = &s->caps_before;
	/* Caps seen in clear exist only for plain and STARTTLS sessions. */
	if (s->have_before && ehlo_offers_auth(before))
		out_finding(out, FINDING_FAIL, "auth-without-tls",
			    "AUTH is offered before TLS: passwords can cross the network in clear");
	if (s->nonconforming)
		out_finding(out, FINDING_WARN, "non-conforming-reply",
			    "the server ends reply lines with LF alone (RFC 5321 2.3.8 requires CRLF)");
}

void findings_starttls(struct out *out, const struct smtp_session *s)
{
	/* A UNIX socket or a program's pipe crosses no network. */
	if (s->pol->conn.transport != CONN_TCP)
		return;
	if (s->starttls_refused)
		out_finding(out, s->port == 587 || s->port == 2525 ? FINDING_FAIL : FINDING_WARN, "no-starttls",
			    "the server offers STARTTLS but refuses it");
	else if (s->have_before && !s->in_tls && s->pol->tls_mode != SMTP_TLS_MODE_NONE
	    && !s->starttls_offered)
		/* SPEC 9: fail on submission ports; on 25 STARTTLS is optional
		 * (RFC 3207), so only a warning. */
		out_finding(out, s->port == 587 || s->port == 2525 ? FINDING_FAIL : FINDING_WARN, "no-starttls",
			    "the server does not offer STARTTLS");
}
