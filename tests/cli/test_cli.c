/* The cutover binary as a user meets it: check, journal, help, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static char out[65536];

/* Runs a shell command line with $CUTOVER set; output (stdout+stderr, or
 * stdout only) in out; returns the exit status. */
static int run(bool with_stderr, const char *fmt, ...)
{
	char cmd[2048], line[1024];
	va_list ap;
	FILE *p;
	size_t n = 0;
	int st;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s", line, with_stderr ? "2>&1" : "2>/dev/null");
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *cutover(void)
{
	return getenv("CUTOVER");
}

static const char *src(void)
{
	return getenv("SOURCE_ROOT");
}

/* Writes text to DIR/NAME with mode; the path goes to path. */
static void write_file(const char *dir, const char *name, const char *text, mode_t mode,
		       char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_check_names_every_mistake(void **state)
{
	(void)state;
	assert_int_equal(run(true, "%s check %s/tests/cli/data/several-mistakes.json", cutover(), src()), 2);
	/* a syntax error, an unknown key, a wrong type, a missing key: all of them */
	assert_non_null(strstr(out, "several-mistakes.json:6:3: missing ',' before '\"'"));
	assert_non_null(strstr(out, "several-mistakes.json:3:3: jounral: unknown key \"jounral\"; did you mean \"journal\"?"));
	assert_non_null(strstr(out, "several-mistakes.json:4:18: description: expected a string, found an integer"));
	assert_non_null(strstr(out, "missing \"journal\""));
	assert_non_null(strstr(out, "several-mistakes.json:5:10: dns: missing \"primaries\""));
	assert_non_null(strstr(out, "7 errors"));
}

static void test_check_gates_name_real_checks(void **state)
{
	(void)state;
	assert_int_equal(run(true, "%s check %s/tests/cli/data/unknown-gate.json", cutover(), src()), 2);
	assert_non_null(strstr(out, "unknown-gate.json:9:110: dns.records[0].gates[1]: gate \"wbe\" is not a health check of this plan"));
	assert_null(strstr(out, "gate \"web\""));
}

static void test_check_json(void **state)
{
	(void)state;
	assert_int_equal(run(false, "%s check --json %s/tests/cli/data/several-mistakes.json", cutover(), src()), 2);
	assert_non_null(strstr(out, "\"ok\": false"));
	assert_non_null(strstr(out, "\"line\": 4"));
	assert_int_equal(run(true, "%s check %s/examples/plan.json", cutover(), src()), 0);
	assert_non_null(strstr(out, "plan.json: OK"));
}

static void test_check_missing_file(void **state)
{
	(void)state;
	assert_int_equal(run(true, "%s check /nonexistent/plan.json", cutover()), 2);
	assert_non_null(strstr(out, "/nonexistent/plan.json"));
}

/* Output that cannot be written is an error, not lost in silence. */
static void test_output_write_failure(void **state)
{
	(void)state;
	assert_int_equal(run(true, "( %s check %s/examples/plan.json >/dev/full )", cutover(), src()), 1);
	assert_non_null(strstr(out, "cannot write the output: No space left on device"));
	/* --json writes and flushes its document before the end: still exit 1 */
	assert_int_equal(run(true, "( %s check --json %s/examples/plan.json >/dev/full )", cutover(),
			     src()), 1);
	assert_non_null(strstr(out, "cannot write the output"));
}

/* check reads the DNS primaries' key files as switch would: a missing one
 * and one others can read are errors at their key_file (it said OK). */
static void test_check_key_files(void **state)
{
	static const char plan[] =
		"{ \"change\": \"CHG-K\", \"journal\": \"k.journal\",\n"
		"  \"dns\": {\n"
		"    \"primaries\": [\n"
		"      { \"name\": \"a\", \"address\": \"127.0.0.1\", \"key_file\": \"missing.key\" },\n"
		"      { \"name\": \"b\", \"address\": \"127.0.0.2\", \"key_file\": \"open.key\" } ],\n"
		"    \"zones\": [ { \"name\": \"a.test\", \"primary\": \"a\" },\n"
		"                 { \"name\": \"b.test\", \"primary\": \"b\" } ],\n"
		"    \"records\": [ { \"name\": \"www.b.test\", \"type\": \"A\",\n"
		"                   \"from\": [\"192.0.2.1\"], \"to\": [\"192.0.2.2\"] } ] } }\n";
	char dir[] = "/tmp/cut-cli-XXXXXX", path[96];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "plan.json", plan, 0644, path, sizeof(path));
	write_file(dir, "open.key", "key \"k\" { algorithm hmac-sha256; secret "
		   "\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n", 0644, path, sizeof(path));
	assert_int_equal(run(true, "%s check %s/plan.json", cutover(), dir), 2);
	assert_non_null(strstr(out, "plan.json:4:58: dns.primaries[0].key_file: "));
	assert_non_null(strstr(out, "missing.key"));
	assert_non_null(strstr(out, "plan.json:5:58: dns.primaries[1].key_file: "));
	assert_non_null(strstr(out, "chmod 600"));
	assert_null(strstr(out, "c2VjcmV0")); /* never the secret */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(run(true, "%s check %s/plan.json", cutover(), dir), 2);
	assert_null(strstr(out, "primaries[1]"));
	assert_int_equal(run(true, "rm -r %s", dir), 0);
}

/* Diagnostics whose text is not valid UTF-8 (a word cut in the middle of a
 * character, a raw byte in a key) stay in --json, the bad bytes as '?';
 * json_pack refused them and the entry vanished ("errors": 1, no entry). */
static void test_check_json_not_utf8(void **state)
{
	char dir[] = "/tmp/cut-cli-XXXXXX", path[96];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "p.json", "{ \"change\": \"CHG-U\", \"journal\": \"u.journal\",\n"
		   "  \"description\": abcdefghijklmnopqrstuvwxyz012345678\xe8\xbf\x81\xe7\xa7\xbb,\n"
		   "  \"\xff\": 1 }\n", 0644, path, sizeof(path));
	assert_int_equal(run(false, "%s check --json %s", cutover(), path), 2);
	assert_non_null(strstr(out, "\"line\": 2"));
	assert_non_null(strstr(out, "\"line\": 3"));
	assert_non_null(strstr(out, "abcdefghijklmnopqrstuvwxyz012345678"));
	assert_int_equal(run(true, "rm -r %s", dir), 0);
}

/* An option given without its value does not take the next option as the
 * value: `--reason --dry-run` was a real rollback, `--journal --dry-run` a
 * real apply journaled in a file named "--dry-run". */
static void test_option_missing_value(void **state)
{
	char dir[] = "/tmp/cut-cli-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(run(true, "cd %s && %s rollback --journal x.journal --reason --dry-run",
			     dir, cutover()), 2);
	assert_non_null(strstr(out, "rollback: --reason needs a value (got the option --dry-run)"));
	assert_int_equal(run(true, "cd %s && %s landing apply --journal --dry-run t.json", dir,
			     cutover()), 2);
	assert_non_null(strstr(out, "landing: --journal needs a value (got the option --dry-run)"));
	assert_int_equal(run(true, "cd %s && %s dns verify p.json --wait", dir, cutover()), 2);
	assert_non_null(strstr(out, "dns: --wait needs a value"));
	assert_int_equal(run(true, "cd %s && %s route plan --frobnicate p.json", dir, cutover()), 2);
	assert_non_null(strstr(out, "route: unknown option --frobnicate"));
	assert_int_equal(run(false, "ls -A %s", dir), 0);
	assert_string_equal(out, ""); /* nothing written */
	assert_int_equal(rmdir(dir), 0);
}

static void test_help_everywhere(void **state)
{
	static const char *const cmds[] = { "check", "dns", "route", "health", "landing",
					    "rollback", "confirm", "journal" };
	size_t i;

	(void)state;
	assert_int_equal(run(false, "%s --help", cutover()), 0);
	assert_non_null(strstr(out, "Exit codes:"));
	assert_non_null(strstr(out, "4  a health gate failed"));
	assert_int_equal(run(false, "%s --version", cutover()), 0);
	assert_non_null(strstr(out, "cutover "));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		print_message("case: %s --help\n", cmds[i]);
		assert_int_equal(run(false, "%s %s --help", cutover(), cmds[i]), 0);
		assert_non_null(strstr(out, "usage: cutover"));
	}
	assert_int_equal(run(true, "%s frobnicate", cutover()), 2);
	assert_non_null(strstr(out, "unknown command"));
}

static void test_journal_verify_and_damage(void **state)
{
	char dir[] = "/tmp/cut-cli-XXXXXX";
	const char *crashrun = getenv("CRASHRUN");

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(run(true, "for i in 0 1 2; do echo -n source > %s/f$i; done; %s apply %s/j %s 3",
			     dir, crashrun, dir, dir), 0);
	assert_int_equal(run(true, "%s journal verify %s/j", cutover(), dir), 0);
	assert_non_null(strstr(out, "OK (change CRASH-TEST"));
	assert_non_null(strstr(out, "3 steps a rollback would undo"));
	assert_int_equal(run(false, "%s journal show --json %s/j", cutover(), dir), 0);
	assert_non_null(strstr(out, "\"pending_undo\""));
	assert_int_equal(run(false, "%s journal show %s/j", cutover(), dir), 0);
	assert_non_null(strstr(out, "test.file:"));
	/* a torn tail: accepted with a warning */
	assert_int_equal(run(true, "truncate -s -3 %s/j && %s journal verify %s/j", dir, cutover(), dir), 0);
	assert_non_null(strstr(out, "torn"));
	/* a flipped byte in the middle: refused with its offset */
	assert_int_equal(run(true, "printf '\\x55' | dd of=%s/j bs=1 seek=100 conv=notrunc status=none && %s journal verify %s/j",
			     dir, cutover(), dir), 2);
	assert_non_null(strstr(out, "damaged at offset"));
	assert_non_null(strstr(out, "what to do:"));
	/* a rollback refuses the damaged journal too, changing nothing */
	assert_int_equal(run(true, "%s rollback --journal %s/j", cutover(), dir), 2);
	assert_int_equal(run(true, "cat %s/f0", dir), 0);
	assert_string_equal(out, "target");
	run(true, "rm -rf %s", dir);
}

/* Without libcurl (an empty libcurl.so.4 first on the library path) a
 * landing plan names the missing library and what to install, exit 2; it
 * said "libcurl cannot start", exit 1 (a bug in cutover's words). */
static void test_landing_without_libcurl(void **state)
{
	char dir[] = "/tmp/cut-cli-XXXXXX", path[96];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "libcurl.so.4", "", 0644, path, sizeof(path));
	assert_int_equal(run(true, "LD_LIBRARY_PATH=%s %s landing plan --endpoint "
			     "http://127.0.0.1:9 %s/templates/two-tier.json", dir, cutover(),
			     src()), 2);
	assert_non_null(strstr(out, "cannot load libcurl.so.4"));
	assert_non_null(strstr(out, "install libcurl4"));
	assert_int_equal(run(true, "rm -r %s", dir), 0);
}

static void test_rollback_usage(void **state)
{
	(void)state;
	assert_int_equal(run(true, "%s rollback", cutover()), 2);
	assert_non_null(strstr(out, "--journal"));
	assert_int_equal(run(true, "%s rollback --journal /nonexistent/j", cutover()), 2);
	assert_non_null(strstr(out, "/nonexistent/j"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_names_every_mistake),
		cmocka_unit_test(test_check_gates_name_real_checks),
		cmocka_unit_test(test_check_json),
		cmocka_unit_test(test_check_missing_file),
		cmocka_unit_test(test_landing_without_libcurl),
		cmocka_unit_test(test_output_write_failure),
		cmocka_unit_test(test_option_missing_value),
		cmocka_unit_test(test_check_key_files),
		cmocka_unit_test(test_check_json_not_utf8),
		cmocka_unit_test(test_help_everywhere),
		cmocka_unit_test(test_journal_verify_and_damage),
		cmocka_unit_test(test_rollback_usage),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
