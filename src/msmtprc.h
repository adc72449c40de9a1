/* msmtprc.h - an msmtp configuration (msmtp(1), "CONFIGURATION FILES")
 * turned into the smtpkit configuration that does the same
 * (smtpkit-config(5)), with a comment for each setting that has no
 * equivalent and why.  A pure function: text in, text out. */
#ifndef SMTPKIT_MSMTPRC_H
#define SMTPKIT_MSMTPRC_H

#include <stddef.h>

/* The smtpkit configuration for msmtp's text (len octets, NULs allowed
 * and reported as unreadable lines); name is the file's name for the
 * heading comment.  Malloc'd; NULL only when out of memory. */
char *msmtprc_convert(const char *text, size_t len, const char *name);

#endif
