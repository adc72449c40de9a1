/* findings.h - findings shared by several subcommands, with their stable
 * ids and levels (SPEC 9). */
#ifndef SMTPKIT_FINDINGS_H
#define SMTPKIT_FINDINGS_H

#include "out.h"
#include "smtp.h"
#include "tls.h"

/* Certificate findings: cert-untrusted, cert-name-mismatch, cert-expired,
 * cert-not-yet-valid (fail), cert-expiring within warn_days, weak-key (warn). */
void findings_tls(struct out *out, const struct tls_info *info, int warn_days);

/* Session findings: auth-without-tls, non-conforming-reply. */
void findings_session(struct out *out, const struct smtp_session *s);

/* no-starttls (fail on 587 and 2525, warn elsewhere).  Not for tls-check,
 * whose verdict on a port without TLS is no-tls (SPEC 9). */
void findings_starttls(struct out *out, const struct smtp_session *s);

#endif
