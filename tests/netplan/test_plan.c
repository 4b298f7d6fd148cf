/* The plan's "routes" section: every error with its path and position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netplan.h"
#include "np_plan.h"
#include "util.h"

struct case_ {
	const char *name;
	const char *text;  /* the value of "routes" */
	size_t errors;
	const char *first; /* the first rendered diagnostic contains this */
};

#define H(x) "{\"hosts\": [{\"netns\": \"gw1\", " x "}]}"

static const struct case_ cases[] = {
	{ "a replacement", H("\"routes\": [{\"destination\": \"10.20.0.0/16\", \"from\": {\"via\": \"192.0.2.1\"}, \"to\": {\"via\": \"192.0.2.2\", \"dev\": \"eth1\"}}]"), 0, NULL },
	{ "ipv6 and a table name", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"table\": \"main\", \"to\": {\"dev\": \"eth0\"}}]"), 0, NULL },
	{ "blackhole to freeze", H("\"routes\": [{\"destination\": \"10.9.0.0/16\", \"to\": {\"type\": \"blackhole\"}}]"), 0, NULL },
	{ "remove a route", H("\"routes\": [{\"destination\": \"10.9.0.0/16\", \"from\": {\"dev\": \"eth0\"}}]"), 0, NULL },
	{ "address move", H("\"addresses\": [{\"address\": \"10.1.2.3/32\", \"from\": \"eth0\", \"to\": \"eth1\"}]"), 0, NULL },
	{ "host bits set", H("\"routes\": [{\"destination\": \"10.20.0.1/16\", \"to\": {\"dev\": \"eth0\"}}]"), 1, "t.json:1:67: routes.hosts[0].routes[0].destination: \"10.20.0.1/16\" is not a route destination" },
	{ "not an address", H("\"routes\": [{\"destination\": \"ten/8\", \"to\": {\"dev\": \"eth0\"}}]"), 1, "is not a route destination" },
	{ "gateway of the other family", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"via\": \"2001:db8::1\"}}]"), 1, "routes.hosts[0].routes[0].to.via: \"2001:db8::1\" is IPv6 but the destination is IPv4" },
	{ "unicast without gateway or device", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {}}]"), 1, "a unicast route needs a gateway or a device" },
	{ "blackhole with a gateway", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"type\": \"blackhole\", \"via\": \"10.1.1.1\"}}]"), 1, "a blackhole route has no gateway or device" },
	{ "neither from nor to", H("\"routes\": [{\"destination\": \"10.0.0.0/8\"}]"), 1, "a route change needs \"from\" or \"to\"" },
	{ "unknown key with a suggestion", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"eth0\", \"gatway\": \"1.2.3.4\"}}]"), 1, "unknown key \"gatway\"" },
	{ "bad type", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"type\": \"sinkhole\"}}]"), 1, "to.type: \"sinkhole\" is not known here" },
	{ "bad table", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"table\": \"blue\", \"to\": {\"dev\": \"e\"}}]"), 1, "table: not a routing table" },
	{ "metric out of range", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"metric\": -1, \"to\": {\"dev\": \"e\"}}]"), 1, "metric: -1 is out of range" },
	{ "device name too long", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"averyveryverylongname\"}}]"), 1, "is not a device name" },
	{ "same route twice", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"a\"}}, {\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"b\"}}]"), 1, "is also changed by routes.hosts[0].routes[0]" },
	{ "address without length", H("\"addresses\": [{\"address\": \"10.1.2.3\", \"to\": \"eth1\"}]"), 1, "has no prefix length" },
	{ "address to itself", H("\"addresses\": [{\"address\": \"10.1.2.3/32\", \"from\": \"eth1\", \"to\": \"eth1\"}]"), 1, "\"from\" and \"to\" are the same device" },
	{ "bad netns", "{\"hosts\": [{\"netns\": \"../x\", \"routes\": []}]}", 1, "is not a network namespace name" },
	{ "same host twice", "{\"hosts\": [{\"netns\": \"a\", \"routes\": []}, {\"netns\": \"a\", \"routes\": []}]}", 1, "the same host as routes.hosts[0]" },
	{ "no hosts", "{\"gates\": [\"web\"]}", 1, "missing \"hosts\"" },
	{ "gate not a name", "{\"gates\": [3], \"hosts\": []}", 1, "routes.gates[0]: expected a health check name" },
	{ "three errors at once", H("\"routes\": [{\"destination\": \"x\", \"to\": {}}, {\"destination\": \"10.0.0.0/8\", \"table\": 0, \"to\": {\"via\": \"::1\"}}]"), 3, "routes[0].destination" },
};

static void run_case(const struct case_ *c)
{
	char *text = xasprintf("{\"routes\": %s}", c->text);
	struct netplan_plan *p = NULL;
	struct jsonfile *jf;
	struct schema sc;
	struct diags d;
	char line[1024];

	diags_init(&d);
	jf = jsonfile_parse("t.json", text, strlen(text), &d);
	assert_int_equal(d.errors, 0);
	sc.jf = jf;
	sc.d = &d;
	assert_int_equal(netplan_plan_parse(&sc, json_object_get(jf->root, "routes"), &p), 0);
	assert_non_null(p);
	if (d.errors != c->errors) {
		size_t i;
		for (i = 0; i < d.n; i++) {
			diag_format(&d.v[i], line, sizeof(line));
			print_message("  got: %s\n", line);
		}
	}
	assert_int_equal(d.errors, c->errors);
	if (c->first) {
		diag_format(&d.v[0], line, sizeof(line));
		print_message("  %s\n", line);
		assert_non_null(strstr(line, c->first));
	}
	netplan_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
	free(text);
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

/* What a good section turns into: defaults by family, the from/to split. */
static void test_values(void **state)
{
	const char *text = "{\"routes\": " H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"from\": {\"via\": \"2001:db8::1\"}, \"to\": {\"dev\": \"eth0\", \"metric\": 5, \"protocol\": \"bgp\"}}, {\"destination\": \"10.0.0.0/8\", \"table\": 100, \"to\": {\"via\": \"192.0.2.1\"}}], \"addresses\": [{\"address\": \"10.1.2.3/32\", \"to\": \"eth1\"}]") "}";
	struct netplan_plan *p = NULL;
	struct jsonfile *jf;
	struct schema sc;
	struct diags d;

	(void)state;
	diags_init(&d);
	jf = jsonfile_parse("t.json", text, strlen(text), &d);
	sc.jf = jf;
	sc.d = &d;
	assert_int_equal(netplan_plan_parse(&sc, json_object_get(jf->root, "routes"), &p), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(p->nhosts, 1);
	assert_string_equal(p->hosts[0].netns, "gw1");
	assert_int_equal(p->hosts[0].nroutes, 2);
	assert_int_equal(p->hosts[0].routes[0].from.metric, 1024); /* the IPv6 default */
	assert_int_equal(p->hosts[0].routes[0].to.metric, 5);
	assert_int_equal(p->hosts[0].routes[0].to.protocol, 186);
	assert_true(p->hosts[0].routes[0].has_from);
	assert_string_equal(p->hosts[0].routes[0].to_dev, "eth0");
	assert_int_equal(p->hosts[0].routes[1].from.metric, 0);
	assert_int_equal(p->hosts[0].routes[1].to.table, 100);
	assert_false(p->hosts[0].routes[1].has_from);
	assert_int_equal(p->hosts[0].naddrs, 1);
	assert_int_equal(p->hosts[0].addrs[0].addr.prefixlen, 32);
	netplan_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
