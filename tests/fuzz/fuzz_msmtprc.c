/* fuzz_msmtprc.c - `config --import-msmtprc`: an msmtp configuration in,
 * smtpkit's out; the output is then read by config.c as a user would
 * after saving it. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "config.h"
#include "msmtprc.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = msmtprc_convert((const char *)data, size, "fuzz");
	if (!out)
		abort();
	size_t n = strlen(out);
	FILE *fp = n ? fmemopen(out, n, "r") : NULL;
	if (fp) {
		struct err e = {0};
		if (config_load_stream(fp, "converted", &e) == 0)
			(void)config_select(NULL, &e);
		fclose(fp);
		config_free();
	}
	free(out);
	return 0;
}
