/* fuzz_config.c - the accounts file (smtpkit-config(5)) as config.c reads
 * it: lines, quotes, sections, inherit chains; then every account chosen
 * in turn and the -f match, as sendmail mode does. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "config.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "r");
	if (!fp)
		abort();
	struct err e = {0};
	if (config_load_stream(fp, "fuzz", &e) == 0 && config_select(NULL, &e) == 0) {
		size_t n = config_naccounts();
		for (size_t i = 0; i < n; i++) {
			err_clear(&e);
			/* Names are kept: selecting reads them again. */
			char *name = strdup(config_account_at(i));
			if (!name)
				abort();
			if (config_select(name, &e) == 0)
				for (size_t k = 0; k < config_count(); k++)
					if (!config_at(k)->value || !config_get(config_at(k)->key))
						abort();
			free(name);
		}
		(void)config_account_for_sender("Someone <someone@example.org>");
	}
	fclose(fp);
	config_free();
	return 0;
}
