/* text.h - byte strings from the network or the command line: made safe to
 * show or send, compared without a locale, encoded as hex or base64. */
#ifndef SMTPKIT_TEXT_H
#define SMTPKIT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copy len bytes of untrusted text into buf (always NUL-terminated),
 * replacing control characters, DEL, C1 controls and invalid UTF-8 with
 * \xNN, so a server cannot move the cursor or change the colour of the
 * terminal (the qmail-remote lesson), and every secret given to
 * text_hide() with TEXT_SECRET_MARK.  Everything smtpkit shows of a peer's
 * text passes here -- transcript, replies, errors, findings, human and
 * JSON -- so this is where secrets are hidden (SPEC 10.11).  Returns the
 * length written. */
size_t text_escape(const char *in, size_t len, char *buf, size_t size);

/* What a hidden secret is shown as; also what the transcript shows of the
 * AUTH payloads smtpkit sends. */
#define TEXT_SECRET_MARK "<secret hidden; --show-secrets shows it>"
/* Hide len octets of secret (and their escaped spelling) from everything
 * text_escape() writes from now on, in every thread (sessions in threads
 * share their credentials); -1 when out of memory. */
int text_hide(const char *secret, size_t len);
/* Forget (and wipe) every secret text_hide() was given. */
void text_hide_clear(void);

/* Copy in into buf (always NUL-terminated, cut to fit) with each run of
 * spaces, tabs and line breaks made one space, and none at either end: a
 * library's message as one clean line.  Returns the length written. */
size_t text_squeeze(const char *in, char *buf, size_t size);

/* True when s holds a byte a single SMTP command line cannot carry:
 * CR, LF, NUL (impossible in a C string), other C0 controls or DEL
 * (SPEC 10.5). */
bool text_has_control(const char *s);

/* Length of the valid UTF-8 sequence (RFC 3629) starting at s, or 0 when
 * it is not one.  C1 controls and bidi overrides count as invalid: they
 * change what a reader sees. */
size_t text_utf8_len(const unsigned char *s, size_t avail);

/* ASCII case-insensitive comparison, with strcmp's sign on the lower-case
 * spellings.  Protocol keywords, mechanism names, header field names and
 * DNS names (RFC 4343) are ASCII: no locale may fold them (a Turkish one
 * folds 'I' elsewhere), and octets above 0x7f compare as they are. */
int text_casecmp(const char *a, const char *b);
/* The same over exactly n octets, NUL as any other (DNS wire-form names
 * carry it); stops at the first difference, so a is safe to be a shorter
 * string when b has no NUL among its first n. */
int text_ncasecmp(const char *a, const char *b, size_t n);

/* Lower-case hex of n octets into out, NUL-terminated; octets that do not
 * fit in size are left off.  Returns the length written.  The one hex
 * encoder (GnuTLS's); a single octet inside an escape (=XX, %XX, +XX,
 * \xNN) is printf's %02X or %02x, formatting rather than encoding. */
size_t text_hex(const unsigned char *b, size_t n, char *out, size_t size);
/* Upper case with ':' between octets, as certificate fingerprints are
 * shown; stops before an octet that does not fit. */
void text_hex_colon(const unsigned char *b, size_t n, char *out, size_t size);

/* A growing NUL-terminated string (header fields being built, generated
 * files).  After a failed allocation every later add is dropped and oom
 * stays set, so a caller checks once at the end.  Zero-initialise; free(p)
 * when done. */
struct text_buf {
	char *p;
	size_t len, cap;
	bool oom;
};
void text_buf_add(struct text_buf *b, const char *s, size_t n);
void text_buf_str(struct text_buf *b, const char *s);
void text_buf_printf(struct text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Base64 (RFC 4648 4) of len octets, NUL-terminated and allocated; NULL
 * when out of memory.  The one encoder (GnuTLS's): SASL, RFC 2047 words
 * and MIME bodies all come here.  The octets may be credentials, so the
 * copy GnuTLS makes is wiped; wiping the caller's own is the caller's job. */
char *text_b64_encode(const unsigned char *data, size_t len);
/* Decode tlen characters of base64, strictly: padding required, no white
 * space, no stray bits; NULL if not valid or out of memory.  The result is
 * allocated and NUL-terminated beyond *len; "" decodes to an empty buffer. */
unsigned char *text_b64_decode(const char *text, size_t tlen, size_t *len);

/* RFC 3461 4: xtext (ENVID; XCLIENT and XFORWARD values): octets outside
 * 33..126 and "+" and "=" as "+XX".  Truncated to fit. */
void text_xtext(const char *in, char *out, size_t size);

#endif
