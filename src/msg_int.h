/* msg_int.h - what msg.c, msg_data.c, mime.c and mime_hdr.c share; not for other modules. */
#ifndef SMTPKIT_MSG_INT_H
#define SMTPKIT_MSG_INT_H

#include <stddef.h>

#include "err.h"
#include "msg.h"

/* Streaming buffers: every read of a message, body or attachment goes
 * through buffers of this size, so memory does not grow with the input. */
#define MSG_CHUNK 65536
/* The spool stays in memory up to this size, then moves to a file. */
#define MSG_SPOOL_MEM (1024 * 1024)

/* msg.c */
/* Append to the spool; 74 when the temporary file cannot be written. */
int msg_spool_write(struct msg *m, const void *p, size_t n, struct err *e);
int msg_spool_puts(struct msg *m, const char *s, struct err *e);
/* Fill buf with n random octets (getrandom); 70 on failure. */
int msg_random(void *buf, size_t n, struct err *e);
/* RFC 5322 3.3 date-time, local time with numeric zone. */
void msg_date(char *buf, size_t size);
/* RFC 5322 3.6.4 msg-id "<random@domain>", 128 random bits. */
int msg_message_id(char *buf, size_t size, const char *domain, struct err *e);
/* Take ownership of an addr-spec for m->recipients, dropping duplicates. */
int msg_add_recipient(struct msg *m, char *spec, struct err *e);

/* msg_data.c: read o->data into m's spool. */
int msg_data_read(struct msg *m, const struct msg_opts *o, struct err *e);

/* mime.c: compose the message from o (no --data) into m's spool. */
int mime_compose(struct msg *m, const struct msg_opts *o, struct err *e);

/* mime_hdr.c */
/* Generated header fields that a --header replaces. */
enum {
	MIME_H_FROM = 1, MIME_H_TO = 2, MIME_H_CC = 4, MIME_H_SUBJECT = 8, MIME_H_DATE = 16,
	MIME_H_MSGID = 32,
};
/* Check every --header (64 unless a clean "Name: value"); *replaced gets
 * the MIME_H_ fields they replace. */
int mime_user_headers(const struct msg_opts *o, unsigned *replaced, struct err *e);
/* From, To, Cc, Subject, Date, Message-ID, MIME-Version, then --header. */
int mime_headers(struct msg *m, const struct msg_opts *o, const char *subject, unsigned replaced,
		 struct err *e);
/* "From: " the one address from ("addr" or "Name <addr>"), encoded. */
int mime_from_field(struct msg *m, const char *from, struct err *e);
/* Content-Type, Content-Disposition, Content-Transfer-Encoding of a file part. */
int mime_attach_headers(struct msg *m, const struct msg_attach *a, struct err *e);

#endif
