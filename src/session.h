/* session.h - smtpkit session's dialogue: what is typed (or read from a
 * script) after the automatic part, sent and explained by the engine. */
#ifndef SMTPKIT_SESSION_H
#define SMTPKIT_SESSION_H

#include <stdbool.h>

#include "err.h"
#include "session_input.h"
#include "smtp.h"

struct session {
	struct smtp_session *s;
	struct smtp_policy *pol;    /* the session's own: AUTH typed fills pol->auth */
	struct session_input in;
	bool pipeline;              /* script: groups as RFC 2920 allows */
	char *user;                 /* --user, or asked at the first AUTH typed */
	char *secret;               /* from the usual sources, asked at most once */
	/* A script line smtpkit refused (a control character, an unreadable
	 * /data file, no credentials): the script stops there. */
	struct err input;
	unsigned interrupts;        /* Ctrl-C pressed in a row at the data> prompt */
	char **group;               /* --pipeline: commands read, not yet sent */
	size_t ngroup;
};

/* Read and run lines until QUIT, the end of input, or the end of the
 * session; QUIT is sent at the end of input. */
void session_dialogue(struct session *se);
void session_free(struct session *se);

#endif
