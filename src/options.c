/* options.c - shared network options: table, parsing, checks, defaults. */
#define _GNU_SOURCE
#include "options.h"
#include "auth.h"
#include "config.h"
#include "dns.h"
#include "secret.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct net_args net_args;
static struct dns_resolver host_resolver;        /* names of HOST, with --resolver */
/* What the transport options decide, for the policy to point at. */
static const char **pipe_argv;                  /* --pipe, split by popt */
static struct smtp_attrs xclient_attrs, xforward_attrs;
static char *socks_host, *socks_password;

struct poptOption net_options[] = {
	{"port", 'p', POPT_ARG_STRING, &net_args.port, 0, "port (overrides HOST:PORT)", "PORT"},
	{"tls", '\0', POPT_ARG_STRING, &net_args.tls, 0,
	 "auto (implicit on 465, else STARTTLS when offered), starttls (required), implicit, none", "MODE"},
	{"insecure", '\0', POPT_ARG_NONE, &net_args.insecure, 0,
	 "go on when the certificate does not verify (still reported)", NULL},
	{"cafile", '\0', POPT_ARG_STRING, &net_args.cafile, 0,
	 "trust these CAs instead of the system store: a PEM file, or a directory of PEM files", "FILE|DIR"},
	{"cert", '\0', POPT_ARG_STRING, &net_args.cert, 0, "client certificate (PEM)", "FILE"},
	{"key", '\0', POPT_ARG_STRING, &net_args.key, 0, "client certificate's key (PEM)", "FILE"},
	{"sni", '\0', POPT_ARG_STRING, &net_args.sni, 0, "server name to send (default: --tls-name, else HOST when a name)", "NAME"},
	{"tls-priority", '\0', POPT_ARG_STRING, &net_args.tls_priority, 0, "GnuTLS priority string", "STRING"},
	{"tls-name", '\0', POPT_ARG_STRING, &net_args.tls_name, 0, "name the certificate must match (default HOST)", "NAME"},
	{"helo", '\0', POPT_ARG_STRING, &net_args.helo, 0, "EHLO/HELO argument (default: this host's FQDN)", "NAME"},
	{"timeout", '\0', POPT_ARG_STRING, &net_args.timeout, 0,
	 "deadline for each step (default 30; end of data 120)", "SECONDS"},
	{"connect-timeout", '\0', POPT_ARG_STRING, &net_args.connect_timeout, 0, "connect deadline (default 10)", "SECONDS"},
	{NULL, '4', POPT_ARG_NONE, &net_args.ipv4, 0, "IPv4 only", NULL},
	{NULL, '6', POPT_ARG_NONE, &net_args.ipv6, 0, "IPv6 only", NULL},
	{"source", '\0', POPT_ARG_STRING, &net_args.source, 0, "local address to bind", "ADDR"},
	{"resolver", '\0', POPT_ARG_STRING, &net_args.resolver, 0, "DNS server to ask instead of /etc/resolv.conf", "ADDR[:PORT]"},
	{"json", '\0', POPT_ARG_NONE, &net_args.json, 0, "one JSON document on stdout", NULL},
	{"quiet", 'q', POPT_ARG_NONE, &net_args.quiet, 0, "print only the result", NULL},
	{"verbose", 'v', POPT_ARG_NONE, NULL, NET_OPT_VERBOSE, "more detail (repeat for state changes)", NULL},
	{"color", '\0', POPT_ARG_STRING, &net_args.color, 0, "auto, always or never", "WHEN"},
	{"timing", '\0', POPT_ARG_NONE, &net_args.timing, 0, "time of each line, in ms since connect", NULL},
	{"show-secrets", '\0', POPT_ARG_NONE, &net_args.show_secrets, 0, "show AUTH exchanges in the transcript", NULL},
	{"account", 'a', POPT_ARG_STRING, &net_args.account, 0,
	 "use this account of the configuration file (smtpkit-config(5))", "NAME"},
	{"config", '\0', POPT_ARG_STRING, &net_args.config, 0,
	 "read this configuration file instead of /etc/smtpkit/config and ~/.config/smtpkit/config", "FILE"},
	{"no-config", '\0', POPT_ARG_NONE, &net_args.no_config, 0, "read no configuration file", NULL},
	{"protocol", '\0', POPT_ARG_STRING, &net_args.protocol, 0,
	 "smtp (default), esmtp (EHLO required), helo (HELO only), lmtp (RFC 2033, port 24)", "PROTO"},
	{"socket", '\0', POPT_ARG_STRING, &net_args.socket, 0, "connect to this UNIX socket instead of HOST", "PATH"},
	{"pipe", '\0', POPT_ARG_STRING, &net_args.pipe, 0,
	 "run COMMAND (no shell) and speak to its stdin/stdout, e.g. 'sendmail -bs'", "'COMMAND ARGS'"},
	{"proxy-protocol", '\0', POPT_ARG_STRING, &net_args.proxy_protocol, 0,
	 "send a HAProxy PROXY header first", "v1|v2"},
	{"proxy-source", '\0', POPT_ARG_STRING, &net_args.proxy_source, 0,
	 "client address in the PROXY header (default: this end of the connection)", "ADDR:PORT"},
	{"proxy-dest", '\0', POPT_ARG_STRING, &net_args.proxy_dest, 0,
	 "server address in the PROXY header (default: the server's)", "ADDR:PORT"},
	{"xclient", '\0', POPT_ARG_STRING, &net_args.xclient, 0,
	 "XCLIENT after EHLO (Postfix), then EHLO again; only attributes the server lists", "NAME=VALUE,..."},
	{"xforward", '\0', POPT_ARG_STRING, &net_args.xforward, 0,
	 "XFORWARD after EHLO (Postfix); only attributes the server lists", "NAME=VALUE,..."},
	{"socks", '\0', POPT_ARG_STRING, &net_args.socks, 0, "connect through this SOCKS5 proxy (RFC 1928)", "HOST:PORT"},
	{"socks-remote-dns", '\0', POPT_ARG_NONE, &net_args.socks_remote_dns, 0,
	 "let the SOCKS proxy resolve the server's name (Tor)", NULL},
	{"socks-user", '\0', POPT_ARG_STRING, &net_args.socks_user, 0,
	 "SOCKS username (RFC 1929); password from --socks-password-file or SMTPKIT_SOCKS_PASSWORD", "NAME"},
	{"socks-password-file", '\0', POPT_ARG_STRING, &net_args.socks_password_file, 0,
	 "SOCKS password: first line of FILE", "FILE"},
	POPT_TABLEEND
};

int net_parse(poptContext ctx, net_opt_fn *on_opt, void *opt_ctx, struct err *e)
{
	int rc;
	while ((rc = poptGetNextOpt(ctx)) > 0) {
		if (rc == NET_OPT_VERBOSE)
			net_args.verbose++;
		else if (on_opt) {
			/* popt hands over the argument; on_opt copies what it keeps. */
			char *arg = poptGetOptArg(ctx);
			int r = on_opt(rc, arg, opt_ctx, e);
			free(arg);
			if (r < 0)
				return -1;
		}
	}
	if (rc < -1)
		return err_set(e, ERR_USAGE, NULL, "%s: %s", poptBadOption(ctx, POPT_BADOPTION_NOALIAS),
			       poptStrerror(rc));
	if (net_args.config && net_args.no_config)
		return err_set(e, ERR_USAGE, NULL, "--config and --no-config exclude each other");
	if (net_check_value("--account", net_args.account, e) < 0
	    || config_load(net_args.config, net_args.no_config, e) < 0
	    || config_select(net_args.account, e) < 0)
		return -1;
	config_apply(net_options);
	net_args.timeout_given = net_args.timeout != NULL;
	return 0;
}

int net_check_value(const char *what, const char *value, struct err *e)
{
	if (value && text_has_control(value))
		return err_usage(e, strncmp(what, "--", 2) == 0 ? what + 2 : NULL,
				 "%s contains a control character (CR, LF, NUL, ...): refused", what);
	return 0;
}

static int parse_port(const char *s, int *port, struct err *e)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 65535)
		return err_set(e, ERR_USAGE, NULL, "invalid port \"%s\"", s);
	*port = (int)v;
	return 0;
}

int net_parse_target(const char *arg, char **host, int *port, struct err *e)
{
	*host = NULL;
	*port = 0;
	if (net_check_value("HOST", arg, e) < 0)
		return -1;
	if (!*arg)
		return err_set(e, ERR_USAGE, NULL, "empty host");
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close)
			return err_set(e, ERR_USAGE, NULL, "invalid host \"%s\": unclosed [", arg);
		if (close == arg + 1)
			return err_set(e, ERR_USAGE, NULL, "invalid host \"%s\": empty address between [ and ]", arg);
		*host = strndup(arg + 1, (size_t)(close - arg - 1));
		if (close[1] == ':') {
			if (parse_port(close + 2, port, e) < 0)
				goto fail;
		} else if (close[1]) {
			err_set(e, ERR_USAGE, NULL, "invalid host \"%s\"", arg);
			goto fail;
		}
		struct in6_addr a6;
		if (inet_pton(AF_INET6, *host, &a6) != 1) {
			err_set(e, ERR_USAGE, NULL, "invalid IPv6 address \"%s\"", *host);
			goto fail;
		}
		return 0;
	}
	const char *colon = strchr(arg, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* A bare IPv6 address: no port can follow it unambiguously. */
		*host = strdup(arg);
		return 0;
	}
	if (colon) {
		*host = strndup(arg, (size_t)(colon - arg));
		if (!**host) {
			err_set(e, ERR_USAGE, NULL, "invalid host \"%s\": empty host name before :PORT", arg);
			goto fail;
		}
		if (parse_port(colon + 1, port, e) < 0)
			goto fail;
		return 0;
	}
	*host = strdup(arg);
	return 0;
fail:
	free(*host);
	*host = NULL;
	return -1;
}

int net_one_target(poptContext ctx, const char *sub, int fallback, char **host, int *port,
		   struct err *e)
{
	int target_port = 0;
	const char *arg = poptGetArg(ctx);
	if (arg)
		net_host_named();
	if (!arg && net_transport_local()) {
		/* The socket or program is the server: a name for TLS and reports. */
		*host = strdup("localhost");
		return net_port(0, fallback, port, e);
	}
	/* With an account, its server is the default target. */
	if (!arg)
		arg = config_take("server");
	if (!arg || poptPeekArg(ctx))
		return err_set(e, ERR_USAGE, NULL, "%s takes exactly one HOST[:PORT]", sub);
	if (net_parse_target(arg, host, &target_port, e) < 0) {
		err_option(e, "server");
		return -1;
	}
	return net_port(target_port, fallback, port, e);
}

int net_port(int from_target, int fallback, int *port, struct err *e)
{
	/* -p wins over HOST:PORT; an account's port does not. */
	if (net_args.port && !(from_target && config_gave("port")))
		return parse_port(net_args.port, port, e);
	/* RFC 2033 5: LMTP is not run on port 25; 24 is its registered port. */
	if (!from_target && net_args.protocol && strcmp(net_args.protocol, "lmtp") == 0)
		fallback = 24;
	*port = from_target ? from_target : fallback;
	return 0;
}

int net_mx_port(int *port, struct err *e)
{
	if (net_args.port && !config_gave("port"))
		return parse_port(net_args.port, port, e);
	*port = 25;
	return 0;
}

void net_host_named(void)
{
	if (net_args.socket && config_gave("socket"))
		net_args.socket = NULL;
	if (net_args.pipe && config_gave("pipe"))
		net_args.pipe = NULL;
}

/* A conflict between two options is the file's only when the file gave
 * both; when the command line gave one, it asked for the conflict (64). */
static const char *both_from_file(const char *a, const char *b)
{
	return config_gave(a) && config_gave(b) ? a : NULL;
}

bool net_transport_local(void)
{
	return net_args.socket || net_args.pipe;
}

int net_no_local_transport(const char *sub, struct err *e)
{
	if (net_transport_local())
		return err_set(e, ERR_USAGE, NULL, "%s connects to ports of a host: --socket and --pipe do not apply",
			       sub);
	return 0;
}

bool net_json_requested(int argc, const char **argv)
{
	if (net_args.json)
		return true;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

void net_early_error(int argc, const char **argv, struct err *e)
{
	config_blame(e);
	/* argv[0] is "smtpkit SUBCOMMAND" (main.c). */
	const char *sub = strncmp(argv[0], "smtpkit ", 8) == 0 ? argv[0] + 8 : argv[0];
	if (net_json_requested(argc, argv))
		out_json_early_error(sub, e);
	out_error(e);
	if (e->cause == ERR_USAGE)
		out_try_help(sub);
}


static int parse_seconds(const char *what, const char *s, int *ms, struct err *e)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v > 0) || v > 86400)
		return err_usage(e, what + 2, "invalid %s \"%s\": seconds, more than 0", what, s);
	*ms = (int)(v * 1000);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

/* RFC 5321 4.1.4: the FQDN of the client, or an address literal. */
static const char *default_helo(void)
{
	static char name[256];
	if (name[0])
		return name;
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	if (!strchr(host, '.') && getaddrinfo(host, NULL, &hints, &res) == 0 && res
	    && res->ai_canonname && strchr(res->ai_canonname, '.'))
		snprintf(name, sizeof name, "%s", res->ai_canonname);
	else
		snprintf(name, sizeof name, "%s", host);
	if (res)
		freeaddrinfo(res);
	if (text_has_control(name) || strchr(name, ' '))
		snprintf(name, sizeof name, "localhost");
	return name;
}

int net_resolver(struct dns_resolver *r, const struct smtp_policy *pol, struct err *e)
{
	if (dns_resolver_init(r, net_args.resolver, e) < 0)
		return -1;
	if (net_args.timeout_given)
		r->timeout_ms = pol->timeout_ms;
	return 0;
}

static int parse_endpoint(const char *what, const char *arg, struct proxy_endpoint *ep, struct err *e)
{
	const char *why;
	if (arg && proxy_parse_endpoint(arg, ep, &why) < 0)
		return err_usage(e, what + 2, "invalid %s \"%s\": %s", what, arg, why);
	return 0;
}

static int parse_attrs(const char *what, const char *arg, struct smtp_attrs *a, struct err *e)
{
	const char *why;
	smtp_attrs_free(a);
	if (smtp_attrs_parse(arg, a, &why) < 0)
		return err_usage(e, what + 2, "invalid %s \"%s\": %s", what, arg, why);
	return 0;
}

/* --socks HOST:PORT and its credentials; the password never from the
 * command line (SPEC 3). */
static int socks_policy(struct conn_socks *sp, struct err *e)
{
	struct net_args *a = &net_args;
	if (!a->socks) {
		if (a->socks_user || a->socks_password_file || a->socks_remote_dns)
			return err_usage(e, a->socks_user ? "socks-user" : a->socks_password_file ? "socks-password-file"
					 : "socks-remote-dns",
					 "--socks-user, --socks-password-file and --socks-remote-dns go with --socks");
		return 0;
	}
	int port = 0;
	free(socks_host);
	if (net_parse_target(a->socks, &socks_host, &port, e) < 0) {
		err_option(e, "socks");
		return -1;
	}
	if (!port)
		return err_usage(e, "socks", "--socks needs HOST:PORT (Tor 9050, ssh -D: its port)");
	sp->host = socks_host;
	sp->port = port;
	sp->remote_dns = a->socks_remote_dns;
	if (!a->socks_user) {
		if (a->socks_password_file)
			return err_usage(e, "socks-password-file", "--socks-password-file goes with --socks-user");
		return 0;
	}
	sp->user = a->socks_user;
	if (a->no_secrets)
		return 0;
	secret_free(socks_password);
	socks_password = a->socks_password_file ? secret_from_file(a->socks_password_file, e)
						 : secret_from_env("SMTPKIT_SOCKS_PASSWORD", e);
	if (!socks_password) {
		if (!err_is_set(e))
			err_set(e, ERR_CONFIG, NULL,
				"--socks-user needs a password: --socks-password-file or SMTPKIT_SOCKS_PASSWORD");
		return -1;
	}
	sp->password = socks_password;
	return 0;
}

/* The transport (TCP, --socket, --pipe, --socks, a PROXY header) and the
 * protocol variant (--protocol, --xclient, --xforward). */
static int transport_policy(struct smtp_policy *pol, struct err *e)
{
	struct net_args *a = &net_args;
	const char *checked[][2] = {
		{"--protocol", a->protocol}, {"--socket", a->socket}, {"--pipe", a->pipe},
		{"--proxy-protocol", a->proxy_protocol}, {"--proxy-source", a->proxy_source},
		{"--proxy-dest", a->proxy_dest}, {"--xclient", a->xclient}, {"--xforward", a->xforward},
		{"--socks", a->socks}, {"--socks-user", a->socks_user},
		{"--socks-password-file", a->socks_password_file},
	};
	for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++)
		if (net_check_value(checked[i][0], checked[i][1], e) < 0)
			return -1;

	static const char *const protocols[] = {
		[SMTP_PROTO_SMTP] = "smtp", [SMTP_PROTO_ESMTP] = "esmtp", [SMTP_PROTO_HELO] = "helo",
		[SMTP_PROTO_LMTP] = "lmtp",
	};
	pol->protocol = SMTP_PROTO_SMTP;
	if (a->protocol) {
		size_t i = 0;
		while (i < sizeof protocols / sizeof protocols[0] && strcmp(a->protocol, protocols[i]) != 0)
			i++;
		if (i == sizeof protocols / sizeof protocols[0])
			return err_usage(e, "protocol", "invalid --protocol \"%s\": smtp, esmtp, helo or lmtp",
					 a->protocol);
		pol->protocol = (enum smtp_protocol)i;
	}
	if (pol->protocol == SMTP_PROTO_HELO && (pol->tls_mode == SMTP_TLS_MODE_STARTTLS || a->xclient || a->xforward))
		return err_usage(e, both_from_file("protocol", pol->tls_mode == SMTP_TLS_MODE_STARTTLS ? "tls"
							     : a->xclient ? "xclient" : "xforward"),
				 "--protocol helo asks for no extensions: no STARTTLS, XCLIENT or XFORWARD");

	if (a->socket && a->pipe)
		return err_usage(e, both_from_file("socket", "pipe"), "--socket and --pipe exclude each other");
	if ((a->socket || a->pipe) && a->socks)
		return err_usage(e, both_from_file("socks", a->socket ? "socket" : "pipe"),
				 "--socks goes with a HOST, not with --socket or --pipe");
	if ((a->socket || a->pipe) && (a->source || a->ipv4 || a->ipv6))
		return err_usage(e, a->source ? both_from_file("source", a->socket ? "socket" : "pipe") : NULL,
				 "--source, -4 and -6 apply to TCP, not to --socket or --pipe");
	if (a->socket) {
		struct sockaddr_un sun;
		if (!*a->socket)
			return err_usage(e, "socket", "empty --socket path");
		if (strlen(a->socket) >= sizeof sun.sun_path)
			return err_usage(e, "socket", "--socket path longer than %zu octets: %s",
					 sizeof sun.sun_path - 1, a->socket);
		pol->conn.transport = CONN_UNIX;
		pol->conn.socket_path = a->socket;
	}
	if (a->pipe) {
		int argc = 0;
		free(pipe_argv);
		pipe_argv = NULL;
		if (poptParseArgvString(a->pipe, &argc, &pipe_argv) != 0 || argc < 1 || !*pipe_argv[0])
			return err_usage(e, "pipe", "invalid --pipe \"%s\": a command and its arguments", a->pipe);
		pol->conn.transport = CONN_PIPE;
		pol->conn.pipe_argv = pipe_argv;
	}
	if (socks_policy(&pol->conn.socks, e) < 0)
		return -1;

	struct conn_proxy *px = &pol->conn.proxy;
	if (!a->proxy_protocol && (a->proxy_source || a->proxy_dest))
		return err_usage(e, a->proxy_source ? "proxy-source" : "proxy-dest",
				 "--proxy-source and --proxy-dest go with --proxy-protocol");
	if (a->proxy_protocol) {
		if (strcmp(a->proxy_protocol, "v1") == 0 || strcmp(a->proxy_protocol, "1") == 0)
			px->version = 1;
		else if (strcmp(a->proxy_protocol, "v2") == 0 || strcmp(a->proxy_protocol, "2") == 0)
			px->version = 2;
		else
			return err_usage(e, "proxy-protocol", "invalid --proxy-protocol \"%s\": v1 or v2", a->proxy_protocol);
		if (parse_endpoint("--proxy-source", a->proxy_source, &px->source, e) < 0
		    || parse_endpoint("--proxy-dest", a->proxy_dest, &px->dest, e) < 0)
			return -1;
		if (px->source.set && px->dest.set && px->source.family != px->dest.family)
			return err_usage(e, "proxy-dest", "--proxy-source and --proxy-dest must both be IPv4 or both IPv6");
	}

	if (a->xclient) {
		if (parse_attrs("--xclient", a->xclient, &xclient_attrs, e) < 0)
			return -1;
		pol->xclient = &xclient_attrs;
	}
	if (a->xforward) {
		if (parse_attrs("--xforward", a->xforward, &xforward_attrs, e) < 0)
			return -1;
		pol->xforward = &xforward_attrs;
	}
	return 0;
}

int net_policy(const char *host, struct smtp_policy *pol, struct out_opts *oo, struct err *e)
{
	struct net_args *a = &net_args;
	const char *checked[][2] = {
		{"--helo", a->helo}, {"--sni", a->sni}, {"--tls-name", a->tls_name},
		{"--tls-priority", a->tls_priority}, {"--source", a->source},
		{"--cafile", a->cafile}, {"--cert", a->cert}, {"--key", a->key},
		{"--resolver", a->resolver},
	};
	for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++)
		if (net_check_value(checked[i][0], checked[i][1], e) < 0)
			return -1;

	memset(oo, 0, sizeof *oo);
	oo->json = a->json;
	oo->quiet = a->quiet;
	oo->verbose = a->verbose;
	oo->timing = a->timing;
	oo->show_secrets = a->show_secrets;
	if (!a->color || strcmp(a->color, "auto") == 0)
		oo->color = OUT_COLOR_AUTO;
	else if (strcmp(a->color, "always") == 0)
		oo->color = OUT_COLOR_ALWAYS;
	else if (strcmp(a->color, "never") == 0)
		oo->color = OUT_COLOR_NEVER;
	else
		return err_usage(e, "color", "invalid --color \"%s\": auto, always or never", a->color);
	if (a->quiet && a->verbose)
		return err_set(e, ERR_USAGE, NULL, "--quiet and --verbose exclude each other");

	memset(pol, 0, sizeof *pol);
	if (!a->tls || strcmp(a->tls, "auto") == 0)
		pol->tls_mode = SMTP_TLS_MODE_AUTO;
	else if (strcmp(a->tls, "starttls") == 0)
		pol->tls_mode = SMTP_TLS_MODE_STARTTLS;
	else if (strcmp(a->tls, "implicit") == 0)
		pol->tls_mode = SMTP_TLS_MODE_IMPLICIT;
	else if (strcmp(a->tls, "none") == 0)
		pol->tls_mode = SMTP_TLS_MODE_NONE;
	else
		return err_usage(e, "tls", "invalid --tls \"%s\": auto, starttls, implicit or none", a->tls);
	if (a->tls_priority && tls_priority_check(a->tls_priority, e) < 0) {
		err_option(e, "tls-priority");
		return -1;
	}
	if (a->ipv4 && a->ipv6)
		return err_set(e, ERR_USAGE, NULL, "-4 and -6 exclude each other");
	pol->conn.family = a->ipv4 ? AF_INET : a->ipv6 ? AF_INET6 : AF_UNSPEC;
	pol->conn.source = a->source;
	pol->conn.connect_timeout_ms = 10000;
	pol->timeout_ms = 30000;
	if (a->timeout && parse_seconds("--timeout", a->timeout, &pol->timeout_ms, e) < 0)
		return -1;
	if (a->resolver) {
		if (net_resolver(&host_resolver, pol, e) < 0) {
			err_option(e, "resolver");
			return -1;
		}
		pol->conn.resolver = &host_resolver;
	}
	if (a->connect_timeout
	    && parse_seconds("--connect-timeout", a->connect_timeout, &pol->conn.connect_timeout_ms, e) < 0)
		return -1;
	if (a->source && !conn_is_address(a->source))
		return err_usage(e, "source", "--source must be an IP address: \"%s\"", a->source);
	if (a->helo && (!*a->helo || strchr(a->helo, ' ')))
		return err_usage(e, "helo", "invalid --helo \"%s\"", a->helo);
	pol->helo = a->helo ? a->helo : default_helo();

	/* Read only when TLS starts: a file that cannot be read is found
	 * now, before any connection (66; the accounts file's, 78). */
	const char *tls_files[][2] = {{"cafile", a->cafile}, {"cert", a->cert}, {"key", a->key}};
	for (size_t i = 0; pol->tls_mode != SMTP_TLS_MODE_NONE && i < 3; i++) {
		if (tls_files[i][1] && access(tls_files[i][1], R_OK) != 0) {
			err_set(e, ERR_NOINPUT, NULL, "cannot read --%s %s: %s", tls_files[i][0], tls_files[i][1],
				strerror(errno));
			err_option(e, tls_files[i][0]);
			return -1;
		}
	}
	pol->tls_verify = true;
	pol->tls.cafile = a->cafile;
	pol->tls.certfile = a->cert;
	pol->tls.keyfile = a->key;
	pol->tls.priority = a->tls_priority;
	pol->tls.insecure = a->insecure;
	pol->tls.verify_name = a->tls_name ? a->tls_name : host;
	/* RFC 6066 3: SNI carries a host name, never an address. */
	const char *sni = a->sni ? a->sni : a->tls_name ? a->tls_name : host;
	pol->tls.sni = conn_is_address(sni) ? NULL : sni;
	pol->stop_after = SMTP_STAGE_ALL;
	return transport_policy(pol, e);
}

/* ---- AUTH (send, session) ------------------------------------------- */

struct auth_args auth_args;

struct poptOption auth_options[] = {
	{"user", '\0', POPT_ARG_STRING, &auth_args.user, 0, "authenticate as NAME", "NAME"},
	{"password-file", '\0', POPT_ARG_STRING, &auth_args.password_file, 0, "password: first line of FILE", "FILE"},
	{"password-command", '\0', POPT_ARG_STRING, &auth_args.password_command, 0,
	 "password: first line of CMD's output", "CMD"},
	{"auth", '\0', POPT_ARG_STRING, &auth_args.auth, 0, "allowed mechanisms (default: the strongest offered)",
	 "MECH[,MECH]"},
	{"oauth-token-command", '\0', POPT_ARG_STRING, &auth_args.oauth_token_command, 0,
	 "OAuth 2.0 token for XOAUTH2/OAUTHBEARER: first line of CMD's output", "CMD"},
	POPT_TABLEEND
};

int auth_args_check(struct err *e)
{
	if (net_check_value("--user", auth_args.user, e) < 0)
		return -1;
	if (auth_args.oauth_token_command && !auth_args.user)
		return err_usage(e, "oauth-token-command", "--oauth-token-command goes with --user");
	return 0;
}

static bool auth_is_oauth(enum auth_mech m)
{
	return m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER;
}

int auth_args_mechs(unsigned *mechs, struct err *e)
{
	bool oauth = auth_args.oauth_token_command != NULL;
	*mechs = 0;
	if (!auth_args.auth) {
		for (int m = 0; m < AUTH_MECH_COUNT; m++)
			if (auth_is_oauth((enum auth_mech)m) == oauth)
				*mechs |= 1u << m;
		return 0;
	}
	if (net_check_value("--auth", auth_args.auth, e) < 0)
		return -1;
	char *copy = strdup(auth_args.auth), *save = NULL;
	if (!copy)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	int rc = 0;
	for (char *w = strtok_r(copy, ",", &save); w && rc == 0; w = strtok_r(NULL, ",", &save)) {
		enum auth_mech m = auth_mech_from_name(w);
		if (m == AUTH_MECH_COUNT)
			rc = err_usage(e, "auth", "unknown --auth mechanism \"%s\"", w);
		else if (auth_is_oauth(m) != oauth)
			rc = err_usage(e, oauth ? both_from_file("auth", "oauth-token-command") : "auth",
				       oauth ? "--oauth-token-command goes with XOAUTH2 or OAUTHBEARER, not %s"
					     : "%s needs --oauth-token-command", w);
		else
			*mechs |= 1u << m;
	}
	free(copy);
	return rc;
}

char *auth_args_secret(struct err *e)
{
	if (auth_args.oauth_token_command)
		return secret_from_command(auth_args.oauth_token_command, "--oauth-token-command", e);
	if (auth_args.password_file)
		return secret_from_file(auth_args.password_file, e);
	if (auth_args.password_command)
		return secret_from_command(auth_args.password_command, "--password-command", e);
	/* The accounts file was refused at reading if others could read it. */
	const struct config_entry *password = config_get("password");
	if (password) {
		char *s = strdup(password->value);
		if (!s)
			err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return s;
	}
	if (getenv("SMTPKIT_PASSWORD"))
		return secret_from_env("SMTPKIT_PASSWORD", e);
	char prompt[300];
	snprintf(prompt, sizeof prompt, "Password for %s: ", auth_args.user);
	return secret_prompt(prompt, e);
}
