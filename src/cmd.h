/* cmd.h - the subcommands' entry points. */
#ifndef SMTPKIT_CMD_H
#define SMTPKIT_CMD_H

#include <popt.h>

/* Each takes argv with argv[0] = the subcommand's name and returns the
 * process exit status (SPEC 9). */
int cmd_ehlo(int argc, const char **argv);
int cmd_send(int argc, const char **argv);
int cmd_tls_check(int argc, const char **argv);
int cmd_probe(int argc, const char **argv);
int cmd_mx(int argc, const char **argv);
int cmd_session(int argc, const char **argv);
int cmd_sendmail(int argc, const char **argv);
int cmd_config(int argc, const char **argv);

/* Their popt tables, for `smtpkit --dump-options` (complete.h).  sendmail
 * parses its letters itself; sendmail_options only describes them. */
extern struct poptOption send_options[], ehlo_options[], tls_check_options[], probe_options[],
	mx_options[], session_options[], sendmail_options[], config_options[];

#endif
