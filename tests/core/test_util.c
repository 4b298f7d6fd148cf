/* Small helpers with user input: durations, integers, edit distance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static const struct {
	const char *name, *text;
	int ok;
	int64_t ms;
} durations[] = {
	{ "milliseconds", "250ms", 1, 250 },
	{ "seconds", "30s", 1, 30000 },
	{ "bare seconds", "2", 1, 2000 },
	{ "minutes", "5m", 1, 300000 },
	{ "fractional hours", "1.5h", 1, 5400000 },
	{ "days", "1d", 1, 86400000 },
	{ "unknown unit", "5y", 0, 0 },
	{ "negative", "-1s", 0, 0 },
	{ "empty", "", 0, 0 },
	{ "junk", "soon", 0, 0 },
	{ "not a number", "nan", 0, 0 },
	{ "infinity", "inf", 0, 0 },
	{ "hexadecimal", "0x10", 0, 0 },
	{ "exponent", "1e3s", 0, 0 },
	{ "leading blank", " 5s", 0, 0 },
	{ "dot without digits", "1.s", 0, 0 },
	{ "too large", "1000000000000d", 0, 0 },
	{ "half a second", "0.5s", 1, 500 },
};

static void test_durations(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(durations); i++) {
		int64_t ms = -1;
		int r = parse_duration_ms(durations[i].text, &ms);
		print_message("case: %s\n", durations[i].name);
		assert_int_equal(r == 0, durations[i].ok);
		if (durations[i].ok)
			assert_int_equal(ms, durations[i].ms);
	}
}

static void test_parse_int(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(parse_int("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int("101", 0, 100, &v), -ERANGE);
	assert_int_equal(parse_int("4x", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int("99999999999999999999", 0, 100, &v), -ERANGE);
}

/* What parse_int answered when it always went through strtoll: the oracle
 * for its plain-digits shortcut. */
static int strtoll_way(const char *s, long long min, long long max, long long *ret)
{
	char *end;
	long long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (*end || errno)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void test_parse_int_shortcut(void **state)
{
	static const char *const cases[] = {
		"0", "7", "00", "007", "255", "256", "4294967295", "4294967296", "+5", "-5", " 5",
		"5 ", "1e3", "0x10", "999999999999999999", "1000000000000000000",
		"9223372036854775807", "9223372036854775808", "00000000000000000001",
		"123456789012345678901234", "-9223372036854775808",
	};
	static const long long bounds[][2] = {
		{ 0, 255 }, { 1, 4294967295LL }, { -10, 10 }, { LLONG_MIN, LLONG_MAX },
	};
	size_t i, b;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		for (b = 0; b < sizeof(bounds) / sizeof(*bounds); b++) {
			long long got = -1, want = -1;
			int r = parse_int(cases[i], bounds[b][0], bounds[b][1], &got);
			int w = strtoll_way(cases[i], bounds[b][0], bounds[b][1], &want);
			assert_int_equal(r, w);
			if (r == 0)
				assert_true(got == want);
		}
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("journal", "jounral"), 2);
	assert_int_equal(edit_distance("ttl", "tll"), 1);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("same", "same"), 0);
}

static void test_path_relative(void **state)
{
	char *p;

	(void)state;
	p = path_relative_to("/etc/cutover/plan.json", "chg.journal");
	assert_string_equal(p, "/etc/cutover/chg.journal");
	free(p);
	p = path_relative_to("plan.json", "chg.journal");
	assert_string_equal(p, "chg.journal");
	free(p);
	p = path_relative_to("/a/plan.json", "/var/j");
	assert_string_equal(p, "/var/j");
	free(p);
}

static const struct {
	const char *name, *text;
	size_t max, cut;
} cuts[] = {
	{ "shorter than max", "abc", 5, 3 },
	{ "ASCII at max", "abcdef", 4, 4 },
	{ "two bytes split", "a\xc3\xa9" "b", 2, 1 },
	{ "two bytes whole", "a\xc3\xa9" "b", 3, 3 },
	{ "three bytes split after one", "\xe2\x82\xac!", 1, 0 },
	{ "three bytes split after two", "\xe2\x82\xac!", 2, 0 },
	{ "four bytes whole", "\xf0\x9f\x98\x80" "x", 4, 4 },
	{ "max 0", "\xc3\xa9", 0, 0 },
};

static void test_utf8_cut(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		print_message("case: %s\n", cuts[i].name);
		assert_int_equal(utf8_cut(cuts[i].text, cuts[i].max), cuts[i].cut);
	}
}

static const struct {
	const char *name, *text, *fixed;
} fixes[] = {
	{ "ASCII", "HTTP 200", "HTTP 200" },
	{ "valid characters", "\xc3\xa9" "t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\xc3\xa9" "t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	{ "two bytes cut at the end", "contain \"a\xc3", "contain \"a" },
	{ "four bytes cut at the end", "x\xf0\x9f\x98", "x" },
	{ "a lone continuation byte", "a\x80" "b", "a?b" },
	{ "a lead byte before ASCII", "a\xc3" "zb", "a?zb" },
	{ "Latin-1", "caf\xe9" " ok", "caf? ok" },
	{ "overlong", "\xc0\xaf/", "?" "?/" },
	{ "surrogate", "\xed\xa0\x80.", "?" "?" "?." },
	{ "beyond Unicode", "\xf4\x90\x80\x80.", "?" "?" "?" "?." },
};

static void test_utf8_fix(void **state)
{
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fixes); i++) {
		print_message("case: %s\n", fixes[i].name);
		snprintf(buf, sizeof(buf), "%s", fixes[i].text);
		utf8_fix(buf);
		assert_string_equal(buf, fixes[i].fixed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_parse_int_shortcut),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_path_relative),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_utf8_fix),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
