/* json.c - streaming JSON writer. */
#include "json.h"
#include "text.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *fp)
{
	j->fp = fp;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Separator before a value or key at the current level. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->fp);
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->fp);
	if (j->depth + 1 < JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->fp);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->fp);
}

void json_object(struct json *j) { open(j, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array(struct json *j) { open(j, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

static void write_string(struct json *j, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', j->fp);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', j->fp);
			fputc(c, j->fp);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(j->fp, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, j->fp);
			i++;
		} else {
			size_t n = text_utf8_len(p + i, len - i);
			if (n == 0) {
				fputs("\\ufffd", j->fp);
				i++;
			} else {
				fwrite(p + i, 1, n, j->fp);
				i += n;
			}
		}
	}
	fputc('"', j->fp);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	write_string(j, key, strlen(key));
	fputc(':', j->fp);
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t len)
{
	sep(j);
	write_string(j, s, len);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	sep(j);
	fprintf(j->fp, "%lld", v);
}

void json_num(struct json *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->fp, "%.3f", v);
	else
		fputs("null", j->fp);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->fp);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->fp);
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_knum(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_num(j, v);
}
