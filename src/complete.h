/* complete.h - every subcommand's options as data, for the shell
 * completion scripts: `smtpkit --dump-options` prints them and
 * scripts/completions.py turns the listing into bash, zsh and fish
 * completions at build time, so that an option cannot be added to a popt
 * table without its completion. */
#ifndef SMTPKIT_COMPLETE_H
#define SMTPKIT_COMPLETE_H

#include <popt.h>
#include <stdio.h>

/* One line: "sub" TAB name TAB summary. */
void complete_dump_subcommand(FILE *fp, const char *name, const char *summary);

/* One line per option of the table (included tables followed, options
 * hidden from --help left out):
 *   "opt" TAB sub TAB --long TAB -s TAB kind TAB values TAB description
 * with "" for a missing long or short name.  kind is how its argument is
 * completed: flag (none), file, dir, command, account, list (comma-separated
 * words of values), word (one of values), text (nothing to offer). */
void complete_dump_options(FILE *fp, const char *sub, const struct poptOption *table);

#endif
