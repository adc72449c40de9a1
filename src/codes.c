/* codes.c - meaning tables: SMTP reply codes, enhanced status codes, EHLO keywords, SASL. */
#include "codes.h"
#include "text.h"

#include <stddef.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Basic reply codes.  Sorted by code for binary search. */
struct reply_entry {
	int code;
	const char *meaning;
	const char *source;
};

static const struct reply_entry reply_table[] = {
	{ 211, "system status, or system help reply", "RFC 5321" },
	{ 214, "help message", "RFC 5321" },
	{ 220, "service ready (RFC 5321), or ready to start TLS (RFC 3207)",
	  "RFC 5321, RFC 3207" },
	{ 221, "service closing transmission channel", "RFC 5321" },
	{ 235, "authentication succeeded", "RFC 4954" },
	{ 250, "requested action completed", "RFC 5321" },
	{ 251, "user not local; will forward", "RFC 5321" },
	{ 252, "cannot verify user, but will accept message and attempt delivery",
	  "RFC 5321" },
	/* ETRN replies; RFC 1985 also reuses 250-252 with queue-specific text. */
	{ 253, "pending messages for node started", "RFC 1985" },
	{ 334, "authentication continues; server challenge follows",
	  "RFC 4954" },
	{ 354, "start mail input; end with <CRLF>.<CRLF>", "RFC 5321" },
	{ 421, "service not available, closing channel", "RFC 5321" },
	{ 432, "a password transition is needed", "RFC 4954" },
	{ 450, "mailbox unavailable (busy or temporarily blocked)", "RFC 5321" },
	{ 451, "local error in processing", "RFC 5321" },
	/* RFC 5321 4.5.3.1.10 also uses 452 for "too many recipients". */
	{ 452, "insufficient system storage, or too many recipients",
	  "RFC 5321" },
	{ 453, "no mail waiting (ATRN)", "RFC 2645" },
	{ 454, "temporary authentication failure (RFC 4954), or TLS not available (RFC 3207)",
	  "RFC 4954, RFC 3207" },
	{ 455, "server unable to accommodate parameters", "RFC 5321" },
	{ 458, "unable to queue messages for node (ETRN)", "RFC 1985" },
	{ 459, "node not allowed (ETRN)", "RFC 1985" },
	{ 500, "syntax error, command unrecognized (RFC 5321), or authentication line too long (RFC 4954)",
	  "RFC 5321, RFC 4954" },
	{ 501, "syntax error in parameters or arguments", "RFC 5321" },
	{ 502, "command not implemented", "RFC 5321" },
	{ 503, "bad sequence of commands", "RFC 5321" },
	{ 504, "command parameter not implemented (RFC 5321), or unsupported authentication mechanism (RFC 4954)",
	  "RFC 5321, RFC 4954" },
	/* First defined by RFC 1846; RFC 7504 is the standards-track home. */
	{ 521, "host does not accept mail", "RFC 7504" },
	{ 530, "authentication required (RFC 4954), or must issue STARTTLS first (RFC 3207)",
	  "RFC 4954, RFC 3207" },
	{ 534, "authentication mechanism is too weak", "RFC 4954" },
	{ 535, "authentication credentials invalid", "RFC 4954" },
	{ 538, "encryption required for requested authentication mechanism",
	  "RFC 4954" },
	{ 550, "mailbox unavailable (not found, no access, or refused by policy)",
	  "RFC 5321" },
	{ 551, "user not local; try the given forward-path", "RFC 5321" },
	{ 552, "exceeded storage allocation (RFC 5321), or message size exceeds fixed limit (RFC 1870)",
	  "RFC 5321, RFC 1870" },
	{ 553, "mailbox name not allowed", "RFC 5321" },
	{ 554, "transaction failed, or no SMTP service here (in the greeting)",
	  "RFC 5321" },
	{ 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
	  "RFC 5321" },
	{ 556, "domain does not accept mail", "RFC 7504" },
};

/* RFC 5321 4.2.1: first digit is the class, second the category.  Index
 * 6 covers second digits 6-9, which RFC 5321 leaves unassigned.  1yz
 * (positive preliminary) is never used by SMTP, so it is treated as
 * invalid rather than given a fallback. */
static const char *const reply_fallback[4][7] = {
	{
		"positive completion (syntax)",
		"positive completion (information)",
		"positive completion (connections)",
		"positive completion (unspecified)",
		"positive completion (unspecified)",
		"positive completion (mail system)",
		"positive completion (unassigned category)",
	},
	{
		"positive intermediate (syntax)",
		"positive intermediate (information)",
		"positive intermediate (connections)",
		"positive intermediate (unspecified)",
		"positive intermediate (unspecified)",
		"positive intermediate (mail system)",
		"positive intermediate (unassigned category)",
	},
	{
		"transient negative completion (syntax)",
		"transient negative completion (information)",
		"transient negative completion (connections)",
		"transient negative completion (unspecified)",
		"transient negative completion (unspecified)",
		"transient negative completion (mail system)",
		"transient negative completion (unassigned category)",
	},
	{
		"permanent negative completion (syntax)",
		"permanent negative completion (information)",
		"permanent negative completion (connections)",
		"permanent negative completion (unspecified)",
		"permanent negative completion (unspecified)",
		"permanent negative completion (mail system)",
		"permanent negative completion (unassigned category)",
	},
};

static const struct reply_entry *reply_find(int code)
{
	size_t lo = 0, hi = COUNT(reply_table), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (reply_table[mid].code == code)
			return &reply_table[mid];
		if (reply_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *codes_reply_meaning(int code)
{
	const struct reply_entry *e;
	int category;

	if (code < 200 || code > 599)
		return "not a valid reply code";
	e = reply_find(code);
	if (e != NULL)
		return e->meaning;
	category = (code / 10) % 10;
	if (category > 5)
		category = 6;
	return reply_fallback[code / 100 - 2][category];
}

const char *codes_reply_source(int code)
{
	const struct reply_entry *e = reply_find(code);

	return e != NULL ? e->source : NULL;
}

/* Enhanced status codes: IANA "SMTP Enhanced Status Codes" registry
 * (RFC 5248).  Sorted by (subject, detail) for binary search; the details
 * of each subject are contiguous from 0, which the unit test relies on. */
struct enhanced_entry {
	unsigned char subject;
	unsigned char detail;
	const char *meaning;
	const char *source;
};

static const struct enhanced_entry enhanced_table[] = {
	{ 0, 0, "other undefined status", "RFC 3463" },

	{ 1, 0, "other address status", "RFC 3463" },
	{ 1, 1, "bad destination mailbox address", "RFC 3463" },
	{ 1, 2, "bad destination system address", "RFC 3463" },
	{ 1, 3, "bad destination mailbox address syntax", "RFC 3463" },
	{ 1, 4, "destination mailbox address ambiguous", "RFC 3463" },
	{ 1, 5, "destination address valid", "RFC 3463" },
	{ 1, 6, "destination mailbox has moved, no forwarding address",
	  "RFC 3463" },
	{ 1, 7, "bad sender's mailbox address syntax", "RFC 3463" },
	{ 1, 8, "bad sender's system address", "RFC 3463" },
	{ 1, 9, "message relayed to non-compliant mailer", "RFC 3886" },
	{ 1, 10, "recipient address has null MX", "RFC 7505" },

	{ 2, 0, "other or undefined mailbox status", "RFC 3463" },
	{ 2, 1, "mailbox disabled, not accepting messages", "RFC 3463" },
	{ 2, 2, "mailbox full", "RFC 3463" },
	{ 2, 3, "message length exceeds administrative limit", "RFC 3463" },
	{ 2, 4, "mailing list expansion problem", "RFC 3463" },

	{ 3, 0, "other or undefined mail system status", "RFC 3463" },
	{ 3, 1, "mail system full", "RFC 3463" },
	{ 3, 2, "system not accepting network messages", "RFC 3463" },
	{ 3, 3, "system not capable of selected features", "RFC 3463" },
	{ 3, 4, "message too big for system", "RFC 3463" },
	{ 3, 5, "system incorrectly configured", "RFC 3463" },
	{ 3, 6, "requested priority was changed", "RFC 6710" },

	{ 4, 0, "other or undefined network or routing status", "RFC 3463" },
	{ 4, 1, "no answer from host", "RFC 3463" },
	{ 4, 2, "bad connection", "RFC 3463" },
	{ 4, 3, "directory server failure", "RFC 3463" },
	{ 4, 4, "unable to route", "RFC 3463" },
	{ 4, 5, "mail system congestion", "RFC 3463" },
	{ 4, 6, "routing loop detected", "RFC 3463" },
	{ 4, 7, "delivery time expired", "RFC 3463" },

	{ 5, 0, "other or undefined protocol status", "RFC 3463" },
	{ 5, 1, "invalid command", "RFC 3463" },
	{ 5, 2, "syntax error", "RFC 3463" },
	{ 5, 3, "too many recipients", "RFC 3463" },
	{ 5, 4, "invalid command arguments", "RFC 3463" },
	{ 5, 5, "wrong protocol version", "RFC 3463" },
	{ 5, 6, "authentication exchange line is too long", "RFC 4954" },

	{ 6, 0, "other or undefined media error", "RFC 3463" },
	{ 6, 1, "media not supported", "RFC 3463" },
	{ 6, 2, "conversion required and prohibited", "RFC 3463" },
	{ 6, 3, "conversion required but not supported", "RFC 3463" },
	{ 6, 4, "conversion with loss performed", "RFC 3463" },
	{ 6, 5, "conversion failed", "RFC 3463" },
	{ 6, 6, "message content not available", "RFC 4468" },
	{ 6, 7, "non-ASCII addresses not permitted for that sender or recipient",
	  "RFC 6531" },
	{ 6, 8, "UTF-8 reply required, but not permitted by the client",
	  "RFC 6531" },
	{ 6, 9, "UTF-8 header message cannot be transferred to one or more recipients",
	  "RFC 6531" },
	/* Registered by mistake as a duplicate of X.6.8 and deprecated. */
	{ 6, 10, "UTF-8 reply required, but not permitted (deprecated duplicate of X.6.8)",
	  "RFC 6531" },

	/* RFC 4954 also uses X.7.0 for "authentication required" and for
	 * temporary authentication failures. */
	{ 7, 0, "other or undefined security status", "RFC 3463" },
	{ 7, 1, "delivery not authorized, message refused", "RFC 3463" },
	{ 7, 2, "mailing list expansion prohibited", "RFC 3463" },
	{ 7, 3, "security conversion required but not possible", "RFC 3463" },
	{ 7, 4, "security features not supported", "RFC 3463" },
	{ 7, 5, "cryptographic failure", "RFC 3463" },
	{ 7, 6, "cryptographic algorithm not supported", "RFC 3463" },
	{ 7, 7, "message integrity failure", "RFC 3463" },
	{ 7, 8, "authentication credentials invalid", "RFC 4954" },
	{ 7, 9, "authentication mechanism is too weak", "RFC 4954" },
	{ 7, 10, "encryption needed", "RFC 5248" },
	{ 7, 11, "encryption required for requested authentication mechanism",
	  "RFC 4954" },
	{ 7, 12, "a password transition is needed", "RFC 4954" },
	{ 7, 13, "user account disabled", "RFC 5248" },
	{ 7, 14, "trust relationship required", "RFC 5248" },
	{ 7, 15, "priority level is too low", "RFC 6710" },
	{ 7, 16, "message is too big for the specified priority", "RFC 6710" },
	{ 7, 17, "mailbox owner has changed", "RFC 7293" },
	{ 7, 18, "domain owner has changed", "RFC 7293" },
	{ 7, 19, "RRVS test cannot be completed", "RFC 7293" },
	{ 7, 20, "no passing DKIM signature found", "RFC 7372" },
	{ 7, 21, "no acceptable DKIM signature found", "RFC 7372" },
	{ 7, 22, "no valid author-matched DKIM signature found", "RFC 7372" },
	{ 7, 23, "SPF validation failed", "RFC 7372" },
	{ 7, 24, "SPF validation error", "RFC 7372" },
	{ 7, 25, "reverse DNS validation failed", "RFC 7372" },
	{ 7, 26, "multiple authentication checks failed", "RFC 7372" },
	{ 7, 27, "sender address has null MX", "RFC 7505" },
	/* Registered from an Internet-Draft that never became an RFC. */
	{ 7, 28, "mail flood detected", "draft-levine-mailbomb-header" },
	{ 7, 29, "ARC validation failure", "RFC 8617" },
	{ 7, 30, "REQUIRETLS support required", "RFC 8689" },
};

static const struct enhanced_entry *enhanced_find(int subject, int detail)
{
	size_t lo = 0, hi = COUNT(enhanced_table), mid;
	long key, cur;

	if (subject < 0 || subject > 255 || detail < 0 || detail > 255)
		return NULL;
	key = (long)subject * 256 + detail;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cur = (long)enhanced_table[mid].subject * 256
			+ enhanced_table[mid].detail;
		if (cur == key)
			return &enhanced_table[mid];
		if (cur < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *codes_enhanced_class(int cls)
{
	switch (cls) {
	case 2:
		return "success";
	case 4:
		return "persistent transient failure";
	case 5:
		return "permanent failure";
	default:
		return NULL;
	}
}

const char *codes_enhanced_subject(int subject)
{
	static const char *const subjects[] = {
		"other or undefined status",
		"addressing status",
		"mailbox status",
		"mail system status",
		"network and routing status",
		"mail delivery protocol status",
		"message content or media status",
		"security or policy status",
	};

	if (subject < 0 || (size_t)subject >= COUNT(subjects))
		return NULL;
	return subjects[subject];
}

const char *codes_enhanced_detail(int subject, int detail)
{
	const struct enhanced_entry *e = enhanced_find(subject, detail);

	return e != NULL ? e->meaning : NULL;
}

const char *codes_enhanced_source(int subject, int detail)
{
	const struct enhanced_entry *e = enhanced_find(subject, detail);

	return e != NULL ? e->source : NULL;
}

/* EHLO keywords.  Sorted in text_casecmp order, strcmp on the lower-case
 * spelling: mind '_' and the other octets between 'Z' and 'a', which sort
 * before the letters here. */
static const struct codes_ext ext_table[] = {
	{ "8BITMIME", "8-bit MIME transport", "RFC 6152" },
	{ "ATRN", "authenticated TURN (on-demand mail relay)", "RFC 2645" },
	{ "AUTH", "SASL authentication", "RFC 4954" },
	{ "BINARYMIME", "binary MIME bodies (needs CHUNKING)", "RFC 3030" },
	{ "BURL", "message assembly from a URL (submission)", "RFC 4468" },
	{ "CHECKPOINT", "checkpoint and restart of transactions", "RFC 1845" },
	{ "CHUNKING", "BDAT command for chunked message data", "RFC 3030" },
	{ "CLIENTID", "client identifier for submission",
	  "draft-storey-smtp-client-id" },
	{ "CONNEG", "content conversion negotiation", "RFC 4141" },
	{ "CONPERM", "content conversion permission", "RFC 4141" },
	{ "DELIVERBY", "deliver-by time limit", "RFC 2852" },
	{ "DSN", "delivery status notifications", "RFC 3461" },
	{ "ENHANCEDSTATUSCODES", "enhanced status codes in replies", "RFC 2034" },
	{ "ETRN", "remote message queue starting", "RFC 1985" },
	{ "EXPN", "expand a mailing list", "RFC 5321" },
	{ "FUTURERELEASE", "future message release (hold until)", "RFC 4865" },
	{ "HELP", "help command", "RFC 5321" },
	{ "LIMITS", "server announces session limits", "RFC 9422" },
	{ "MT-PRIORITY", "message transfer priority", "RFC 6710" },
	{ "MTRK", "message tracking", "RFC 3885" },
	{ "NO-SOLICITING", "solicitation class keywords", "RFC 3865" },
	{ "ONEX", "one message transaction only", "Sendmail" },
	{ "PIPELINING", "command pipelining", "RFC 2920" },
	{ "PRDR", "per-recipient data responses", "draft-hall-prdr" },
	{ "REQUIRETLS", "require TLS along the whole delivery path", "RFC 8689" },
	{ "RRVS", "require recipient valid since", "RFC 7293" },
	{ "SAML", "send as mail and to terminal (obsolete)", "RFC 821" },
	{ "SEND", "send to terminal (obsolete)", "RFC 821" },
	{ "SIZE", "message size declaration", "RFC 1870" },
	{ "SMTPUTF8", "internationalized email (UTF-8 addresses and headers)",
	  "RFC 6531" },
	{ "SOML", "send as mail or to terminal (obsolete)", "RFC 821" },
	{ "STARTTLS", "upgrade the connection to TLS", "RFC 3207" },
	/* Sender ID, moved to historic. */
	{ "SUBMITTER", "responsible submitter (obsolete)", "RFC 4405" },
	{ "TURN", "reverse client and server roles (obsolete, insecure)",
	  "RFC 821" },
	{ "UTF8SMTP", "internationalized email, experimental (obsolete; now SMTPUTF8)",
	  "RFC 5336" },
	{ "VERB", "verbose delivery reporting", "Sendmail" },
	{ "VRFY", "verify a mailbox", "RFC 5321" },
	{ "X-ANONYMOUSTLS", "anonymous TLS between Exchange servers",
	  "Microsoft" },
	{ "X-EXPS", "Exchange server-to-server authentication", "Microsoft" },
	{ "X-LINK2STATE", "Exchange routing link-state exchange", "Microsoft" },
	/* These four appear in old server banners and IDS command lists, but
	 * no surviving documentation says who defined them or what they do. */
	{ "XADR", "legacy private extension (undocumented)", "private" },
	{ "XCLIENT", "override client attributes (for trusted proxies)",
	  "Postfix" },
	{ "XEXCH50", "Exchange message properties transfer", "Microsoft" },
	{ "XFORWARD", "forward original client details to a content filter",
	  "Postfix" },
	{ "XQUE", "legacy private extension (undocumented)", "private" },
	{ "XRCPTFORWARD", "per-recipient forwarded fields (LMTP)", "Dovecot" },
	{ "XSTA", "legacy private extension (undocumented)", "private" },
	{ "XUSR", "initial user submission", "Sendmail" },
	{ "XVERP", "variable envelope return path", "Postfix" },
};

const struct codes_ext *codes_ext_lookup(const char *keyword)
{
	size_t lo = 0, hi = COUNT(ext_table), mid;
	int d;

	if (keyword == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = text_casecmp(keyword, ext_table[mid].keyword);
		if (d == 0)
			return &ext_table[mid];
		if (d > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* SASL mechanisms (IANA "SASL Mechanisms" registry plus vendor ones),
 * sorted like ext_table.  "in clear" means the secret itself crosses the
 * wire (only base64-encoded), so it needs TLS. */
struct sasl_entry {
	const char *name;
	const char *meaning;
};

static const struct sasl_entry sasl_table[] = {
	{ "ANONYMOUS",
	  "no credentials, trace string only (RFC 4505)" },
	{ "CRAM-MD5",
	  "challenge-response, password not sent but server keeps a plaintext equivalent (RFC 2195)" },
	{ "DIGEST-MD5",
	  "challenge-response, password not sent; historic (RFC 2831, RFC 6331)" },
	{ "EXTERNAL",
	  "credentials from outside SASL, e.g. TLS client certificate (RFC 4422)" },
	{ "GS2-KRB5",
	  "Kerberos V5 via GS2, no password sent (RFC 5801)" },
	{ "GS2-KRB5-PLUS",
	  "Kerberos V5 via GS2 with channel binding, no password sent (RFC 5801)" },
	{ "GSSAPI",
	  "Kerberos V5 via GSS-API, no password sent (RFC 4752)" },
	{ "KERBEROS_V4",
	  "Kerberos V4, no password sent; obsolete (RFC 2222)" },
	{ "LOGIN",
	  "password in clear, prompted user name and password; obsolete (draft-murchison-sasl-login)" },
	{ "NTLM",
	  "NTLM challenge-response, password not sent but weak hashes (Microsoft)" },
	{ "OAUTH10A",
	  "OAuth 1.0a signed request, no password sent (RFC 7628)" },
	{ "OAUTHBEARER",
	  "OAuth 2.0 bearer token in clear, no password (RFC 7628)" },
	{ "OTP",
	  "one-time password, long-term secret not sent (RFC 2444)" },
	{ "PLAIN",
	  "password in clear (RFC 4616)" },
	{ "SCRAM-SHA-1",
	  "salted challenge-response, password not sent (RFC 5802)" },
	{ "SCRAM-SHA-1-PLUS",
	  "salted challenge-response with channel binding, password not sent (RFC 5802)" },
	{ "SCRAM-SHA-256",
	  "salted challenge-response, password not sent (RFC 7677)" },
	{ "SCRAM-SHA-256-PLUS",
	  "salted challenge-response with channel binding, password not sent (RFC 7677)" },
	{ "XOAUTH",
	  "OAuth 1.0 signed request, no password sent; obsolete (Google)" },
	{ "XOAUTH2",
	  "OAuth 2.0 bearer token in clear, no password (Google, Microsoft)" },
};

const char *codes_sasl_meaning(const char *mechanism)
{
	size_t lo = 0, hi = COUNT(sasl_table), mid;
	int d;

	if (mechanism == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = text_casecmp(mechanism, sasl_table[mid].name);
		if (d == 0)
			return sasl_table[mid].meaning;
		if (d > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
