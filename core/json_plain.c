/* core/json_plain.c — plain JSON (json_plain.h): checked once, then walked
 * trusting the check. */
#include "json_plain.h"

#include <string.h>

#include "jsonfile.h"

#define DIGITS_MAX 18 /* fits a long long: no overflow to think about */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_blanks(const char *s, size_t len, size_t i)
{
	while (i < len && blank(s[i]))
		i++;
	return i;
}

/* After a scalar: the end of the text, a blank or what may follow a value. */
static bool ends_scalar(const char *s, size_t len, size_t i)
{
	return i >= len || blank(s[i]) || s[i] == ',' || s[i] == '}' || s[i] == ']';
}

static size_t check_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			return i + 1;
		if (c == '\\' || c < 0x20 || c >= 0x80)
			return 0;
	}
	return 0;
}

static size_t check_integer(const char *s, size_t len, size_t i)
{
	size_t start;

	if (s[i] == '-')
		i++;
	start = i;
	if (i < len && s[i] == '0')
		i++;
	else
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i == start || i - start > DIGITS_MAX || !ends_scalar(s, len, i))
		return 0;
	return i;
}

static size_t check_word(const char *s, size_t len, size_t i)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t k, n;

	for (k = 0; k < 3; k++) {
		n = strlen(words[k]);
		if (len - i >= n && memcmp(s + i, words[k], n) == 0 && ends_scalar(s, len, i + n))
			return i + n;
	}
	return 0;
}

/* Short texts: a loop beats a call to memcmp. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i == n;
}

static bool key_seen(const char *s, const size_t *keys, size_t nkeys, size_t at, size_t n)
{
	size_t k;

	for (k = 0; k < nkeys; k += 2)
		if (keys[k + 1] == n && same_bytes(s + keys[k], s + at, n))
			return true;
	return false;
}

/* An object's or array's members from s[i] (its opening character); their
 * number into *count. */
static size_t check_container(const char *s, size_t len, size_t i, int depth_left, size_t *count)
{
	bool object = s[i] == '{';
	char close = object ? '}' : ']';
	size_t keys[2 * JSON_PLAIN_KEYS_MAX], nkeys = 0, end;

	*count = 0;
	if (depth_left <= 0)
		return 0;
	i = skip_blanks(s, len, i + 1);
	if (i < len && s[i] == close)
		return i + 1;
	for (;; ++*count) {
		if (object) {
			if (i >= len || s[i] != '"' || !(end = check_string(s, len, i)))
				return 0;
			if (nkeys == 2 * JSON_PLAIN_KEYS_MAX ||
			    key_seen(s, keys, nkeys, i + 1, end - i - 2))
				return 0;
			keys[nkeys++] = i + 1;
			keys[nkeys++] = end - i - 2;
			i = skip_blanks(s, len, end);
			if (i >= len || s[i] != ':')
				return 0;
			i = skip_blanks(s, len, i + 1);
		}
		end = json_plain_check(s, len, i, depth_left - 1, NULL);
		if (!end)
			return 0;
		i = skip_blanks(s, len, end);
		if (i < len && s[i] == close) {
			++*count;
			return i + 1;
		}
		if (i >= len || s[i] != ',')
			return 0;
		i = skip_blanks(s, len, i + 1);
	}
}

size_t json_plain_check(const char *s, size_t len, size_t i, int depth_left, size_t *count)
{
	size_t n;

	if (i >= len)
		return 0;
	switch (s[i]) {
	case '{':
	case '[':
		return check_container(s, len, i, depth_left, count ? count : &n);
	case '"':
		return check_string(s, len, i);
	case 't':
	case 'f':
	case 'n':
		return check_word(s, len, i);
	default:
		return (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) ? check_integer(s, len, i) : 0;
	}
}

json_type json_plain_type(struct json_plain v)
{
	switch (v.len ? v.s[0] : '\0') {
	case '"':
		return JSON_STRING;
	case '{':
		return JSON_OBJECT;
	case '[':
		return JSON_ARRAY;
	case 't':
		return JSON_TRUE;
	case 'f':
		return JSON_FALSE;
	case 'n':
		return JSON_NULL;
	default:
		return JSON_INTEGER;
	}
}

/* What skip_value() stops at: quotes, brackets, and what ends a scalar. */
static const unsigned char stops[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
	[','] = 4, [' '] = 4, ['\t'] = 4, ['\n'] = 4, ['\r'] = 4,
};

/* The end of the checked value at s[i]: strings hold no escapes, so a quote
 * always closes one. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	int nest = 0;

	if (stops[(unsigned char)s[i]] != 1 && stops[(unsigned char)s[i]] != 2) {
		while (i < len && !stops[(unsigned char)s[i]])
			i++;
		return i; /* a scalar */
	}
	do {
		switch (stops[(unsigned char)s[i]]) {
		case 1:
			while (s[++i] != '"')
				;
			break;
		case 2:
			nest++;
			break;
		case 3:
			nest--;
			break;
		default:
			break;
		}
		i++;
	} while (nest > 0);
	return i;
}

bool json_plain_next(struct json_plain c, size_t *pos, struct json_plain *key,
		     struct json_plain *value)
{
	size_t i = skip_blanks(c.s, c.len, *pos ? *pos : 1), end;

	if (i < c.len && c.s[i] == ',')
		i = skip_blanks(c.s, c.len, i + 1);
	if (i >= c.len || c.s[i] == '}' || c.s[i] == ']')
		return false;
	if (c.s[0] == '{') {
		end = skip_value(c.s, c.len, i);
		if (key)
			*key = (struct json_plain){ c.s + i, end - i };
		i = skip_blanks(c.s, c.len, end);
		i = skip_blanks(c.s, c.len, i + 1); /* the ':' */
	}
	end = skip_value(c.s, c.len, i);
	*value = (struct json_plain){ c.s + i, end - i };
	*pos = end;
	return true;
}

bool json_plain_string(struct json_plain v, char *buf, size_t size)
{
	if (json_plain_type(v) != JSON_STRING || v.len - 2 >= size)
		return false;
	memcpy(buf, v.s + 1, v.len - 2);
	buf[v.len - 2] = '\0';
	return true;
}

bool json_plain_is(struct json_plain v, const char *s)
{
	size_t n = v.len - 2;

	return same_bytes(v.s + 1, s, n) && s[n] == '\0';
}

bool json_plain_integer(struct json_plain v, long long *ret)
{
	long long x = 0;
	size_t i = v.len && v.s[0] == '-' ? 1 : 0;

	if (json_plain_type(v) != JSON_INTEGER)
		return false;
	for (; i < v.len; i++)
		x = x * 10 + (v.s[i] - '0');
	*ret = v.s[0] == '-' ? -x : x;
	return true;
}

json_t *json_plain_value(struct json_plain v)
{
	return json_parse_strict(v.s, v.len);
}
