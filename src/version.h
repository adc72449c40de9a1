/* version.h - what `smtpkit --version` says: this version, the libraries
 * it runs with, and how it was built. */
#ifndef SMTPKIT_VERSION_H
#define SMTPKIT_VERSION_H

#include <stdio.h>

void version_print(FILE *fp);

#endif
