/* Crash tests: SIGKILL a journaled run at every write and fsync point of its
 * journal (whole and torn writes), then prove the journal reopens and a
 * rollback restores the initial state — and the same for a rollback killed
 * half-way, resumed by the next one. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "testkind.h"
#include "util.h"
#include "tmpdir.h"

#define NFILES 7
#define MAX_POINTS 100

static char dir[64], jpath[128];

static void reset(void)
{
	char cmd[200], f[128];
	int i;

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", dir);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < NFILES; i++) {
		snprintf(f, sizeof(f), "%s/f%d", dir, i);
		test_file_write(f, "source");
	}
}

static void assert_all(const char *content)
{
	char f[128];
	int i;

	for (i = 0; i < NFILES; i++) {
		snprintf(f, sizeof(f), "%s/f%d", dir, i);
		assert_string_equal(test_file_read(f), content);
	}
}

/* Runs crashrun with args; crash_at 0 means no crash. Returns the wait status. */
static int run(const char *verb, int crash_at, bool torn)
{
	const char *bin = getenv("CRASHRUN");
	char at[16];
	pid_t pid;
	int status;

	assert_non_null(bin);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(at, sizeof(at), "%d", crash_at);
		if (crash_at)
			setenv("CUTOVER_CRASH_AT", at, 1);
		else
			unsetenv("CUTOVER_CRASH_AT");
		setenv("CUTOVER_CRASH_TORN", torn ? "1" : "0", 1);
		if (strcmp(verb, "apply") == 0)
			execl(bin, bin, "apply", jpath, dir, "7", (char *)NULL);
		else
			execl(bin, bin, "rollback", jpath, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static bool killed(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static void assert_journal_sound(void)
{
	struct journal *j;
	struct cut_err err;

	/* verify (read-only) accepts it; a writer cuts any torn tail */
	assert_int_equal(journal_open(jpath, JOURNAL_READONLY, NULL, &j, &err), 0);
	journal_close(j);
}

static void crash_apply_at_every_point(bool torn)
{
	int k, crashes = 0;

	for (k = 1; k <= MAX_POINTS; k++) {
		int st;

		reset();
		st = run("apply", k, torn);
		if (!killed(st)) {
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			assert_all("target");
			break;
		}
		crashes++;
		assert_journal_sound();
		st = run("rollback", 0, false);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_all("source");
		/* a second rollback changes nothing */
		st = run("rollback", 0, false);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_all("source");
	}
	assert_true(k <= MAX_POINTS);
	/* 7 steps in batches of 3: 1 header + 3 x (intents + outcomes), each a
	 * write and an fsync point */
	assert_true(crashes >= 8);
	print_message("apply: %d crash points, each rolled back\n", crashes);
}

static void crash_rollback_at_every_point(bool torn)
{
	int k, crashes = 0;

	for (k = 1; k <= MAX_POINTS; k++) {
		int st;

		reset();
		st = run("apply", 0, false);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		st = run("rollback", k, torn);
		if (!killed(st)) {
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			assert_all("source");
			break;
		}
		crashes++;
		assert_journal_sound();
		st = run("rollback", 0, false);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_all("source");
	}
	assert_true(k <= MAX_POINTS);
	assert_true(crashes >= 6);
	print_message("rollback: %d crash points, each resumed\n", crashes);
}

static void test_crash_apply(void **state)
{
	(void)state;
	crash_apply_at_every_point(false);
}

static void test_crash_apply_torn(void **state)
{
	(void)state;
	crash_apply_at_every_point(true);
}

static void test_crash_rollback(void **state)
{
	(void)state;
	crash_rollback_at_every_point(false);
}

static void test_crash_rollback_torn(void **state)
{
	(void)state;
	crash_rollback_at_every_point(true);
}

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, sizeof(dir), "crash") < 0)
		return -1;
	snprintf(jpath, sizeof(jpath), "%s/journal", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_apply),
		cmocka_unit_test(test_crash_apply_torn),
		cmocka_unit_test(test_crash_rollback),
		cmocka_unit_test(test_crash_rollback_torn),
	};
	return cmocka_run_group_tests_name("crash", tests, setup, teardown);
}
