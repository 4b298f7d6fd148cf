/* The journal's file size limit, reached: this test builds journal.c with
 * JOURNAL_FILE_MAX of 1 MiB (tests/rollback/meson.build). The writer
 * refuses the record that would pass it, writing nothing of it; the reader
 * refuses a larger file with a hint of its own. */
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

#include "journal.h"
#include "util.h"
#include "tmpdir.h"

#define PAD (100u << 10)

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, sizeof(dir), "journal-limit") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/j", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static off_t file_size(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* An intent step holding pad bytes of text. */
static json_t *step_of(size_t pad)
{
	char *text = xmalloc(pad + 1);
	json_t *step;

	memset(text, 'x', pad);
	text[pad] = '\0';
	step = json_pack("{s:{s:s},s:{},s:s}", "apply", "pad", text, "inverse", "describe", "big");
	free(text);
	return step;
}

static int append_step(struct journal *j, size_t pad)
{
	json_t *step = step_of(pad);
	uint64_t first;
	int r = journal_append_intents(j, "test.file", &step, 1, &first);

	json_decref(step);
	return r;
}

static void test_writer_refuses_past_limit(void **state)
{
	struct journal *j;
	struct cut_err err;
	json_t *batch[4];
	uint64_t last, first;
	off_t size;
	size_t count, i;
	int r = 0, n;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (n = 0; n < 20 && r == 0; n++) {
		size = file_size();
		count = journal_count(j);
		r = append_step(j, PAD);
		assert_int_equal(journal_sync(j, &err), 0); /* a refusal does not stop the journal */
	}
	assert_int_equal(r, CUT_ELIMIT);
	assert_int_equal(journal_error(j, &err), CUT_ELIMIT);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "the most a journal may hold"));
	assert_non_null(strstr(err.hint, "new journal"));
	assert_int_equal(journal_count(j), count);
	assert_int_equal(file_size(), size); /* nothing of it written */
	assert_true(file_size() + PAD > JOURNAL_FILE_MAX); /* refused only where it would not fit */

	/* a batch that would pass it is refused whole, not written in parts */
	last = journal_last_seq(j);
	for (i = 0; i < 4; i++)
		batch[i] = step_of(PAD / 4);
	assert_int_equal(journal_append_intents(j, "test.file", batch, 4, &first), CUT_ELIMIT);
	assert_int_equal(journal_last_seq(j), last);
	for (i = 0; i < 4; i++)
		json_decref(batch[i]);

	/* what still fits is taken */
	assert_int_equal(append_step(j, 1000), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_true(file_size() <= JOURNAL_FILE_MAX);
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), count + 1);
	journal_close(j);
}

/* A file past the limit is refused before it is read, with a hint for a
 * journal (which cannot be split), not for a file in general. */
static void test_reader_refuses_past_limit(void **state)
{
	struct journal *j;
	struct cut_err err;

	(void)state;
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	assert_int_equal(append_step(j, 10), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(truncate(path, (off_t)JOURNAL_FILE_MAX + 1), 0);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), CUT_ELIMIT);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "a journal may hold"));
	assert_null(strstr(err.hint, "split the file"));
	assert_non_null(strstr(err.hint, "journal"));
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), CUT_ELIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_refuses_past_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_refuses_past_limit, setup, teardown),
	};
	return cmocka_run_group_tests_name("journal file limit", tests, NULL, NULL);
}
