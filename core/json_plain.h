/* core/json_plain.h — plain JSON: the subset a plan's big arrays are written
 * in, read straight from the text without building jansson values.
 *
 * A plan of 10,000 route changes is 230,000 jansson values; making them and
 * looking members up in them was half of a route switch. A value is "plain"
 * when it holds only ASCII strings without escapes, integers of at most 18
 * digits, true, false, null, and arrays and objects of those, no key twice
 * and at most JSON_PLAIN_KEYS_MAX members per object — what every tool and
 * person writes for such data. Plain text reads the same by jsonfile's
 * reader and by these functions, without a single message: so jsonfile can
 * leave a plain array as text (jsonfile_load_deferring) and its room can read
 * it here, going to jansson values (json_plain_value) for whatever its quick
 * way does not take.
 */
#ifndef CUTOVER_CORE_JSON_PLAIN_H
#define CUTOVER_CORE_JSON_PLAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JSON_PLAIN_KEYS_MAX 16

/* The text of one plain value: s[0..len). */
struct json_plain {
	const char *s;
	size_t len;
};

/* If s[i..len) starts with a plain value (no leading blanks), the offset just
 * after it; else 0. Containers may nest depth_left more levels (the reader's
 * limit minus where the value stands). When the value is an array or object
 * and count is not NULL, *count is its number of elements or members. */
size_t json_plain_check(const char *s, size_t len, size_t i, int depth_left, size_t *count);

/* The kind of a plain value: JSON_STRING, JSON_INTEGER, JSON_TRUE, … */
json_type json_plain_type(struct json_plain v);

/* Walks the elements of a plain array, or the members of a plain object
 * (then *key is the key with its quotes). Start with *pos = 0; false after
 * the last. */
bool json_plain_next(struct json_plain container, size_t *pos, struct json_plain *key,
		     struct json_plain *value);

/* A string's bytes into buf with a NUL; false when v is no string or does not
 * fit. */
bool json_plain_string(struct json_plain v, char *buf, size_t size);

/* True when the string v (quotes included) is s. */
bool json_plain_is(struct json_plain v, const char *s);

/* An integer's value; false when v is no integer. */
bool json_plain_integer(struct json_plain v, long long *ret);

/* The jansson value of v (new reference): what jsonfile's reader makes of
 * the same text. */
json_t *json_plain_value(struct json_plain v);

#endif
