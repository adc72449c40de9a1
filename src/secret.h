/* secret.h - where a password or token comes from: a file, a command, the
 * environment or a no-echo prompt; never the command line. */
#ifndef SMTPKIT_SECRET_H
#define SMTPKIT_SECRET_H

#include "err.h"

/* Each source refuses a secret holding NUL, CR or LF, or over 8192
 * octets, with ERR_CONFIG (78) and a message naming the source (SPEC
 * 10.11).  A file and a command's output lose one final line ending (LF
 * or CRLF); the prompt's line ends at the newline typed. */
/* The contents of FILE (66 if unreadable). */
char *secret_from_file(const char *path, struct err *e);
/* The output of `/bin/sh -c CMD` (78 if it fails or exits non-zero); what
 * names the option in messages. */
char *secret_from_command(const char *cmd, const char *what, struct err *e);
/* The environment variable NAME; NULL with e not set when it is unset. */
char *secret_from_env(const char *name, struct err *e);
/* Prompt on /dev/tty with echo off; NULL with e set (78) when there is no
 * terminal.  Ctrl-C ends the program, unless it handles SIGINT itself:
 * then NULL with ERR_INTERRUPTED. */
char *secret_prompt(const char *prompt, struct err *e);
/* Overwrite, then free. */
void secret_free(char *secret);

#endif
