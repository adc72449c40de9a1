/* json.h - a small streaming JSON writer (RFC 8259) for --json output. */
#ifndef SMTPKIT_JSON_H
#define SMTPKIT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_DEPTH 32

struct json {
	FILE *fp;
	int depth;
	bool first[JSON_DEPTH];     /* nothing written yet at this level */
	bool after_key;
};

void json_init(struct json *j, FILE *fp);
void json_object(struct json *j);
void json_object_end(struct json *j);
void json_array(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
/* Strings are written as valid UTF-8: invalid bytes become U+FFFD. */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, long long v);
void json_num(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Shorthands for "key": value. */
void json_kstr(struct json *j, const char *key, const char *s);   /* NULL -> null */
void json_kint(struct json *j, const char *key, long long v);
void json_kbool(struct json *j, const char *key, bool v);
void json_knum(struct json *j, const char *key, double v);

#endif
