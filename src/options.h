/* options.h - the options every network subcommand shares (SPEC 2), their
 * popt table, and their checks. */
#ifndef SMTPKIT_OPTIONS_H
#define SMTPKIT_OPTIONS_H

#include <popt.h>
#include <stdbool.h>

#include "err.h"
#include "out.h"
#include "smtp.h"

struct net_args {
	char *port;
	char *tls;
	int insecure;
	char *cafile, *cert, *key;
	char *sni, *tls_priority, *tls_name;
	char *helo;
	char *timeout, *connect_timeout;
	int ipv4, ipv6;
	char *source;
	char *resolver;
	int json, quiet, verbose;
	char *color;
	int timing;
	int show_secrets;
	char *account, *config;     /* -a, --config (smtpkit-config(5)) */
	int no_config;
	bool timeout_given;
	/* transports and protocol variants (issue 15) */
	char *protocol;
	char *socket, *pipe;
	char *proxy_protocol, *proxy_source, *proxy_dest;
	char *xclient, *xforward;
	char *socks, *socks_user, *socks_password_file;
	int socks_remote_dns;
	bool no_secrets;            /* send --dry-run: nothing connects, no secret is read */
};

extern struct net_args net_args;
extern struct poptOption net_options[];

/* popt returns this for -v, so it can be counted (-vv). */
#define NET_OPT_VERBOSE 'v'

/* Parse a popt context to the end, counting -v; other options with a val
 * are handed to on_opt (may be NULL) in command-line order.  Positional
 * arguments are left in the context.  Then the configuration file is read
 * (--config, --no-config), the account chosen (-a) and the shared options
 * the command line left unset are filled from it (config.h); a subcommand
 * fills its own with config_apply().  Returns 0, or -1 with e set (64, 78). */
typedef int net_opt_fn(int val, const char *arg, void *ctx, struct err *e);
int net_parse(poptContext ctx, net_opt_fn *on_opt, void *opt_ctx, struct err *e);

/* HOST, HOST:PORT, [IPv6], [IPv6]:PORT.  *host is allocated; *port is 0
 * when none was given. */
int net_parse_target(const char *arg, char **host, int *port, struct err *e);

/* Check the shared options and fill what they decide: output options,
 * TLS configuration, timeouts, HELO name.  host is the target as given
 * (used for SNI and the certificate name). */
int net_policy(const char *host, struct smtp_policy *pol, struct out_opts *oo, struct err *e);
/* The resolver for DNS lookups (MX, addresses, policy records, TLSA):
 * --resolver, else resolv.conf's servers.  An explicit --timeout bounds
 * each whole lookup, else DNS_TIMEOUT_MS does.  pol from net_policy(). */
struct dns_resolver;
int net_resolver(struct dns_resolver *r, const struct smtp_policy *pol, struct err *e);

/* The one positional HOST[:PORT] of ehlo and tls-check: *host allocated,
 * *port from -p, HOST:PORT or fallback.  64 when there is not exactly one. */
int net_one_target(poptContext ctx, const char *sub, int fallback, char **host, int *port,
		   struct err *e);
/* The port: -p, else from HOST:PORT, else the default. */
int net_port(int from_target, int fallback, int *port, struct err *e);
/* The port of MX hosts: 25 (SPEC 6), or -p from the command line; an
 * account's port is its relay's, not theirs. */
int net_mx_port(int *port, struct err *e);
/* A HOST named on the command line, or hosts a subcommand finds itself
 * (probe, tls-check, mx), are where to connect: an account's --socket or
 * --pipe gives way to them (the command line's does not). */
void net_host_named(void);

/* --socket or --pipe: the server is local, HOST is optional ("localhost"
 * names it for TLS and the report). */
bool net_transport_local(void);
/* For subcommands where a local transport makes no sense (probe, mx,
 * tls-check): 64 when --socket or --pipe was given. */
int net_no_local_transport(const char *sub, struct err *e);

/* A command-line value that will be placed on an SMTP command line
 * (SPEC 10.5): refused with 64 if it holds a control character. */
int net_check_value(const char *what, const char *value, struct err *e);


/* --json anywhere on the command line, even after an option popt refused:
 * a usage error must still be one JSON document then (SPEC 8). */
bool net_json_requested(int argc, const char **argv);

/* A failure before any session: the JSON document when --json asked for
 * one, the error on stderr, and a pointer to --help for usage errors.
 * A usage error over a value the accounts file set becomes its 78 with
 * file:line first (config_blame).  argv[0] is "smtpkit SUBCOMMAND". */
void net_early_error(int argc, const char **argv, struct err *e);

/* AUTH options shared by send and session (SPEC 3): who, with which
 * mechanisms, and where the secret comes from (never the command line). */
struct auth_args {
	char *user, *password_file, *password_command, *auth, *oauth_token_command;
};
extern struct auth_args auth_args;
extern struct poptOption auth_options[];

/* --user checked for control characters; --oauth-token-command needs
 * --user.  64 otherwise. */
int auth_args_check(struct err *e);
/* --auth's list as a mask of (1 << enum auth_mech): the password
 * mechanisms, or with --oauth-token-command the OAuth ones; without --auth
 * every mechanism of that kind. */
int auth_args_mechs(unsigned *mechs, struct err *e);
/* The secret: --oauth-token-command, --password-file, --password-command,
 * the account's password key, SMTPKIT_PASSWORD, else a no-echo prompt
 * naming the user.  NULL with e set. */
char *auth_args_secret(struct err *e);

#endif
