/* The JSON reader: values and positions, and every syntax error of a file
 * with its line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jsonfile.h"
#include "util.h"

struct err_case {
	const char *name;
	const char *text;
	size_t errors;          /* syntax errors expected */
	unsigned line, col;     /* of the first */
	const char *msg;        /* substring of the first */
};

static const struct err_case err_cases[] = {
	{ "valid", "{\"a\": [1, 2.5, \"x\", true, null]}", 0, 0, 0, NULL },
	{ "missing comma between members", "{\"a\": 1\n \"b\": 2}", 1, 2, 2, "missing ','" },
	{ "trailing comma in array", "{\"a\": [1, 2,]}", 1, 1, 13, "trailing comma" },
	{ "trailing comma in object", "{\"a\": 1,\n}", 1, 2, 1, "trailing comma" },
	{ "unquoted key", "{a: 1, \"b\": 2}", 1, 1, 2, "expected a key" },
	{ "bad literal", "{\"a\": tru}", 1, 1, 7, "unexpected 'tru'" },
	{ "single quotes", "{\"a\": 'x'}", 1, 1, 7, "unexpected" },
	{ "missing colon", "{\"a\" 1}", 1, 1, 6, "missing ':'" },
	{ "unterminated string", "{\"a\": \"abc\n}", 1, 1, 7, "not closed" },
	{ "bad escape", "{\"a\": \"\\q\"}", 1, 1, 8, "invalid escape" },
	{ "leading zero", "{\"a\": 012}", 1, 1, 7, "invalid number" },
	{ "duplicate key", "{\"a\": 1, \"a\": 2}", 1, 1, 10, "twice" },
	{ "unclosed object", "{\"a\": 1", 1, 1, 8, "end of file" },
	{ "empty file", "", 1, 1, 1, "empty" },
	{ "two values", "{} {}", 1, 1, 4, "after the end" },
	{ "three errors, all reported", "{\"a\": 1 \"b\": [1,], \"c\": tru}", 3, 1, 9, "missing ','" },
	{ "NUL escape refused", "{\"a\": \"\\u0000\"}", 1, 1, 8, "invalid escape" },
	{ "lone surrogate", "{\"a\": \"\\udc00\"}", 1, 1, 8, "invalid escape" },
	{ "wrong closing bracket", "{\"a\": [1, 2}", 1, 1, 12, "expected ',' or ']'" },
	{ "garbage between members", "{\"a\": 1 @@ , \"b\": 2}", 1, 1, 9, "expected ',' or '}'" },
	{ "invalid UTF-8", "{\"a\": \"\xff\"}", 1, 1, 7, "UTF-8" },
};

static void test_syntax_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		struct diags d;
		struct jsonfile *jf;

		print_message("case: %s\n", c->name);
		diags_init(&d);
		jf = jsonfile_parse("t.json", c->text, strlen(c->text), &d);
		assert_non_null(jf);
		assert_int_equal(d.errors, c->errors);
		if (c->errors) {
			assert_int_equal(d.v[0].line, c->line);
			assert_int_equal(d.v[0].col, c->col);
			assert_non_null(strstr(d.v[0].msg, c->msg));
			assert_true(d.v[0].fix[0] != '\0');
		}
		jsonfile_free(jf);
		diags_free(&d);
	}
}

static void test_values_and_positions(void **state)
{
	static const char text[] =
		"{\n"
		"  \"dns\": {\n"
		"    \"records\": [\n"
		"      {\"name\": \"www\", \"to\": [\"192.0.2.1\", \"\\u00e9\\ud83d\\ude00\"]}\n"
		"    ]\n"
		"  },\n"
		"  \"n\": -12, \"r\": 1e3\n"
		"}\n";
	struct diags d;
	struct jsonfile *jf;
	unsigned line, col;
	json_t *to;

	(void)state;
	diags_init(&d);
	jf = jsonfile_parse("p.json", text, strlen(text), &d);
	assert_int_equal(d.errors, 0);
	to = json_object_get(json_array_get(json_object_get(json_object_get(jf->root, "dns"), "records"), 0), "to");
	assert_string_equal(json_string_value(json_array_get(to, 0)), "192.0.2.1");
	assert_string_equal(json_string_value(json_array_get(to, 1)), "\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(json_integer_value(json_object_get(jf->root, "n")), -12);
	assert_true(json_is_real(json_object_get(jf->root, "r")));
	jsonfile_where(jf, "dns.records[0].to[1]", false, &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 43);
	jsonfile_where(jf, "dns.records[0].name", true, &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 8);
	/* a path that does not exist falls back to its nearest ancestor */
	jsonfile_where(jf, "dns.records[0].missing", false, &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 7);
	jsonfile_free(jf);
	diags_free(&d);
}

/* A file's values (made in core/json_arena's region outside sanitizer
 * builds) behave as any jansson value: kept, changed, grown, freed. */
static void test_loaded_values_live_and_change(void **state)
{
	char path[] = "/tmp/cutover-jsonfile-XXXXXX";
	struct cut_err err;
	struct jsonfile *jf;
	struct diags d;
	json_t *recs, *copy;
	char key[16];
	FILE *f;
	int fd, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("{\"records\": [", f);
	for (i = 0; i < 500; i++)
		fprintf(f, "%s{\"name\": \"h%d.example.com\", \"to\": [\"192.0.2.%d\"]}", i ? ", " : "", i,
			i % 250);
	fputs("]}", f);
	fclose(f);
	diags_init(&d);
	assert_int_equal(jsonfile_load(path, &jf, &d, &err), 0);
	unlink(path);
	assert_int_equal(d.errors, 0);
	recs = json_object_get(jf->root, "records");
	assert_int_equal(json_array_size(recs), 500);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 499), "name")),
			    "h499.example.com");
	/* grown after the reading (new hash buckets), shrunk, shared, freed */
	for (i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		json_object_set_new(jf->root, key, json_integer(i));
	}
	json_object_del(jf->root, "k3");
	assert_int_equal(json_integer_value(json_object_get(jf->root, "k63")), 63);
	copy = json_deep_copy(json_array_get(recs, 7));
	json_array_clear(recs);
	assert_string_equal(json_string_value(json_object_get(copy, "name")), "h7.example.com");
	json_decref(copy);
	jsonfile_free(jf);
	diags_free(&d);
}

/* a (read the usual way) and b (read deferring) hold the same values, the
 * arrays b left as text included; counts those in *deferred. */
static void same_values(const struct jsonfile *jfb, json_t *a, json_t *b, size_t *deferred)
{
	struct json_plain text;
	const char *key;
	json_t *v;
	size_t i, count;

	if (jsonfile_deferred(jfb, b, &text, &count)) {
		json_t *whole = json_plain_value(text);
		assert_non_null(whole);
		assert_int_equal(json_array_size(b), 0);
		assert_true(json_equal(a, whole));
		assert_int_equal(count, json_array_size(a));
		json_decref(whole);
		(*deferred)++;
		return;
	}
	assert_int_equal(json_typeof(a), json_typeof(b));
	if (json_is_object(a)) {
		assert_int_equal(json_object_size(a), json_object_size(b));
		json_object_foreach(a, key, v)
			same_values(jfb, v, json_object_get(b, key), deferred);
	} else if (json_is_array(a)) {
		assert_int_equal(json_array_size(a), json_array_size(b));
		for (i = 0; i < json_array_size(a); i++)
			same_values(jfb, json_array_get(a, i), json_array_get(b, i), deferred);
	} else {
		assert_true(json_equal(a, b));
	}
}

struct defer_case {
	const char *text;
	const char *pattern;
	size_t deferred;      /* arrays left as text */
	const char *where;    /* a path whose position must be the same both ways */
};

static const struct defer_case defer_cases[] = {
	{ "{\"d\": [1, -2, 0, \"x\", true, false, null, {\"a\": [1, {\"b\": \"c\"}]}, []],\n \"e\": tru}", "d", 1, "d[7].a[1].b" },
	{ "{\"d\": [\n  {\"k\": \"v\"},\n\t{\"k\": 123456789012345678}\r\n],\n\"e\": [1,]\n}", "d", 1, "d[1].k" },
	{ "{\"d\": [\"\\u0041\"], \"e\": tru}", "d", 0, "e" },                       /* an escape */
	{ "{\"d\": [\"\xc3\xa9\"], \"e\": 1}", "d", 0, "d[0]" },                            /* not ASCII */
	{ "{\"d\": [1.5], \"e\": 1}", "d", 0, "d[0]" },                                 /* not an integer */
	{ "{\"d\": [1234567890123456789]}", "d", 0, "d[0]" },                          /* 19 digits */
	{ "{\"d\": [{\"a\": 1, \"a\": 2}]}", "d", 0, "d[0].a" },                         /* a key twice */
	{ "{\"d\": [{\"a\": 1 \"b\": 2}]}", "d", 0, "d[0].b" },                          /* syntax */
	{ "{\"d\": [01]}", "d", 0, "d" },
	{ "{\"d\": [tru]}", "d", 0, "d" },
	{ "{\"d\": [1,]}", "d", 0, "d" },
	{ "{\"d\": [1 2]}", "d", 0, "d" },
	{ "{\"d\": [{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,\"p\":16,\"q\":17}]}", "d", 0, "d[0].q" },
	{ "{\"h\": [{\"r\": [1, 2]}, {\"r\": [3]}, {\"q\": [4]}, {\"r\": {\"x\": [5]}}], \"r\": [6]}", "h[*].r", 2, "h[1].r[0]" },
	{ "{\"h\": [{\"r\": [1]}], \"hh\": [{\"r\": [2]}], \"h0\": {\"r\": [3]}}", "h[*].r", 1, "hh[0].r[0]" },
	{ "{\"d\": [[[[[[[[[[[[1]]]]]]]]]]]]}", "d", 1, "d[0][0][0][0][0][0][0][0][0][0][0][0]" },
};

static void check_defer_case(const struct defer_case *c)
{
	const char *const defer[] = { c->pattern, NULL };
	struct jsonfile *a, *b;
	struct diags da, db;
	unsigned la, ca, lb, cb;
	size_t deferred = 0, k;

	diags_init(&da);
	diags_init(&db);
	a = jsonfile_parse("t.json", c->text, strlen(c->text), &da);
	b = jsonfile_parse_deferring("t.json", c->text, strlen(c->text), defer, &db);
	assert_int_equal(da.n, db.n);
	for (k = 0; k < da.n; k++) {
		assert_int_equal(da.v[k].line, db.v[k].line);
		assert_int_equal(da.v[k].col, db.v[k].col);
		assert_string_equal(da.v[k].msg, db.v[k].msg);
	}
	if (a->root)
		same_values(b, a->root, b->root, &deferred);
	assert_int_equal(deferred, c->deferred);
	jsonfile_where(a, c->where, false, &la, &ca);
	jsonfile_where(b, c->where, false, &lb, &cb);
	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_int_equal(ca, cb);
	jsonfile_free(a);
	jsonfile_free(b);
	diags_free(&da);
	diags_free(&db);
}

/* Arrays left as text: the same values, messages and positions as when
 * everything is read as values, and only plain arrays are left. */
static void test_deferred_arrays(void **state)
{
	char deep[3 * JSONFILE_MAX_DEPTH + 16];
	size_t i;
	int depth, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(defer_cases); i++) {
		print_message("case %zu\n", i);
		check_defer_case(&defer_cases[i]);
	}
	/* at the reader's depth limit and one past it */
	for (depth = JSONFILE_MAX_DEPTH; depth <= JSONFILE_MAX_DEPTH + 1; depth++) {
		struct defer_case c = { deep, "d", depth == JSONFILE_MAX_DEPTH, "d" };
		size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"d\": ");
		for (k = 1; k < depth; k++)
			deep[n++] = '[';
		for (k = 1; k < depth; k++)
			deep[n++] = ']';
		snprintf(deep + n, sizeof(deep) - n, "}");
		print_message("depth %d\n", depth);
		check_defer_case(&c);
	}
}

/* Strings are scanned a word at a time: an escape, a quote or a control
 * character is found at every offset, and the value is right. */
static void test_string_scan_offsets(void **state)
{
	char text[96], want[64];
	size_t pos, k;

	(void)state;
	for (pos = 0; pos < 40; pos++) {
		struct diags d;
		struct jsonfile *jf;

		/* an escape at pos: decoded */
		memset(want, 'a', 40);
		want[pos] = '"';
		want[40] = '\0';
		k = (size_t)snprintf(text, sizeof(text), "{\"s\": \"%.*s\\\"%s\"}", (int)pos, want,
				     want + pos + 1);
		diags_init(&d);
		jf = jsonfile_parse("t.json", text, k, &d);
		assert_int_equal(d.errors, 0);
		assert_string_equal(json_string_value(json_object_get(jf->root, "s")), want);
		jsonfile_free(jf);
		diags_free(&d);
		/* a tab at pos: refused, at its column */
		memset(want, 'a', 40);
		want[pos] = '\t';
		k = (size_t)snprintf(text, sizeof(text), "{\"s\": \"%s\"}", want);
		diags_init(&d);
		jf = jsonfile_parse("t.json", text, k, &d);
		assert_int_equal(d.errors, 1);
		assert_int_equal(d.v[0].col, 8 + pos);
		assert_non_null(strstr(d.v[0].msg, "control character"));
		jsonfile_free(jf);
		diags_free(&d);
	}
}

/* The plain subset, walked. */
static void test_plain_walk(void **state)
{
	static const char text[] = "{\"a\" : [ 1 , \"two\" ,{\"x\":null} ] ,\"b\":-7,\"c\":\"\"}";
	struct json_plain obj = { text, sizeof(text) - 1 }, key, val, elem;
	size_t pos = 0, apos = 0;
	long long n;
	char buf[8];

	(void)state;
	assert_int_equal(json_plain_check(text, sizeof(text) - 1, 0, 3, NULL), sizeof(text) - 1);
	assert_int_equal(json_plain_check(text, sizeof(text) - 1, 0, 2, NULL), 0); /* too deep */
	assert_true(json_plain_next(obj, &pos, &key, &val));
	assert_true(json_plain_is(key, "a"));
	assert_int_equal(json_plain_type(val), JSON_ARRAY);
	assert_true(json_plain_next(val, &apos, NULL, &elem));
	assert_true(json_plain_integer(elem, &n));
	assert_int_equal(n, 1);
	assert_true(json_plain_next(val, &apos, NULL, &elem));
	assert_true(json_plain_string(elem, buf, sizeof(buf)));
	assert_string_equal(buf, "two");
	assert_false(json_plain_string(elem, buf, 3)); /* does not fit */
	assert_true(json_plain_next(val, &apos, NULL, &elem));
	assert_int_equal(json_plain_type(elem), JSON_OBJECT);
	assert_false(json_plain_next(val, &apos, NULL, &elem));
	assert_true(json_plain_next(obj, &pos, &key, &val));
	assert_true(json_plain_is(key, "b"));
	assert_true(json_plain_integer(val, &n));
	assert_int_equal(n, -7);
	assert_true(json_plain_next(obj, &pos, &key, &val));
	assert_true(json_plain_string(val, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(json_plain_next(obj, &pos, &key, &val));
}

/* Paths as messages show them; the index is formatted without printf, so
 * compare with printf's, and a path cut at the buffer stays a C string. */
static void test_paths(void **state)
{
	static const size_t idx[] = { 0, 7, 10, 99, 12345, 9999999, (size_t)-1 };
	char buf[JSONFILE_PATH_MAX], want[JSONFILE_PATH_MAX], small[8];
	size_t i;

	(void)state;
	json_path_key(buf, sizeof(buf), "routes", "hosts");
	assert_string_equal(buf, "routes.hosts");
	json_path_key(buf, sizeof(buf), "", "routes");
	assert_string_equal(buf, "routes");
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		json_path_index(buf, sizeof(buf), "routes.hosts", idx[i]);
		snprintf(want, sizeof(want), "routes.hosts[%zu]", idx[i]);
		assert_string_equal(buf, want);
	}
	json_path_index(small, sizeof(small), "hosts", 123);
	assert_string_equal(small, "hosts[1");
}

static void test_depth_limit(void **state)
{
	char text[JSONFILE_MAX_DEPTH * 2 + 8];
	struct diags d;
	struct jsonfile *jf;
	size_t i;

	(void)state;
	for (i = 0; i < JSONFILE_MAX_DEPTH + 2; i++)
		text[i] = '[';
	text[i] = '\0';
	diags_init(&d);
	jf = jsonfile_parse("deep.json", text, strlen(text), &d);
	assert_true(d.errors >= 1);
	assert_non_null(strstr(d.v[0].msg, "nested deeper"));
	jsonfile_free(jf);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_values_and_positions),
		cmocka_unit_test(test_loaded_values_live_and_change),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_deferred_arrays),
		cmocka_unit_test(test_plain_walk),
		cmocka_unit_test(test_string_scan_offsets),
	};
	return cmocka_run_group_tests_name("jsonfile", tests, NULL, NULL);
}
