/* A host's state as cutover holds it: routes sorted as the kernel dumps
 * them (mostly in order already), looked up by key with and without the
 * hint of the look before, and addresses read from text. Each shortcut is
 * checked against the plain way: qsort, a binary search, inet_pton. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "np.h"

/* A route with a key made of a few small numbers, so that equal keys,
 * runs and inversions are common. */
static void route_of(struct np_route *r, unsigned seed)
{
	memset(r, 0, sizeof(*r));
	r->family = seed % 7 == 0 ? AF_INET6 : AF_INET;
	r->table = seed % 3 == 0 ? 255 : 254;
	r->dst_len = (uint8_t)(8 + seed % 5 * 8);
	r->dst[0] = 10;
	r->dst[1] = (uint8_t)(seed / 5 % 41);
	r->metric = seed % 11 == 0 ? 1024 : 0;
	r->oif = seed; /* not part of the key: tells equal keys apart */
}

static int cmp_key(const void *a, const void *b)
{
	return np_route_key_cmp(a, b);
}

/* Shapes of dumps: in order; in order with a few late (IPv6's local
 * table); reversed; shuffled; one route; none. */
static size_t make_dump(struct np_route *r, size_t n, int shape, unsigned *rng)
{
	size_t i;

	for (i = 0; i < n; i++)
		route_of(&r[i], (unsigned)rand_r(rng));
	if (shape == 3)
		return n;
	qsort(r, n, sizeof(*r), cmp_key);
	if (shape == 1)
		for (i = 0; i + 1 < n && i < 6; i++)
			route_of(&r[n - 1 - i], (unsigned)rand_r(rng)); /* a few late ones */
	if (shape == 2)
		for (i = 0; i < n / 2; i++) {
			struct np_route t = r[i];
			r[i] = r[n - 1 - i];
			r[n - 1 - i] = t;
		}
	return n;
}

static int cmp_with_oif(const void *a, const void *b)
{
	const struct np_route *x = a, *y = b;
	int c = np_route_key_cmp(x, y);

	return c ? c : (x->oif > y->oif) - (x->oif < y->oif);
}

static void test_routes_sort(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 10, 100, 1000 };
	unsigned rng = 42;
	size_t s, i;
	int shape;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
		for (shape = 0; shape < 4; shape++) {
			size_t n = sizes[s];
			struct np_route *got = calloc(n + 1, sizeof(*got));
			struct np_route *want = calloc(n + 1, sizeof(*want));

			make_dump(got, n, shape, &rng);
			memcpy(want, got, n * sizeof(*got));
			np_routes_sort(got, n);
			for (i = 1; i < n; i++)
				assert_true(np_route_key_cmp(&got[i - 1], &got[i]) <= 0);
			/* the same routes, none lost or doubled: compare as multisets */
			qsort(got, n, sizeof(*got), cmp_with_oif);
			qsort(want, n, sizeof(*want), cmp_with_oif);
			assert_memory_equal(got, want, n * sizeof(*got));
			free(got);
			free(want);
		}
}

static void test_routes_near(void **state)
{
	struct np_state st = { 0 };
	struct np_route key;
	unsigned rng = 7, seed;
	size_t i, near = 0, first_at, first_near, k_at, k_near;
	int order;

	(void)state;
	st.nroutes = 500;
	st.routes = calloc(st.nroutes, sizeof(*st.routes));
	make_dump(st.routes, st.nroutes, 3, &rng);
	np_routes_sort(st.routes, st.nroutes);
	/* forward, backward and at random; keys present and absent */
	for (order = 0; order < 3; order++)
		for (i = 0; i < 2000; i++) {
			seed = order == 0 ? (unsigned)i : order == 1 ? (unsigned)(2000 - i)
								 : (unsigned)rand_r(&rng);
			if (seed % 4 == 0 && st.nroutes)
				key = st.routes[seed % st.nroutes];
			else
				route_of(&key, seed);
			k_at = np_state_routes_at(&st, &key, &first_at);
			k_near = np_state_routes_near(&st, &key, &near, &first_near);
			assert_int_equal(k_near, k_at);
			assert_int_equal(first_near, first_at);
		}
	near = SIZE_MAX - 1; /* any hint is safe */
	k_near = np_state_routes_near(&st, &st.routes[3], &near, &first_near);
	k_at = np_state_routes_at(&st, &st.routes[3], &first_at);
	assert_int_equal(k_near, k_at);
	assert_int_equal(first_near, first_at);
	free(st.routes);
}

static void test_ip_parse(void **state)
{
	static const char *const cases[] = {
		"0.0.0.0", "10.0.5.0", "192.0.2.254", "255.255.255.255", "256.0.0.1", "1.2.3",
		"1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "1.2.3.",
		".1.2.3", "1.2.3.4/24", "1234.1.1.1", "0.0.0.00", "10.0.0.1a", "", "::1",
		"2001:db8::1", "::ffff:1.2.3.4", "1.2.3.-4", "1.2.3.+4",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *s = cases[i];
		uint8_t got[16], want[16] = { 0 }, fam = 0;
		int want_fam = strchr(s, ':') ? AF_INET6 : AF_INET;
		int ok = inet_pton(want_fam, s, want) == 1;
		int r = np_ip_parse(s, &fam, got);

		assert_int_equal(r == 0, ok);
		if (ok) {
			assert_int_equal(fam, want_fam);
			assert_memory_equal(got, want, 16);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_sort),
		cmocka_unit_test(test_routes_near),
		cmocka_unit_test(test_ip_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
