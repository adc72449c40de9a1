/* tls.c - GnuTLS client: handshake under a deadline, verification that
 * reports rather than aborts, and a description of session and chain. */
#define _GNU_SOURCE
#include "tls.h"
#include "text.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

/* Transport through the connection's socket: the first byte of the peer's
 * answer is kept so that a plaintext reply to our ClientHello is told apart
 * from a TLS refusal (SPEC 9: handshake on a non-TLS peer is 76). */
static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct conn *c = ptr;
	ssize_t n = recv(c->fd, buf, len, 0);
	if (n < 0) {
		gnutls_transport_set_errno(c->tls, errno);
		return -1;
	}
	if (n > 0 && c->tls_first_byte < 0)
		c->tls_first_byte = ((unsigned char *)buf)[0];
	return n;
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	struct conn *c = ptr;
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		gnutls_transport_set_errno(c->tls, errno);
	return n;
}

/* GnuTLS's messages as smtpkit shows them: the verification status ends
 * with a space, and joined sentences can double one.  Every GnuTLS text
 * shown comes through here, once, where it enters. */
#define TLS_WORDS 512
static const char *tls_words(const char *gnutls_text, char buf[TLS_WORDS])
{
	text_squeeze(gnutls_text ? gnutls_text : "", buf, TLS_WORDS);
	return buf;
}

static const char *tls_strerror(int rc, char buf[TLS_WORDS])
{
	return tls_words(gnutls_strerror(rc), buf);
}

static void describe_cert(const gnutls_datum_t *der, struct tls_cert_info *ci, time_t now)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;

	memset(ci, 0, sizeof *ci);
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		snprintf(ci->subject, sizeof ci->subject, "(unparseable certificate)");
		gnutls_x509_crt_deinit(crt);
		return;
	}
	if (gnutls_x509_crt_get_dn3(crt, &d, 0) == 0) {
		snprintf(ci->subject, sizeof ci->subject, "%s", (char *)d.data);
		gnutls_free(d.data);
	}
	if (gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) == 0) {
		snprintf(ci->issuer, sizeof ci->issuer, "%s", (char *)d.data);
		gnutls_free(d.data);
	}
	for (unsigned seq = 0; ci->nsans < TLS_MAX_SANS; seq++) {
		char buf[120];
		size_t size = sizeof buf - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			buf[size] = '\0';
			snprintf(ci->sans[ci->nsans++], 128, "DNS:%s", buf);
		} else if (type == GNUTLS_SAN_IPADDRESS) {
			char ip[64];
			int fam = size == 4 ? AF_INET : AF_INET6;
			if ((size == 4 || size == 16) && inet_ntop(fam, buf, ip, sizeof ip))
				snprintf(ci->sans[ci->nsans++], 128, "IP:%s", ip);
		} else if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER) {
			break;
		}
	}
	ci->not_before = gnutls_x509_crt_get_activation_time(crt);
	ci->not_after = gnutls_x509_crt_get_expiration_time(crt);
	ci->days_left = (long)((ci->not_after - now) / 86400);
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	snprintf(ci->key_type, sizeof ci->key_type, "%s",
		 pk >= 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : "unknown");
	ci->key_bits = bits;
	int sig = gnutls_x509_crt_get_signature_algorithm(crt);
	const char *sname = sig >= 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sig) : NULL;
	snprintf(ci->sig_alg, sizeof ci->sig_alg, "%s", sname ? sname : "unknown");

	unsigned char md[32];
	size_t mdlen = sizeof md;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &mdlen) == 0)
		text_hex_colon(md, mdlen, ci->sha256, sizeof ci->sha256);
	gnutls_pubkey_t pub;
	if (gnutls_pubkey_init(&pub) == 0) {
		if (gnutls_pubkey_import_x509(pub, crt, 0) == 0
		    && gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) == 0) {
			if (gnutls_hash_fast(GNUTLS_DIG_SHA256, d.data, d.size, md) == 0)
				text_hex_colon(md, 32, ci->spki_sha256, sizeof ci->spki_sha256);
			gnutls_free(d.data);
		}
		gnutls_pubkey_deinit(pub);
	}
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) == 0) {
		ci->pem = strndup((char *)d.data, d.size);
		gnutls_free(d.data);
	}
	gnutls_x509_crt_deinit(crt);
}

static void verify(struct conn *c, struct tls_info *info, const char *name)
{
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(c->tls, &n);
	time_t now = time(NULL);

	snprintf(info->verify_name, sizeof info->verify_name, "%s", name ? name : "");
	for (unsigned i = 0; i < n && info->ncerts < TLS_MAX_CERTS; i++)
		describe_cert(&chain[i], &info->certs[info->ncerts++], now);

	info->verdict = TLS_UNTRUSTED;
	if (n == 0) {
		snprintf(info->status_text, sizeof info->status_text, "the server sent no certificate");
		return;
	}
	unsigned status = 0;
	char words[TLS_WORDS];
	int rc = gnutls_certificate_verify_peers2(c->tls, &status);
	if (rc < 0) {
		snprintf(info->status_text, sizeof info->status_text,
			 "verification failed: %.400s", tls_strerror(rc, words));
		return;
	}
	info->status = status;

	gnutls_x509_crt_t leaf;
	info->name_ok = false;
	if (name && *name && gnutls_x509_crt_init(&leaf) == 0) {
		if (gnutls_x509_crt_import(leaf, &chain[0], GNUTLS_X509_FMT_DER) == 0)
			info->name_ok = gnutls_x509_crt_check_hostname2(leaf, name, 0) != 0;
		gnutls_x509_crt_deinit(leaf);
	}

	gnutls_datum_t out = {0};
	if (status != 0
	    && gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
		snprintf(info->status_text, sizeof info->status_text, "%s", tls_words((char *)out.data, words));
		gnutls_free(out.data);
	} else if (status == 0 && info->name_ok) {
		snprintf(info->status_text, sizeof info->status_text,
			 "certificate chain is trusted and matches %s", name);
	} else if (status == 0) {
		snprintf(info->status_text, sizeof info->status_text,
			 "certificate chain is trusted but does not match the name %s", name ? name : "");
	}
	if (status != 0 && !info->name_ok && name) {
		size_t len = strlen(info->status_text);
		snprintf(info->status_text + len, sizeof info->status_text - len,
			 " The certificate does not match the name %s.", name);
	}
	if (status == 0)
		info->verdict = info->name_ok ? TLS_VERIFIED : TLS_MISMATCHED;
	info->verified = info->verdict == TLS_VERIFIED;
}

static void describe_session(struct conn *c, struct tls_info *info)
{
	gnutls_session_t s = c->tls;
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	snprintf(info->version, sizeof info->version, "%s", v ? v : "unknown");
	const char *suite = gnutls_ciphersuite_get(s);
	snprintf(info->cipher, sizeof info->cipher, "%s", suite ? suite : "unknown");
	const char *group = gnutls_group_get_name(gnutls_group_get(s));
	snprintf(info->group, sizeof info->group, "%s", group ? group : "");
	/* TLS 1.3 suites do not name the key exchange, and GnuTLS reports a
	 * TLS 1.2-style one that may name the wrong signature: say what the
	 * group says. */
	const char *kx = gnutls_protocol_get_version(s) == GNUTLS_TLS1_3
			 ? (strncmp(info->group, "FFDHE", 5) == 0 ? "DHE" : "ECDHE")
			 : gnutls_kx_get_name(gnutls_kx_get(s));
	snprintf(info->kx, sizeof info->kx, "%s", kx ? kx : "");
	const char *mac = gnutls_mac_get_name(gnutls_mac_get(s));
	snprintf(info->mac, sizeof info->mac, "%s", mac ? mac : "");
	info->resumed = gnutls_session_is_resumed(s) != 0;
	int sig = gnutls_sign_algorithm_get(s);
	const char *sname = sig > 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sig) : NULL;
	snprintf(info->sig_alg, sizeof info->sig_alg, "%s", sname ? sname : "");
	info->ext_master_secret = gnutls_session_ext_master_secret_status(s) != 0;
	info->safe_renegotiation = gnutls_safe_renegotiation_status(s) != 0;
	gnutls_datum_t ocsp;
	info->ocsp_stapled = gnutls_ocsp_status_request_get(s, &ocsp) == 0 && ocsp.size > 0;
}

void tls_save_session(struct conn *c, struct tls_info *info)
{
	gnutls_datum_t d;
	if (!c->tls || gnutls_session_get_data2(c->tls, &d) < 0)
		return;
	free(info->session_data);
	info->session_data = malloc(d.size);
	if (info->session_data) {
		memcpy(info->session_data, d.data, d.size);
		info->session_len = d.size;
	}
	gnutls_free(d.data);
}

static int load_credentials(gnutls_certificate_credentials_t cred, const struct tls_config *cfg,
			    struct err *e, const char *stage)
{
	int rc;
	char words[TLS_WORDS];
	if (cfg->cafile) {
		struct stat st;
		if (access(cfg->cafile, R_OK) != 0 || stat(cfg->cafile, &st) != 0)
			return err_set(e, ERR_NOINPUT, stage, "cannot read --cafile %s: %s",
				       cfg->cafile, strerror(errno));
		/* A directory of CA certificates, as OpenSSL's CApath and swaks's
		 * --tls-ca-path take: every PEM file in it (not hashed names). */
		bool dir = S_ISDIR(st.st_mode);
		rc = dir ? gnutls_certificate_set_x509_trust_dir(cred, cfg->cafile, GNUTLS_X509_FMT_PEM)
			 : gnutls_certificate_set_x509_trust_file(cred, cfg->cafile, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			return err_set(e, ERR_CONFIG, stage, "no CA certificate in --cafile %s%s%s%s",
				       dir ? "directory " : "", cfg->cafile, rc < 0 ? ": " : "",
				       rc < 0 ? tls_strerror(rc, words) : "");
	} else {
		rc = gnutls_certificate_set_x509_system_trust(cred);
		if (rc < 0)
			return err_set(e, ERR_CONFIG, stage, "cannot load the system trust store: %s",
				       tls_strerror(rc, words));
	}
	if (cfg->certfile || cfg->keyfile) {
		const char *cert = cfg->certfile ? cfg->certfile : cfg->keyfile;
		const char *key = cfg->keyfile ? cfg->keyfile : cfg->certfile;
		if (access(cert, R_OK) != 0 || access(key, R_OK) != 0)
			return err_set(e, ERR_NOINPUT, stage, "cannot read client certificate %s or key %s",
				       cert, key);
		rc = gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			return err_set(e, ERR_CONFIG, stage, "cannot use client certificate %s: %s",
				       cert, tls_strerror(rc, words));
	}
	return 0;
}

static int handshake_error(struct conn *c, int rc, struct err *e, const char *stage)
{
	int b = c->tls_first_byte;
	char words[TLS_WORDS];
	/* TLS record content types: 20 change_cipher_spec .. 23 application_data */
	if (b >= 0 && (b < 20 || b > 23)) {
		char shown[16];
		if (b >= 0x20 && b < 0x7f)
			snprintf(shown, sizeof shown, "'%c'", b);
		else
			snprintf(shown, sizeof shown, "0x%02x", b);
		return err_set(e, ERR_PROTOCOL, stage,
			       "the server answered the TLS handshake with plain text (first byte %s): "
			       "it does not speak TLS here, or it sent data injected behind its 220",
			       shown);
	}
	switch (rc) {
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return err_set(e, ERR_TLS_CLOSED, stage, "connection reset during the TLS handshake");
	case GNUTLS_E_PREMATURE_TERMINATION:
		return err_set(e, ERR_TLS_CLOSED, stage, "connection closed during the TLS handshake");
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return err_set(e, ERR_TLS, stage, "the server refused the TLS handshake: alert %s",
			       tls_words(gnutls_alert_get_name(gnutls_alert_get(c->tls)), words));
	default:
		return err_set(e, ERR_TLS, stage, "TLS handshake failed: %s", tls_strerror(rc, words));
	}
}

/* Loading the system trust store costs milliseconds; tls-check and probe
 * make many connections with the same configuration.  Credentials may be
 * shared by sessions (and threads), so they are loaded once per
 * (cafile, cert, key) and kept for the life of the process. */
#define CRED_CACHE 8

static struct {
	char *key;
	gnutls_certificate_credentials_t cred;
} cred_cache[CRED_CACHE];
static size_t cred_cached;
static pthread_mutex_t cred_lock = PTHREAD_MUTEX_INITIALIZER;

static int get_credentials(const struct tls_config *cfg, gnutls_certificate_credentials_t *out,
			   bool *cached, struct err *e, const char *stage)
{
	char key[4096];
	snprintf(key, sizeof key, "%s\n%s\n%s", cfg->cafile ? cfg->cafile : "",
		 cfg->certfile ? cfg->certfile : "", cfg->keyfile ? cfg->keyfile : "");
	int rc = 0;
	pthread_mutex_lock(&cred_lock);
	for (size_t i = 0; i < cred_cached; i++) {
		if (strcmp(cred_cache[i].key, key) == 0) {
			*out = cred_cache[i].cred;
			*cached = true;
			goto done;
		}
	}
	if (gnutls_certificate_allocate_credentials(out) < 0) {
		rc = err_set(e, ERR_INTERNAL, stage, "out of memory");
		goto done;
	}
	if (load_credentials(*out, cfg, e, stage) < 0) {
		gnutls_certificate_free_credentials(*out);
		*out = NULL;
		rc = -1;
		goto done;
	}
	*cached = false;
	if (cred_cached < CRED_CACHE && (cred_cache[cred_cached].key = strdup(key))) {
		cred_cache[cred_cached++].cred = *out;
		*cached = true;
	}
done:
	pthread_mutex_unlock(&cred_lock);
	return rc;
}

static int bad_priority(int rc, const char *errpos, struct err *e, const char *stage)
{
	char words[TLS_WORDS];
	return err_set(e, ERR_USAGE, stage, "invalid --tls-priority at \"%s\": %s", errpos ? errpos : "",
		       tls_strerror(rc, words));
}

int tls_priority_check(const char *priority, struct err *e)
{
	gnutls_priority_t p;
	const char *errpos = NULL;
	int rc = gnutls_priority_init(&p, priority, &errpos);
	if (rc < 0)
		return bad_priority(rc, errpos, e, NULL);
	gnutls_priority_deinit(p);
	return 0;
}

int tls_start(struct conn *c, const struct tls_config *cfg, struct tls_info *info,
	      struct err *e, const char *stage)
{
	gnutls_certificate_credentials_t cred = NULL;
	bool cached = false;
	const char *errpos = NULL;
	int rc;

	memset(info, 0, sizeof *info);
	if (get_credentials(cfg, &cred, &cached, e, stage) < 0)
		return -1;
	if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		c->tls = NULL;
		err_set(e, ERR_INTERNAL, stage, "gnutls_init failed");
		goto fail;
	}
	rc = gnutls_priority_set_direct(c->tls, cfg->priority ? cfg->priority : "NORMAL", &errpos);
	if (rc < 0) {
		bad_priority(rc, errpos, e, stage);
		goto fail;
	}
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
	if (cfg->sni && *cfg->sni)
		gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, cfg->sni, strlen(cfg->sni));
	gnutls_transport_set_ptr(c->tls, c);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	gnutls_transport_set_push_function(c->tls, tls_push);
	/* Unusable resumption data just means a full handshake: that is the
	 * answer a resumption test wants to see, so the return is not an error. */
	if (cfg->resume && cfg->resume_len)
		(void)gnutls_session_set_data(c->tls, cfg->resume, cfg->resume_len);
	c->tls_first_byte = -1;

	for (;;) {
		rc = gnutls_handshake(c->tls);
		if (rc == 0)
			break;
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (conn_wait(c, gnutls_record_get_direction(c->tls) == 1, e, stage) < 0)
				goto fail;
			continue;
		}
		/* Warning alerts are not fatal, but a peer sending them without
		 * end must not outlive the step. */
		if (!gnutls_error_is_fatal(rc)) {
			if (deadline_now_ms() >= c->deadline) {
				err_set(e, ERR_TIMEOUT, stage, "TLS handshake timed out");
				goto fail;
			}
			continue;
		}
		handshake_error(c, rc, e, stage);
		goto fail;
	}
	info->done = true;
	describe_session(c, info);
	verify(c, info, cfg->verify_name);
	/* Checked during verification only when a staple was present. */
	info->ocsp_valid = info->ocsp_stapled && gnutls_ocsp_status_request_is_checked(c->tls, 0) != 0;
	/* The credentials must outlive the session: conn_close frees both,
	 * unless the cache keeps them. */
	c->tls_cred = cached ? NULL : cred;
	return 0;
fail:
	if (c->tls) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (!cached)
		gnutls_certificate_free_credentials(cred);
	return -1;
}

void tls_bye(struct conn *c)
{
	if (!c->tls)
		return;
	/* One attempt only: a peer that does not read must not hold us. */
	gnutls_bye(c->tls, GNUTLS_SHUT_WR);
}

const char *tls_verdict_name(enum tls_verdict v)
{
	switch (v) {
	case TLS_VERIFIED: return "Verified";
	case TLS_MISMATCHED: return "Mismatched";
	default: return "Untrusted";
	}
}

void tls_info_free(struct tls_info *info)
{
	for (size_t i = 0; i < info->ncerts; i++)
		free(info->certs[i].pem);
	info->ncerts = 0;
	free(info->session_data);
	info->session_data = NULL;
	info->session_len = 0;
}
