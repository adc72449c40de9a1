/* codes.h - meaning tables: SMTP reply codes, enhanced status codes, EHLO keywords.
 *
 * Pure data and lookups; nothing here allocates or prints.
 */
#ifndef SMTPKIT_CODES_H
#define SMTPKIT_CODES_H

/* Meaning of a basic reply code (RFC 5321 4.2.2, 4.2.3; RFC 4954 6; RFC 3207;
 * RFC 7504; RFC 3030 ...), e.g. 250 -> "requested action completed".  Unknown
 * codes fall back to the meaning of their class and category (RFC 5321 4.2.1),
 * e.g. 259 -> "positive completion (mail system)".  Never NULL. */
const char *codes_reply_meaning(int code);

/* Where a basic code is defined, e.g. "RFC 5321" or "RFC 4954"; NULL if only
 * the class/category fallback applied. */
const char *codes_reply_source(int code);

/* Enhanced status codes (RFC 3463, IANA "SMTP Enhanced Status Codes" registry).
 * cls is 2, 4 or 5; subject and detail are the second and third numbers. */
const char *codes_enhanced_class(int cls);            /* "success", "persistent transient failure", "permanent failure"; NULL if not 2/4/5 */
const char *codes_enhanced_subject(int subject);      /* "addressing status", ...; NULL if unknown */
const char *codes_enhanced_detail(int subject, int detail); /* "bad destination mailbox address"; NULL if unknown */
const char *codes_enhanced_source(int subject, int detail); /* "RFC 3463", "RFC 7372", ...; NULL if unknown */

/* EHLO keywords (the IANA "SMTP Service Extensions" registry and common
 * vendor ones).  Lookup is case-insensitive on the whole keyword. */
struct codes_ext {
	const char *keyword;    /* canonical upper-case spelling, e.g. "PIPELINING" */
	const char *meaning;    /* short phrase, e.g. "command pipelining" */
	const char *source;     /* "RFC 2920", or "Postfix", "Exim", "Microsoft" ... */
};
const struct codes_ext *codes_ext_lookup(const char *keyword);

/* SASL mechanism names for the AUTH line (RFC 4954 + IANA SASL registry):
 * a short description, e.g. "PLAIN" -> "password in clear (RFC 4616)";
 * NULL if unknown.  Case-insensitive. */
const char *codes_sasl_meaning(const char *mechanism);

#endif
