/* config.h - the accounts file (smtpkit-config(5)): `key value` lines,
 * `[account NAME]` sections that may `inherit OTHER`, top-level defaults.
 * Keys are the long option names; the command line always wins. */
#ifndef SMTPKIT_CONFIG_H
#define SMTPKIT_CONFIG_H

#include <popt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

#ifndef SMTPKIT_SYSCONFDIR
#define SMTPKIT_SYSCONFDIR "/etc"
#endif

/* One setting and where it was written. */
struct config_entry {
	char *key, *value;
	const char *file;           /* the file's path, owned by the config */
	int line;
	const char *account;        /* section it was read in; NULL: top level */
};

/* The files to read: path (--config) alone, none with no_config, else
 * SYSCONFDIR/smtpkit/config then $XDG_CONFIG_HOME/smtpkit/config (default
 * ~/.config/smtpkit/config); missing ones are skipped.  Every error is
 * ERR_CONFIG naming file:line and the key.  Reading again replaces. */
int config_load(const char *path, bool no_config, struct err *e);

/* The same from an open stream named name (the fuzz target, tests); the
 * permission check needs a real file descriptor. */
int config_load_stream(FILE *fp, const char *name, struct err *e);

/* Pick the account: name, else the top-level `account`, else none (the
 * top-level keys alone).  Resolves `inherit`; 78 for an unknown account. */
int config_select(const char *name, struct err *e);

/* msmtp's rule for sendmail -f: the first account whose `from` matches
 * sender (shell wildcards, case-insensitive); NULL when none does. */
const char *config_account_for_sender(const char *sender);

/* Effective settings of the selected account, in key order of the table
 * of keys; NULL when key is unset (or "no" for a flag: see config_flag). */
const struct config_entry *config_get(const char *key);
size_t config_count(void);
const struct config_entry *config_at(size_t i);
const char *config_account(void);           /* NULL: none selected */
/* The files that were read, for messages. */
size_t config_nfiles(void);
const char *config_file(size_t i);
/* Names of every account, in file order. */
size_t config_naccounts(void);
const char *config_account_at(size_t i);

/* A flag key's value: 1 yes/on/true, 0 no/off/false (checked at load). */
bool config_flag(const char *key);
/* A key whose value is a secret (password): --show hides it. */
bool config_key_is_secret(const char *key);

/* Fill every option of table (and the tables it includes) that the
 * command line left unset from the effective settings: string options
 * from their value, flags from a true value.  Options with no storage
 * (counted or handled by a callback) are never set from the file. */
void config_apply(const struct poptOption *table);

/* Did the file give key's option its value (config_apply, config_take)? */
bool config_gave(const char *key);

/* The value of key, which the caller uses as is (no option of it was
 * given): NULL when unset.  config_blame() then answers for it. */
const char *config_take(const char *key);

/* A usage error about an option (e->option) whose value came from the
 * file, or a file it names that cannot be read, becomes that key's
 * configuration error: 78, file:line (SPEC 12).  Any other error is left
 * as it is. */
void config_blame(struct err *e);

/* Forget everything read (tests, and reading again). */
void config_free(void);

#endif
