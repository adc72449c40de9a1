/* version.c - `smtpkit --version`, for bug reports and packagers. */
#include "version.h"
#include "out.h"

#include <gnu/libc-version.h>
#include <gnutls/gnutls.h>

#ifndef SMTPKIT_VERSION
#define SMTPKIT_VERSION "0"
#endif
/* Set by src/meson.build from the build options: "+readline
 * -sendmail-link ...". */
#ifndef SMTPKIT_FEATURES
#define SMTPKIT_FEATURES ""
#endif

void version_print(FILE *fp)
{
	fprintf(fp, "smtpkit %s\n", SMTPKIT_VERSION);
	/* The library in use can be newer than the headers built against. */
	fprintf(fp, "GnuTLS %s (built with %s), glibc %s\n", gnutls_check_version(NULL), GNUTLS_VERSION,
		gnu_get_libc_version());
	fprintf(fp, "JSON schema %d\n", OUT_JSON_SCHEMA);
	fprintf(fp, "features: %s\n", SMTPKIT_FEATURES);
}
