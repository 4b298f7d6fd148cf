/* tests/health/test_health_plan.c — the "health" section parser, row by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "util.h"

struct row {
	const char *name;
	const char *json;
	size_t errors;        /* input errors expected */
	const char *where;    /* a substring of the first error's path, or NULL */
	const char *says;     /* a substring of the first error's message or fix, or NULL */
};

static const struct row rows[] = {
	{ "minimal https check",
	  "{\"www\":{\"kind\":\"https\",\"host\":\"www.example.com\",\"targets\":[\"198.51.100.10\"]}}",
	  0, NULL, NULL },
	{ "every key",
	  "{\"www\":{\"kind\":\"https\",\"host\":\"www.example.com\",\"targets\":[\"198.51.100.10:8443\","
	  "\"[2001:db8::1]:443\"],\"path\":\"/healthz\",\"expect_status\":[200,204],"
	  "\"body_contains\":\"ok\",\"tls\":{\"verify\":false},\"timeout\":\"2s\",\"interval\":\"5s\","
	  "\"healthy_after\":3,\"sick_after\":2}}",
	  0, NULL, NULL },
	{ "tcp with port", "{\"db\":{\"kind\":\"tcp\",\"targets\":[\"198.51.100.20:5432\"]}}", 0, NULL,
	  NULL },
	{ "dns with qtype",
	  "{\"ns\":{\"kind\":\"dns\",\"host\":\"www.example.com\",\"qtype\":\"AAAA\",\"targets\":[\"198.51.100.53\"]}}",
	  0, NULL, NULL },
	{ "missing kind", "{\"www\":{\"host\":\"a.example\",\"targets\":[\"192.0.2.1\"]}}", 1,
	  "health.www", "kind" },
	{ "unknown kind", "{\"www\":{\"kind\":\"icmp\",\"host\":\"a.example\",\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.kind", NULL },
	{ "unknown key with a near name",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"targets\":[\"192.0.2.1\"],\"timout\":\"1s\"}}",
	  1, "health.www.timout", "timeout" },
	{ "missing targets", "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\"}}", 1, "health.www",
	  "targets" },
	{ "empty targets", "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"targets\":[]}}", 1,
	  "health.www.targets", NULL },
	{ "target is a name, not an address",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"targets\":[\"web1.example:80\"]}}", 1,
	  "health.www.targets[0]", "IP address" },
	{ "target port out of range",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"targets\":[\"192.0.2.1:70000\"]}}", 1,
	  "health.www.targets[0]", NULL },
	{ "tcp target without port", "{\"db\":{\"kind\":\"tcp\",\"targets\":[\"192.0.2.1\"]}}", 1,
	  "health.db.targets[0]", "port" },
	{ "http without host", "{\"www\":{\"kind\":\"http\",\"targets\":[\"192.0.2.1\"]}}", 1,
	  "health.www", "host" },
	{ "host with a space",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a example\",\"targets\":[\"192.0.2.1\"]}}", 1,
	  "health.www.host", NULL },
	{ "path without slash",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"path\":\"healthz\",\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.path", "/" },
	{ "status out of range",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"expect_status\":[200,99],\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.expect_status[1]", NULL },
	{ "tls on an http check",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"tls\":{\"verify\":true},\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.tls", "https" },
	{ "unreadable ca_file",
	  "{\"www\":{\"kind\":\"https\",\"host\":\"a.example\",\"tls\":{\"ca_file\":\"/nonexistent/ca.pem\"},"
	  "\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.tls.ca_file", "/nonexistent/ca.pem" },
	{ "bad qtype",
	  "{\"ns\":{\"kind\":\"dns\",\"host\":\"a.example\",\"qtype\":\"BOGUS\",\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.ns.qtype", NULL },
	{ "timeout too short",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"timeout\":\"1ms\",\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.timeout", NULL },
	{ "threshold zero",
	  "{\"www\":{\"kind\":\"http\",\"host\":\"a.example\",\"sick_after\":0,\"targets\":[\"192.0.2.1\"]}}",
	  1, "health.www.sick_after", NULL },
	{ "bad check name", "{\"w w\":{\"kind\":\"tcp\",\"targets\":[\"192.0.2.1:1\"]}}", 1, "health",
	  "check name" },
	{ "check is not an object", "{\"www\":[1]}", 1, "health.www", "object" },
	{ "every error of a file is reported",
	  "{\"a\":{\"kind\":\"http\"},\"b\":{\"kind\":\"tcp\",\"targets\":[\"x\"]}}", 3, NULL, NULL },
};

static void test_row(void **state)
{
	const struct row *row = *state;
	struct parsed p;

	assert_int_equal(parsed_load(&p, "plan.json", row->json), 0);
	if (p.d.errors != row->errors) {
		char line[2048];
		size_t i;
		for (i = 0; i < p.d.n; i++) {
			diag_format(&p.d.v[i], line, sizeof(line));
			print_error("  got: %s\n", line);
		}
	}
	assert_int_equal(p.d.errors, row->errors);
	if (row->errors == 0)
		assert_int_equal(health_plan_count(p.plan), 1);
	if (row->where)
		assert_non_null(strstr(p.d.v[0].path, row->where));
	if (row->says) {
		char line[2048];
		diag_format(&p.d.v[0], line, sizeof(line));
		assert_non_null(strstr(line, row->says));
	}
	parsed_free(&p);
}

static void test_defaults(void **state)
{
	const struct health_check *c;
	struct parsed p;

	(void)state;
	assert_int_equal(parsed_load(&p, "plan.json",
				     "{\"www\":{\"kind\":\"https\",\"host\":\"www.example.com\","
				     "\"targets\":[\"198.51.100.10\",\"2001:db8::5\"]}}"),
			 0);
	assert_int_equal(p.d.errors, 0);
	c = health_plan_find(p.plan, "www");
	assert_non_null(c);
	assert_null(health_plan_find(p.plan, "nope"));
	assert_int_equal(c->kind, HEALTH_HTTPS);
	assert_string_equal(c->path, "/");
	assert_int_equal(c->n_status, 1);
	assert_int_equal(c->expect_status[0], 200);
	assert_true(c->tls_verify);
	assert_null(c->ca_file);
	assert_int_equal(c->timeout_ms, 2000);
	assert_int_equal(c->interval_ms, 2000);
	assert_int_equal(c->healthy_after, 3);
	assert_int_equal(c->sick_after, 2);
	assert_int_equal(c->n_targets, 2);
	assert_string_equal(c->targets[0].text, "198.51.100.10:443");
	assert_string_equal(c->targets[1].addr, "2001:db8::5");
	assert_string_equal(c->targets[1].text, "[2001:db8::5]:443");
	parsed_free(&p);
}

static void test_relative_ca_file(void **state)
{
	const struct health_check *c;
	struct parsed p;

	(void)state;
	/* the CA path starts at the plan's folder */
	assert_int_equal(parsed_load(&p, "/etc/plan.json",
				     "{\"www\":{\"kind\":\"https\",\"host\":\"www.example.com\","
				     "\"tls\":{\"ca_file\":\"passwd\"},\"targets\":[\"198.51.100.10\"]}}"),
			 0);
	assert_int_equal(p.d.errors, 0);
	c = health_plan_get(p.plan, 0);
	assert_string_equal(c->ca_file, "/etc/passwd");
	parsed_free(&p);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(rows) + 2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = rows[i].name;
		tests[i].test_func = test_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_relative_ca_file);
	return _cmocka_run_group_tests("health_plan", tests, i, NULL, NULL);
}
