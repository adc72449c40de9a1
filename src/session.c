/* session.c - the dialogue of smtpkit session: each line typed (or read
 * from a script) is checked, then sent as a command, run as smtpkit's own
 * STARTTLS or AUTH, sent as message data after a 354, or taken as a local
 * command (/help ...).  The engine writes, reads and explains. */
#define _DEFAULT_SOURCE
#include "session.h"
#include "auth.h"
#include "msg.h"
#include "options.h"
#include "out.h"
#include "secret.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4954 4: an AUTH line may be 12288 octets; other commands are far
 * shorter (RFC 5321 4.5.3.1.4: 512), but a longer one is a test. */
#define COMMAND_MAX 12288

static const char help_text[] =
	"Lines typed are SMTP commands, sent with CRLF; each reply is read and explained.\n"
	"  STARTTLS            the real upgrade: handshake, certificate verdict, EHLO again\n"
	"  AUTH MECHANISM      run PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256\n"
	"                      (XOAUTH2, OAUTHBEARER with --oauth-token-command): asks for\n"
	"                      the user name and password unless given; never shown\n"
	"  AUTH MECH ARG       sent as typed (the argument is hidden in the transcript)\n"
	"  DATA                after its 354, lines are the message (dot-stuffed for you);\n"
	"                      a line with only \".\" (or Ctrl-D) ends it\n"
	"  QUIT                ends the session (Ctrl-D too)\n"
	"Local commands:\n"
	"  /help               this text\n"
	"  /data FILE          DATA, then the message in FILE, dot-stuffed, and \".\"\n"
	"  /bdat FILE          BDAT n LAST with the message in FILE (CHUNKING, RFC 3030)\n"
	"  /caps               the capabilities in force, explained (before and inside TLS)\n"
	"  /tls                the TLS session and the certificate again\n"
	"  /explain CODE [X.Y.Z]  what a reply code and enhanced status code mean\n"
	"  /quit               QUIT and end\n"
	"Ctrl-C stops waiting for a reply (it is read before the next command) or drops\n"
	"the line being typed.\n";

static const char *prompt(const struct session *se)
{
	if (se->s->hand.in_data)
		return "data> ";
	return se->s->in_tls ? "smtp/tls> " : "smtp> ";
}

/* What smtpkit will not send.  On a terminal it is said and the person
 * types again; a script stops there (se->input). */
static void refuse_input(struct session *se, enum err_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse_input(struct session *se, enum err_cause cause, const char *fmt, ...)
{
	struct err e = {0};
	va_list ap;
	va_start(ap, fmt);
	err_vset(&e, cause, "input", fmt, ap);
	va_end(ap);
	out_warn(se->s->out, "%s", e.msg);
	if (!se->in.terminal && !err_is_set(&se->input))
		se->input = e;
}

/* RFC 5321 2.3.8, 4.1.1: a command line is text ended by CRLF; a CR, LF,
 * NUL or other control character would split or corrupt it on the wire.
 * TAB is let through (some servers take it as a space). */
static bool command_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* The verb of a command line, case-insensitive: "mail FROM:<>" is MAIL.
 * A TAB ends it too, as the engine reads it (smtp_hand.c classify()). */
static bool verb_is(const char *line, const char *verb)
{
	size_t n = strlen(verb);
	return text_ncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == '\t');
}

/* RFC 2920 3.1: these end a group; so do STARTTLS (RFC 3207 4.2) and AUTH
 * (RFC 4954 4). */
static bool ends_group(const char *line)
{
	static const char *const last[] = {"EHLO", "HELO", "LHLO", "DATA", "VRFY", "EXPN", "TURN",
					    "QUIT", "NOOP", "AUTH", "STARTTLS"};
	for (size_t i = 0; i < sizeof last / sizeof last[0]; i++)
		if (verb_is(line, last[i]))
			return true;
	return false;
}

static void flush_group(struct session *se)
{
	if (se->ngroup && se->s->state == SMTP_HELD)
		smtp_hand_commands(se->s, (const char *const *)se->group, se->ngroup);
	for (size_t i = 0; i < se->ngroup; i++)
		free(se->group[i]);
	se->ngroup = 0;
}

static void add_to_group(struct session *se, const char *line)
{
	char **g = realloc(se->group, (se->ngroup + 1) * sizeof *g);
	char *copy = strdup(line);
	if (!g || !copy) {
		free(copy);
		if (g)
			se->group = g;
		refuse_input(se, ERR_INTERNAL, "out of memory");
		return;
	}
	se->group = g;
	se->group[se->ngroup++] = copy;
	if (ends_group(line))
		flush_group(se);
}

/* ---- AUTH run by smtpkit ------------------------------------------------ */

static bool oauth(enum auth_mech m)
{
	return m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER;
}

/* The user name: --user, else asked on the terminal. */
static bool have_user(struct session *se, const char *mech)
{
	if (se->user)
		return true;
	if (!se->in.terminal) {
		refuse_input(se, ERR_CONFIG, "AUTH %s: no user name (--user)", mech);
		return false;
	}
	const char *line;
	size_t len;
	if (session_input_read(&se->in, "Username: ", &line, &len) != SESSION_LINE || len == 0)
		return false;
	if (text_has_control(line)) {
		refuse_input(se, ERR_INPUT, "AUTH %s: the user name holds a control character", mech);
		return false;
	}
	se->user = strdup(line);
	/* The password prompt names the user (auth_args_secret()). */
	auth_args.user = se->user;
	return se->user != NULL;
}

static void run_auth(struct session *se, enum auth_mech m)
{
	struct smtp_session *s = se->s;
	const char *mech = auth_mech_name(m);
	/* SPEC 10.4: the engine refuses credentials without TLS unless --tls
	 * none; it is asked first so that no password is asked for nothing. */
	if (!s->in_tls && !se->pol->tls_none_explicit) {
		se->pol->auth.mechs = 1u << m;
		smtp_hand_auth(s);
		return;
	}
	if (oauth(m) != (auth_args.oauth_token_command != NULL)) {
		refuse_input(se, ERR_CONFIG, oauth(m) ? "AUTH %s takes an OAuth token: --oauth-token-command"
						      : "AUTH %s takes a password, not --oauth-token-command's token", mech);
		return;
	}
	if (!have_user(se, mech))
		return;
	bool asked = false;
	if (!se->secret) {
		struct err e = {0};
		asked = !auth_args.oauth_token_command && !auth_args.password_file && !auth_args.password_command
			&& !getenv("SMTPKIT_PASSWORD");
		if (!(se->secret = auth_args_secret(&e))) {
			refuse_input(se, e.cause, "%s", e.msg);
			return;
		}
	}
	se->pol->auth.user = se->user;
	se->pol->auth.secret = se->secret;
	se->pol->auth.mechs = 1u << m;
	smtp_hand_auth(s);
	/* A password typed wrong is asked again at the next AUTH. */
	if (asked && !s->authenticated) {
		secret_free(se->secret);
		se->secret = NULL;
		se->pol->auth.secret = NULL;
	}
}

/* "AUTH MECH" alone, MECH one smtpkit speaks: smtpkit runs it. */
static bool auth_to_run(const char *line, enum auth_mech *m)
{
	if (!verb_is(line, "AUTH") || !line[4])
		return false;
	const char *mech = line + 5;
	if (!*mech || strpbrk(mech, " \t"))
		return false;
	*m = auth_mech_from_name(mech);
	return *m != AUTH_MECH_COUNT;
}

/* ---- local commands ------------------------------------------------------ */

static void send_file(struct session *se, const char *path, bool bdat)
{
	const char *cmd = bdat ? "/bdat" : "/data";
	if (!*path) {
		refuse_input(se, ERR_USAGE, "%s needs a FILE", cmd);
		return;
	}
	if (strcmp(path, "-") == 0) {
		refuse_input(se, ERR_USAGE, "%s reads a file: standard input is the session's", cmd);
		return;
	}
	struct msg m = {0};
	struct msg_opts mo = {.data = path, .domain = se->pol->helo};
	struct err e = {0};
	if (msg_build(&m, &mo, &e) < 0) {
		refuse_input(se, e.cause, "%s: %s", cmd, e.msg);
	} else {
		if (m.eightbit && !ehlo_has(smtp_caps(se->s), "8BITMIME"))
			out_warn(se->s->out, "%s: the message has 8-bit octets and the server does not offer 8BITMIME "
				 "(RFC 6152): it may refuse or damage it", cmd);
		smtp_hand_message(se->s, &m, bdat);
	}
	msg_free(&m);
}

static void explain(struct session *se, const char *arg)
{
	char enhanced[16] = "";
	int code = 0, n = 0;
	if (sscanf(arg, "%3d%n", &code, &n) != 1 || code < 200 || code > 599 || (arg[n] && arg[n] != ' ')) {
		refuse_input(se, ERR_USAGE, "/explain CODE [X.Y.Z]: CODE is a reply code, 200 to 599");
		return;
	}
	const char *rest = arg + n;
	while (*rest == ' ')
		rest++;
	int cls, subject, detail, used = 0;
	if (*rest) {
		if (sscanf(rest, "%1d.%3d.%3d%n", &cls, &subject, &detail, &used) != 3 || rest[used]
		    || (size_t)used >= sizeof enhanced) {
			refuse_input(se, ERR_USAGE, "/explain: an enhanced status code looks like 5.7.1 (RFC 3463)");
			return;
		}
		memcpy(enhanced, rest, (size_t)used + 1);
	}
	out_explain(se->s->out, code, enhanced);
}

static void local_command(struct session *se, const char *line)
{
	struct smtp_session *s = se->s;
	size_t n = strcspn(line, " ");
	const char *arg = line + n;
	while (*arg == ' ')
		arg++;
	char name[16];
	snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), line);

	if (strcmp(name, "/help") == 0) {
		fputs(help_text, se->in.prompt_fp);
	} else if (strcmp(name, "/data") == 0 || strcmp(name, "/bdat") == 0) {
		send_file(se, arg, name[1] == 'b');
	} else if (strcmp(name, "/caps") == 0) {
		if (!s->have_before && !s->have_after)
			out_info(s->out, 0, "no EHLO answered yet");
		if (s->have_before)
			out_caps(s->out, "capabilities before TLS", &s->caps_before);
		if (s->have_after)
			out_caps(s->out, "capabilities inside TLS", &s->caps_after);
	} else if (strcmp(name, "/tls") == 0) {
		if (s->in_tls)
			out_tls(s->out, &s->tls);
		else
			out_info(s->out, 0, "not in TLS: type STARTTLS to start it");
	} else if (strcmp(name, "/explain") == 0) {
		explain(se, arg);
	} else if (strcmp(name, "/quit") == 0) {
		smtp_hand_quit(s);
	} else {
		refuse_input(se, ERR_USAGE, "unknown local command %s: /help lists them", name);
	}
}

/* ---- lines ---------------------------------------------------------------- */

static void command(struct session *se, const char *line, size_t len)
{
	struct smtp_session *s = se->s;
	enum auth_mech m;

	if (len == 0)
		return;                 /* SMTP has no empty command */
	if (line[0] == '/') {
		flush_group(se);
		session_input_remember(&se->in, line);
		local_command(se, line);
		return;
	}
	if (!command_ok(line, len)) {
		refuse_input(se, ERR_INPUT, "not sent: the line holds a control character (CR, NUL, ESC, ...) "
			     "that an SMTP command cannot carry (RFC 5321 2.3.8)");
		return;
	}
	if (len > COMMAND_MAX) {
		refuse_input(se, ERR_INPUT, "not sent: %zu octets is longer than any SMTP command line "
			     "(RFC 4954 4: 12288 for AUTH)", len);
		return;
	}
	/* Nothing that may carry a credential goes into the history: of the
	 * AUTH lines, only "AUTH MECH" that smtpkit runs itself. */
	bool runs_auth = auth_to_run(line, &m);
	bool secret = s->hand.sasl || (verb_is(line, "AUTH") && !runs_auth);
	if (!secret)
		session_input_remember(&se->in, line);
	if (s->hand.sasl) {
		smtp_hand_commands(s, &line, 1);
	} else if (text_casecmp(line, "STARTTLS") == 0) {
		flush_group(se);
		smtp_hand_starttls(s);
	} else if (runs_auth) {
		flush_group(se);
		run_auth(se, m);
	} else if (verb_is(line, "BDAT")) {
		refuse_input(se, ERR_USAGE, "not sent: BDAT is followed by its octets with no reply in between "
			     "(RFC 3030): /bdat FILE sends a file with the right framing");
	} else if (text_casecmp(line, "QUIT") == 0 && !se->pipeline) {
		smtp_hand_quit(s);
	} else if (se->pipeline) {
		add_to_group(se, line);
	} else {
		smtp_hand_commands(s, &line, 1);
	}
}

/* After a 354: message lines, dot-stuffed by the engine; "." ends it. */
static void data_line(struct session *se, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		smtp_hand_data_end(se->s);
		return;
	}
	/* RFC 5321 2.3.8 and SPEC 10.6: no lone CR or NUL in a message. */
	if (memchr(line, '\r', len) || memchr(line, '\0', len)) {
		refuse_input(se, ERR_INPUT, "message line not sent: it holds a CR or NUL (RFC 5321 2.3.8)");
		return;
	}
	if (len > MSG_LINE_MAX) {
		refuse_input(se, ERR_INPUT, "message line not sent: %zu octets, over the 998 RFC 5321 4.5.3.1.6 allows",
			     len);
		return;
	}
	smtp_hand_data_line(se->s, line, len);
}

/* Ctrl-C at a prompt: the line was dropped.  At the data> prompt the
 * server waits for the message: SMTP cannot take DATA back. */
static void interrupted(struct session *se)
{
	if (!se->s->hand.in_data)
		return;
	if (++se->interrupts == 1) {
		fputs("The server is waiting for the message (its 354 came) and SMTP cannot take DATA back.\n"
		      "End it with a line holding only \".\", or press Ctrl-C again to close the connection\n"
		      "without it (then nothing is delivered).\n", se->in.prompt_fp);
		return;
	}
	err_set(&se->input, ERR_INTERRUPTED, "data",
		"message abandoned (Ctrl-C): connection closed without the final \".\", nothing delivered");
}

void session_dialogue(struct session *se)
{
	struct smtp_session *s = se->s;
	if (se->in.terminal) {
		s->hand.interrupt = &session_interrupted;
		s->hand.busy = &session_busy;
	}
	while (s->state == SMTP_HELD && !err_is_set(&se->input)) {
		const char *line;
		size_t len;
		enum session_read rd = session_input_read(&se->in, prompt(se), &line, &len);
		if (rd == SESSION_INTERRUPT) {
			interrupted(se);
			continue;
		}
		if (rd == SESSION_ERROR) {
			err_set(&se->input, ERR_LOCAL_IO, "input", "reading standard input: %s", strerror(errno));
			break;
		}
		if (rd == SESSION_EOF)
			break;
		se->interrupts = 0;
		if (s->hand.in_data)
			data_line(se, line, len);
		else
			command(se, line, len);
	}
	flush_group(se);
	if (s->state != SMTP_HELD)
		return;
	if (err_is_set(&se->input)) {
		/* A message cut short must not be delivered: no final dot. */
		if (s->hand.in_data)
			smtp_hand_drop(s);
		else
			smtp_hand_quit(s);
		return;
	}
	if (s->hand.in_data) {
		out_info(s->out, 0, "end of input: the message ends here (\".\")");
		smtp_hand_data_end(s);
	}
	if (s->state == SMTP_HELD)
		smtp_hand_quit(s);
}

void session_free(struct session *se)
{
	for (size_t i = 0; i < se->ngroup; i++)
		free(se->group[i]);
	free(se->group);
	free(se->user);
	secret_free(se->secret);
	session_input_close(&se->in);
}
