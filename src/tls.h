/* tls.h - GnuTLS client setup, handshake under the connection's deadline,
 * certificate verification and a description of the session. */
#ifndef SMTPKIT_TLS_H
#define SMTPKIT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conn.h"
#include "err.h"

struct tls_config {
	const char *cafile;         /* NULL: the system trust store */
	const char *certfile, *keyfile;
	const char *priority;       /* NULL: "NORMAL" */
	const char *sni;            /* NULL: none sent (never an IP) */
	const char *verify_name;    /* name the certificate must match */
	bool insecure;
	const unsigned char *resume;        /* session data to resume, or NULL */
	size_t resume_len;
};

#define TLS_MAX_CERTS 8
#define TLS_MAX_SANS 16

struct tls_cert_info {
	char subject[256];
	char issuer[256];
	size_t nsans;
	char sans[TLS_MAX_SANS][128];
	time_t not_before, not_after;
	long days_left;
	char key_type[16];
	unsigned key_bits;
	char sig_alg[48];
	char sha256[96];            /* colon-separated hex */
	char spki_sha256[96];
	char *pem;                  /* owned */
};

/* One word for chain and name together (tls_verdict_name): a trusted
 * chain for another name is not "Trusted" next to cert-name-mismatch. */
enum tls_verdict {
	TLS_VERIFIED,               /* chain trusted and name matches */
	TLS_MISMATCHED,             /* chain trusted, name does not match */
	TLS_UNTRUSTED,              /* chain not trusted (whatever the name) */
};

struct tls_info {
	bool done;                  /* a handshake completed */
	char version[16];           /* "TLS1.3" */
	char cipher[96];            /* "TLS_AES_256_GCM_SHA384" */
	char kx[32];
	char group[32];
	char mac[32];
	bool resumed;
	char sig_alg[48];           /* signature algorithm of the handshake */
	bool ext_master_secret;     /* RFC 7627 */
	bool safe_renegotiation;    /* RFC 5746 */
	bool ocsp_stapled;          /* the server sent an OCSP response (RFC 6066 8) */
	bool ocsp_valid;            /* ... and it checked out in verification */
	unsigned char *session_data;        /* for resumption; owned; see tls_save_session */
	size_t session_len;
	enum tls_verdict verdict;
	bool verified;              /* verdict == TLS_VERIFIED */
	bool name_ok;
	unsigned status;            /* gnutls_certificate_status_t of the chain */
	char status_text[512];      /* in words */
	char verify_name[256];
	size_t ncerts;
	struct tls_cert_info certs[TLS_MAX_CERTS];
};

/* --tls-priority checked before any connection: 0, or -1 with a usage
 * error naming where GnuTLS stopped reading it. */
int tls_priority_check(const char *priority, struct err *e);

/* Handshake on c (already connected, nothing unread in its buffer) under
 * c's current step deadline.  The certificate is verified and described in
 * *info but a failed verification is not an error here: the caller decides
 * (SPEC: --insecure, opportunistic TLS).  Errors: ERR_TLS when the server
 * refuses the handshake, ERR_PROTOCOL when the peer does not speak TLS,
 * ERR_TLS_CLOSED on a reset, ERR_TIMEOUT on a stall. */
int tls_start(struct conn *c, const struct tls_config *cfg, struct tls_info *info,
	      struct err *e, const char *stage);

/* Keep the session's resumption data in info (TLS 1.3 tickets arrive
 * after the handshake: call this after a reply was read inside TLS). */
void tls_save_session(struct conn *c, struct tls_info *info);

/* Send close_notify (best effort, bounded by the step deadline). */
void tls_bye(struct conn *c);

/* "Verified", "Mismatched", "Untrusted". */
const char *tls_verdict_name(enum tls_verdict v);
void tls_info_free(struct tls_info *info);

#endif
