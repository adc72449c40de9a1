/* cmd_stubs.c - subcommands not built yet: they say so and exit 70. */
#include "cmd.h"

#include <stdio.h>

static int not_yet(const char *name)
{
	fprintf(stderr, "smtpkit: %s: not implemented yet\n", name);
	return 70;
}


int cmd_tls_check(int argc, const char **argv) { (void)argc; (void)argv; return not_yet("tls-check"); }
