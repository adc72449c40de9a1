/* secret.h - where a password or token comes from: a file, a command, the
 * environment or a no-echo prompt; never the command line. */
#ifndef SMTPKIT_SECRET_H
#define SMTPKIT_SECRET_H

#include "err.h"

/* First line of FILE, without its line ending (66 if unreadable). */
char *secret_from_file(const char *path, struct err *e);
/* First line of the output of `/bin/sh -c CMD` (78 if it fails or exits
 * non-zero). */
char *secret_from_command(const char *cmd, const char *what, struct err *e);
/* Prompt on /dev/tty with echo off; NULL with e set (78) when there is no
 * terminal. */
char *secret_prompt(const char *prompt, struct err *e);
/* Overwrite, then free. */
void secret_free(char *secret);

#endif
