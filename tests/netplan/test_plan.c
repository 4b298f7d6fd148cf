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
	{ "throw with a gateway", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"type\": \"throw\", \"via\": \"10.1.1.1\", \"dev\": \"eth0\"}}]"), 1, "routes.hosts[0].routes[0].to: a throw route has no gateway or device" },
	{ "throw", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"table\": 100, \"to\": {\"type\": \"throw\"}}]"), 0, NULL },
	{ "neither from nor to", H("\"routes\": [{\"destination\": \"10.0.0.0/8\"}]"), 1, "a route change needs \"from\" or \"to\"" },
	{ "unknown key with a suggestion", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"eth0\", \"gatway\": \"1.2.3.4\"}}]"), 1, "unknown key \"gatway\"" },
	{ "bad type", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"type\": \"sinkhole\"}}]"), 1, "to.type: \"sinkhole\" is not known here" },
	{ "bad table", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"table\": \"blue\", \"to\": {\"dev\": \"e\"}}]"), 1, "table: not a routing table" },
	{ "metric out of range", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"metric\": -1, \"to\": {\"dev\": \"e\"}}]"), 1, "metric: -1 is out of range" },
	{ "device name too long", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"averyveryverylongname\"}}]"), 1, "is not a device name" },
	{ "same route twice", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"a\"}}, {\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"b\"}}]"), 1, "is also changed by routes.hosts[0].routes[0]" },
	{ "same route twice, apart and out of order", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"a\"}}, {\"destination\": \"10.1.0.0/16\", \"to\": {\"dev\": \"a\"}}, {\"destination\": \"10.0.0.0/16\", \"to\": {\"dev\": \"a\"}}, {\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"b\"}}]"), 1, "routes.hosts[0].routes[3]: route 10.0.0.0/8 table main metric 0 is also changed by routes.hosts[0].routes[0]" },
	{ "an add at another metric beside a change at the first", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"to\": {\"dev\": \"a\", \"metric\": 5}}, {\"destination\": \"10.0.0.0/8\", \"from\": {\"dev\": \"a\"}, \"to\": {\"dev\": \"b\"}}]"), 0, NULL },
	{ "an add at a metric another change moves to", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"table\": 100, \"to\": {\"dev\": \"a\", \"metric\": 5}}, {\"destination\": \"10.0.0.0/8\", \"table\": 100, \"from\": {\"dev\": \"a\"}, \"to\": {\"dev\": \"b\", \"metric\": 5}}]"), 1, "route 10.0.0.0/8 table 100 metric 5 is also changed by routes.hosts[0].routes[0]" },
	{ "address without length", H("\"addresses\": [{\"address\": \"10.1.2.3\", \"to\": \"eth1\"}]"), 1, "has no prefix length" },
	{ "address to itself", H("\"addresses\": [{\"address\": \"10.1.2.3/32\", \"from\": \"eth1\", \"to\": \"eth1\"}]"), 1, "\"from\" and \"to\" are the same device" },
	{ "bad netns", "{\"hosts\": [{\"netns\": \"../x\", \"routes\": []}]}", 1, "is not a network namespace name" },
	{ "same host twice", "{\"hosts\": [{\"netns\": \"a\", \"routes\": []}, {\"netns\": \"a\", \"routes\": []}]}", 1, "the same host as routes.hosts[0]" },
	{ "no hosts", "{\"gates\": [\"web\"]}", 1, "missing \"hosts\"" },
	{ "gate not a name", "{\"gates\": [3], \"hosts\": []}", 1, "routes.gates[0]: expected a health check name" },
	{ "ipv6 route written at metric 0", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"metric\": 0, \"to\": {\"dev\": \"eth0\"}}]"), 1, "routes.hosts[0].routes[0].metric: the kernel writes an IPv6 route given metric 0 at metric 1024" },
	{ "ipv6 route moved to metric 0", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"from\": {\"dev\": \"eth0\"}, \"to\": {\"dev\": \"eth1\", \"metric\": 0}}]"), 1, "routes.hosts[0].routes[0].to.metric: the kernel writes an IPv6 route given metric 0 at metric 1024" },
	{ "ipv6 route at metric 0 deleted (the kernel's own, table local)", H("\"routes\": [{\"destination\": \"2001:db8::1/128\", \"table\": \"local\", \"metric\": 0, \"from\": {\"dev\": \"eth0\"}}]"), 0, NULL },
	{ "ipv6 route from metric 0 to 1024", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"metric\": 0, \"from\": {\"dev\": \"eth0\"}, \"to\": {\"dev\": \"eth1\", \"metric\": 1024}}]"), 0, NULL },
	{ "ipv4 route at metric 0", H("\"routes\": [{\"destination\": \"10.0.0.0/8\", \"metric\": 0, \"to\": {\"dev\": \"eth0\"}}]"), 0, NULL },
	{ "ipv6 route with scope link", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"to\": {\"dev\": \"eth0\", \"scope\": \"link\"}}]"), 1, "routes.hosts[0].routes[0].to.scope: an IPv6 route has no scope: the kernel keeps every one as global" },
	{ "ipv6 route from scope host", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"from\": {\"scope\": 254}}]"), 1, "routes.hosts[0].routes[0].from.scope: an IPv6 route has no scope" },
	{ "ipv6 route with scope global", H("\"routes\": [{\"destination\": \"2001:db8::/32\", \"to\": {\"dev\": \"eth0\", \"scope\": \"global\"}}]"), 0, NULL },
	{ "three errors at once", H("\"routes\": [{\"destination\": \"x\", \"to\": {}}, {\"destination\": \"10.0.0.0/8\", \"table\": 0, \"to\": {\"via\": \"::1\"}}]"), 3, "routes[0].destination" },
};

/* Parses the section, the usual way (jansson values) or with each host's
 * "routes" array left as text (np_plan_text.c's quick way, as `cutover`
 * reads a plan); the diagnostics rendered into lines. */
static struct netplan_plan *parse(const char *text, bool deferring, struct jsonfile **ret_jf,
				  char ***ret_lines, size_t *ret_n)
{
	struct netplan_plan *p = NULL;
	struct jsonfile *jf;
	struct schema sc;
	struct diags d;
	char line[1024];
	size_t i;

	diags_init(&d);
	jf = jsonfile_parse_deferring("t.json", text, strlen(text),
				      deferring ? netplan_text_arrays : NULL, &d);
	sc.jf = jf;
	sc.d = &d;
	assert_int_equal(netplan_plan_parse(&sc, json_object_get(jf->root, "routes"), &p), 0);
	assert_non_null(p);
	*ret_lines = xcalloc(d.n + 1, sizeof(char *));
	for (i = 0; i < d.n; i++) {
		diag_format(&d.v[i], line, sizeof(line));
		(*ret_lines)[i] = xstrdup(line);
	}
	*ret_n = d.errors;
	*ret_jf = jf;
	diags_free(&d);
	return p;
}

static void free_lines(char **lines)
{
	size_t i;

	for (i = 0; lines[i]; i++)
		free(lines[i]);
	free(lines);
}

static void same_route(const struct np_route *a, const struct np_route *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->dst_len, b->dst_len);
	assert_memory_equal(a->dst, b->dst, sizeof(a->dst));
	assert_int_equal(a->table, b->table);
	assert_int_equal(a->metric, b->metric);
	assert_int_equal(a->protocol, b->protocol);
	assert_int_equal(a->scope, b->scope);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->has_gw, b->has_gw);
	assert_memory_equal(a->gw, b->gw, sizeof(a->gw));
	assert_int_equal(a->has_prefsrc, b->has_prefsrc);
	assert_memory_equal(a->prefsrc, b->prefsrc, sizeof(a->prefsrc));
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->care, b->care);
	assert_int_equal(a->src_len, b->src_len);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->oif, b->oif);
	assert_int_equal(a->extra_len, b->extra_len);
}

static void same_text(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Both ways make the same changes and say the same things. */
static void same_both_ways(const char *text, size_t *ret_errors, char ***ret_lines)
{
	struct netplan_plan *a, *b;
	struct jsonfile *jfa, *jfb;
	char **la, **lb;
	size_t ea, eb, i, j;

	a = parse(text, false, &jfa, &la, &ea);
	b = parse(text, true, &jfb, &lb, &eb);
	assert_int_equal(ea, eb);
	for (i = 0; la[i] || lb[i]; i++)
		same_text(la[i], lb[i]);
	assert_int_equal(a->nhosts, b->nhosts);
	for (i = 0; i < a->nhosts; i++) {
		const struct np_host *ha = &a->hosts[i], *hb = &b->hosts[i];
		assert_int_equal(ha->nroutes, hb->nroutes);
		for (j = 0; j < ha->nroutes; j++) {
			const struct np_route_change *x = &ha->routes[j], *y = &hb->routes[j];
			assert_string_equal(x->path, y->path);
			assert_int_equal(x->has_from, y->has_from);
			assert_int_equal(x->has_to, y->has_to);
			same_text(x->from_dev, y->from_dev);
			same_text(x->to_dev, y->to_dev);
			same_route(&x->from, &y->from);
			same_route(&x->to, &y->to);
		}
	}
	*ret_errors = ea;
	*ret_lines = la;
	netplan_plan_free(a);
	netplan_plan_free(b);
	jsonfile_free(jfa);
	jsonfile_free(jfb);
	free_lines(lb);
}

static void run_case(const struct case_ *c)
{
	char *text = xasprintf("{\"routes\": %s}", c->text);
	size_t errors, i;
	char **lines;

	same_both_ways(text, &errors, &lines);
	if (errors != c->errors)
		for (i = 0; lines[i]; i++)
			print_message("  got: %s\n", lines[i]);
	assert_int_equal(errors, c->errors);
	if (c->first) {
		print_message("  %s\n", lines[0]);
		assert_non_null(strstr(lines[0], c->first));
	}
	free_lines(lines);
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

/* "[0,0,…,0]" of n > 0 entries (a change each, as far as counting goes). */
static char *zeros(size_t n)
{
	char *s = xmalloc(2 * n + 2);
	size_t i;

	s[0] = '[';
	for (i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	s[2 * n + 1] = '\0';
	return s;
}

/* At most NETPLAN_CHANGES_MAX changes per host, routes and addresses
 * together (each array under it alone): one error, nothing read. */
static void test_host_limit(void **state)
{
	size_t half = NETPLAN_CHANGES_MAX / 2, errors;
	char *routes = zeros(half), *addrs = zeros(half + 1), *text, **lines;

	(void)state;
	text = xasprintf("{\"routes\": {\"hosts\": [{\"netns\": \"gw1\", \"routes\": %s, "
			 "\"addresses\": %s}]}}", routes, addrs);
	same_both_ways(text, &errors, &lines);
	print_message("  %s\n", lines[0]);
	assert_int_equal(errors, 1);
	assert_non_null(strstr(lines[0], "routes.hosts[0]: 100000 route and 100001 address "
				  "changes: at most 200000 per host"));
	free_lines(lines);
	free(text);
	free(routes);
	free(addrs);
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

/* Entries the quick way takes, and near misses it hands to the usual way:
 * every field and form the section allows, read the same both ways. */
static const char *const shapes[] = {
	"{\"destination\": \"10.1.0.0/16\", \"table\": 100, \"metric\": 7, \"from\": {\"via\": \"192.0.2.1\", \"dev\": \"v0a\", \"metric\": 7}, \"to\": {\"via\": \"198.51.100.1\", \"dev\": \"v1a\", \"metric\": 9, \"protocol\": \"bgp\", \"scope\": \"global\", \"src\": \"198.51.100.7\", \"onlink\": true}}",
	"{\"destination\": \"2001:db8:1::/48\", \"table\": \"main\", \"to\": {\"via\": \"fe80::1\", \"dev\": \"v1a\", \"onlink\": false}, \"comment\": {\"why\": [1, \"x\", null, true, {\"a\": -3}]}}",
	"{\"comment\": \"first\", \"to\": {\"type\": \"blackhole\"}, \"destination\": \"10.9.0.0/16\"}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"type\": \"throw\", \"protocol\": \"bgp\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"type\": \"unreachable\", \"protocol\": \"186\", \"scope\": \"link\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"from\": {\"dev\": \"v0a\", \"scope\": \"host\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"table\": \"local\", \"metric\": 4294967295, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"0.0.0.0/0\", \"table\": \"default\", \"from\": {}, \"to\": {\"via\": \"192.0.2.254\"}}",
#define QUICK 8 /* the shapes above are taken the quick way, those below not */
	/* near misses: each goes the usual way and is reported */
	"{\"destination\": \"10.9.0.0/16\", \"metric\": 4294967296, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"table\": 0, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"table\": \"\", \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"\", \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": 10, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\", \"onlink\": 1}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\", \"protocol\": 186}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\", \"type\": \"local\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\", \"type\": \"blackhole\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"type\": \"throw\", \"via\": \"192.0.2.1\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"type\": \"throw\", \"dev\": \"v0a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v:0\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"via\": \"\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"via\": \"192.0.2.1\", \"src\": \"2001:db8::1\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": \"v0a\"}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": null}",
	"{\"destination\": \"10.9.0.0/16\", \"from\": {\"dev\": \"v0a\"}, \"via\": \"192.0.2.1\"}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\", \"metric\": -1}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v0a\"}, \"to\": {\"dev\": \"v1a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"to\": {\"dev\": \"v\\u0030a\"}}",
	"{\"destination\": \"10.9.0.0/16\", \"metric\": 1.5, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"2001:db8:9::/48\", \"metric\": 0, \"to\": {\"dev\": \"v0a\"}}",
	"{\"destination\": \"2001:db8:9::/48\", \"from\": {\"dev\": \"v0a\"}, \"to\": {\"dev\": \"v0a\", \"metric\": 0}}",
	"{\"destination\": \"2001:db8:9::/48\", \"to\": {\"dev\": \"v0a\", \"scope\": \"link\"}}",
	"\"10.9.0.0/16\"",
	"[]",
};

/* Each shape alone, then all the plain ones in one array (the quick way and
 * the usual way side by side in one list: paths and indexes stay right). */
static void test_both_ways(void **state)
{
	char *all = xstrdup(""), *text, *next, **lines;
	size_t i, errors;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		print_message("shape %zu\n", i);
		text = xasprintf("{\"routes\": " H("\"routes\": [%s]") "}", shapes[i]);
		same_both_ways(text, &errors, &lines);
		free_lines(lines);
		free(text);
		if (json_plain_check(shapes[i], strlen(shapes[i]), 0, 8, NULL) != strlen(shapes[i]))
			continue; /* would keep the whole array from being left as text */
		next = xasprintf("%s%s%s", all, all[0] ? ",\n  " : "", shapes[i]);
		free(all);
		all = next;
	}
	next = xasprintf("[%s]", all);
	assert_int_equal(json_plain_check(next, strlen(next), 0, 8, NULL), strlen(next));
	free(next);
	text = xasprintf("{\"routes\": " H("\"routes\": [%s]") "}", all);
	same_both_ways(text, &errors, &lines);
	assert_true(errors >= ARRAY_SIZE(shapes) - QUICK - 3); /* 3 not plain */
	for (i = 0; lines[i]; i++)
		assert_non_null(strstr(lines[i], "t.json:")); /* every one with its place */
	free_lines(lines);
	free(text);
	free(all);
}

/* Which shapes the quick way takes: the good ones, none of the others. */
static void test_quick_way(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct json_plain v = { shapes[i], strlen(shapes[i]) };
		struct np_route_change c;
		bool plain = json_plain_check(v.s, v.len, 0, 8, NULL) == v.len, quick;

		memset(&c, 0, sizeof(c));
		quick = plain && np_route_change_plain(v, &c);
		print_message("shape %zu: %s\n", i, quick ? "quick" : plain ? "usual" : "not plain");
		assert_int_equal(quick, i < QUICK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_host_limit),
		cmocka_unit_test(test_both_ways),
		cmocka_unit_test(test_quick_way),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
