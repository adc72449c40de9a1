/* tlscheck/suites.c - the registries tls-check offers from and the one
 * grading table.  Grades follow the NCSC-NL "IT Security Guidelines for
 * Transport Layer Security" v2.1 (2021), the baseline internet.nl applies
 * to mail servers: what the guidelines do not list is insufficient. */
#include "tlscheck/suites.h"

#include <stdbool.h>
#include <string.h>

static const struct tlscheck_suite_info suites[] = {
#include "tlscheck/suites_table.h"
};

size_t tlscheck_suite_count(void)
{
	return sizeof suites / sizeof suites[0];
}

const struct tlscheck_suite_info *tlscheck_suite_at(size_t i)
{
	return i < tlscheck_suite_count() ? &suites[i] : NULL;
}

const struct tlscheck_suite_info *tlscheck_suite_find(uint16_t value)
{
	size_t lo = 0, hi = tlscheck_suite_count();
	while (lo < hi) {           /* the table is sorted by value */
		size_t mid = lo + (hi - lo) / 2;
		if (suites[mid].value == value)
			return &suites[mid];
		if (suites[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int tlscheck_suite_fits(const struct tlscheck_suite_info *s, uint16_t version)
{
	if (s->min_version == TLSCHECK_TLS13 || version == TLSCHECK_TLS13)
		return s->min_version == version;
	return s->min_version <= version;
}

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* NCSC-NL v2.1 appendix: good are ECDHE with AES-GCM or ChaCha20-Poly1305
 * (and the TLS 1.3 suites); sufficient ECDHE with AES-CBC and DHE with
 * AES; phase out 3DES and RSA key transport; everything else (NULL,
 * EXPORT, anonymous, RC4, DES, IDEA, static DH/ECDH, CAMELLIA, ARIA, SEED,
 * PSK, SRP, MD5) insufficient.  internet.nl reads CBC with SHA-1 at
 * TLS 1.2 as phase out. */
enum tlscheck_grade tlscheck_suite_grade(const struct tlscheck_suite_info *s, uint16_t version,
					 const char **finding)
{
	const char *id = NULL;
	enum tlscheck_grade g = TLSCHECK_INSUFFICIENT;
	bool aes = strncmp(s->enc, "AES-", 4) == 0 && !is(s->enc, "AES-CCM-8");
	bool aead = is(s->enc, "AES-GCM") || is(s->enc, "CHACHA20-POLY1305");
	bool signed_kx = is(s->au, "RSA") || is(s->au, "ECDSA");

	if (is(s->kx, "any"))
		g = TLSCHECK_GOOD;
	else if (is(s->enc, "NULL"))
		id = "cipher-null";
	else if (strstr(s->kx, "EXPORT") || s->bits < 64)
		id = "cipher-export";
	else if (is(s->au, "anon"))
		id = "cipher-anon";
	else if (is(s->enc, "RC4"))
		id = "cipher-rc4";
	else if (is(s->enc, "DES-CBC"))
		id = "cipher-des";
	else if (is(s->mac, "MD5"))
		id = "cipher-md5";
	else if (is(s->enc, "3DES-CBC"))
		g = (is(s->kx, "ECDHE") || is(s->kx, "DHE") || is(s->kx, "RSA")) && signed_kx
		    ? TLSCHECK_PHASE_OUT : TLSCHECK_INSUFFICIENT, id = "cipher-3des";
	else if (is(s->kx, "ECDHE") && signed_kx && aead)
		g = TLSCHECK_GOOD;
	else if ((is(s->kx, "ECDHE") || (is(s->kx, "DHE") && is(s->au, "RSA"))) && signed_kx
		 && (aes || is(s->enc, "CHACHA20-POLY1305")))
		g = TLSCHECK_SUFFICIENT;
	else if (is(s->kx, "RSA") && is(s->au, "RSA") && aes)
		g = TLSCHECK_PHASE_OUT, id = "cipher-rsa-kx";
	else
		id = "cipher-insufficient";

	if (g == TLSCHECK_SUFFICIENT && version == TLSCHECK_TLS12 && is(s->enc, "AES-CBC")
	    && is(s->mac, "SHA1"))
		g = TLSCHECK_PHASE_OUT, id = "cipher-cbc-sha1";
	if (g == TLSCHECK_INSUFFICIENT && !id)
		id = "cipher-insufficient";
	if (finding)
		*finding = g >= TLSCHECK_PHASE_OUT ? id : NULL;
	return g;
}

/* NCSC-NL v2.1 table 9 and 10: curves secp384r1, secp256r1, x448, x25519
 * good; ffdhe4096 and ffdhe3072 sufficient; ffdhe2048 phase out.  Not in
 * the table, graded here: secp521r1 phase out (a NIST curve the guidelines
 * leave out), ffdhe6144 and ffdhe8192 sufficient (larger than ffdhe4096),
 * and the hybrid post-quantum groups good (their classical half is a good
 * curve). */
static const struct tlscheck_named groups[] = {
	{0x0001, "sect163k1", TLSCHECK_INSUFFICIENT}, {0x0002, "sect163r1", TLSCHECK_INSUFFICIENT},
	{0x0003, "sect163r2", TLSCHECK_INSUFFICIENT}, {0x0004, "sect193r1", TLSCHECK_INSUFFICIENT},
	{0x0005, "sect193r2", TLSCHECK_INSUFFICIENT}, {0x0006, "sect233k1", TLSCHECK_INSUFFICIENT},
	{0x0007, "sect233r1", TLSCHECK_INSUFFICIENT}, {0x0008, "sect239k1", TLSCHECK_INSUFFICIENT},
	{0x0009, "sect283k1", TLSCHECK_INSUFFICIENT}, {0x000A, "sect283r1", TLSCHECK_INSUFFICIENT},
	{0x000B, "sect409k1", TLSCHECK_INSUFFICIENT}, {0x000C, "sect409r1", TLSCHECK_INSUFFICIENT},
	{0x000D, "sect571k1", TLSCHECK_INSUFFICIENT}, {0x000E, "sect571r1", TLSCHECK_INSUFFICIENT},
	{0x000F, "secp160k1", TLSCHECK_INSUFFICIENT}, {0x0010, "secp160r1", TLSCHECK_INSUFFICIENT},
	{0x0011, "secp160r2", TLSCHECK_INSUFFICIENT}, {0x0012, "secp192k1", TLSCHECK_INSUFFICIENT},
	{0x0013, "secp192r1", TLSCHECK_INSUFFICIENT}, {0x0014, "secp224k1", TLSCHECK_INSUFFICIENT},
	{0x0015, "secp224r1", TLSCHECK_PHASE_OUT}, {0x0016, "secp256k1", TLSCHECK_INSUFFICIENT},
	{0x0017, "secp256r1", TLSCHECK_GOOD}, {0x0018, "secp384r1", TLSCHECK_GOOD},
	{0x0019, "secp521r1", TLSCHECK_PHASE_OUT},
	{0x001A, "brainpoolP256r1", TLSCHECK_INSUFFICIENT},
	{0x001B, "brainpoolP384r1", TLSCHECK_INSUFFICIENT},
	{0x001C, "brainpoolP512r1", TLSCHECK_INSUFFICIENT},
	{0x001D, "x25519", TLSCHECK_GOOD}, {0x001E, "x448", TLSCHECK_GOOD},
	{0x0100, "ffdhe2048", TLSCHECK_PHASE_OUT}, {0x0101, "ffdhe3072", TLSCHECK_SUFFICIENT},
	{0x0102, "ffdhe4096", TLSCHECK_SUFFICIENT}, {0x0103, "ffdhe6144", TLSCHECK_SUFFICIENT},
	{0x0104, "ffdhe8192", TLSCHECK_SUFFICIENT},
	{0x11EB, "SecP256r1MLKEM768", TLSCHECK_GOOD}, {0x11EC, "X25519MLKEM768", TLSCHECK_GOOD},
	{0x11ED, "SecP384r1MLKEM1024", TLSCHECK_GOOD},
};

/* NCSC-NL v2.1 table 11 (hash functions for signatures): SHA-2 good,
 * SHA-224 and SHA-1 phase out, MD5 insufficient; DSA is insufficient
 * whatever its hash.  RSA PKCS#1 v1.5 with SHA-2 is sufficient (the
 * guidelines prefer RSA-PSS). */
static const struct tlscheck_named sigalgs[] = {
	{0x0101, "rsa_pkcs1_md5", TLSCHECK_INSUFFICIENT},
	{0x0201, "rsa_pkcs1_sha1", TLSCHECK_PHASE_OUT},
	{0x0202, "dsa_sha1", TLSCHECK_INSUFFICIENT},
	{0x0203, "ecdsa_sha1", TLSCHECK_PHASE_OUT},
	{0x0301, "rsa_pkcs1_sha224", TLSCHECK_PHASE_OUT},
	{0x0302, "dsa_sha224", TLSCHECK_INSUFFICIENT},
	{0x0303, "ecdsa_sha224", TLSCHECK_PHASE_OUT},
	{0x0401, "rsa_pkcs1_sha256", TLSCHECK_SUFFICIENT},
	{0x0402, "dsa_sha256", TLSCHECK_INSUFFICIENT},
	{0x0403, "ecdsa_secp256r1_sha256", TLSCHECK_GOOD},
	{0x0501, "rsa_pkcs1_sha384", TLSCHECK_SUFFICIENT},
	{0x0502, "dsa_sha384", TLSCHECK_INSUFFICIENT},
	{0x0503, "ecdsa_secp384r1_sha384", TLSCHECK_GOOD},
	{0x0601, "rsa_pkcs1_sha512", TLSCHECK_SUFFICIENT},
	{0x0602, "dsa_sha512", TLSCHECK_INSUFFICIENT},
	{0x0603, "ecdsa_secp521r1_sha512", TLSCHECK_GOOD},
	{0x0804, "rsa_pss_rsae_sha256", TLSCHECK_GOOD},
	{0x0805, "rsa_pss_rsae_sha384", TLSCHECK_GOOD},
	{0x0806, "rsa_pss_rsae_sha512", TLSCHECK_GOOD},
	{0x0807, "ed25519", TLSCHECK_GOOD},
	{0x0808, "ed448", TLSCHECK_GOOD},
	{0x0809, "rsa_pss_pss_sha256", TLSCHECK_GOOD},
	{0x080A, "rsa_pss_pss_sha384", TLSCHECK_GOOD},
	{0x080B, "rsa_pss_pss_sha512", TLSCHECK_GOOD},
	{0x081A, "ecdsa_brainpoolP256r1tls13_sha256", TLSCHECK_INSUFFICIENT},
	{0x081B, "ecdsa_brainpoolP384r1tls13_sha384", TLSCHECK_INSUFFICIENT},
	{0x081C, "ecdsa_brainpoolP512r1tls13_sha512", TLSCHECK_INSUFFICIENT},
};

static const struct tlscheck_named *find_named(const struct tlscheck_named *t, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return &t[i];
	return NULL;
}

size_t tlscheck_group_count(void)
{
	return sizeof groups / sizeof groups[0];
}

const struct tlscheck_named *tlscheck_group_at(size_t i)
{
	return i < tlscheck_group_count() ? &groups[i] : NULL;
}

const struct tlscheck_named *tlscheck_group_find(uint16_t v)
{
	return find_named(groups, tlscheck_group_count(), v);
}

size_t tlscheck_sigalg_count(void)
{
	return sizeof sigalgs / sizeof sigalgs[0];
}

const struct tlscheck_named *tlscheck_sigalg_at(size_t i)
{
	return i < tlscheck_sigalg_count() ? &sigalgs[i] : NULL;
}

const struct tlscheck_named *tlscheck_sigalg_find(uint16_t v)
{
	return find_named(sigalgs, tlscheck_sigalg_count(), v);
}

static const struct tlscheck_ssl2_spec ssl2_specs[] = {
	{0x010080, "SSL_CK_RC4_128_WITH_MD5"},
	{0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5"},
	{0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5"},
	{0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5"},
	{0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5"},
	{0x060040, "SSL_CK_DES_64_CBC_WITH_MD5"},
	{0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"},
};

size_t tlscheck_ssl2_count(void)
{
	return sizeof ssl2_specs / sizeof ssl2_specs[0];
}

const struct tlscheck_ssl2_spec *tlscheck_ssl2_at(size_t i)
{
	return i < tlscheck_ssl2_count() ? &ssl2_specs[i] : NULL;
}

const char *tlscheck_ssl2_name(uint32_t value)
{
	for (size_t i = 0; i < tlscheck_ssl2_count(); i++)
		if (ssl2_specs[i].value == value)
			return ssl2_specs[i].name;
	return NULL;
}

/* NCSC-NL v2.1 table 1: TLS 1.3 good, TLS 1.2 sufficient, TLS 1.1 and 1.0
 * phase out, SSL insufficient. */
enum tlscheck_grade tlscheck_version_grade(uint16_t version)
{
	switch (version) {
	case TLSCHECK_TLS13: return TLSCHECK_GOOD;
	case TLSCHECK_TLS12: return TLSCHECK_SUFFICIENT;
	case TLSCHECK_TLS11:
	case TLSCHECK_TLS10: return TLSCHECK_PHASE_OUT;
	default: return TLSCHECK_INSUFFICIENT;
	}
}

enum tlscheck_grade tlscheck_dh_grade(unsigned bits)
{
	if (bits >= 3072)
		return TLSCHECK_SUFFICIENT;
	if (bits >= 2048)
		return TLSCHECK_PHASE_OUT;
	return TLSCHECK_INSUFFICIENT;
}

const char *tlscheck_version_name(uint16_t version)
{
	switch (version) {
	case TLSCHECK_SSL2: return "SSLv2";
	case TLSCHECK_SSL3: return "SSLv3";
	case TLSCHECK_TLS10: return "TLS1.0";
	case TLSCHECK_TLS11: return "TLS1.1";
	case TLSCHECK_TLS12: return "TLS1.2";
	case TLSCHECK_TLS13: return "TLS1.3";
	default: return "unknown";
	}
}

const char *tlscheck_grade_name(enum tlscheck_grade g)
{
	static const char *const names[] = {"good", "sufficient", "phase-out", "insufficient"};
	return g <= TLSCHECK_INSUFFICIENT ? names[g] : "insufficient";
}
