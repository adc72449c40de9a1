/* send_load.c - `smtpkit send --count`: its options, their checks, and
 * the hand-over from send's envelope and message to load_run(). */
#define _DEFAULT_SOURCE
#include "send.h"
#include "load.h"
#include "msg.h"
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	char *count, *connections, *per_connection, *rate, *duration, *to_file;
	int no_seq_header;
} a;

struct poptOption send_load_options[] = {
	{"count", '\0', POPT_ARG_STRING, &a.count, 0, "send N messages over sessions held open (a load test)", "N"},
	{"duration", '\0', POPT_ARG_STRING, &a.duration, 0, "send for this long (with or instead of --count)", "SECONDS"},
	{"connections", '\0', POPT_ARG_STRING, &a.connections, 0, "sessions at once (default 1)", "C"},
	{"per-connection", '\0', POPT_ARG_STRING, &a.per_connection, 0,
	 "transactions on a session before QUIT and a new one (default: as many as the server allows)", "M"},
	{"rate", '\0', POPT_ARG_STRING, &a.rate, 0, "at most R messages a second overall", "R"},
	{"to-file", '\0', POPT_ARG_STRING, &a.to_file, 0,
	 "recipients, one address per line: each message goes to the next one, in turn", "FILE"},
	{"no-seq-header", '\0', POPT_ARG_NONE, &a.no_seq_header, 0, "no X-Smtpkit-Seq: header in the messages", NULL},
	POPT_TABLEEND
};

static struct load_opts lo;
static char **rotate;
static size_t nrotate;

bool send_load_wanted(void)
{
	return a.count || a.duration;
}

static int number(const char *opt, const char *s, double min, double max, double *v, struct err *e)
{
	char *end;
	errno = 0;
	*v = s ? strtod(s, &end) : 0;
	if (s && (errno || end == s || *end || *v < min || *v > max))
		return err_set(e, ERR_USAGE, NULL, "invalid %s \"%s\": a number from %g to %g", opt, s, min, max);
	return 0;
}

/* --to-file: one addr-spec per line; blank lines and # comments skipped. */
static int read_rotation(const char *path, struct err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return err_set(e, ERR_NOINPUT, NULL, "cannot read --to-file %s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, lineno = 0;
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		char *spec = msg_addr_spec(line, false, ERR_USAGE, e);
		char **more = spec ? realloc(rotate, (nrotate + 1) * sizeof *more) : NULL;
		if (!more) {
			free(spec);
			err_append(e, " (--to-file %s line %d)", path, lineno);
			if (!err_is_set(e))
				err_set(e, ERR_INTERNAL, NULL, "out of memory");
			rc = -1;
			break;
		}
		rotate = more;
		rotate[nrotate++] = spec;
	}
	free(line);
	fclose(fp);
	if (rc == 0 && nrotate == 0)
		return err_set(e, ERR_USAGE, NULL, "--to-file %s holds no address", path);
	return rc;
}

bool send_load_rotates(void)
{
	return a.to_file != NULL && send_load_wanted();
}

int send_load_check(bool server, bool quit_after, bool dry_run, struct err *e)
{
	bool any = a.connections || a.per_connection || a.rate || a.to_file || a.no_seq_header;
	if (!send_load_wanted())
		return any ? err_set(e, ERR_USAGE, NULL,
				     "--connections, --per-connection, --rate, --to-file and --no-seq-header go with --count or --duration")
			   : 0;
	if (!server)
		return err_set(e, ERR_USAGE, NULL, "--count and --duration load one server: they go with --server");
	if (quit_after || dry_run)
		return err_set(e, ERR_USAGE, NULL, "--count and --duration send: not with --quit-after or --dry-run");
	double count, duration, conns, per, rate;
	if (number("--count", a.count, 1, 1e12, &count, e) < 0
	    || number("--duration", a.duration, 0.001, 86400, &duration, e) < 0
	    || number("--connections", a.connections, 1, 1000, &conns, e) < 0
	    || number("--per-connection", a.per_connection, 1, 1e12, &per, e) < 0
	    || number("--rate", a.rate, 0.001, 1e7, &rate, e) < 0)
		return -1;
	lo.count = (unsigned long long)count;
	lo.duration = duration;
	lo.connections = a.connections ? (unsigned)conns : 1;
	lo.per_connection = (unsigned long long)per;
	lo.rate = rate;
	lo.seq_header = !a.no_seq_header;
	if (a.to_file && read_rotation(a.to_file, e) < 0)
		return -1;
	lo.rotate = rotate;
	lo.nrotate = nrotate;
	return 0;
}

int send_load_run(const struct smtp_txn *base, const struct smtp_policy *pol, const struct out_opts *oo,
		  const char *host, int port, struct err *e)
{
	struct smtp_policy held = *pol;
	/* Each session stops after TLS and AUTH, open, for transaction after
	 * transaction (smtp_hold_txn). */
	held.hold = true;
	held.stop_after = pol->auth.user ? SMTP_STAGE_AUTH : SMTP_STAGE_TLS;
	lo.domain = pol->helo;
	lo.progress = !oo->json && !oo->quiet && isatty(2);
	lo.transcript = oo->json ? 0 : oo->verbose;
	struct out_opts quiet = *oo;
	quiet.verbose = 0;              /* -v shows a session, not its state changes */
	struct load_job job = {.o = &lo, .pol = &held, .oo = &quiet, .txn = base, .host = host, .port = port};
	struct load_stats st;
	if (load_run(&job, &st, e) < 0)
		return -1;
	load_report(&job, &st, oo->json);
	int rc = load_exit_code(&st);
	load_stats_free(&st);
	return rc;
}

void send_load_free(void)
{
	for (size_t i = 0; i < nrotate; i++)
		free(rotate[i]);
	free(rotate);
	rotate = NULL;
	nrotate = 0;
}
