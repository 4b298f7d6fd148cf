/* Key and credential files: modes, BIND key syntax, errors without secrets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"
#include "util.h"

#define B64 "q83vEjRWeJq8EjRWeJq83vEjRWeJq83vEjRWeJq83vE="

struct parse_case {
	const char *name;
	const char *text;
	const char *want_name; /* key asked for, NULL: the first */
	int want;
	const char *alg;       /* expected algorithm, or substring of the error */
};

static const struct parse_case parse_cases[] = {
	{ "tsig-keygen output", "key \"cutover-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"" B64 "\";\n};\n", NULL, 0, "hmac-sha256" },
	{ "comments and two keys, pick the second", "# keys\nkey a { algorithm hmac-sha512; secret \"" B64 "\"; };\n// x\nkey \"b.\" { algorithm HMAC-SHA384; secret \"" B64 "\"; };", "b", 0, "hmac-sha384" },
	{ "name not there", "key a { algorithm hmac-sha256; secret \"" B64 "\"; };", "zz", CUT_EINPUT, "no key named \"zz\"" },
	{ "missing secret", "key a {\n algorithm hmac-sha256;\n};", NULL, CUT_EINPUT, "has no secret" },
	{ "bad base64", "key a { algorithm hmac-sha256; secret \"@@@@\"; };", NULL, CUT_EINPUT, "t.key:1: secret is not valid base64" },
	{ "unknown algorithm", "key a {\n algorithm hmac-sha999;\n secret \"" B64 "\"; };", NULL, CUT_EINPUT, "t.key:2: unknown TSIG algorithm" },
	{ "missing semicolon", "key a {\n algorithm hmac-sha256\n secret \"" B64 "\"; };", NULL, CUT_EINPUT, "t.key:3: expected ';'" },
	{ "empty file", "", NULL, CUT_EINPUT, "no key in the file" },
	{ "not a key file", "hello", NULL, CUT_EINPUT, "expected 'key'" },
};

static void test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct tsig_key *k = NULL;
		struct cut_err err;
		int r;

		print_message("case: %s\n", c->name);
		cut_err_clear(&err);
		r = tsig_key_parse("t.key", c->text, strlen(c->text), c->want_name, &k, &err);
		assert_int_equal(r, c->want);
		if (r == 0) {
			assert_string_equal(k->algorithm, c->alg);
			assert_int_equal(k->secret_len, 32);
			assert_int_equal(k->secret[0], 0xab);
			tsig_key_free(k);
		} else {
			assert_null(k);
			assert_non_null(strstr(err.msg, c->alg));
			assert_null(strstr(err.msg, B64));
			assert_null(strstr(err.hint, B64));
		}
	}
}

struct mode_case {
	const char *name;
	mode_t mode;
	int want;
};

static const struct mode_case mode_cases[] = {
	{ "0600 accepted", 0600, 0 },
	{ "0400 accepted", 0400, 0 },
	{ "0644 refused", 0644, CUT_EPERM_FILE },
	{ "0640 refused", 0640, CUT_EPERM_FILE },
	{ "0604 refused", 0604, CUT_EPERM_FILE },
	{ "0620 refused (group may write)", 0620, CUT_EPERM_FILE },
};

static void test_modes(void **state)
{
	char dir[] = "/tmp/cut-secret-XXXXXX", path[64];
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.key", dir);
	for (i = 0; i < ARRAY_SIZE(mode_cases); i++) {
		const struct mode_case *c = &mode_cases[i];
		struct tsig_key *k = NULL;
		struct cut_err err;
		FILE *f;

		print_message("case: %s\n", c->name);
		unlink(path);
		f = fopen(path, "w");
		fprintf(f, "key \"k\" { algorithm hmac-sha256; secret \"%s\"; };\n", B64);
		fclose(f);
		assert_int_equal(chmod(path, c->mode), 0);
		cut_err_clear(&err);
		assert_int_equal(tsig_key_load(path, "k", &k, &err), c->want);
		if (c->want) {
			char fix[128];
			snprintf(fix, sizeof(fix), "chmod 600 %s", path);
			assert_non_null(strstr(err.hint, fix));
			assert_non_null(strstr(err.msg, path));
		}
		tsig_key_free(k);
	}
	unlink(path);
	rmdir(dir);
}

static void test_read_secret_file(void **state)
{
	char dir[] = "/tmp/cut-secret-XXXXXX", path[64];
	struct secret_buf b;
	struct cut_err err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/psk", dir);
	f = fopen(path, "w");
	fputs("s3cret-psk\n", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(secret_read_file(path, &b, &err), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "s3cret-psk", 10);
	secret_buf_free(&b);
	assert_null(b.data);
	assert_true(secret_read_file("/nonexistent/psk", &b, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/psk"));
	unlink(path);
	/* a FIFO is refused at once: opening it waited for a writer for ever */
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_true(secret_read_file(path, &b, &err) < 0);
	alarm(0);
	assert_non_null(strstr(err.msg, path));
	assert_null(b.data);
	unlink(path);
	rmdir(dir);
}

/* The old key of a rotation: a new 0600 file, never over another key. */
static void test_write_secret_file(void **state)
{
	char dir[] = "/tmp/cut-secret-XXXXXX", path[64];
	struct secret_buf b = { 0 }, other = { 0 }, back;
	struct cut_err err;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/psk.before", dir);
	assert_true(secret_buf_set(&b, "old-key", 7));
	assert_int_equal(secret_write_file(path, &b, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secret_read_file(path, &back, &err), 0);
	assert_int_equal(back.len, 7);
	assert_memory_equal(back.data, "old-key", 7);
	secret_buf_free(&back);
	/* the same key again (a re-run) is fine; another key is refused */
	assert_int_equal(secret_write_file(path, &b, &err), 0);
	assert_true(secret_buf_set(&other, "new-key", 7));
	assert_int_equal(secret_write_file(path, &other, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "holds another key"));
	assert_null(strstr(err.msg, "key-"));
	assert_false(secret_buf_set(&other, "x", SECRET_FILE_MAX + 1));
	assert_null(other.data);
	secret_buf_free(&b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_read_secret_file),
		cmocka_unit_test(test_write_secret_file),
	};
	return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
