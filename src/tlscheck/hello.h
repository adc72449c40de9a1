/* tlscheck/hello.h - tls-check's own ClientHellos and a bounded reader of
 * what answers them: no key exchange, no crypto, just what the server
 * picks (RFC 8446 4.1, RFC 5246 7.4, SSLv2 draft-hickman-netscape-ssl-00).
 * GnuTLS stays the engine of every real session; this only asks. */
#ifndef SMTPKIT_TLSCHECK_HELLO_H
#define SMTPKIT_TLSCHECK_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HELLO_MAX 4096          /* a ClientHello with every suite fits */
#define HELLO_REPLY_MAX 65536   /* server flight kept: beyond it, the answer is malformed */

struct hello_request {
	uint16_t version;           /* TLSCHECK_SSL2 .. TLSCHECK_TLS13 */
	const uint16_t *suites;     /* SSLv2: ignored, every spec is offered */
	size_t nsuites;
	const uint16_t *groups;     /* supported_groups (RFC 8446 4.2.7) */
	size_t ngroups;
	const uint16_t *sigalgs;    /* signature_algorithms, TLS 1.2 and 1.3 */
	size_t nsigalgs;
	const char *sni;            /* server_name (RFC 6066 3), or NULL */
	bool fallback_scsv;         /* TLS_FALLBACK_SCSV (RFC 7507) */
	bool offer_compression;     /* DEFLATE before null (RFC 3749) */
};

/* Write the ClientHello records for rq into out; random is the 32 octets
 * of ClientHello.random (for SSLv2, the first 16 are the challenge).
 * Returns the length, 0 when it does not fit. */
size_t hello_write(const struct hello_request *rq, const unsigned char random[32],
		   unsigned char *out, size_t size);

enum hello_status {
	HELLO_NEED_MORE,            /* the answer so far is a valid prefix */
	HELLO_DONE,                 /* reply filled in */
	HELLO_MALFORMED,            /* not TLS, or broken: reply.why says what */
};

enum hello_answer {
	HELLO_NONE,
	HELLO_SERVER_HELLO,
	HELLO_RETRY_REQUEST,        /* TLS 1.3 HelloRetryRequest (RFC 8446 4.1.4) */
	HELLO_ALERT,
	HELLO_SSL2_SERVER_HELLO,
};

#define HELLO_SSL2_MAX_SPECS 16

struct hello_reply {
	enum hello_answer answer;
	uint8_t alert_level, alert;         /* HELLO_ALERT */
	uint16_t version;                   /* negotiated (supported_versions for 1.3) */
	uint16_t suite;
	uint8_t compression;
	uint16_t group;                     /* HRR or key_share; TLS 1.2 ECDHE: the curve; 0 unknown */
	unsigned dh_bits;                   /* TLS 1.2 and older DHE: size of p */
	uint16_t sigalg;                    /* TLS 1.2 ServerKeyExchange signature, 0 unknown */
	bool secure_renegotiation;          /* renegotiation_info (RFC 5746) */
	bool ext_master_secret;             /* RFC 7627 */
	bool session_ticket;                /* RFC 5077 */
	bool heartbeat;                     /* RFC 6520 */
	bool status_request;                /* RFC 6066 8 */
	uint32_t ssl2_specs[HELLO_SSL2_MAX_SPECS];
	size_t nssl2;
	char why[128];
};

/* Read what the server sent so far (all of it, from its first byte).  It
 * is done at an alert, a TLS 1.3 ServerHello or HelloRetryRequest (the rest
 * is encrypted), or ServerHelloDone; and for SSLv2 at its SERVER-HELLO. */
enum hello_status hello_parse(const unsigned char *in, size_t len, struct hello_reply *r);

#endif
