/* smtp.h - the SMTP client session: one state machine that every
 * subcommand runs, stopped at different stages by policy. */
#ifndef SMTPKIT_SMTP_H
#define SMTPKIT_SMTP_H

#include <stdbool.h>

#include "conn.h"
#include "err.h"
#include "out.h"
#include "reply.h"
#include "tls.h"

struct msg;
struct auth;

enum smtp_tls_mode {
	SMTP_TLS_MODE_AUTO,            /* implicit on 465, else STARTTLS when offered */
	SMTP_TLS_MODE_STARTTLS,        /* STARTTLS required */
	SMTP_TLS_MODE_IMPLICIT,     /* TLS from the first byte (RFC 8314) */
	SMTP_TLS_MODE_NONE,
};

/* What the session speaks (--protocol). */
enum smtp_protocol {
	SMTP_PROTO_SMTP,            /* EHLO, HELO when EHLO is refused (RFC 5321 4.1.4) */
	SMTP_PROTO_ESMTP,           /* EHLO only: a refused EHLO is a failure */
	SMTP_PROTO_HELO,            /* HELO only, no extensions (RFC 821 paths) */
	SMTP_PROTO_LMTP,            /* LHLO, one reply per recipient after the data (RFC 2033) */
};

/* XCLIENT or XFORWARD attributes (Postfix XCLIENT_README,
 * XFORWARD_README): NAME=VALUE pairs, names in upper case, values as
 * given (xtext-encoded on the wire). */
#define SMTP_ATTRS_MAX 16
struct smtp_attrs {
	size_t n;
	char *name[SMTP_ATTRS_MAX];
	char *value[SMTP_ATTRS_MAX];
};

/* NAME=VALUE[,NAME=VALUE...]: -1 with *why when malformed. */
int smtp_attrs_parse(const char *list, struct smtp_attrs *a, const char **why);
void smtp_attrs_free(struct smtp_attrs *a);

/* The stages a session completes, in protocol order (with implicit TLS the
 * handshake comes before the greeting), and where the policy may stop it
 * (--quit-after; names in smtp.c's stage table).  Each state names the
 * stage it completes; smtp_run() checks the policy's stop stage in one
 * place, after a state has done its work: a stage the session skips (no
 * STARTTLS offered, no AUTH asked for) counts as completed. */
enum smtp_stage {
	SMTP_STAGE_CONNECT,
	SMTP_STAGE_GREETING,
	SMTP_STAGE_EHLO,
	SMTP_STAGE_HANDSHAKE,       /* right after the TLS handshake, no EHLO */
	SMTP_STAGE_TLS,             /* after STARTTLS and the EHLO that follows it */
	SMTP_STAGE_AUTH,
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_ALL,             /* the whole transaction */
};

/* The states.  One function enters a state (sends its command or does its
 * step), one reads its reply and picks the next state.  With PIPELINING
 * (RFC 2920) a state's command may already have been written by an earlier
 * state, in the same group: then entering it only reads the reply.  What
 * was written ahead is the session's `ahead` (below), part of the machine. */
enum smtp_state {
	SMTP_CONNECT,
	SMTP_TLS_IMPLICIT,
	SMTP_GREETING,
	SMTP_EHLO,
	SMTP_HELO,
	SMTP_STARTTLS,
	SMTP_TLS_HANDSHAKE,
	SMTP_XCLIENT,               /* XCLIENT attributes; a new 220, then EHLO again */
	SMTP_XFORWARD,              /* XFORWARD attributes, before MAIL */
	SMTP_AUTH,                  /* AUTH mechanism [initial-response] */
	SMTP_AUTH_STEP,             /* our answer to a 334 challenge */
	SMTP_MAIL,                  /* MAIL, and with PIPELINING what follows it */
	SMTP_RCPT,                  /* one RCPT per recipient of the batch */
	SMTP_DATA,
	SMTP_DATA_BODY,             /* the message and the final dot */
	SMTP_BDAT,                  /* BDAT n LAST and the message (RFC 3030) */
	SMTP_LMTP_REPLY,            /* LMTP: the next recipient's reply to the end of data */
	SMTP_RSET,
	SMTP_QUIT,
	SMTP_QUIT_NOWAIT,           /* after a failure: QUIT, do not wait for 221 */
	/* smtpkit session: the machine driven by hand (smtp_hand.c) */
	SMTP_TYPED,                 /* commands typed, written as one group (RFC 2920) */
	SMTP_TYPED_DATA_END,        /* the "." after a message typed line by line */
	SMTP_TYPED_MESSAGE,         /* a message file after the 354, and its "." */
	SMTP_TYPED_BDAT,            /* BDAT n LAST with a message file (RFC 3030) */
	SMTP_HELD,                  /* connection open, waiting for what is typed next */
	SMTP_DONE,
	SMTP_ADVANCE,               /* not a state: "done here; stop or go on", see smtp_run() */
};

/* Commands written ahead of the state that reads their reply (RFC 2920
 * 3.1: MAIL, the RCPTs and DATA or BDAT with the message leave in one
 * group; QUIT behind the last message; MAIL behind AUTH PLAIN, RFC 4954 4). */
struct smtp_ahead {
	bool mail;
	size_t rcpts;               /* RCPTs of the batch written */
	bool data;                  /* DATA, or BDAT with the message ... */
	bool bdat;                  /* ... and it was BDAT */
	bool quit;
};

/* What AUTH may use (RFC 4954). */
struct smtp_auth_cfg {
	const char *user;           /* NULL: no AUTH */
	const char *secret;         /* password or OAuth token */
	unsigned mechs;             /* bit (1 << enum auth_mech) per allowed mechanism */
};

/* One recipient and the server's answer to its RCPT. */
struct smtp_rcpt {
	const char *address;        /* addr-spec */
	int code;                   /* 0 until answered */
	char enhanced[16];
	char text[256];             /* the reply, escaped */
	bool accepted;
	unsigned transaction;       /* 1-based, with LIMITS RCPTMAX; 0 until its MAIL */
	char queue_id[128];         /* of the transaction that delivered it, "" if none */
};

/* The mail transaction `send` asks for; results are filled in. */
struct smtp_txn {
	const char *mail_from;      /* addr-spec, "" for the null sender */
	struct smtp_rcpt *rcpts;
	size_t nrcpt;
	struct msg *msg;
	bool smtputf8;              /* an address needs SMTPUTF8 (RFC 6531) */
	const char *dsn_notify;     /* RFC 3461 NOTIFY= */
	const char *dsn_ret;        /* RET= FULL|HDRS */
	const char *envid;          /* ENVID=, xtext-encoded when sent */
	bool requiretls;            /* RFC 8689 */
	bool allow_partial;
	bool no_pipelining, no_chunking;

	/* results */
	int mail_code;              /* the reply to the last MAIL FROM, 0 until read */
	char mail_enhanced[16];
	char queue_id[128];
	char final_reply[4 * 512 + 8];  /* the accepting reply's last line, escaped (the delivery log) */
	bool delivered;             /* the final reply accepted the message */
	bool maybe_delivered;       /* all sent, no final reply: may be delivered */
	bool message_sent;          /* some of the message went to the wire (after DATA, or BDAT) */
	size_t ndelivered;          /* recipients the message was accepted for */
	int64_t begun_us;           /* when its last MAIL FROM was queued (deadline_now_us) */
	size_t rcptmax;             /* LIMITS RCPTMAX (RFC 9422) applied; 0: none */
	unsigned ntransactions;     /* transactions begun (MAIL FROM) */

	/* progress, owned by the session */
	size_t batch_start, batch_end;  /* recipients of this transaction (LIMITS RCPTMAX) */
	size_t rcpt_reply;              /* next RCPT whose reply is awaited */
	size_t final_next;              /* LMTP: the recipient the next reply after the data is for */
	size_t final_left;              /* LMTP: replies after the data still to come */
	bool dot_only;                  /* 354 with no recipient: send just "." */
};

struct smtp_policy {
	enum smtp_tls_mode tls_mode;
	/* Certificate must verify (explicit server); false for opportunistic
	 * TLS to an MX (RFC 7435), where problems are reported only. */
	bool tls_verify;
	struct tls_config tls;
	const char *helo;
	int timeout_ms;             /* each step */
	struct conn_opts conn;
	enum smtp_stage stop_after;
	struct smtp_auth_cfg auth;
	bool tls_none_explicit;     /* --tls none given: AUTH in clear allowed, with a warning */
	int data_timeout_ms;        /* reply to end of data (RFC 5321 4.5.3.2.6: 10 min; SPEC 120 s) */
	/* CVE-2011-0411 test: NOOP written in the same segment as STARTTLS;
	 * a reply to it inside TLS means the server ran plaintext commands
	 * after the handshake. */
	bool injection_test;
	/* tls-check's own ClientHellos: called instead of the GnuTLS handshake
	 * on the plain connection (after the 220 to STARTTLS, or at once with
	 * implicit TLS); the session ends after it, since nothing can follow
	 * a handshake left half done. */
	int (*raw_hello)(void *ctx, struct conn *c, struct err *e);
	void *raw_hello_ctx;
	enum smtp_protocol protocol;
	const struct smtp_attrs *xclient;   /* NULL: no XCLIENT */
	const struct smtp_attrs *xforward;  /* NULL: no XFORWARD */
	/* smtpkit session: at the stop stage the session waits in SMTP_HELD
	 * with the connection open (no QUIT), for smtp_hand_*(). */
	bool hold;
};

/* A command typed by hand and what its reply is read as. */
struct smtp_typed {
	char *line;                 /* without CRLF; owned */
	bool secret;                /* a SASL payload: shown hidden */
	enum smtp_state like;       /* the state whose reply meanings apply; SMTP_TYPED: none */
	const char *step;           /* its name in the transcript and errors ("rcpt") */
};

/* smtpkit session's part of the session (smtp_hand.c). */
struct smtp_hand {
	bool active;                /* the automatic part is over: refusals do not end the session */
	struct smtp_typed *typed;   /* the group written; replies are read in order */
	size_t ntyped, answered;
	bool written;               /* the group is on the wire (replies may be owed) */
	/* Set by the session's SIGINT handler: a wait for the reply to what
	 * was typed may be abandoned (the replies are read before the next
	 * command); STARTTLS and AUTH are never stopped half-way. */
	const volatile sig_atomic_t *interrupt;
	/* Set while a wait Ctrl-C may not stop runs (a typed STARTTLS or
	 * AUTH, QUIT): the session's SIGINT handler says so instead of
	 * abandoning anything.  NULL: not told. */
	volatile sig_atomic_t *busy;
	bool in_data;               /* a 354 was read: what is typed is message data */
	struct out_data *data;      /* the typed message, as shown */
	bool sasl;                  /* a 334 to a typed AUTH: the next line is a SASL payload */
	struct msg *msg;            /* /data, /bdat */
	bool quit;                  /* QUIT sent */
	/* LMTP (RFC 2033 4.2): recipients typed and accepted since MAIL, and
	 * the replies still owed after the end of the message. */
	size_t lmtp_rcpts, lmtp_owed;
	int last_code;              /* the last reply to anything but QUIT (exit status) */
	bool last_refused;          /* the last thing done was refused, by a reply or locally */
	/* The first refusal the session went on after: a 4xx or 5xx reply to
	 * a typed command, an AUTH refused, a local refusal.  Its exit class is
	 * the session's unless a later failure ended it. */
	struct err refusal;
};

struct smtp_session {
	const struct smtp_policy *pol;
	struct out *out;
	const char *host;
	int port;

	enum smtp_state state;
	/* Where this run stops: the policy's stage, then, on a held session,
	 * the end of what it was asked to do next (STARTTLS, AUTH, a mail
	 * transaction). */
	enum smtp_stage stop;
	struct smtp_ahead ahead;
	struct conn conn;
	bool in_tls;
	bool connected;
	struct reply greeting;
	struct ehlo_caps caps_before;   /* from the EHLO before TLS */
	struct ehlo_caps caps_after;    /* from the EHLO inside TLS */
	bool have_before, have_after;
	bool used_helo;
	bool xclient_done, xforward_done;
	bool starttls_offered;
	bool starttls_refused;          /* offered, answered 4xx/5xx (auto mode went on) */
	struct tls_info tls;
	bool nonconforming;             /* a reply broke RFC 5321 syntax we tolerate */
	bool data_after_starttls;       /* bytes followed the 220 to STARTTLS */
	bool injection_vulnerable;      /* the injected NOOP was answered inside TLS */
	double starttls_ms;             /* STARTTLS sent -> 220 read: one round trip */
	struct smtp_txn *txn;           /* NULL: no transaction (ehlo, probe) */
	struct auth *auth;              /* during AUTH */
	bool authenticated;
	bool auth_pipelined;            /* the transaction was written behind AUTH PLAIN */
	char challenge[REPLY_LINE_MAX + 1];     /* last 334 text, for the next AUTH step */
	struct err err;
	int last_code;                  /* of the last reply read; 0 before any */
	struct smtp_hand hand;
	/* With pol->hold (send --count): the transaction smtp_hold_txn() was
	 * told comes next.  Its MAIL group is written behind this one's end
	 * of data, and what was written is next_ahead until it begins. */
	struct smtp_txn *next_txn;
	struct smtp_ahead next_ahead;
	/* Told of every state change, in the session's own thread, before it
	 * takes effect (s->state is still the old one); set after smtp_init(). */
	void (*observer)(void *ctx, const struct smtp_session *s, enum smtp_state next);
	void *observer_ctx;
};

void smtp_init(struct smtp_session *s, const struct smtp_policy *pol, struct out *out,
	       const char *host, int port);
/* Forget a transaction's results and progress, to run it again elsewhere. */
void smtp_txn_reset(struct smtp_txn *t);
/* Transactions the recipients are split into (LIMITS RCPTMAX), once the
 * first has begun. */
size_t smtp_txn_planned(const struct smtp_txn *t);
/* Run until the policy's stop stage (then QUIT) or a failure (s->err). */
int smtp_run(struct smtp_session *s);
void smtp_free(struct smtp_session *s);

/* The capabilities in force now: after TLS if TLS was started. */
const struct ehlo_caps *smtp_caps(const struct smtp_session *s);

/* --quit-after's names: "connect", "greeting", "ehlo", "tls", "auth", "mail", "rcpt". */
int smtp_stage_parse(const char *name, enum smtp_stage *st);
/* The meaning of code as the answer to state's command, when it differs
 * from the general one (220 to STARTTLS); NULL otherwise. */
const char *smtp_reply_meaning(enum smtp_state st, int code);
/* Will the policy take the session past stage st?  (To know what may be
 * pipelined: nothing beyond the stop stage is written.) */
bool smtp_goes_past(const struct smtp_session *s, enum smtp_stage st);

/* With pol->hold: one more mail transaction on a session held open
 * (smtpkit send --count), t reset by the caller.  After it the session is
 * held again (0; a refused recipient was answered with RSET, a refused
 * message needs nothing, and s->err says why the transaction failed: the
 * caller takes it and clears it) or over (-1: s->err, state SMTP_DONE).
 * next, when not NULL, is the transaction the caller runs next on this
 * session (reset too, and left alone until then): with PIPELINING its
 * MAIL group goes out behind t's end of data.  Should the session end
 * first, nothing of next's message was sent: reset it and run it
 * elsewhere. */
int smtp_hold_txn(struct smtp_session *s, struct smtp_txn *t, struct smtp_txn *next);
/* QUIT on a session held open; its reply is a courtesy. */
void smtp_hold_quit(struct smtp_session *s);

/* ---- smtpkit session: the machine driven by hand (smtp_hand.c) -------
 * With pol->hold, smtp_run() stops in SMTP_HELD.  Each function below runs
 * one thing typed and comes back to SMTP_HELD: 0.  A refusal the person
 * can act on (a 4xx or 5xx reply, AUTH refused, a local refusal) is noted
 * in s->hand.refusal and the session stays held; anything else (the
 * connection closed, a deadline, a protocol violation, 421) ends it:
 * SMTP_DONE, s->err set, -1.  QUIT ends it too (0, state SMTP_DONE). */

/* Commands typed (without CRLF), written as one group and answered in
 * order; the caller has checked them for control characters. */
int smtp_hand_commands(struct smtp_session *s, const char *const *lines, size_t n);
/* STARTTLS, the handshake and the certificate verdict as `ehlo` does
 * them, then EHLO again (RFC 3207 4.2). */
int smtp_hand_starttls(struct smtp_session *s);
/* AUTH as pol->auth says (user, secret, allowed mechanisms). */
int smtp_hand_auth(struct smtp_session *s);
/* After a 354: one line of the message (no line ending), dot-stuffed
 * (RFC 5321 4.5.2); then the final dot. */
int smtp_hand_data_line(struct smtp_session *s, const char *line, size_t len);
int smtp_hand_data_end(struct smtp_session *s);
/* A whole message: DATA, and after its 354 the message dot-stuffed; or
 * with bdat, BDAT n LAST and the message (RFC 3030). */
int smtp_hand_message(struct smtp_session *s, struct msg *m, bool bdat);
int smtp_hand_quit(struct smtp_session *s);
/* Close the connection in the middle of a typed message, without its
 * final dot: the server discards it (RFC 5321 has no other way to take
 * DATA back). */
void smtp_hand_drop(struct smtp_session *s);
/* Forget the typed group (smtp_free does it too). */
void smtp_hand_free(struct smtp_session *s);

#endif
