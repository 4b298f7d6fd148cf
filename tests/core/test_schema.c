/* Schema checks: every error with its path and position, did-you-mean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"
#include "util.h"

static const char *const keys[] = { "name", "ttl", "wait", "kind", "on", NULL };
static const char *const kinds[] = { "http", "https", "tcp", NULL };

struct case_ {
	const char *name;
	const char *text;
	size_t errors;
	const char *first;   /* rendered first diagnostic must contain this */
};

static const struct case_ cases[] = {
	{ "all good", "{\"name\": \"x\", \"ttl\": 60, \"wait\": \"5m\", \"kind\": \"tcp\", \"on\": true}", 0, NULL },
	{ "typo gets a suggestion", "{\"name\": \"x\", \"tll\": 60}", 1, "t.json:1:15: tll: unknown key \"tll\"; did you mean \"ttl\"?" },
	{ "wrong type", "{\"name\": 5}", 1, "t.json:1:10: name: expected a string, found an integer" },
	{ "missing required", "{\"ttl\": 5}", 1, "missing \"name\"" },
	{ "out of range", "{\"name\": \"x\", \"ttl\": 99999999999}", 1, "ttl: 99999999999 is out of range; use a value from 0 to 2147483647" },
	{ "bad duration", "{\"name\": \"x\", \"wait\": \"soon\"}", 1, "wait: not a duration" },
	{ "duration as seconds", "{\"name\": \"x\", \"wait\": 30}", 0, NULL },
	{ "bad enum", "{\"name\": \"x\", \"kind\": \"icmp\"}", 1, "kind: \"icmp\" is not allowed here; use one of: \"http\", \"https\", \"tcp\"" },
	{ "empty string", "{\"name\": \"\"}", 1, "name: must not be empty" },
	{ "three at once", "{\"nmae\": 1, \"ttl\": \"x\", \"on\": 3}", 4, "unknown key" },
};

static void run_case(const struct case_ *c)
{
	struct diags d;
	struct jsonfile *jf;
	struct schema sc;
	const char *s;
	long long ttl;
	int64_t ms;
	int kind;
	bool on;
	char line[1024];

	diags_init(&d);
	jf = jsonfile_parse("t.json", c->text, strlen(c->text), &d);
	assert_int_equal(d.errors, 0);
	sc.jf = jf;
	sc.d = &d;
	schema_keys(&sc, "", jf->root, keys);
	schema_string(&sc, "", jf->root, "name", SCHEMA_REQUIRED, NULL, &s);
	schema_int(&sc, "", jf->root, "ttl", SCHEMA_OPTIONAL, 0, 2147483647, 300, &ttl);
	schema_duration(&sc, "", jf->root, "wait", SCHEMA_OPTIONAL, 0, 86400000, 0, &ms);
	schema_enum(&sc, "", jf->root, "kind", SCHEMA_OPTIONAL, kinds, 0, &kind);
	schema_bool(&sc, "", jf->root, "on", SCHEMA_OPTIONAL, false, &on);
	assert_int_equal(d.errors, c->errors);
	if (c->first) {
		diag_format(&d.v[0], line, sizeof(line));
		print_message("  %s\n", line);
		assert_non_null(strstr(line, c->first));
	}
	jsonfile_free(jf);
	diags_free(&d);
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("case: %s\n", cases[i].name);
		run_case(&cases[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
