/* test_msg.c - message reading, composition (MIME), address checks and dot-stuffing. */
#include "check.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_msg.XXXXXX";
static char paths[32][300];
static size_t npaths;

/* A file in the test directory holding len octets of content. */
static const char *tmp_file(const char *name, const char *content, size_t len)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	size_t i = 0;
	while (i < npaths && strcmp(paths[i], path) != 0)
		i++;
	if (i == npaths)
		strcpy(paths[npaths++], path);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(content, 1, len, f);
	fclose(f);
	return paths[i];
}

/* The whole spool as a string. */
static char *slurp(struct msg *m)
{
	char *s = malloc(m->size + 1);
	size_t o = 0;
	ssize_t n;
	char buf[1000];

	CHECK(msg_rewind(m) == 0);
	while ((n = msg_read(m, buf, sizeof buf)) > 0) {
		CHECK(o + (size_t)n <= m->size);
		if (o + (size_t)n > m->size)
			break;
		memcpy(s + o, buf, (size_t)n);
		o += (size_t)n;
	}
	CHECK(o == m->size);
	s[o] = '\0';
	return s;
}

/* Build from --data content; returns the message or NULL with *cls set. */
static char *data_msg_bcc(const char *content, size_t len, bool t, bool keep_bcc, struct msg *m, int *code)
{
	struct msg_opts o = {0};
	struct err e = {0};
	o.data = tmp_file("data.eml", content, len);
	o.read_recipients = t;
	o.keep_bcc = keep_bcc;
	o.domain = "example.org";
	*code = msg_build(m, &o, &e) == 0 ? 0 : err_exit_code(&e);
	if (*code)
		return NULL;
	return slurp(m);
}

static char *data_msg(const char *content, size_t len, bool t, struct msg *m, int *code)
{
	return data_msg_bcc(content, len, t, false, m, code);
}

static int data_code(const char *content, size_t len)
{
	struct msg m;
	int code;
	char *s = data_msg(content, len, false, &m, &code);
	free(s);
	msg_free(&m);
	return code;
}

static char *compose(struct msg_opts *o, struct msg *m, int *code)
{
	struct err e = {0};
	o->domain = "example.org";
	o->stdin_is_tty = true;
	*code = msg_build(m, o, &e) == 0 ? 0 : err_exit_code(&e);
	return *code ? NULL : slurp(m);
}

static bool lines_ok(const char *s, size_t max)
{
	/* CRLF only, and no line over max. */
	size_t col = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			if (p[1] != '\n')
				return false;
			p++;
			col = 0;
		} else if (*p == '\n') {
			return false;
		} else if (++col > max) {
			return false;
		}
	}
	return true;
}

static int b64val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);
	return c && p ? (int)(p - a) : -1;
}

/* Decode base64 from s until a character outside the alphabet other than CRLF. */
static size_t b64dec(const char *s, unsigned char *out)
{
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n' || *s == '=')
			continue;
		int d = b64val(*s);
		if (d < 0)
			break;
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o;
}

/* Decode the RFC 2047 B-words of a header value (unfolded by the caller). */
static void words_dec(const char *s, char *out)
{
	size_t o = 0;
	while ((s = strstr(s, "=?UTF-8?B?"))) {
		s += 10;
		const char *end = strstr(s, "?=");
		char tmp[200];
		memcpy(tmp, s, (size_t)(end - s));
		tmp[end - s] = '\0';
		o += b64dec(tmp, (unsigned char *)out + o);
		s = end + 2;
	}
	out[o] = '\0';
}

/* Decode quoted-printable. */
static size_t qpdec(const char *s, char *out)
{
	size_t o = 0;
	while (*s) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			unsigned v;
			sscanf(s + 1, "%2X", &v);
			out[o++] = (char)v;
			s += 3;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	return o;
}

/* The text between the header section and the next delimiter. */
static char *part_body(const char *s, const char *after)
{
	const char *p = strstr(s, after);
	if (!p)
		return NULL;
	p = strstr(p, "\r\n\r\n") + 4;
	const char *end = strstr(p, "\r\n--=_smtpkit_");
	if (!end)
		end = p + strlen(p);
	return strndup(p, (size_t)(end - p));
}

static void test_dotstuff(void)
{
	struct msg_dotstuff d = {0};
	char out[64];
	size_t n;

	n = msg_dotstuff(&d, ".\r\n..\r\n.foo\r\nx.y\r\n", 19, out);
	CHECK(n == 22 && memcmp(out, "..\r\n...\r\n..foo\r\nx.y\r\n", 22) == 0);
	/* A bare LF counts as a line end: "\n.\n" cannot end the data early. */
	d.mid_line = false;
	n = msg_dotstuff(&d, "a\n.\nb", 5, out);
	CHECK(n == 6 && memcmp(out, "a\n..\nb", 6) == 0);
	/* The state carries across calls: chunk boundary after CRLF. */
	d.mid_line = false;
	n = msg_dotstuff(&d, "abc\r\n", 5, out);
	n += msg_dotstuff(&d, ".x", 2, out + n);
	CHECK(n == 8 && memcmp(out, "abc\r\n..x", 8) == 0);
	/* ... and between CR and LF, and in the middle of a line. */
	d.mid_line = false;
	n = msg_dotstuff(&d, "ab\r", 3, out);
	n += msg_dotstuff(&d, "\n", 1, out + n);
	n += msg_dotstuff(&d, ".", 1, out + n);
	n += msg_dotstuff(&d, ".", 1, out + n);
	CHECK(n == 7 && memcmp(out, "ab\r\n...", 7) == 0);
	d.mid_line = false;
	n = msg_dotstuff(&d, "ab", 2, out);
	n += msg_dotstuff(&d, ".c", 2, out + n);
	CHECK(n == 4 && memcmp(out, "ab.c", 4) == 0);
	/* The very first line of the message. */
	d.mid_line = false;
	n = msg_dotstuff(&d, ".", 1, out);
	CHECK(n == 2 && memcmp(out, "..", 2) == 0);
	/* Every split of one text gives the same bytes as one call. */
	const char *text = ".a\r\n..\r\n.\r\nb.\r\n\r\n.";
	size_t len = strlen(text);
	char whole[64], parts[64];
	d.mid_line = false;
	size_t wn = msg_dotstuff(&d, text, len, whole);
	for (size_t cut = 0; cut <= len; cut++) {
		d.mid_line = false;
		size_t pn = msg_dotstuff(&d, text, cut, parts);
		pn += msg_dotstuff(&d, text + cut, len - cut, parts + pn);
		CHECK(pn == wn && memcmp(parts, whole, wn) == 0);
	}
}

static void test_data_basic(void)
{
	struct msg m;
	int code;
	char *s;

	const char *in = "Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <a@b>\n\nhello\n.\n";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(code == 0);
	CHECK(s && strcmp(s, "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\n"
			  "hello\r\n.\r\n") == 0);
	CHECK(m.size == strlen(s ? s : ""));
	CHECK(!m.eightbit);
	free(s);
	msg_free(&m);

	/* CRLF kept, a final CRLF added, header names case-insensitive. */
	in = "date: x\r\nMESSAGE-ID: <a@b>\r\n\r\nhello";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && strcmp(s, "date: x\r\nMESSAGE-ID: <a@b>\r\n\r\nhello\r\n") == 0);
	free(s);
	msg_free(&m);

	/* Missing Date and Message-ID are added at the top. */
	in = "Subject: hi\n\nbody\n";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && strncmp(s, "Date: ", 6) == 0);
	char *id = s ? strstr(s, "\r\nMessage-ID: <") : NULL;
	CHECK(id && strncmp(id + 15 + 32, "@example.org>\r\nSubject: hi\r\n\r\nbody\r\n", 36) == 0);
	CHECK(lines_ok(s ? s : "", 998));
	free(s);
	msg_free(&m);

	/* Only the missing one. */
	in = "Message-Id: <x@y>\n\nbody\n";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && strncmp(s, "Date: ", 6) == 0 && !strstr(s, "Message-ID") && strstr(s, "Message-Id: <x@y>"));
	free(s);
	msg_free(&m);
	in = "DATE: x\n\nbody\n";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && strncmp(s, "Message-ID: <", 13) == 0 && !strstr(s, "Date:"));
	free(s);
	msg_free(&m);

	/* Headers only, no body. */
	in = "Date: x\nMessage-ID: <a@b>\nSubject: s";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && strcmp(s, "Date: x\r\nMessage-ID: <a@b>\r\nSubject: s\r\n") == 0);
	free(s);
	msg_free(&m);

	/* 8-bit content is noticed (RFC 6152). */
	in = "Date: x\nMessage-ID: <a@b>\n\ncaf\xc3\xa9\n";
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && m.eightbit);
	free(s);
	msg_free(&m);

	/* Bad input: 65. */
	CHECK(data_code("", 0) == 65);
	CHECK(data_code("Subject: a\r\n\r\nlone\rCR\r\n", 23) == 65);
	CHECK(data_code("Subject: a\n\nends in CR\r", 23) == 65);
	CHECK(data_code("Subject: a\n\nnul\0here\n", 21) == 65);
	char line[1100];
	memset(line, 'a', sizeof line);
	memcpy(line, "Subject: a\n\n", 12);
	line[12 + 998] = '\n';
	CHECK(data_code(line, 12 + 999) == 0);
	line[12 + 998] = 'a';
	line[12 + 999] = '\n';
	CHECK(data_code(line, 12 + 1000) == 65);
	line[12 + 998] = '\r';
	line[12 + 999] = '\n';
	CHECK(data_code(line, 12 + 1000) == 0);
	/* Without a final line end too. */
	CHECK(data_code(line, 12 + 998) == 0);
	CHECK(data_code(line, 12 + 999) == 65);

	/* An unreadable file: 66. */
	struct msg_opts o = {0};
	struct err e = {0};
	o.data = "/nonexistent/file.eml";
	CHECK(msg_build(&m, &o, &e) == -1 && err_exit_code(&e) == 66);
	msg_free(&m);
}

static void test_data_recipients(void)
{
	struct msg m;
	int code;
	char *s;

	const char *in =
		"From: Alice <alice@example.org>\n"
		"To: \"Doe, John\" <john@example.org>, bob@example.org (Bob, B.)\n"
		"Cc: undisclosed-recipients:;\n"
		"cc: Friends: carol@example.org, Dave <dave@example.org>;, erin@example.org\n"
		"Bcc: hidden@example.org,\n"
		"  \"Also Hidden\" <hidden2@example.org>,\n"
		"\tbut (not, a) <hidden3@example.org>\n"
		"Subject: test\n"
		"BCC:\n"
		"\n"
		"Bcc: in the body stays\n";
	s = data_msg(in, strlen(in), true, &m, &code);
	CHECK(code == 0);
	CHECK(m.nrecipients == 8);
	const char *want[] = {
		"john@example.org", "bob@example.org", "carol@example.org", "dave@example.org",
		"erin@example.org", "hidden@example.org", "hidden2@example.org", "hidden3@example.org",
	};
	for (size_t i = 0; i < 8 && i < m.nrecipients; i++)
		CHECK(strcmp(m.recipients[i], want[i]) == 0);
	CHECK(m.has_bcc_removed);
	CHECK(m.sender && strcmp(m.sender, "alice@example.org") == 0);
	CHECK(s && !strstr(s, "hidden") && !strstr(s, "Bcc:\r\n") && !strstr(s, "BCC"));
	CHECK(s && strstr(s, "\r\nSubject: test\r\n\r\nBcc: in the body stays\r\n"));
	free(s);
	msg_free(&m);

	/* Without -t no recipients are collected, and Bcc is removed all the
	 * same (msmtp); --keep-bcc keeps it. */
	s = data_msg(in, strlen(in), false, &m, &code);
	CHECK(s && !strstr(s, "hidden") && m.nrecipients == 0 && m.has_bcc_removed);
	CHECK(s && strstr(s, "\r\nSubject: test\r\n\r\nBcc: in the body stays\r\n"));
	free(s);
	msg_free(&m);
	s = data_msg_bcc(in, strlen(in), false, true, &m, &code);
	CHECK(s && strstr(s, "hidden3") && m.nrecipients == 0 && !m.has_bcc_removed);
	free(s);
	msg_free(&m);
	s = data_msg_bcc(in, strlen(in), true, true, &m, &code);
	CHECK(s && strstr(s, "hidden3") && m.nrecipients == 8);
	free(s);
	msg_free(&m);

	/* Sender wins over From; duplicates collapse. */
	in = "From: a@x.org, b@x.org\nSender: Sec <sec@x.org>\nTo: r@x.org\nCc: r@x.org\n\nb\n";
	s = data_msg(in, strlen(in), true, &m, &code);
	CHECK(m.sender && strcmp(m.sender, "sec@x.org") == 0);
	CHECK(m.nrecipients == 1);
	free(s);
	msg_free(&m);

	/* No recipients: 65. */
	in = "From: a@x.org\nTo: undisclosed-recipients:;\n\nbody\n";
	s = data_msg(in, strlen(in), true, &m, &code);
	CHECK(!s && code == 65);
	msg_free(&m);

	/* Bad addresses in the message: 65. */
	in = "To: no-at-sign\n\nbody\n";
	CHECK(!data_msg(in, strlen(in), true, &m, &code) && code == 65);
	in = "To: a\tb@x.org\n\nbody\n";
	CHECK(!data_msg(in, strlen(in), true, &m, &code) && code == 65);
	char big[400];
	snprintf(big, sizeof big, "To: x <%0*d@x.org>\n\nbody\n", 65, 0);
	CHECK(!data_msg(big, strlen(big), true, &m, &code) && code == 65);
	/* A malformed From without --from: 65. */
	in = "From: nobody\nTo: r@x.org\n\nbody\n";
	CHECK(!data_msg(in, strlen(in), true, &m, &code) && code == 65);
}

static void test_addresses(void)
{
	struct err e = {0};
	char *a;

	a = msg_addr_spec("a@b", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "a@b") == 0);
	free(a);
	a = msg_addr_spec(" <a@b> ", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "a@b") == 0);
	free(a);
	a = msg_addr_spec("Name <a@b>", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "a@b") == 0);
	free(a);
	a = msg_addr_spec("\"Quoted, <Name>\" <a@b>", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "a@b") == 0);
	free(a);
	a = msg_addr_spec("\"john doe\"@example.org", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "\"john doe\"@example.org") == 0);
	free(a);
	a = msg_addr_spec("user@[192.0.2.1]", false, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "user@[192.0.2.1]") == 0);
	free(a);
	a = msg_addr_spec("<>", true, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "") == 0);
	free(a);
	a = msg_addr_spec("", true, ERR_USAGE, &e);
	CHECK(a && strcmp(a, "") == 0);
	free(a);
	CHECK(!err_is_set(&e));

	const char *bad[] = {
		"<>", "", "a", "@b", "a@", "a@b@c", "a b@c", "a@b c", "a@b\r\nRCPT TO:<x@y>",
		"a@b\n", "<a@b", "a@b>", "<a@b> x", "\"a@b", "a\x7f@b", "a@\x01", "<<a@b>>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		a = msg_addr_spec(bad[i], false, ERR_USAGE, &e);
		CHECK(!a && e.cause == ERR_USAGE);
		if (a)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		free(a);
	}
	/* The class is the caller's: 65 for addresses from the message. */
	err_clear(&e);
	CHECK(!msg_addr_spec("a b@c", false, ERR_INPUT, &e) && e.cause == ERR_INPUT);

	/* RFC 5321 4.5.3.1 limits. */
	char addr[600];
	snprintf(addr, sizeof addr, "%0*d@x.org", 64, 0);
	err_clear(&e);
	a = msg_addr_spec(addr, false, ERR_USAGE, &e);
	CHECK(a != NULL);
	free(a);
	snprintf(addr, sizeof addr, "%0*d@x.org", 70, 0);
	err_clear(&e);
	CHECK(!msg_addr_spec(addr, false, ERR_USAGE, &e));
	CHECK(strcmp(e.msg, "address too long: local part is 70 octets, RFC 5321 4.5.3.1 allows 64") == 0);
	/* Local 64 + "@" + domain 189 + "<>" = 256: the longest path. */
	char dom[300];
	memset(dom, 'd', sizeof dom);
	dom[189] = '\0';
	snprintf(addr, sizeof addr, "%0*d@%s", 64, 0, dom);
	err_clear(&e);
	a = msg_addr_spec(addr, false, ERR_USAGE, &e);
	CHECK(a != NULL);
	free(a);
	dom[189] = 'd';
	dom[190] = '\0';
	snprintf(addr, sizeof addr, "%0*d@%s", 64, 0, dom);
	err_clear(&e);
	CHECK(!msg_addr_spec(addr, false, ERR_USAGE, &e) && strstr(e.msg, "path is 257 octets"));
	dom[190] = 'd';
	dom[256] = '\0';
	snprintf(addr, sizeof addr, "a@%s", dom);
	err_clear(&e);
	CHECK(!msg_addr_spec(addr, false, ERR_USAGE, &e) && strstr(e.msg, "domain is 256 octets"));

	CHECK(msg_addr_needs_utf8("j\xc3\xb6rg@example.org"));
	CHECK(!msg_addr_needs_utf8("jorg@example.org"));

	char **v;
	size_t n;
	CHECK(msg_split_addresses(" a@x, \"Doe, J\" <j@x>,, <k@x> , L (c, d) <l@x>,", &v, &n) == 0);
	CHECK(n == 4);
	if (n == 4) {
		CHECK(strcmp(v[0], "a@x") == 0);
		CHECK(strcmp(v[1], "\"Doe, J\" <j@x>") == 0);
		CHECK(strcmp(v[2], "<k@x>") == 0);
		CHECK(strcmp(v[3], "L (c, d) <l@x>") == 0);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	CHECK(msg_split_addresses("", &v, &n) == 0 && n == 0);
	free(v);
}

/* The value of header name in s, unfolded. */
static char *header(const char *s, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\r\n%s: ", name);
	const char *p = strncmp(s, key + 2, strlen(key + 2)) == 0 ? s - 2 : strstr(s, key);
	if (!p)
		return NULL;
	p += strlen(key);
	char *v = malloc(strlen(p) + 1);
	size_t o = 0;
	for (; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p++;
			continue;
		}
		v[o++] = *p;
	}
	v[o] = '\0';
	return v;
}

static void test_compose(void)
{
	struct msg m;
	int code;
	char *s, *h;
	char *to[] = {"J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>", "plain@example.org",
		      "Smith, J. <smith@example.org>"};

	/* 8-bit subject and names: RFC 2047, folded to 78. */
	const char *subject = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln, ein sehr langer Betreff, "
			      "der gefaltet werden muss \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
	struct msg_opts o = {0};
	o.from = "Alice <alice@example.org>";
	o.to = to;
	o.nto = 3;
	o.subject = subject;
	o.body = "Hello,\nplain ASCII.\n";
	s = compose(&o, &m, &code);
	CHECK(code == 0 && s);
	if (!s)
		return;
	CHECK(lines_ok(s, 78));
	CHECK(!m.eightbit);
	h = header(s, "Subject");
	char dec[400];
	CHECK(h && strncmp(h, "=?UTF-8?B?", 10) == 0);
	words_dec(h, dec);
	CHECK(strcmp(dec, subject) == 0);
	free(h);
	h = header(s, "To");
	CHECK(h && strstr(h, "=?UTF-8?B?") && strstr(h, " <joerg@example.org>, plain@example.org, "
						      "\"Smith, J.\" <smith@example.org>"));
	words_dec(h, dec);
	CHECK(strcmp(dec, "J\xc3\xb6rg M\xc3\xbcller") == 0);
	free(h);
	h = header(s, "From");
	CHECK(h && strcmp(h, "Alice <alice@example.org>") == 0);
	free(h);
	CHECK(strstr(s, "\r\nMIME-Version: 1.0\r\n") && strstr(s, "\r\nDate: ") && strstr(s, "\r\nMessage-ID: <"));
	CHECK(strstr(s, "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
		     "Hello,\r\nplain ASCII.\r\n"));
	CHECK(!strstr(s, "Bcc"));
	free(s);
	msg_free(&m);

	/* An empty body: a text part with one empty line (nothing is
	 * written to the still empty spool on the way; found by fuzzing). */
	memset(&o, 0, sizeof o);
	o.body = "";
	s = compose(&o, &m, &code);
	CHECK(code == 0 && s && strstr(s, "Content-Transfer-Encoding: 7bit\r\n\r\n\r\n"));
	size_t slen = s ? strlen(s) : 0;
	CHECK(slen >= 6 && strcmp(s + slen - 6, "\r\n\r\n\r\n") == 0);
	free(s);
	msg_free(&m);

	/* 8-bit body: quoted-printable, trailing space encoded. */
	memset(&o, 0, sizeof o);
	o.body = "caf\xc3\xa9 \nline=2\t\n";
	s = compose(&o, &m, &code);
	CHECK(s && strstr(s, "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
			  "caf=C3=A9=20\r\nline=3D2=09\r\n"));
	CHECK(!m.eightbit);
	free(s);
	msg_free(&m);

	/* A line over 998 octets: quoted-printable with soft breaks. */
	char *longline = malloc(3002);
	for (int i = 0; i < 3000; i++)
		longline[i] = (char)('a' + i % 26);
	longline[1000] = ' ';
	longline[3000] = '\0';
	o.body = longline;
	s = compose(&o, &m, &code);
	CHECK(s && lines_ok(s, 998));
	char *b = s ? part_body(s, "Content-Transfer-Encoding: quoted-printable") : NULL;
	CHECK(b && lines_ok(b, 76) && strstr(s, "charset=us-ascii"));
	char *plain = malloc(4000);
	if (b) {
		size_t n = qpdec(b, plain);
		CHECK(n == 3002 && memcmp(plain, longline, 3000) == 0 && memcmp(plain + 3000, "\r\n", 2) == 0);
	}
	free(plain);
	free(b);
	free(s);
	free(longline);
	msg_free(&m);

	/* Composed text with a lone CR or a NUL: 65; a missing file: 66. */
	o.body = "a\rb";
	CHECK(!compose(&o, &m, &code) && code == 65);
	o.body = "@";
	char atfile[400];
	snprintf(atfile, sizeof atfile, "@%s", tmp_file("nul.txt", "a\0b\n", 4));
	o.body = atfile;
	CHECK(!compose(&o, &m, &code) && code == 65);
	o.body = "@/nonexistent/body.txt";
	CHECK(!compose(&o, &m, &code) && code == 66);

	/* Body from a file, CRLF normalised. */
	snprintf(atfile, sizeof atfile, "@%s", tmp_file("body.txt", "one\r\ntwo\nthree", 14));
	o.body = atfile;
	s = compose(&o, &m, &code);
	CHECK(s && strstr(s, "7bit\r\n\r\none\r\ntwo\r\nthree\r\n"));
	free(s);
	msg_free(&m);

	/* The test message when there is no body and stdin is a terminal. */
	memset(&o, 0, sizeof o);
	s = compose(&o, &m, &code);
	CHECK(s && strstr(s, "This is a test message sent by smtpkit on ") && strstr(s, "Subject: "));
	free(s);
	msg_free(&m);

	/* --header: checked (64); a generated field is replaced, not doubled. */
	char *hdrs[] = {"X-Mailer-Test: yes", "Subject: From the header", "Date: Tue, 2 Jan 2024 00:00:00 +0000"};
	memset(&o, 0, sizeof o);
	o.subject = "generated";
	o.body = "x";
	o.headers = hdrs;
	o.nheaders = 3;
	s = compose(&o, &m, &code);
	CHECK(s && strstr(s, "\r\nX-Mailer-Test: yes\r\n") && !strstr(s, "generated"));
	CHECK(s && strstr(s, "Subject: From the header") && strstr(s, "Date: Tue, 2 Jan") &&
	      strstr(s, "Date: ") == strstr(s, "Date: Tue"));
	free(s);
	msg_free(&m);
	const char *badh[] = {"NoColon", "Bad Name: x", ": x", "X-A: a\tb", "X-A: a\r\nBcc: x",
			      "Content-Type: text/html"};
	for (size_t i = 0; i < sizeof badh / sizeof badh[0]; i++) {
		char *one[] = {(char *)badh[i]};
		o.headers = one;
		o.nheaders = 1;
		CHECK(!compose(&o, &m, &code) && code == 64);
	}
	o.nheaders = 0;
	o.subject = "bad\nsubject";
	CHECK(!compose(&o, &m, &code) && code == 64);
	o.subject = NULL;
	char *badto[] = {"x <a b@c>"};
	o.to = badto;
	o.nto = 1;
	CHECK(!compose(&o, &m, &code) && code == 64);
}

static void test_mime(void)
{
	struct msg m;
	int code;
	char *s;
	struct msg_opts o = {0};

	/* --html: multipart/alternative, text first. */
	o.body = "text version";
	o.html = "<p>html version</p>";
	s = compose(&o, &m, &code);
	CHECK(s && strstr(s, "Content-Type: multipart/alternative;"));
	char *t = s ? strstr(s, "text/plain") : NULL;
	char *hh = s ? strstr(s, "text/html") : NULL;
	CHECK(t && hh && t < hh && strstr(s, "<p>html version</p>"));
	CHECK(s && lines_ok(s, 78));
	free(s);
	msg_free(&m);

	/* Attachments: type from /etc/mime.types, base64 in 76-character lines. */
	unsigned char bin[5000];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	struct msg_attach att[3] = {
		{.path = tmp_file("report.pdf", (char *)bin, sizeof bin)},
		{.path = tmp_file("data.zzqq", "abc", 3)},
		{.path = tmp_file("x.bin", "xyz", 3), .name = "K\xc3\xb6ln \"Plan\".txt", .type = "text/plain"},
	};
	o.attach = att;
	o.nattach = 3;
	s = compose(&o, &m, &code);
	CHECK(code == 0 && s);
	if (!s)
		return;
	CHECK(lines_ok(s, 78));
	CHECK(strstr(s, "Content-Type: multipart/mixed;"));
	CHECK(strstr(s, "Content-Type: multipart/alternative;"));
	FILE *mt = fopen("/etc/mime.types", "r");
	if (mt) {
		fclose(mt);
		CHECK(strstr(s, "Content-Type: application/pdf; name=\"report.pdf\"\r\n"));
	}
	CHECK(strstr(s, "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
		     "Content-Transfer-Encoding: base64\r\n"));
	CHECK(strstr(s, "Content-Type: application/octet-stream; name=\"data.zzqq\""));
	CHECK(strstr(s, "filename*0*=utf-8''K%C3%B6ln%20%22Plan%22.txt"));
	CHECK(strstr(s, "Content-Type: text/plain; name=\"=?UTF-8?B?"));
	char *b = part_body(s, "filename=\"report.pdf\"");
	CHECK(b && lines_ok(b, 76) && strlen(b) == (5000 + 2) / 3 * 4 + (5000 + 56) / 57 * 2 - 2);
	unsigned char dec[6000];
	CHECK(b && b64dec(b, dec) == sizeof bin && memcmp(dec, bin, sizeof bin) == 0);
	free(b);
	/* Closed properly: the outer boundary's close delimiter ends the message. */
	const char *bd = strstr(s, "boundary=\"");
	CHECK(bd != NULL);
	if (bd) {
		char closing[80];
		snprintf(closing, sizeof closing, "--%.42s--\r\n", bd + 10);
		size_t cl = strlen(closing), sl = strlen(s);
		CHECK(sl > cl && strcmp(s + sl - cl, closing) == 0);
	}
	free(s);
	msg_free(&m);

	/* A missing attachment: 66. */
	struct msg_attach missing = {.path = "/nonexistent/file.pdf"};
	o.attach = &missing;
	o.nattach = 1;
	CHECK(!compose(&o, &m, &code) && code == 66);
}

/* --data - and a body from standard input. */
static void test_stdin(void)
{
	struct msg m;
	struct msg_opts o = {0};
	struct err e = {0};
	int code;
	char *s;

	const char *path = tmp_file("stdin.eml", "Subject: piped\n\nfrom stdin\n", 27);
	if (!freopen(path, "r", stdin))
		abort();
	o.data = "-";
	CHECK(msg_build(&m, &o, &e) == 0);
	s = slurp(&m);
	CHECK(strstr(s, "\r\nSubject: piped\r\n\r\nfrom stdin\r\n"));
	free(s);
	msg_free(&m);

	if (!freopen(path, "r", stdin))
		abort();
	memset(&o, 0, sizeof o);
	s = compose(&o, &m, &code);     /* a terminal: the test message */
	CHECK(s && strstr(s, "smtpkit"));
	free(s);
	msg_free(&m);
	memset(&o, 0, sizeof o);
	o.domain = "example.org";
	CHECK(msg_build(&m, &o, &e) == 0);      /* not a terminal: standard input */
	s = slurp(&m);
	CHECK(strstr(s, "7bit\r\n\r\nSubject: piped\r\n\r\nfrom stdin\r\n"));
	free(s);
	msg_free(&m);
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* SPEC 10.10: memory does not grow with message size. */
static void test_large(void)
{
	char *path = paths[npaths++];
	snprintf(path, sizeof paths[0], "%s/large.eml", tmpdir);
	FILE *f = fopen(path, "wb");
	char line[101];
	memset(line, 'x', 99);
	line[0] = '.';
	line[99] = '\n';
	fputs("From: a@example.org\nTo: b@example.org\nSubject: big\n\n", f);
	uint64_t lines = 50ULL * 1024 * 1024 / 100;
	for (uint64_t i = 0; i < lines; i++)
		fwrite(line, 1, 100, f);
	fclose(f);

	long before = maxrss_kb();
	struct msg m;
	struct msg_opts o = {0};
	struct err e = {0};
	o.data = path;
	o.domain = "example.org";
	o.read_recipients = true;
	CHECK(msg_build(&m, &o, &e) == 0);
	CHECK(m.nrecipients == 1);
	uint64_t total = 0, crlf = 0;
	char buf[65536];
	ssize_t n;
	struct msg_dotstuff d = {0};
	char *stuffed = malloc(2 * sizeof buf);
	uint64_t stuffed_total = 0;
	while ((n = msg_read(&m, buf, sizeof buf)) > 0) {
		total += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++)
			crlf += buf[i] == '\n';
		stuffed_total += msg_dotstuff(&d, buf, (size_t)n, stuffed);
	}
	free(stuffed);
	CHECK(total == m.size);
	CHECK(crlf == lines + 6);       /* Date and Message-ID added */
	CHECK(stuffed_total == total + lines);
	long growth = maxrss_kb() - before;
	CHECK(growth < 20 * 1024);
	fprintf(stderr, "large: %llu octets, maxrss growth %ld KiB\n", (unsigned long long)total, growth);
	msg_free(&m);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 2;
	test_dotstuff();
	test_addresses();
	test_data_basic();
	test_data_recipients();
	test_compose();
	test_mime();
	test_stdin();
	test_large();
	for (size_t i = 0; i < npaths; i++)
		unlink(paths[i]);
	rmdir(tmpdir);
	return CHECK_DONE();
}
