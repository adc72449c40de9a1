/* smtp_int.h - what the parts of the session state machine share
 * (smtp.c: the machine; smtp_auth.c: AUTH; smtp_txn.c: the mail
 * transaction).  Not for other modules. */
#ifndef SMTPKIT_SMTP_INT_H
#define SMTPKIT_SMTP_INT_H

#include "smtp.h"

/* The step names errors and the transcript use ("ehlo", "end-of-data"):
 * the current state's, or a given state's. */
const char *smtp_step_name(const struct smtp_session *s);
const char *smtp_state_step_name(enum smtp_state st);

/* Queue one command line (CRLF added) and show it; shown replaces the
 * text in the transcript (for AUTH secrets) when not NULL.  Does not flush:
 * a pipelined group leaves in one write with smtp_flush(). */
int smtp_queue_command(struct smtp_session *s, const char *shown, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int smtp_flush(struct smtp_session *s);

/* Before writing a command when no reply is awaited (nothing pipelined
 * ahead of it): the server must have sent nothing since its last reply.
 * Bytes that arrived would be read as the reply to this command, so they
 * are a protocol violation (76), as after the STARTTLS 220 (RFC 3207 5).
 * Only what has arrived by now counts.  -1 with s->err set. */
int smtp_expect_quiet(struct smtp_session *s, const char *command);

/* Record a failure caused by reply r (may be NULL), quoting it; returns
 * the state that ends the session after a failure. */
enum smtp_state smtp_fail(struct smtp_session *s, const struct reply *r,
			  enum err_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 4xx: temporary (75), 5xx: permanent (69), anything else: nonsense for
 * the command (76). */
enum smtp_state smtp_fail_unexpected(struct smtp_session *s, const struct reply *r,
				     const char *what);

/* Enter state next (as if the current state had picked it) and run until
 * SMTP_HELD or SMTP_DONE, as smtp_run(). */
int smtp_resume(struct smtp_session *s, enum smtp_state next);
/* Take a 250 reply to EHLO as the capabilities in force: before TLS or
 * inside it.  -1 with s->err set when it cannot be parsed. */
int smtp_take_caps(struct smtp_session *s, const struct reply *r);

/* After the last EHLO (and TLS): AUTH, the transaction, or QUIT. */
enum smtp_state smtp_after_hello(struct smtp_session *s);

/* smtp_auth.c */
enum smtp_state smtp_auth_choose(struct smtp_session *s);
int smtp_enter_auth(struct smtp_session *s);
int smtp_enter_auth_step(struct smtp_session *s);
enum smtp_state smtp_on_auth(struct smtp_session *s, const struct reply *r);
/* A 334's meaning in context, into buf, or NULL for the general one. */
const char *smtp_auth_challenge_meaning(const struct smtp_session *s, const struct reply *r, char *buf,
					size_t size);

/* smtp_txn.c */
enum smtp_state smtp_txn_begin(struct smtp_session *s);
/* RFC 4954 4: behind AUTH with an initial response that completes in one
 * round trip (PLAIN), the transaction may follow in the same group.  Queues
 * MAIL, RCPTs and DATA (never BDAT) when that is possible; false if not. */
bool smtp_txn_pipeline_behind_auth(struct smtp_session *s);
int smtp_enter_mail(struct smtp_session *s);
int smtp_enter_rcpt(struct smtp_session *s);
int smtp_enter_data(struct smtp_session *s);
int smtp_enter_data_body(struct smtp_session *s);
int smtp_enter_bdat(struct smtp_session *s);
/* Queue message m: dot-stuffed for DATA, as is for BDAT; flushed in
 * chunks, each write under its own step deadline. */
int smtp_queue_message(struct smtp_session *s, struct msg *m, bool stuff);
/* The message and its end are queued: write them under a step's deadline,
 * then give the reply the end-of-data deadline (RFC 5321 4.5.3.2.6). */
int smtp_flush_message(struct smtp_session *s);
enum smtp_state smtp_on_mail(struct smtp_session *s, const struct reply *r);
enum smtp_state smtp_on_rcpt(struct smtp_session *s, const struct reply *r);
enum smtp_state smtp_on_data(struct smtp_session *s, const struct reply *r);
enum smtp_state smtp_on_final(struct smtp_session *s, const struct reply *r);
/* The queue id a final reply gives, escaped, into out ("" if none). */
void smtp_reply_queue_id(const struct reply *r, char *out, size_t size);
/* Every recipient of the batch accepted what it needs: DATA or BDAT. */
enum smtp_state smtp_txn_after_rcpts(struct smtp_session *s);
/* A failure while the message was in flight: say whether it may have
 * been delivered. */
void smtp_txn_lost(struct smtp_session *s, bool reading_reply);

/* smtp_xclient.c: XCLIENT and XFORWARD after the (last) EHLO. */
bool smtp_x_pending(const struct smtp_session *s);
enum smtp_state smtp_x_next(const struct smtp_session *s);
int smtp_enter_xclient(struct smtp_session *s);
int smtp_enter_xforward(struct smtp_session *s);
enum smtp_state smtp_on_xclient(struct smtp_session *s, const struct reply *r);
enum smtp_state smtp_on_xforward(struct smtp_session *s, const struct reply *r);

/* smtp_txn.c, LMTP (RFC 2033 4.2): the reply after the data for the next
 * recipient accepted at RCPT. */
enum smtp_state smtp_on_lmtp_reply(struct smtp_session *s, const struct reply *r);

/* smtp_hand.c */
int smtp_enter_typed(struct smtp_session *s);
enum smtp_state smtp_on_typed(struct smtp_session *s, const struct reply *r);
/* The reply to the end of a message sent by hand (".", BDAT LAST). */
enum smtp_state smtp_on_typed_final(struct smtp_session *s, const struct reply *r);
/* The step name of the typed command whose reply is awaited. */
const char *smtp_typed_step(const struct smtp_session *s);
/* Ctrl-C while a reply to something typed was awaited: stop waiting and
 * owe the reply (read before the next command).  false when the state
 * cannot be left half-way. */
bool smtp_hand_abandon(struct smtp_session *s);
/* Waits that Ctrl-C may stop: the replies to what was typed. */
bool smtp_hand_interruptible(enum smtp_state st);
enum smtp_state smtp_typed_like(const struct smtp_session *s);

#endif
