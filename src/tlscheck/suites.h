/* tlscheck/suites.h - what tls-check can offer in its own ClientHellos
 * (cipher suites, groups, signature algorithms, SSLv2 cipher specs) and
 * the one grading table: the NCSC-NL TLS guidelines (v2.1, 2021) as
 * internet.nl applies them to mail servers.  Pure data and lookups. */
#ifndef SMTPKIT_TLSCHECK_SUITES_H
#define SMTPKIT_TLSCHECK_SUITES_H

#include <stddef.h>
#include <stdint.h>

/* Protocol versions on the wire (RFC 8446 4.1.2's legacy_version values;
 * SSLv2's own 0x0002). */
#define TLSCHECK_SSL2 0x0002
#define TLSCHECK_SSL3 0x0300
#define TLSCHECK_TLS10 0x0301
#define TLSCHECK_TLS11 0x0302
#define TLSCHECK_TLS12 0x0303
#define TLSCHECK_TLS13 0x0304

enum tlscheck_grade {
	TLSCHECK_GOOD,
	TLSCHECK_SUFFICIENT,
	TLSCHECK_PHASE_OUT,
	TLSCHECK_INSUFFICIENT,
};

struct tlscheck_suite_info {
	uint16_t value;             /* IANA TLS Cipher Suites registry */
	const char *iana, *openssl;
	const char *kx, *au, *enc;  /* "ECDHE", "RSA", "AES-GCM"; TLS 1.3: "any" */
	unsigned bits;
	const char *mac;            /* "SHA1", "SHA256", "AEAD" */
	uint16_t min_version;       /* first version the suite exists in */
};

struct tlscheck_named {
	uint16_t value;
	const char *name;
	enum tlscheck_grade grade;
};

size_t tlscheck_suite_count(void);
const struct tlscheck_suite_info *tlscheck_suite_at(size_t i);
const struct tlscheck_suite_info *tlscheck_suite_find(uint16_t value);
/* Usable at version (a TLS 1.3 suite only at 1.3, a TLS 1.2 one from 1.2). */
int tlscheck_suite_fits(const struct tlscheck_suite_info *s, uint16_t version);

/* The grade of a suite accepted at version, and the finding id that names
 * its problem ("cipher-rc4", "cipher-cbc-sha1"...; NULL when good or
 * sufficient). */
enum tlscheck_grade tlscheck_suite_grade(const struct tlscheck_suite_info *s, uint16_t version,
					 const char **finding);

/* RFC 8446 4.2.7 NamedGroup and RFC 8446 4.2.3 SignatureScheme registries,
 * each with its grade. */
size_t tlscheck_group_count(void);
const struct tlscheck_named *tlscheck_group_at(size_t i);
const struct tlscheck_named *tlscheck_group_find(uint16_t value);
size_t tlscheck_sigalg_count(void);
const struct tlscheck_named *tlscheck_sigalg_at(size_t i);
const struct tlscheck_named *tlscheck_sigalg_find(uint16_t value);

/* SSLv2 cipher specs (3 octets, draft-hickman-netscape-ssl-00 appendix). */
struct tlscheck_ssl2_spec {
	uint32_t value;
	const char *name;
};
size_t tlscheck_ssl2_count(void);
const struct tlscheck_ssl2_spec *tlscheck_ssl2_at(size_t i);
const char *tlscheck_ssl2_name(uint32_t value);

enum tlscheck_grade tlscheck_version_grade(uint16_t version);
/* Finite-field DH modulus size (NCSC-NL: ffdhe3072/4096 sufficient,
 * ffdhe2048 phase out, smaller insufficient). */
enum tlscheck_grade tlscheck_dh_grade(unsigned bits);
const char *tlscheck_version_name(uint16_t version);  /* "TLS1.2", "SSLv3" */
const char *tlscheck_grade_name(enum tlscheck_grade g);  /* "good", "phase-out" */

#endif
