/* session_input.h - where smtpkit session reads what is typed: a terminal
 * (a prompt; line editing and history with GNU readline when the build has
 * it; Ctrl-C) or a script on standard input (a here-document, a pipe). */
#ifndef SMTPKIT_SESSION_INPUT_H
#define SMTPKIT_SESSION_INPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum session_read {
	SESSION_LINE,               /* *line holds one line, without its LF */
	SESSION_EOF,                /* Ctrl-D, or the end of the script */
	SESSION_INTERRUPT,          /* Ctrl-C at the prompt: the line typed so far is dropped */
	SESSION_ERROR,              /* reading standard input failed (errno) */
};

struct session_input {
	bool terminal;              /* standard input is a terminal: prompts, Ctrl-C */
	FILE *prompt_fp;            /* where prompts go (stderr with --json) */
	char *buf;                  /* the last line read */
	size_t cap, len;
	char *pending;              /* bytes read past the line (no readline) */
	size_t npending;
	char *history;              /* history file, NULL for none */
};

/* Set by the SIGINT handler that session_input_open installs on a
 * terminal; the session's waits stop when it is set. */
extern volatile sig_atomic_t session_interrupted;
/* Set by the engine (smtp_hand.busy) while a wait Ctrl-C may not stop
 * runs: then Ctrl-C only says so. */
extern volatile sig_atomic_t session_busy;

/* Standard input: a terminal when it is one (then Ctrl-C is caught from
 * here on), else a script. */
void session_input_open(struct session_input *in, FILE *prompt_fp);
/* One line.  Lines hold whatever bytes were typed, NUL included (len). */
enum session_read session_input_read(struct session_input *in, const char *prompt,
				     const char **line, size_t *len);
/* Keep a line in the history (the caller never passes one with a secret). */
void session_input_remember(struct session_input *in, const char *line);
/* Before the output of a step that may be long: the prompt line is done. */
void session_input_close(struct session_input *in);
/* "readline" or "plain": what the build reads a terminal with. */
const char *session_input_editor(void);

#endif
