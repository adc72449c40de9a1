/* fuzz_reply.c - reply lines and multiline replies (reply_feed), then
 * what the session does with a finished reply: its class and its
 * one-line summary.  One input is a server's stream of reply lines. */
#include "fuzz.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r = {0};
	struct fuzz_line l;
	size_t pos = 0;
	char summary[512];

	while (fuzz_next_line(data, size, &pos, &l)) {
		const char *why;
		enum reply_status st = reply_feed(&r, l.text, l.len, l.bare_lf, &why);
		free(l.text);
		if (st == REPLY_MORE)
			continue;
		if (st == REPLY_MALFORMED && !why)
			abort();        /* reply.h: why is set on REPLY_MALFORMED */
		reply_class(&r);
		reply_summary(&r, summary, sizeof summary);
		reply_free(&r);
		memset(&r, 0, sizeof r);
	}
	reply_summary(&r, summary, sizeof summary);
	reply_free(&r);
	return 0;
}
