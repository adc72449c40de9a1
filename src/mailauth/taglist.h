/* taglist.h - "tag=value; tag=value" lists: DKIM signatures and key
 * records (RFC 6376 3.2), DMARC (RFC 7489 6.4) and BIMI records. */
#ifndef SMTPKIT_TAGLIST_H
#define SMTPKIT_TAGLIST_H

#include <stdbool.h>
#include <stddef.h>

struct tag {
	char *name;
	char *value;                /* white space (FWS) inside removed */
};

struct taglist {
	struct tag *t;
	size_t n;
	char error[160];
};

/* RFC 6376 3.2: names ALPHA *(ALPHA / DIGIT / "_"), values visible ASCII
 * but ';', a tag twice is an error.  -1 with tl->error set; tl holds the
 * tags read before it either way (free it). */
int taglist_parse(const char *s, struct taglist *tl);
/* The value of name (compared without regard to ASCII case when nocase),
 * or NULL. */
const char *taglist_get(const struct taglist *tl, const char *name, bool nocase);
void taglist_free(struct taglist *tl);

#endif
