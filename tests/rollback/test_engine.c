/* The rollback engine over the test.file kind: apply, undo, resume,
 * conflicts, failures half-way, dry run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rollback.h"
#include "testkind.h"
#include "util.h"
#include "tmpdir.h"

#define NFILES 7

static char dir[64], jpath[128], files[NFILES][128];
static struct step_registry reg;

static int setup(void **state)
{
	int i;

	(void)state;
	if (tmpdir_make(dir, sizeof(dir), "engine") < 0)
		return -1;
	snprintf(jpath, sizeof(jpath), "%s/journal", dir);
	for (i = 0; i < NFILES; i++) {
		snprintf(files[i], sizeof(files[i]), "%s/f%d", dir, i);
		test_file_write(files[i], "source");
	}
	step_registry_init(&reg);
	return step_registry_add(&reg, &test_file_kind);
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

/* Applies steps moving files[0..n) to to[i]; returns the apply's result. */
static int apply(int n, const char *const *to)
{
	struct step steps[NFILES];
	struct step_ctx ctx = { 0 };
	struct journal *j;
	struct cut_err err;
	int i, r;

	assert_int_equal(journal_open(jpath, JOURNAL_CREATE, "CHG-T", &j, &err), 0);
	for (i = 0; i < n; i++)
		test_file_step(&steps[i], files[i], "source", to ? to[i] : "target");
	r = rollback_apply_steps(j, &reg, &ctx, steps, (size_t)n, &err);
	for (i = 0; i < n; i++)
		step_clear(&steps[i]);
	journal_close(j);
	return r;
}

static int rollback(bool force, bool dry_run, struct rollback_report *rep)
{
	struct step_ctx ctx = { .force = force, .dry_run = dry_run };
	struct journal *j;
	struct cut_err err;
	int r;

	assert_int_equal(journal_open(jpath, dry_run ? JOURNAL_READONLY : 0, NULL, &j, &err), 0);
	r = rollback_run(j, &reg, &ctx, rep, &err);
	journal_close(j);
	return r;
}

static void assert_all(const char *content, int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		assert_string_equal(test_file_read(files[i]), content);
}

static size_t records(void)
{
	struct journal *j;
	struct cut_err err;
	size_t n;

	assert_int_equal(journal_open(jpath, JOURNAL_READONLY, NULL, &j, &err), 0);
	n = journal_count(j);
	journal_close(j);
	return n;
}

static void test_apply_then_rollback_restores(void **state)
{
	struct rollback_report rep;
	size_t n;

	(void)state;
	assert_int_equal(apply(NFILES, NULL), 0);
	assert_all("target", 0, NFILES);
	assert_int_equal(rollback(false, false, &rep), 0);
	assert_int_equal(rep.undone, NFILES);
	/* newest first */
	assert_true(rep.items[0].step > rep.items[1].step);
	rollback_report_free(&rep);
	assert_all("source", 0, NFILES);
	/* a second full rollback changes nothing and writes nothing */
	n = records();
	assert_int_equal(rollback(false, false, &rep), 0);
	assert_int_equal(rep.n, 0);
	rollback_report_free(&rep);
	assert_int_equal(records(), n);
}

static void test_conflict_left_alone_unless_forced(void **state)
{
	struct rollback_report rep;

	(void)state;
	assert_int_equal(apply(NFILES, NULL), 0);
	test_file_write(files[2], "someone else");
	assert_int_equal(rollback(false, false, &rep), CUT_ECONFLICT);
	assert_int_equal(rep.conflicts, 1);
	assert_int_equal(rep.undone, NFILES - 1);
	rollback_report_free(&rep);
	assert_string_equal(test_file_read(files[2]), "someone else");
	assert_all("source", 0, 2);
	assert_all("source", 3, NFILES);
	/* run again: still left alone, nothing else touched */
	assert_int_equal(rollback(false, false, &rep), CUT_ECONFLICT);
	assert_int_equal(rep.n, 1);
	rollback_report_free(&rep);
	assert_int_equal(rollback(true, false, &rep), 0);
	rollback_report_free(&rep);
	assert_all("source", 0, NFILES);
}

static void test_failure_half_way_rolls_back_done_part(void **state)
{
	static const char *const to[NFILES] = { "t", "t", "t", "t", "FAIL", "t", "t" };
	struct rollback_report rep;

	(void)state;
	/* batches of 3: [0..2] applied; in [3..5] step 4 fails (the kind goes on
	 * with 5); the run stops there, so [6] is never journaled */
	assert_int_equal(apply(NFILES, to), CUT_EPEER);
	assert_all("t", 0, 4);
	assert_all("source", 4, 5);
	assert_all("t", 5, 6);
	assert_all("source", 6, NFILES);
	assert_int_equal(rollback(false, false, &rep), 0);
	rollback_report_free(&rep);
	assert_all("source", 0, NFILES);
}

/* One batch undoes three steps, newest first: the first is left alone (a
 * conflict), the second fails, the third is undone. The failure is what
 * the rollback returns (exit 1, "an undo failed"), not the conflict before
 * it (exit 3, "use --force"). */
static void test_failure_after_conflict_in_one_batch(void **state)
{
	struct step steps[3];
	struct step_ctx ctx = { 0 };
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;
	int i;

	(void)state;
	test_file_write(files[1], "FAIL"); /* undoing its step writes FAIL back: refused */
	assert_int_equal(journal_open(jpath, JOURNAL_CREATE, "CHG-T", &j, &err), 0);
	for (i = 0; i < 3; i++)
		test_file_step(&steps[i], files[i], i == 1 ? "FAIL" : "source", "target");
	assert_int_equal(rollback_apply_steps(j, &reg, &ctx, steps, 3, &err), 0);
	for (i = 0; i < 3; i++)
		step_clear(&steps[i]);
	journal_close(j);
	test_file_write(files[2], "someone else");

	assert_int_equal(journal_open(jpath, 0, NULL, &j, &err), 0);
	assert_int_equal(rollback_run(j, &reg, &ctx, &rep, &err), CUT_EPEER);
	assert_int_equal(cut_exit_code(err.code), CUT_EXIT_FAILED);
	assert_non_null(strstr(err.msg, files[1]));
	assert_int_equal(rep.conflicts, 1);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(rep.undone, 1);
	rollback_report_free(&rep);
	journal_close(j);
	assert_string_equal(test_file_read(files[0]), "source");
}

/* A batch of two kinds whose second kind's intents the journal refuses (a
 * step without an inverse): nothing is applied, the error names the step,
 * and the first kind's intents, already appended, are marked failed, so a
 * rollback finds nothing to undo. */
static void test_refused_kind_withdraws_earlier_intents(void **state)
{
	struct step steps[3];
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;
	int i;

	(void)state;
	assert_int_equal(journal_open(jpath, JOURNAL_CREATE, "CHG-T", &j, &err), 0);
	for (i = 0; i < 3; i++)
		test_file_step(&steps[i], files[i], "source", "target");
	steps[2].kind = "test.other";
	json_decref(steps[2].inverse);
	steps[2].inverse = NULL;
	assert_true(journal_write_intents(j, steps, 3, &err) < 0);
	assert_non_null(strstr(err.msg, files[2]));
	for (i = 0; i < 3; i++) {
		assert_int_equal(steps[i].id, 0);
		step_clear(&steps[i]);
	}
	journal_close(j);
	assert_all("source", 0, 3);

	assert_int_equal(journal_open(jpath, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(rollback_pending(j, &rep), 0);
	assert_int_equal(rep.n, 0);
	rollback_report_free(&rep);
	journal_close(j);
	assert_int_equal(rollback(false, false, &rep), 0);
	assert_int_equal(rep.undone, 0);
	rollback_report_free(&rep);
}

/* test.file, whose undo then leaves the journal no room to grow: the file
 * size limit (RLIMIT_FSIZE) is set to the journal's size, so writing the
 * batch's outcomes fails. */
static struct rlimit saved_fsize;

static int apply_then_fill_disk(const struct step_ctx *ctx, struct step *const *steps, size_t n,
				bool inverse, struct cut_err *err)
{
	struct rlimit lim = saved_fsize;
	struct stat st;
	int r = test_file_kind.apply(ctx, steps, n, inverse, err);

	assert_int_equal(stat(jpath, &st), 0);
	lim.rlim_cur = (rlim_t)st.st_size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	return r;
}

/* The outcomes of an undone batch cannot be written: the report still
 * counts the batch as undone (it was), and the next rollback finds those
 * steps undone already. */
static void test_report_when_outcomes_fail(void **state)
{
	struct step_kind kind = test_file_kind;
	struct step_registry full;
	struct step_ctx ctx = { 0 };
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;
	int r;

	(void)state;
	assert_int_equal(apply(3, NULL), 0); /* one batch (batch_max 3) */
	kind.apply = apply_then_fill_disk;
	step_registry_init(&full);
	assert_int_equal(step_registry_add(&full, &kind), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(journal_open(jpath, 0, NULL, &j, &err), 0);
	r = rollback_run(j, &full, &ctx, &rep, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
	assert_int_equal(r, -EFBIG);
	assert_int_equal(rep.undone, 3);
	assert_int_equal(rep.skipped, 0);
	rollback_report_free(&rep);
	journal_close(j);
	assert_all("source", 0, 3);
	assert_int_equal(rollback(false, false, &rep), 0);
	assert_int_equal(rep.undone, 3);
	rollback_report_free(&rep);
}

/* test.noop: every step is in effect at once, both ways. */
static int noop_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
		      bool inverse, struct cut_err *err)
{
	size_t i;

	(void)ctx;
	(void)inverse;
	(void)err;
	for (i = 0; i < n; i++)
		step_set_result(steps[i], 0, NULL);
	return 0;
}

static const struct step_kind noop_kind = { .name = "test.noop", .apply = noop_apply };

/* A rollback of 300,000 steps in one batch: it names them newest first,
 * which as ranges unsorted made one range per step and an undo-intent
 * record past the 4 MiB limit, so the rollback could not start. */
static void test_rollback_of_many_steps(void **state)
{
	enum { N = 300000 };
	json_t *step = json_object(), **steps = xcalloc(N, sizeof(*steps));
	struct step_ctx ctx = { 0 };
	struct step_registry noop;
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;
	uint64_t first;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		steps[i] = step;
	assert_int_equal(journal_open(jpath, JOURNAL_CREATE, "CHG-T", &j, &err), 0);
	assert_int_equal(journal_append_intents(j, "test.noop", steps, N, &first), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	json_decref(step);
	free(steps);
	step_registry_init(&noop);
	assert_int_equal(step_registry_add(&noop, &noop_kind), 0);

	assert_int_equal(journal_open(jpath, 0, NULL, &j, &err), 0);
	assert_int_equal(rollback_run(j, &noop, &ctx, &rep, &err), 0);
	assert_int_equal(rep.undone, N);
	rollback_report_free(&rep);
	journal_close(j);
	assert_int_equal(journal_open(jpath, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(rollback_pending(j, &rep), 0);
	assert_int_equal(rep.n, 0); /* every step recorded as undone */
	rollback_report_free(&rep);
	journal_close(j);
}

static void test_dry_run_changes_nothing(void **state)
{
	struct rollback_report rep;
	size_t n;

	(void)state;
	assert_int_equal(apply(3, NULL), 0);
	n = records();
	assert_int_equal(rollback(false, true, &rep), 0);
	assert_int_equal(rep.n, 3);
	assert_int_equal(rep.undone, 0);
	rollback_report_free(&rep);
	assert_all("target", 0, 3);
	assert_int_equal(records(), n);
}

static void test_unknown_kind_fails_clearly(void **state)
{
	struct step_registry empty;
	struct step_ctx ctx = { 0 };
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;

	(void)state;
	assert_int_equal(apply(2, NULL), 0);
	step_registry_init(&empty);
	assert_int_equal(journal_open(jpath, 0, NULL, &j, &err), 0);
	assert_int_equal(rollback_run(j, &empty, &ctx, &rep, &err), CUT_EINTERNAL);
	assert_non_null(strstr(err.msg, "test.file"));
	assert_int_equal(rep.failed, 2);
	rollback_report_free(&rep);
	journal_close(j);
	/* with the kind known, the same journal still rolls back */
	assert_int_equal(rollback(false, false, &rep), 0);
	rollback_report_free(&rep);
	assert_all("source", 0, 2);
}

/* Reading ahead: the kind's read_ahead sees every intent while the journal
 * is opened, before the run starts; the run's first batch gets its state in
 * ctx->ahead, later batches do not (what was read could be old by then);
 * freeing the read-ahead frees the state once. */
struct ahead_state {
	int intents;
};
static const void *ahead_seen[NFILES];
static int ahead_batches, ahead_freed;

static void *count_intents(void *ahead, const json_t *step)
{
	struct ahead_state *a = ahead ? ahead : xcalloc(1, sizeof(*a));

	assert_non_null(json_object_get(step, "inverse"));
	a->intents++;
	return a;
}

static void free_ahead(void *ahead)
{
	ahead_freed++;
	free(ahead);
}

static int apply_seeing_ahead(const struct step_ctx *ctx, struct step *const *steps, size_t n,
			      bool inverse, struct cut_err *err)
{
	ahead_seen[ahead_batches++] = ctx->ahead;
	return test_file_kind.apply(ctx, steps, n, inverse, err);
}

static void test_read_ahead(void **state)
{
	struct step_kind kind = test_file_kind;
	struct step_registry reg2;
	struct rollback_ahead *a;
	struct rollback_report rep;
	struct step_ctx ctx = { 0 };
	struct ahead_state *st;
	struct journal *j;
	struct cut_err err;

	(void)state;
	assert_int_equal(apply(5, NULL), 0); /* two batches back: 3 (batch_max) and 2 */
	kind.apply = apply_seeing_ahead;
	kind.read_ahead = count_intents;
	kind.read_ahead_free = free_ahead;
	step_registry_init(&reg2);
	assert_int_equal(step_registry_add(&reg2, &kind), 0);
	a = rollback_ahead_new(&reg2);
	assert_int_equal(journal_open_watched(jpath, 0, NULL, rollback_ahead_watch(a), &j, &err),
			 0);
	assert_int_equal(ahead_batches, 0);
	assert_int_equal(rollback_run_ahead(j, &reg2, &ctx, a, &rep, &err), 0);
	assert_int_equal(ahead_batches, 2);
	st = (struct ahead_state *)ahead_seen[0];
	assert_non_null(st);
	assert_int_equal(st->intents, 5); /* all read while opening */
	assert_null(ahead_seen[1]);
	assert_int_equal(rep.undone, 5);
	rollback_report_free(&rep);
	journal_close(j);
	rollback_ahead_free(a);
	assert_int_equal(ahead_freed, 1);
	assert_all("source", 0, 5);
}

static void test_registry(void **state)
{
	struct step_registry r;

	(void)state;
	step_registry_init(&r);
	assert_int_equal(step_registry_add(&r, &test_file_kind), 0);
	assert_int_equal(step_registry_add(&r, &test_file_kind), -EEXIST);
	assert_ptr_equal(step_registry_find(&r, "test.file"), &test_file_kind);
	assert_null(step_registry_find(&r, "dns.rrset"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_then_rollback_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_left_alone_unless_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_half_way_rolls_back_done_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_after_conflict_in_one_batch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_of_many_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_when_outcomes_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_kind_withdraws_earlier_intents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_kind_fails_clearly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead, setup, teardown),
	};
	return cmocka_run_group_tests_name("rollback engine", tests, NULL, NULL);
}
