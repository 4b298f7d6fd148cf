/* Unit tests of landing/cidr.c, one named row per case. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"

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
	struct CMUnitTest tests[sizeof(rels) / sizeof(rels[0]) + 1];
	size_t i;

	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(relation, (void *)&rels[i]);
		tests[i].name = rels[i].name;
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(parse_and_carve);
	return _cmocka_run_group_tests("landing cidr", tests, i, NULL, NULL);
}
