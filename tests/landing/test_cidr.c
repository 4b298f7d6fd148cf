/* Unit tests of landing/cidr.c, one named row per case. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"
#include "util.h"

struct rel {
	const char *name, *a, *b;
	bool overlaps, a_contains_b;
};

static const struct rel rels[] = {
	{ "same", "10.0.0.0/16", "10.0.0.0/16", true, true },
	{ "inside", "10.0.0.0/16", "10.0.5.0/24", true, true },
	{ "outside", "10.0.0.0/16", "10.1.0.0/24", false, false },
	{ "wider", "10.0.5.0/24", "10.0.0.0/8", true, false },
	{ "any", "0.0.0.0/0", "192.0.2.0/24", true, true },
	{ "v6 inside", "2001:db8::/32", "2001:db8:1::/48", true, true },
	{ "v6 apart", "2001:db8::/48", "2001:db8:1::/48", false, false },
	{ "families differ", "10.0.0.0/8", "::/0", false, false },
	{ "adjacent", "10.0.0.0/25", "10.0.0.128/25", false, false },
};

static void relation(void **state)
{
	const struct rel *r = *state;
	struct cidr a, b;

	assert_int_equal(cidr_parse(r->a, false, &a), 0);
	assert_int_equal(cidr_parse(r->b, false, &b), 0);
	assert_int_equal(cidr_overlaps(&a, &b), r->overlaps);
	assert_int_equal(cidr_overlaps(&b, &a), r->overlaps);
	assert_int_equal(cidr_contains(&a, &b), r->a_contains_b);
}

/* cidr_host(): the host number lands in the lowest bits, whatever the length. */
struct host {
	const char *name, *prefix;
	uint64_t host;
	const char *want; /* NULL: -ERANGE */
};

static const struct host hosts[] = {
	{ "v4 /24 first", "10.0.1.0/24", 1, "10.0.1.1/32" },
	{ "v4 /16 host 258", "10.1.0.0/16", 258, "10.1.1.2/32" },
	{ "v4 /8 last", "10.0.0.0/8", 0xffffff, "10.255.255.255/32" },
	{ "v4 /0", "0.0.0.0/0", 0x01020304, "1.2.3.4/32" },
	{ "v4 /31 second", "10.0.0.0/31", 1, "10.0.0.1/32" },
	{ "v4 /32 itself", "10.0.0.7/32", 0, "10.0.0.7/32" },
	{ "v4 /24 too far", "10.0.1.0/24", 256, NULL },
	{ "v4 /32 too far", "10.0.0.7/32", 1, NULL },
	{ "v6 /64 first", "2001:db8:1::/64", 1, "2001:db8:1::1/128" },
	{ "v6 /48 first", "2001:db8:1::/48", 1, "2001:db8:1::1/128" },
	{ "v6 /48 host 5", "2001:db8:1::/48", 5, "2001:db8:1::5/128" },
	{ "v6 /32 big host", "2001:db8::/32", 0x0102030405060708ULL, "2001:db8::102:304:506:708/128" },
	{ "v6 /0 first", "::/0", 1, "::1/128" },
	{ "v6 /56 host 0x10000", "2001:db8:0:100::/56", 0x10000, "2001:db8:0:100::1:0/128" },
	{ "v6 /96", "2001:db8::/96", 0xffffffff, "2001:db8::ffff:ffff/128" },
	{ "v6 /96 too far", "2001:db8::/96", 0x100000000ULL, NULL },
	{ "v6 /127", "2001:db8::/127", 1, "2001:db8::1/128" },
	{ "v6 /128 too far", "2001:db8::1/128", 1, NULL },
};

static void host_number(void **state)
{
	const struct host *h = *state;
	struct cidr c, a;
	char buf[CIDR_STR_MAX];

	assert_int_equal(cidr_parse(h->prefix, false, &c), 0);
	if (!h->want) {
		assert_int_equal(cidr_host(&c, h->host, &a), -ERANGE);
		return;
	}
	assert_int_equal(cidr_host(&c, h->host, &a), 0);
	cidr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, h->want);
	assert_true(cidr_contains(&c, &a));
}

/* cidr_has_public(): does a prefix hold an address of the internet? */
struct pub {
	const char *name, *prefix;
	bool public;
};

static const struct pub pubs[] = {
	{ "pub v4 any", "0.0.0.0/0", true },
	{ "pub v4 lower half", "0.0.0.0/1", true },
	{ "pub v4 upper half", "128.0.0.0/1", true },
	{ "pub v4 one address", "8.8.8.8/32", true },
	{ "pub 10/8", "10.0.0.0/8", false },
	{ "pub inside 10/8", "10.1.2.3/32", false },
	{ "pub 172.16/12", "172.16.0.0/12", false },
	{ "pub 172/8 spans public", "172.0.0.0/8", true },
	{ "pub 192.168/16", "192.168.0.0/16", false },
	{ "pub 192.168/15 spans public", "192.168.0.0/15", true },
	{ "pub 100.64/10", "100.64.0.0/10", false },
	{ "pub 100/8 spans public", "100.0.0.0/8", true },
	{ "pub loopback", "127.0.0.0/8", false },
	{ "pub link-local", "169.254.0.0/16", false },
	{ "pub multicast and reserved together", "224.0.0.0/3", false },
	{ "pub TEST-NET-3", "203.0.113.0/24", false },
	{ "pub TEST-NET-3 and its neighbour", "203.0.112.0/23", true },
	{ "pub v6 any", "::/0", true },
	{ "pub v6 global unicast", "2000::/3", true },
	{ "pub v6 one address", "2001:4860::8888/128", true },
	{ "pub v6 unique local", "fc00::/7", false },
	{ "pub v6 inside unique local", "fd12:3456::/32", false },
	{ "pub v6 link- and site-local together", "fe80::/9", false },
	{ "pub v6 fe00::/8 spans reserved", "fe00::/8", true },
	{ "pub v6 loopback", "::1/128", false },
	{ "pub v6 unspecified and loopback", "::/127", false },
	{ "pub v6 documentation", "2001:db8::/32", false },
	{ "pub v6 mapped v4", "::ffff:0.0.0.0/96", true },
};

static void public_space(void **state)
{
	const struct pub *p = *state;
	struct cidr c;

	assert_int_equal(cidr_parse(p->prefix, false, &c), 0);
	assert_int_equal(cidr_has_public(&c), p->public);
}

static void parse_and_carve(void **state)
{
	struct cidr c, s, h;
	char buf[CIDR_STR_MAX];

	(void)state;
	assert_int_equal(cidr_parse("10.0.0.1/16", false, &c), -EDOM);
	assert_int_equal(cidr_parse("10.0.0.0/33", false, &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0/8", false, &c), -EINVAL);
	assert_int_equal(cidr_parse("", false, &c), -EINVAL);
	assert_int_equal(cidr_parse("10.20.0.0/15", false, &c), 0);
	assert_int_equal(cidr_subnet(&c, 1, 1, &s), 0);
	cidr_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "10.21.0.0/16");
	assert_int_equal(cidr_subnet(&s, 8, 21, &s), 0);
	cidr_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "10.21.21.0/24");
	assert_int_equal(cidr_subnet(&s, 8, 256, &h), -ERANGE);
	assert_int_equal(cidr_host(&s, 1, &h), 0);
	cidr_format(&h, buf, sizeof(buf));
	assert_string_equal(buf, "10.21.21.1/32");
	assert_true(cidr_is_network_or_broadcast(&s, &s));
	assert_int_equal(cidr_host(&s, 255, &h), 0);
	assert_true(cidr_is_network_or_broadcast(&s, &h));
	assert_int_equal(cidr_parse("2001:db8::/48", false, &c), 0);
	assert_int_equal(cidr_subnet(&c, 16, 0xbeef, &s), 0);
	cidr_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:0:beef::/64");
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(rels) + ARRAY_SIZE(hosts) + ARRAY_SIZE(pubs) + 1];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(rels); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(relation, (void *)&rels[i]);
		tests[n++].name = rels[i].name;
	}
	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(host_number, (void *)&hosts[i]);
		tests[n++].name = hosts[i].name;
	}
	for (i = 0; i < ARRAY_SIZE(pubs); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(public_space, (void *)&pubs[i]);
		tests[n++].name = pubs[i].name;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(parse_and_carve);
	return _cmocka_run_group_tests("landing cidr", tests, n, NULL, NULL);
}
