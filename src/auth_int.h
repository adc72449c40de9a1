/* auth_int.h - what auth.c and auth_scram.c share; not for other modules. */
#ifndef SMTPKIT_AUTH_INT_H
#define SMTPKIT_AUTH_INT_H

#include <stddef.h>

#include "auth.h"

#define AUTH_STAGE "auth"

/* auth.c */
/* ERR_INTERNAL "out of memory"; returns -1. */
int auth_nomem(struct err *e);
/* Concatenate NUL-terminated pieces up to a NULL; allocated. */
char *auth_join(const char *first, ...);
/* RFC 5802 5.1 saslname, also RFC 7628's gs2 authzid: ',' and '=' would end
 * or confuse the attribute, so they travel as =2C and =3D.  No SASLprep
 * (RFC 4013) normalisation: user names are taken as the user typed them. */
char *auth_saslname(const char *user);
/* *out = base64 of the len octets of buf, which hold credentials: buf is
 * wiped and freed whatever happens. */
int auth_b64_secret(unsigned char *buf, size_t len, char **out, struct err *e);
/* *out = base64 of the string s. */
int auth_b64_string(const char *s, char **out, struct err *e);

/* auth_scram.c */
/* The client-first message as *initial, after a random client nonce. */
int auth_scram_begin(struct auth *a, char **initial, struct err *e);
/* Answer server-first with client-final, then check server-final; msg is
 * the decoded challenge, len octets. */
int auth_scram_step(struct auth *a, const char *msg, size_t len, char **response, struct err *e);

#endif
