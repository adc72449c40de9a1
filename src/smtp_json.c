/* smtp_json.c - the shared parts of ehlo's and session's --json documents. */
#include "smtp_json.h"

void smtp_json_begin(struct json *j, const char *command, const struct smtp_session *s, const struct err *e)
{
	json_init(j, stdout);
	json_object(j);
	out_json_head(j, command);
	json_kbool(j, "ok", !err_is_set(e));
	json_kint(j, "exit_code", err_exit_code(e));
	out_json_error(j, e);
	json_key(j, "server");
	json_object(j);
	out_json_server(j, s->host, s->port, s->conn.peer_addr, s->conn.via, &s->pol->conn);
	json_object_end(j);
	json_key(j, "greeting");
	out_json_reply(j, &s->greeting, smtp_reply_meaning(SMTP_GREETING, s->greeting.code));
}

void smtp_json_end(struct json *j, const struct smtp_session *s, const struct out *out)
{
	out_json_capabilities(j, s->have_before || s->used_helo ? &s->caps_before : NULL,
			      s->have_after ? &s->caps_after : NULL);
	json_key(j, "tls");
	out_json_tls(j, &s->tls);
	out_json_findings(j, out);
	out_json_transcript(j, out);
	json_object_end(j);
}
