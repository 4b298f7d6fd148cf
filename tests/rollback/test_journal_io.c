/* The journal when the disk fails it: a failed write, fdatasync or folder
 * fsync cuts off what was not synced and stops the journal, so nothing is
 * written twice and no sequence number is used twice. fdatasync and fsync
 * are wrapped at link time (-Wl,--wrap, tests/rollback/meson.build) to fail
 * on demand; a failing write comes from RLIMIT_FSIZE. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "rollback.h"
#include "testkind.h"
#include "util.h"
#include "tmpdir.h"

static char dir[64], path[128];
static int fail_fdatasync, fail_fsync; /* the next call fails with EIO */

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fdatasync(int fd)
{
	if (fail_fdatasync) {
		fail_fdatasync = 0;
		errno = EIO;
		return -1;
	}
	return __real_fdatasync(fd);
}

int __wrap_fsync(int fd)
{
	if (fail_fsync) {
		fail_fsync = 0;
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

static int setup(void **state)
{
	(void)state;
	fail_fdatasync = fail_fsync = 0;
	if (tmpdir_make(dir, sizeof(dir), "journal-io") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/j", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static int append_intent(struct journal *j, int v)
{
	json_t *body = json_pack("{s:s,s:{s:i},s:{s:i},s:s}", "kind", "test.file", "apply", "v", v,
				 "inverse", "v", -v, "describe", "a step");
	int r = journal_append(j, JOURNAL_INTENT, body, NULL);

	json_decref(body);
	return r;
}

/* A journal of its header and n intents, synced, left open for writing. */
static struct journal *open_with(int n)
{
	struct journal *j;
	struct cut_err err;
	int i;

	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(append_intent(j, i), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	return j;
}

static off_t file_size(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* A stopped journal refuses everything with the failure's code, writes
 * nothing at close, and the file reopens clean with exactly `records`;
 * a new writer continues it with the next sequence number. */
static void assert_stopped(struct journal *j, int code, size_t records)
{
	struct cut_err err;
	off_t size = file_size();

	assert_int_equal(append_intent(j, 99), code);
	assert_int_equal(journal_sync(j, &err), code);
	assert_non_null(strstr(err.msg, "could not be written"));
	assert_int_equal(journal_error(j, &err), code);
	journal_close(j);
	assert_int_equal(file_size(), size);
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	assert_null(journal_warning(j));
	assert_int_equal(journal_count(j), records);
	assert_int_equal(append_intent(j, 7), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), records + 1);
	assert_int_equal(journal_get(j, records)->seq, records + 1);
	journal_close(j);
}

static void test_fdatasync_fails(void **state)
{
	struct journal *j = open_with(2);
	struct cut_err err;
	off_t synced = file_size();

	(void)state;
	assert_int_equal(append_intent(j, 2), 0);
	fail_fdatasync = 1;
	assert_int_equal(journal_sync(j, &err), -EIO);
	assert_non_null(strstr(err.msg, "could not be written"));
	assert_non_null(strstr(err.msg, "fdatasync"));
	assert_non_null(strstr(err.hint, "cutover rollback --journal"));
	assert_int_equal(file_size(), synced); /* the unsynced intent is cut off */
	assert_stopped(j, -EIO, 3);
}

/* A flushed outcome, then a failed sync: both are cut off (neither was
 * known to be on disk) and the journal continues after the last sync. */
static void test_fdatasync_fails_after_flush(void **state)
{
	struct journal *j = open_with(1);
	struct cut_err err;
	off_t synced = file_size();
	uint64_t ids[] = { 2 };

	(void)state;
	assert_int_equal(journal_append_outcomes(j, JOURNAL_DONE, "test.file", ids, 1), 0);
	assert_int_equal(journal_flush(j, &err), 0);
	assert_true(file_size() > synced);
	assert_int_equal(append_intent(j, 1), 0);
	fail_fdatasync = 1;
	assert_int_equal(journal_sync(j, &err), -EIO);
	assert_int_equal(file_size(), synced);
	assert_stopped(j, -EIO, 2);
}

/* A new journal whose folder cannot be synced: the frames are not written
 * again at close (they were, twice, with the same sequence numbers). */
static void test_folder_fsync_fails(void **state)
{
	struct journal *j;
	struct cut_err err;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	assert_int_equal(append_intent(j, 1), 0);
	fail_fsync = 1;
	assert_int_equal(journal_sync(j, &err), -EIO);
	assert_non_null(strstr(err.msg, "folder"));
	assert_int_equal(append_intent(j, 2), -EIO);
	journal_close(j);
	/* cut back to the file's head: an empty journal, which the next
	 * switch starts again */
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), 0);
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_count(j), 1);
	journal_close(j);
}

/* A write the file-size limit stops half-way: the half is cut off. */
static void test_write_fails(void **state)
{
	struct journal *j = open_with(1);
	struct rlimit old, lim;
	struct cut_err err;
	off_t synced = file_size();
	char pad[4000];
	json_t *body;
	int r;

	(void)state;
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	body = json_pack("{s:s,s:{s:s},s:{},s:s}", "kind", "test.file", "apply", "pad", pad,
			 "inverse", "describe", "big");
	assert_int_equal(journal_append(j, JOURNAL_INTENT, body, NULL), 0);
	json_decref(body);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)synced + 1000;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = journal_flush(j, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(r, -EFBIG);
	assert_non_null(strstr(err.msg, "write failed"));
	assert_int_equal(file_size(), synced);
	assert_stopped(j, -EFBIG, 2);
}

/* journal_write_intents gives the steps ids only once they are synced: a
 * step with an id counts as journaled (its outcome is written, the next
 * journal_write_new_intents skips it). */
static void test_no_ids_after_failed_sync(void **state)
{
	struct journal *j = open_with(0);
	struct step steps[2], *ptrs[2] = { &steps[0], &steps[1] };
	struct cut_err err;
	char f[2][160];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(f[i], sizeof(f[i]), "%s/f%d", dir, i);
		test_file_step(&steps[i], f[i], "source", "target");
	}
	fail_fdatasync = 1;
	assert_int_equal(journal_write_intents(j, steps, 2, &err), -EIO);
	assert_non_null(strstr(err.msg, "could not be written"));
	assert_int_equal(steps[0].id, 0);
	assert_int_equal(steps[1].id, 0);
	/* the journal stopped: the same message, still no ids */
	assert_int_equal(journal_write_new_intents(j, ptrs, 2, &err), -EIO);
	assert_non_null(strstr(err.msg, "could not be written"));
	assert_int_equal(steps[0].id, 0);
	for (i = 0; i < 2; i++)
		step_clear(&steps[i]);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fdatasync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fdatasync_fails_after_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ids_after_failed_sync, setup, teardown),
	};
	return cmocka_run_group_tests_name("journal io failures", tests, NULL, NULL);
}
