/* Fuzz target: the JSON reader with error recovery and the plan's top level;
 * and the same text read leaving arrays as plain text (jsonfile_deferring),
 * which must give the same messages, places and values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a read the usual way, b deferring: the same values. */
static void same_values(const struct jsonfile *jfb, json_t *a, json_t *b)
{
	struct json_plain text;
	const char *key;
	json_t *v;
	size_t i, count;

	if (jsonfile_deferred(jfb, b, &text, &count)) {
		json_t *whole = json_plain_value(text);
		if (!whole || !json_equal(a, whole) || json_array_size(b) != 0 ||
		    count != json_array_size(a))
			abort();
		json_decref(whole);
		return;
	}
	if (!a || !b || json_typeof(a) != json_typeof(b))
		abort();
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			abort();
		json_object_foreach(a, key, v)
			same_values(jfb, v, json_object_get(b, key));
	} else if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			abort();
		for (i = 0; i < json_array_size(a); i++)
			same_values(jfb, json_array_get(a, i), json_array_get(b, i));
	} else if (!json_equal(a, b)) {
		abort();
	}
}

static void same_both_ways(const char *text, size_t size, const struct jsonfile *a,
			   const struct diags *da)
{
	static const char *const defer[] = { "", "a", "a[*]", "a[*].b", NULL };
	struct jsonfile *b;
	struct diags db;
	size_t i;

	diags_init(&db);
	b = jsonfile_parse_deferring("fuzz.json", text, size, defer, &db);
	if (da->n != db.n || da->errors != db.errors)
		abort();
	for (i = 0; i < da->n; i++)
		if (da->v[i].line != db.v[i].line || da->v[i].col != db.v[i].col ||
		    strcmp(da->v[i].msg, db.v[i].msg) != 0)
			abort();
	if (!a->root != !b->root)
		abort();
	if (a->root)
		same_values(b, a->root, b->root);
	jsonfile_free(b);
	diags_free(&db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct jsonfile *jf;
	struct plan *p;
	char line[2048];
	size_t i;

	diags_init(&d);
	jf = jsonfile_parse("fuzz.json", (const char *)data, size, &d);
	same_both_ways((const char *)data, size, jf, &d);
	p = plan_from_jsonfile(jf, "fuzz.json", &d);
	for (i = 0; i < d.n; i++)
		diag_format(&d.v[i], line, sizeof(line));
	plan_free(p);
	diags_free(&d);
	return 0;
}
