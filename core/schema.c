#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static void report(struct schema *sc, int warning, const char *path, bool at_key,
		   const char *fix, const char *fmt, va_list ap)
{
	char msg[1024];
	unsigned line, col;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	jsonfile_where(sc->jf, path, at_key, &line, &col);
	diags_add(sc->d, warning, sc->jf ? sc->jf->name : "", line, col, path, fix, "%s", msg);
}

void schema_error(struct schema *sc, const char *path, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sc, 0, path, false, fix, fmt, ap);
	va_end(ap);
}

void schema_warning(struct schema *sc, const char *path, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sc, 1, path, false, fix, fmt, ap);
	va_end(ap);
}

static void error_at_key(struct schema *sc, const char *path, const char *fix, const char *fmt,
			 ...) CUT_PRINTF(4, 5);
static void error_at_key(struct schema *sc, const char *path, const char *fix, const char *fmt,
			 ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sc, 0, path, true, fix, fmt, ap);
	va_end(ap);
}

const char *schema_type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static bool type_is(json_t *v, json_type want)
{
	if (want == JSON_TRUE || want == JSON_FALSE)
		return json_is_boolean(v);
	if (want == JSON_REAL)
		return json_is_number(v);
	return json_typeof(v) == want;
}

static bool is_allowed(const char *const allowed[], const char *key)
{
	size_t i;

	for (i = 0; allowed[i]; i++)
		if (strcmp(allowed[i], key) == 0)
			return true;
	return false;
}

/* Reports an unknown key at its position, with the closest allowed key. */
static void unknown_key(struct schema *sc, const char *path, const char *const allowed[],
			const char *key)
{
	char kpath[JSONFILE_PATH_MAX], fix[128];
	const char *best = NULL;
	size_t best_d = 3, i;

	for (i = 0; allowed[i]; i++) {
		size_t dist = edit_distance(allowed[i], key);
		if (dist < best_d) {
			best_d = dist;
			best = allowed[i];
		}
	}
	json_path_key(kpath, sizeof(kpath), path, key);
	if (best) {
		snprintf(fix, sizeof(fix), "did you mean \"%s\"?", best);
		error_at_key(sc, kpath, fix, "unknown key \"%s\"", key);
	} else {
		error_at_key(sc, kpath, "remove it (see docs for the keys allowed here)",
			     "unknown key \"%s\"", key);
	}
}

bool schema_keys(struct schema *sc, const char *path, json_t *v, const char *const allowed[])
{
	const char *key;
	json_t *val;
	bool ok = true;

	if (!json_is_object(v)) {
		schema_error(sc, path, "write an object { … }", "expected an object, found %s",
			     schema_type_name(json_typeof(v)));
		return false;
	}
	json_object_foreach(v, key, val) {
		if (!is_allowed(allowed, key)) {
			ok = false;
			unknown_key(sc, path, allowed, key);
		}
	}
	return ok;
}

json_t *schema_member(struct schema *sc, const char *path, json_t *obj, const char *key,
		      json_type want, int required)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *v;

	v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v) {
		if (required && json_is_object(obj))
			schema_error(sc, path, "add it", "missing \"%s\" (%s)", key,
				     schema_type_name(want));
		return NULL;
	}
	if (!type_is(v, want)) {
		json_path_key(kpath, sizeof(kpath), path, key); /* only for the message */
		schema_error(sc, kpath, NULL, "expected %s, found %s", schema_type_name(want),
			     schema_type_name(json_typeof(v)));
		return NULL;
	}
	return v;
}

bool schema_string(struct schema *sc, const char *path, json_t *obj, const char *key,
		   int required, const char *dflt, const char **ret)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *v = schema_member(sc, path, obj, key, JSON_STRING, required);

	*ret = dflt;
	if (!v)
		return !json_object_get(obj, key) && !required;
	*ret = json_string_value(v);
	if (!**ret && required) {
		json_path_key(kpath, sizeof(kpath), path, key);
		schema_error(sc, kpath, "give a value", "must not be empty");
		return false;
	}
	return true;
}

bool schema_int(struct schema *sc, const char *path, json_t *obj, const char *key, int required,
		long long min, long long max, long long dflt, long long *ret)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *v = schema_member(sc, path, obj, key, JSON_INTEGER, required);

	*ret = dflt;
	if (!v)
		return !json_object_get(obj, key) && !required;
	*ret = json_integer_value(v);
	if (*ret < min || *ret > max) {
		char fix[96];
		json_path_key(kpath, sizeof(kpath), path, key);
		snprintf(fix, sizeof(fix), "use a value from %lld to %lld", min, max);
		schema_error(sc, kpath, fix, "%lld is out of range", *ret);
		*ret = dflt;
		return false;
	}
	return true;
}

bool schema_bool(struct schema *sc, const char *path, json_t *obj, const char *key,
		 int required, bool dflt, bool *ret)
{
	json_t *v = schema_member(sc, path, obj, key, JSON_TRUE, required);

	*ret = dflt;
	if (!v)
		return !json_object_get(obj, key) && !required;
	*ret = json_is_true(v);
	return true;
}

bool schema_duration(struct schema *sc, const char *path, json_t *obj, const char *key,
		     int required, int64_t min_ms, int64_t max_ms, int64_t dflt_ms, int64_t *ret_ms)
{
	char kpath[JSONFILE_PATH_MAX], lo[32], hi[32], fix[128];
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	int64_t ms;

	*ret_ms = dflt_ms;
	json_path_key(kpath, sizeof(kpath), path, key);
	if (!v) {
		if (required && json_is_object(obj))
			schema_error(sc, path, "add it, e.g. \"30s\"", "missing \"%s\" (a duration)", key);
		return !required;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < INT64_MAX / 1000) {
		ms = json_integer_value(v) * 1000;
	} else if (!json_is_string(v) || parse_duration_ms(json_string_value(v), &ms) < 0) {
		schema_error(sc, kpath, "write a duration such as \"250ms\", \"30s\", \"5m\", \"2h\"",
			     "not a duration");
		return false;
	}
	if (ms < min_ms || ms > max_ms) {
		format_duration(min_ms, lo, sizeof(lo));
		format_duration(max_ms, hi, sizeof(hi));
		snprintf(fix, sizeof(fix), "use a duration from %s to %s", lo, hi);
		schema_error(sc, kpath, fix, "duration out of range");
		return false;
	}
	*ret_ms = ms;
	return true;
}

bool schema_enum(struct schema *sc, const char *path, json_t *obj, const char *key, int required,
		 const char *const choices[], int dflt, int *ret)
{
	char kpath[JSONFILE_PATH_MAX], fix[256];
	const char *s;
	size_t used = 0;
	int i;

	*ret = dflt;
	if (!schema_string(sc, path, obj, key, required, NULL, &s))
		return false;
	if (!s)
		return true;
	for (i = 0; choices[i]; i++) {
		if (strcmp(choices[i], s) == 0) {
			*ret = i;
			return true;
		}
	}
	used = (size_t)snprintf(fix, sizeof(fix), "use one of:");
	for (i = 0; choices[i] && used < sizeof(fix); i++)
		used += (size_t)snprintf(fix + used, sizeof(fix) - used, "%s \"%s\"", i ? "," : "",
					 choices[i]);
	json_path_key(kpath, sizeof(kpath), path, key);
	schema_error(sc, kpath, fix, "\"%s\" is not allowed here", s);
	return false;
}
