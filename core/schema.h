/* core/schema.h — checking a JSON document against what a section expects.
 *
 * Every check reports into the diags of a struct schema with the value's
 * file:line:col and JSON path, then goes on, so one run names every error
 * of a file. Getters return false when the value is missing or wrong (the
 * error is already reported); optional members that are absent take the
 * default and return true.
 *
 *     struct schema sc = { .jf = jf, .d = &diags };
 *     static const char *const keys[] = { "name", "ttl", NULL };
 *     schema_keys(&sc, path, obj, keys);
 *     schema_string(&sc, path, obj, "name", SCHEMA_REQUIRED, NULL, &name);
 */
#ifndef CUTOVER_CORE_SCHEMA_H
#define CUTOVER_CORE_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "jsonfile.h"

struct schema {
	const struct jsonfile *jf; /* for positions; may be NULL */
	struct diags *d;
};

enum { SCHEMA_OPTIONAL = 0, SCHEMA_REQUIRED = 1 };

/* Reports an error at path (the value's position). */
void schema_error(struct schema *sc, const char *path, const char *fix, const char *fmt, ...)
	CUT_PRINTF(4, 5);
void schema_warning(struct schema *sc, const char *path, const char *fix, const char *fmt, ...)
	CUT_PRINTF(4, 5);

/* Checks that v is an object whose keys are all in allowed (NULL-terminated);
 * reports each unknown key at the key's position, with a "did you mean". */
bool schema_keys(struct schema *sc, const char *path, json_t *v, const char *const allowed[]);

/* The member key of obj if it has type want (JSON_OBJECT, JSON_ARRAY, …);
 * NULL if absent (reported when required) or of another type (reported). */
json_t *schema_member(struct schema *sc, const char *path, json_t *obj, const char *key,
		      json_type want, int required);

bool schema_string(struct schema *sc, const char *path, json_t *obj, const char *key,
		   int required, const char *dflt, const char **ret);
bool schema_int(struct schema *sc, const char *path, json_t *obj, const char *key, int required,
		long long min, long long max, long long dflt, long long *ret);
bool schema_bool(struct schema *sc, const char *path, json_t *obj, const char *key,
		 int required, bool dflt, bool *ret);
/* A duration string ("30s", "5m", "250ms") or a number of seconds. */
bool schema_duration(struct schema *sc, const char *path, json_t *obj, const char *key,
		     int required, int64_t min_ms, int64_t max_ms, int64_t dflt_ms, int64_t *ret_ms);
/* A string that must be one of choices (NULL-terminated); returns its index. */
bool schema_enum(struct schema *sc, const char *path, json_t *obj, const char *key, int required,
		 const char *const choices[], int dflt, int *ret);

/* Name of a JSON type for messages: "a string", "an array", … */
const char *schema_type_name(json_type t);

#endif
