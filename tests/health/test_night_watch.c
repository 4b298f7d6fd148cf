/* tests/health/test_night_watch.c — gates, the watch window and the
 * commit-confirmed watchdog, against a journal whose steps are of a
 * test-only kind ("test.file": writes a value into a file, compare-and-swap;
 * its inverse restores the file), with real local HTTP servers.
 *
 * The watchdog runs as this program re-executed with --watchdog JOURNAL
 * (the cutover binary does the same with `confirm --watchdog`).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "night_watch.h"
#include "util.h"

#define P_WATCHED "18020"
#define P_SICK "18021"
#define EXIT_LOCKED 10

/* ---- the test step kind ---- */

static char *read_value(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	struct cut_err e;

	if (read_file(path, 4096, &buf, &len, &e) < 0)
		return xstrdup("");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* The file at path holds want (its first line); a macro, so a failure
 * names the caller's line. */
#define assert_value(path, want)                                                                  \
	do {                                                                                      \
		char *value_ = read_value(path);                                                  \
		assert_string_equal(value_, want);                                                \
		free(value_);                                                                     \
	} while (0)

static int write_value(const char *path, const char *value)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int r = -EIO;

	if (f && fprintf(f, "%s\n", value) > 0 && fclose(f) == 0 && rename(tmp, path) == 0)
		r = 0;
	else if (f)
		fclose(f);
	free(tmp);
	return r;
}

static void log_apply(const char *path, const char *value)
{
	char *log = xasprintf("%s.log", path);
	FILE *f = fopen(log, "a");

	if (f) {
		fprintf(f, "%s\n", value);
		fclose(f);
	}
	free(log);
}

static int file_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
		      bool inverse, struct cut_err *err)
{
	size_t i;
	int first = 0;

	for (i = 1; i < n; i++) /* as dns and netplan kinds refuse zones or hosts mixed */
		if (!json_equal(json_object_get(steps[i]->apply, "file"),
				json_object_get(steps[0]->apply, "file")))
			return cut_errf(err, CUT_EINTERNAL, NULL, "a batch must hold one file's steps");
	for (i = 0; i < n; i++) {
		json_t *p = inverse ? steps[i]->inverse : steps[i]->apply;
		const char *file = json_string_value(json_object_get(p, "file"));
		const char *value = json_string_value(json_object_get(p, "value"));
		const char *from = json_string_value(json_object_get(p, "from"));
		char *have = read_value(file);

		if (strcmp(have, value) == 0)
			step_set_result(steps[i], 0, "already");
		else if (strcmp(have, from) == 0 || ctx->force)
			step_set_result(steps[i], write_value(file, value), "written");
		else
			step_set_result(steps[i], CUT_ECONFLICT, "file holds \"%s\", not \"%s\"", have, from);
		log_apply(file, value);
		if (steps[i]->result != 0 && !first)
			first = cut_errf(err, steps[i]->result, NULL, "%s", steps[i]->message);
		free(have);
	}
	return first;
}

static char *file_key(const struct step *s, bool inverse)
{
	(void)inverse;
	return xstrdup(json_string_value(json_object_get(s->apply, "file")));
}

static const struct step_kind file_kind = { .name = "test.file", .apply = file_apply,
					    .batch_key = file_key };

static void registry(struct step_registry *reg)
{
	step_registry_init(reg);
	if (step_registry_add(reg, &file_kind) < 0)
		abort();
}

/* ---- the world: a scratch folder, a journal with one switched step ---- */

struct world {
	char *dir;
	char *journal;
	char *file;
	char self[4096];
	struct step_registry reg;
};

static int setup(void **state)
{
	struct world *w = xcalloc(1, sizeof(*w));
	struct step_ctx ctx = { 0 };
	struct journal *j = NULL;
	struct cut_err err;
	struct step s;
	ssize_t n;
	int r;

	w->dir = scratch_new();
	w->journal = xasprintf("%s/chg.journal", w->dir);
	w->file = xasprintf("%s/record", w->dir);
	n = readlink("/proc/self/exe", w->self, sizeof(w->self) - 1);
	w->self[n > 0 ? n : 0] = '\0';
	registry(&w->reg);
	assert_int_equal(write_value(w->file, "source"), 0);
	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	step_init(&s, "test.file",
		  json_pack("{s:s,s:s,s:s}", "file", w->file, "value", "target", "from", "source"),
		  json_pack("{s:s,s:s,s:s}", "file", w->file, "value", "source", "from", "target"),
		  "record: source -> target");
	r = rollback_apply_steps(j, &w->reg, &ctx, &s, 1, &err);
	step_clear(&s);
	journal_close(j);
	assert_int_equal(r, 0);
	*state = w;
	return 0;
}

/* A plain switch of file (from -> to) appended to the journal, as a later
 * `dns switch` or `route switch` without --confirm-within would. */
static void switch_file(const struct world *w, const char *file, const char *from, const char *to)
{
	struct step_ctx ctx = { 0 };
	struct journal *j = NULL;
	struct cut_err err;
	struct step s;
	int r;

	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	step_init(&s, "test.file",
		  json_pack("{s:s,s:s,s:s}", "file", file, "value", to, "from", from),
		  json_pack("{s:s,s:s,s:s}", "file", file, "value", from, "from", to),
		  "%s: %s -> %s", file, from, to);
	r = rollback_apply_steps(j, &w->reg, &ctx, &s, 1, &err);
	step_clear(&s);
	journal_close(j);
	assert_int_equal(r, 0);
}

/* A rollback by hand of every step (undo records only, no note). */
static void roll_back_by_hand(const struct world *w)
{
	struct step_ctx ctx = { 0 };
	struct rollback_report rep;
	struct journal *j = NULL;
	struct cut_err err;

	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	assert_int_equal(rollback_run(j, &w->reg, &ctx, &rep, &err), 0);
	rollback_report_free(&rep);
	journal_close(j);
}

static int teardown(void **state)
{
	struct world *w = *state;

	scratch_remove(w->dir);
	free(w->journal);
	free(w->file);
	free(w);
	return 0;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The notes with this event, counted; *last (may be NULL) gets a copy of the last. */
static size_t notes(const char *journal, const char *event, json_t **last)
{
	struct journal *j = NULL;
	struct cut_err err;
	size_t i, n = 0;

	if (last)
		*last = NULL;
	if (journal_open(journal, JOURNAL_READONLY, NULL, &j, &err) < 0)
		return 0;
	for (i = 0; i < journal_count(j); i++) {
		const struct journal_record *r = journal_get(j, i);
		const char *ev = json_string_value(json_object_get(r->body, "event"));
		if (r->phase != JOURNAL_NOTE || !ev || strcmp(ev, event) != 0)
			continue;
		n++;
		if (last) {
			json_decref(*last);
			*last = json_deep_copy(r->body);
		}
	}
	journal_close(j);
	return n;
}

static bool wait_note(const char *journal, const char *event, long ms)
{
	long waited;

	for (waited = 0; waited < ms; waited += 50) {
		if (notes(journal, event, NULL))
			return true;
		nap(50);
	}
	return false;
}

static void begin(const struct world *w, int64_t within_ms)
{
	struct journal *j = NULL;
	struct cut_err err;

	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	assert_int_equal(night_provisional_begin(j, within_ms, &err), 0);
	journal_close(j);
}

/* A process in a process group of its own starts the watchdog, then waits
 * to be killed. Returns the group, after the watchdog holds its lock. */
static pid_t start_group_with_watchdog(const struct world *w)
{
	const char *argv[] = { w->self, "--watchdog", w->journal, NULL };
	int fds[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct cut_err err;
		setpgid(0, 0);
		close(fds[0]);
		if (night_watchdog_spawn(argv, w->journal, &err) < 0)
			_exit(1);
		if (write(fds[1], "k", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

static void kill_group(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	waitpid(pgid, NULL, 0);
}

static bool wait_watchdog_gone(const struct world *w, long ms)
{
	long waited;

	for (waited = 0; waited < ms; waited += 50) {
		if (!night_watchdog_alive(w->journal))
			return true;
		nap(50);
	}
	return false;
}

/* ---- commit-confirmed ---- */

static void test_confirm_and_extend(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct night_provisional st;
	struct journal *j = NULL;
	struct cut_err err;
	int64_t before = now_realtime_ms();

	cut_err_clear(&err);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), CUT_EINPUT);
	assert_non_null(strstr(err.msg, "no provisional switch"));
	begin(w, 60000);
	assert_int_equal(night_confirm(w->journal, 120000, &res, &err), 0);
	assert_true(res.extended);
	assert_false(res.watchdog_alive);
	assert_true(res.deadline_ms >= before + 120000);
	assert_int_equal(journal_open(w->journal, JOURNAL_READONLY, NULL, &j, &err), 0);
	night_provisional_state(j, &st);
	assert_true(st.active);
	assert_int_equal(st.deadline_ms, res.deadline_ms);
	journal_close(j);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	assert_false(res.already);
	assert_false(res.late);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	assert_true(res.already);
	assert_int_equal(night_confirm(w->journal, 60000, &res, &err), CUT_EINPUT);
	assert_int_equal(notes(w->journal, NOTE_CONFIRMED, NULL), 1);
	assert_int_equal(journal_open(w->journal, JOURNAL_READONLY, NULL, &j, &err), 0);
	night_provisional_state(j, &st);
	assert_false(st.active);
	assert_string_equal(st.ended_by, NOTE_CONFIRMED);
	journal_close(j);
}

/* The process group that started the watchdog is killed (the SSH session
 * is gone); the watchdog rolls back at the deadline and verifies. */
static void test_watchdog_survives_and_rolls_back(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	json_t *n = NULL;
	char by[300], *log, *text = NULL;
	size_t len;
	struct cut_err err;
	pid_t group;

	begin(w, 1000);
	group = start_group_with_watchdog(w);
	kill_group(group);
	assert_true(night_watchdog_alive(w->journal));
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_value(w->file, "source");
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, &n), 1);
	assert_string_equal(json_string_value(json_object_get(n, "trigger")), "deadline");
	user_at_host(by, sizeof(by));
	assert_string_equal(json_string_value(json_object_get(n, "by")), by);
	json_decref(n);
	assert_int_equal(notes(w->journal, NOTE_SOURCE_VERIFIED, &n), 1);
	assert_true(json_is_true(json_object_get(n, "ok")));
	json_decref(n);
	assert_true(wait_watchdog_gone(w, 5000));
	log = xasprintf("%s.watchdog.log", w->journal);
	assert_int_equal(read_file(log, 1 << 20, &text, &len, &err), 0);
	assert_non_null(strstr(text, "source is verified back"));
	free(text);
	free(log);
	/* a confirm now is too late, and says so */
	cut_err_clear(&err);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), CUT_ECONFLICT);
	assert_non_null(strstr(err.msg, "too late"));
}

static void test_watchdog_does_nothing_after_confirm(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct cut_err err;
	pid_t group;

	begin(w, 3000);
	group = start_group_with_watchdog(w);
	kill_group(group);
	cut_err_clear(&err);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	assert_true(wait_watchdog_gone(w, 5000));
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL), 0);
	assert_value(w->file, "target");
}

static void test_extend_moves_the_deadline(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct cut_err err;
	json_t *n = NULL;
	pid_t group;

	begin(w, 1000);
	group = start_group_with_watchdog(w);
	cut_err_clear(&err);
	assert_int_equal(night_confirm(w->journal, 2000, &res, &err), 0);
	assert_true(res.watchdog_alive);
	kill_group(group);
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, &n), 1);
	/* it acted after the extended deadline, not the first one */
	assert_true(json_integer_value(json_object_get(n, "time_ms")) >= res.deadline_ms);
	json_decref(n);
}

/* A provisional switch rolled back by hand, then a plain switch: the
 * watchdog of the first must exit, never undo the second, and confirm must
 * say the switch was rolled back by hand. */
static void test_rollback_by_hand_ends_provisional(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct night_provisional st;
	struct journal *j = NULL;
	struct cut_err err;
	pid_t group;

	begin(w, 1500);
	group = start_group_with_watchdog(w);
	kill_group(group);
	roll_back_by_hand(w);
	switch_file(w, w->file, "source", "target");
	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, JOURNAL_READONLY, NULL, &j, &err), 0);
	night_provisional_state(j, &st);
	assert_false(st.active);
	assert_string_equal(st.ended_by, NOTE_ROLLBACK);
	journal_close(j);
	assert_true(wait_watchdog_gone(w, 5000));
	nap(2000); /* past the old deadline */
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL), 0);
	assert_value(w->file, "target");
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), CUT_ECONFLICT);
	assert_non_null(strstr(err.msg, "rolled back by hand"));
}

/* A later plain switch while the first is still provisional: the watchdog
 * undoes only the steps journaled before its provisional note. */
static void test_watchdog_leaves_later_switch(void **state)
{
	struct world *w = *state;
	char *other = xasprintf("%s/other", w->dir);
	pid_t group;

	assert_int_equal(write_value(other, "old"), 0);
	begin(w, 1000);
	switch_file(w, other, "old", "new");
	group = start_group_with_watchdog(w);
	kill_group(group);
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_value(w->file, "source");
	assert_value(other, "new");
	free(other);
}

/* A switch armed with --confirm-within whose process is SIGKILLed after
 * its first step, before its switch-end note; then another run (a plain
 * switch of another file) journals a step; the watchdog fires at the
 * deadline. It must undo the killed switch's step, and neither the later
 * run's nor the change journaled before the provisional note. */
static void killed_armed_switch(const struct world *w, const char *file, int64_t within_ms)
{
	struct step_ctx ctx = { 0 };
	struct journal *j = NULL;
	struct cut_err err;
	int64_t deadline;
	struct step s;
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		cut_err_clear(&err);
		if (journal_open(w->journal, 0, NULL, &j, &err) < 0 ||
		    night_provisional_arm(j, within_ms, w->self, &deadline, &err) < 0)
			_exit(1);
		step_init(&s, "test.file",
			  json_pack("{s:s,s:s,s:s}", "file", file, "value", "b", "from", "a"),
			  json_pack("{s:s,s:s,s:s}", "file", file, "value", "a", "from", "b"),
			  "%s: a -> b", file);
		if (rollback_apply_steps(j, &w->reg, &ctx, &s, 1, &err) < 0)
			_exit(1);
		kill(getpid(), SIGKILL); /* before night_provisional_end */
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_watchdog_undoes_only_killed_switch(void **state)
{
	struct world *w = *state;
	char *mine = xasprintf("%s/mine", w->dir), *later = xasprintf("%s/later", w->dir);
	char *log = xasprintf("%s.watchdog.log", w->journal), *text = NULL;
	struct night_provisional st;
	struct journal *j = NULL;
	struct cut_err err;
	json_t *n = NULL;
	size_t len;

	assert_int_equal(write_value(mine, "a"), 0);
	assert_int_equal(write_value(later, "old"), 0);
	killed_armed_switch(w, mine, 2000);
	assert_value(mine, "b");
	assert_int_equal(notes(w->journal, NOTE_SWITCH_END, NULL), 0);
	switch_file(w, later, "old", "new"); /* another engineer's run */
	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, JOURNAL_READONLY, NULL, &j, &err), 0);
	night_provisional_state(j, &st);
	assert_true(st.active && st.unfinished);
	assert_int_equal(night_provisional_left(j, &st), 1);
	journal_close(j);
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_true(wait_watchdog_gone(w, 5000));
	assert_value(mine, "a"); /* the killed switch's own step: undone */
	assert_value(later, "new"); /* the later run's: untouched */
	assert_value(w->file, "target"); /* the change before the note: untouched */
	assert_int_equal(notes(w->journal, NOTE_SOURCE_VERIFIED, &n), 1);
	assert_true(json_is_true(json_object_get(n, "ok")));
	assert_int_equal(json_integer_value(json_object_get(n, "steps")), 1);
	json_decref(n);
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, &n), 1);
	assert_non_null(json_object_get(n, "steps"));
	json_decref(n);
	assert_int_equal(read_file(log, 1 << 20, &text, &len, &err), 0);
	assert_non_null(strstr(text, "its switch had not finished"));
	free(text);
	free(log);
	free(mine);
	free(later);
}

/* A second switch armed while the first still waits for confirmation is
 * refused before it writes anything: its note would have hidden the first
 * from the watchdog, and the first switch's steps would never be undone. */
static void test_second_armed_switch_refused(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct journal *j = NULL;
	struct cut_err err;
	int64_t deadline;
	size_t n;

	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	assert_int_equal(night_provisional_arm(j, 60000, w->self, &deadline, &err), 0);
	assert_int_equal(night_provisional_end(j, true, &err), 0);
	n = journal_count(j);
	assert_int_equal(night_provisional_arm(j, 60000, w->self, &deadline, &err), CUT_EUNSAFE);
	assert_non_null(strstr(err.msg, "still waiting for confirmation"));
	assert_int_equal(journal_count(j), n); /* nothing written */
	journal_close(j);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	assert_true(wait_watchdog_gone(w, 5000));
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	assert_int_equal(night_provisional_arm(j, 60000, w->self, &deadline, &err), 0);
	assert_int_equal(night_provisional_end(j, true, &err), 0);
	journal_close(j);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	assert_true(wait_watchdog_gone(w, 5000));
}

/* A switch made while an earlier armed one still waits for confirmation
 * and no watchdog runs (the machine restarted) is warned: nothing would roll
 * the earlier one back. Not once it is confirmed. */
static void test_warns_unwatched_provisional(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct journal *j = NULL;
	struct cut_err err;
	struct diags d;

	begin(w, 60000); /* a provisional note; no watchdog started */
	diags_init(&d);
	cut_err_clear(&err);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	night_provisional_warn_unwatched(j, &d);
	journal_close(j);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].warning, 1);
	assert_int_equal(d.errors, 0);
	assert_non_null(strstr(d.v[0].msg, "no watchdog is running"));
	assert_non_null(strstr(d.v[0].fix, "--extend"));
	diags_free(&d);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), 0);
	diags_init(&d);
	assert_int_equal(journal_open(w->journal, 0, NULL, &j, &err), 0);
	night_provisional_warn_unwatched(j, &d);
	journal_close(j);
	assert_int_equal(d.n, 0);
	diags_free(&d);
}

/* The same, but nobody writes after the kill: the watchdog, holding the
 * journal's lock at the deadline, knows the switch's process is gone and
 * undoes its step. */
static void test_watchdog_undoes_killed_switch_alone(void **state)
{
	struct world *w = *state;
	char *mine = xasprintf("%s/mine", w->dir);

	assert_int_equal(write_value(mine, "a"), 0);
	killed_armed_switch(w, mine, 1000);
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_true(wait_watchdog_gone(w, 5000));
	assert_value(mine, "a");
	assert_value(w->file, "target");
	free(mine);
}

/* The rollback at the deadline meets a conflict (someone changed the
 * record): the watchdog keeps trying with backoff; confirm says the
 * rollback FAILED meanwhile; once the record is back, the retry succeeds. */
static void test_watchdog_retries_failed_rollback(void **state)
{
	struct world *w = *state;
	struct night_confirm_result res;
	struct cut_err err;
	json_t *n = NULL;
	pid_t group;

	assert_int_equal(write_value(w->file, "other"), 0);
	begin(w, 500);
	group = start_group_with_watchdog(w);
	kill_group(group);
	assert_true(wait_note(w->journal, NOTE_ROLLBACK_DONE, 20000));
	assert_int_equal(notes(w->journal, NOTE_SOURCE_VERIFIED, NULL), 0);
	cut_err_clear(&err);
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), CUT_ECONFLICT);
	assert_non_null(strstr(err.msg, "FAILED"));
	assert_non_null(strstr(err.msg, "1 step not undone"));
	assert_non_null(strstr(err.hint, "cutover rollback"));
	assert_true(night_watchdog_alive(w->journal));
	assert_int_equal(write_value(w->file, "target"), 0);
	assert_true(wait_note(w->journal, NOTE_SOURCE_VERIFIED, 20000));
	assert_int_equal(notes(w->journal, NOTE_SOURCE_VERIFIED, &n), 1);
	assert_true(json_is_true(json_object_get(n, "ok")));
	json_decref(n);
	assert_true(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL) >= 2);
	assert_value(w->file, "source");
	assert_true(wait_watchdog_gone(w, 5000));
	assert_int_equal(night_confirm(w->journal, 0, &res, &err), CUT_ECONFLICT);
	assert_non_null(strstr(err.msg, "source is verified back"));
}

/* A switch of two files (two "hosts"): the automatic rollback undoes both
 * in a batch each, and the source is verified by reading, not by applying
 * every inverse again in one batch. */
static void test_auto_rollback_two_files_verified_read_only(void **state)
{
	struct world *w = *state;
	char *other = xasprintf("%s/other", w->dir), *log = xasprintf("%s.log", w->file);
	char *text = NULL;
	struct rollback_report rep;
	struct cut_err err;
	size_t len;

	assert_int_equal(write_value(other, "old"), 0);
	switch_file(w, other, "old", "new");
	memset(&rep, 0, sizeof(rep));
	cut_err_clear(&err);
	assert_int_equal(night_auto_rollback(w->journal, &w->reg, "test", "two files", NULL, NULL,
					     &rep, &err), 0);
	assert_int_equal(rep.undone, 2);
	rollback_report_free(&rep);
	assert_value(other, "old");
	assert_int_equal(read_file(log, 4096, &text, &len, &err), 0);
	assert_string_equal(text, "target\nsource\n"); /* applied, undone; nothing more */
	free(text);
	free(log);
	free(other);
}

static pid_t run_watchdog(const struct world *w)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(w->self, w->self, "--watchdog", w->journal, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void test_two_watchdogs_one_acts(void **state)
{
	struct world *w = *state;
	int st1 = 0, st2 = 0, locked;
	pid_t a, b;

	begin(w, 1000);
	a = run_watchdog(w);
	b = run_watchdog(w);
	waitpid(a, &st1, 0);
	waitpid(b, &st2, 0);
	assert_true(WIFEXITED(st1) && WIFEXITED(st2));
	locked = (WEXITSTATUS(st1) == EXIT_LOCKED) + (WEXITSTATUS(st2) == EXIT_LOCKED);
	/* one acted; the other refused on the lock or found the change already rolled back */
	assert_true(WEXITSTATUS(st1) == 0 || WEXITSTATUS(st2) == 0);
	assert_true(locked <= 1);
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL), 1);
	assert_int_equal(notes(w->journal, NOTE_ROLLBACK_DONE, NULL), 1);
	assert_value(w->file, "source");
	/* a third one, later, finds nothing to do */
	a = run_watchdog(w);
	waitpid(a, &st1, 0);
	assert_int_equal(WEXITSTATUS(st1), 0);
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL), 1);
}

/* ---- gates and the watch window ---- */

struct watched {
	struct world *w;
	struct parsed p;
	struct night_plan np;
	pid_t server, sick_server;
	unsigned healthy_lines;
	const char *later;    /* switched by another run mid-window, then the server stops */
};

static void watched_start(struct watched *x, struct world *w)
{
	const char *ok[] = { "port=" P_WATCHED ",body=up", NULL };
	const char *sick[] = { "port=" P_SICK ",status=503", NULL };

	memset(x, 0, sizeof(*x));
	x->w = w;
	x->server = servers_start(w->dir, ok);
	x->sick_server = servers_start(w->dir, sick);
	assert_true(x->server > 0 && x->sick_server > 0);
	assert_int_equal(parsed_load(&x->p, "plan.json",
				     "{\"www\":{\"kind\":\"http\",\"host\":\"www.example.test\","
				     "\"interval\":\"100ms\",\"healthy_after\":1,\"sick_after\":2,"
				     "\"targets\":[\"127.0.0.1:" P_WATCHED "\"]},"
				     "\"bad\":{\"kind\":\"http\",\"host\":\"www.example.test\","
				     "\"interval\":\"50ms\",\"healthy_after\":1,\"sick_after\":2,"
				     "\"targets\":[\"127.0.0.1:" P_SICK "\"]}}"),
			 0);
	assert_int_equal(x->p.d.errors, 0);
	x->np.health = x->p.plan;
}

static void watched_stop(struct watched *x)
{
	servers_stop(x->server);
	servers_stop(x->sick_server);
	parsed_free(&x->p);
}

static void test_gate(void **state)
{
	struct watched x;
	const char *good[] = { "www", "www" };
	const char *bad[] = { "www", "bad" };
	const char *unknown[] = { "nope" };
	struct cut_err err;

	watched_start(&x, *state);
	cut_err_clear(&err);
	assert_int_equal(night_gate(&x.np, good, 2, &err), 0);
	assert_int_equal(night_gate(&x.np, bad, 2, &err), CUT_EHEALTH);
	assert_string_equal(err.msg, "bad 127.0.0.1:" P_SICK ": HTTP 503 (expected 200)");
	assert_int_equal(night_gate(&x.np, unknown, 1, &err), CUT_EINPUT);
	assert_non_null(strstr(err.msg, "\"nope\""));
	assert_int_equal(night_gate(&x.np, NULL, 0, &err), 0);
	watched_stop(&x);
}

/* Live lines: after two healthy frames, the server is stopped mid-window. */
static void stop_after_healthy(void *cookie, const char *line)
{
	struct watched *x = cookie;

	if (strstr(line, "www") && strstr(line, "healthy") && strstr(line, "HTTP 200") &&
	    ++x->healthy_lines == 2) {
		if (x->later)
			switch_file(x->w, x->later, "old", "new");
		servers_stop(x->server);
		x->server = 0;
	}
}

static void test_watch_rolls_back_when_server_stops(void **state)
{
	struct world *w = *state;
	const char *gates[] = { "www" };
	struct night_watch_opts o = { .window_ms = 120000, .reg = &w->reg, .live = true,
				      .say = stop_after_healthy };
	struct rollback_report rep;
	struct cut_err err;
	struct watched x;
	json_t *n = NULL;
	int r;

	watched_start(&x, w);
	o.say_cookie = &x;
	cut_err_clear(&err);
	memset(&rep, 0, sizeof(rep));
	r = night_watch(&x.np, gates, 1, w->journal, &o, &rep, &err);
	assert_int_equal(r, CUT_EVERIFY);
	assert_int_equal(cut_exit_code(r), CUT_EXIT_FAILED);
	assert_true(x.healthy_lines >= 2);
	assert_non_null(strstr(err.msg, "www 127.0.0.1:" P_WATCHED ": connection refused"));
	assert_non_null(strstr(err.msg, "rolled back 1 step"));
	assert_int_equal(rep.undone, 1);
	rollback_report_free(&rep);
	assert_value(w->file, "source");
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, &n), 1);
	assert_string_equal(json_string_value(json_object_get(n, "trigger")), "watch");
	json_decref(n);
	assert_int_equal(notes(w->journal, NOTE_SOURCE_VERIFIED, &n), 1);
	assert_true(json_is_true(json_object_get(n, "ok")));
	json_decref(n);
	watched_stop(&x);
}

/* Another run journals a switch of another file during the window (after
 * the watched switch's steps and the watch's note); the gate then turns
 * sick: the watch undoes its own switch's step, and leaves the other
 * run's alone. */
static void test_watch_leaves_later_run(void **state)
{
	struct world *w = *state;
	const char *gates[] = { "www" };
	/* setup's switch: the header (seq 1) and its step, one run */
	struct night_watch_opts o = { .window_ms = 120000, .reg = &w->reg, .live = true,
				      .say = stop_after_healthy, .steps_after = 1 };
	char *other = xasprintf("%s/other", w->dir);
	struct rollback_report rep;
	struct cut_err err;
	struct watched x;

	assert_int_equal(write_value(other, "old"), 0);
	watched_start(&x, w);
	x.later = other; /* another engineer's run, mid-window */
	o.say_cookie = &x;
	cut_err_clear(&err);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(night_watch(&x.np, gates, 1, w->journal, &o, &rep, &err), CUT_EVERIFY);
	assert_non_null(strstr(err.msg, "rolled back 1 step"));
	assert_int_equal(rep.undone, 1);
	rollback_report_free(&rep);
	assert_value(w->file, "source");
	assert_value(other, "new");
	watched_stop(&x);
	free(other);
}

static void count_line(void *cookie, const char *line)
{
	(void)line;
	++*(unsigned *)cookie;
}

static void test_watch_window_passes(void **state)
{
	struct world *w = *state;
	const char *gates[] = { "www" };
	unsigned lines = 0;
	struct night_watch_opts o = { .window_ms = 700, .reg = &w->reg, .say = count_line,
				      .say_cookie = &lines };
	struct cut_err err;
	struct watched x;

	watched_start(&x, w);
	cut_err_clear(&err);
	assert_int_equal(night_watch(&x.np, gates, 1, w->journal, &o, NULL, &err), 0);
	assert_int_equal(lines, 2); /* plain: the start and the end, no failure in between */
	assert_value(w->file, "target");
	assert_int_equal(notes(w->journal, "watch-passed", NULL), 1);
	assert_int_equal(notes(w->journal, NOTE_AUTO_ROLLBACK, NULL), 0);
	watched_stop(&x);
}

/* --confirm-within shorter than --watch: the watchdog rolls back at its
 * deadline; the watch notices, says so and fails (exit 1), and writes no
 * watch-passed. */
static void test_watch_sees_watchdog_rollback(void **state)
{
	struct world *w = *state;
	const char *gates[] = { "www" };
	struct night_watch_opts o = { .window_ms = 15000, .reg = &w->reg };
	struct cut_err err;
	struct watched x;
	pid_t group;

	watched_start(&x, w);
	begin(w, 2500); /* the watch starts before the deadline */
	group = start_group_with_watchdog(w);
	kill_group(group);
	cut_err_clear(&err);
	assert_int_equal(night_watch(&x.np, gates, 1, w->journal, &o, NULL, &err), CUT_EVERIFY);
	assert_int_equal(cut_exit_code(err.code), CUT_EXIT_FAILED);
	assert_non_null(strstr(err.msg, "rolled back by the watchdog"));
	assert_int_equal(notes(w->journal, "watch-passed", NULL), 0);
	watched_stop(&x);
}

/* ---- the watchdog process ---- */

static void print_line(void *cookie, const char *line)
{
	(void)cookie;
	printf("%s\n", line);
	fflush(stdout);
}

static int watchdog_main(const char *journal)
{
	struct night_watchdog_opts o = { .say = print_line };
	struct step_registry reg;
	struct cut_err err;
	int r;

	registry(&reg);
	o.reg = &reg;
	cut_err_clear(&err);
	r = night_watchdog_run(journal, &o, &err);
	if (r == CUT_ELOCKED)
		return EXIT_LOCKED;
	if (r < 0)
		fprintf(stderr, "watchdog: %s\n", err.msg);
	return r < 0 ? 1 : 0;
}

/* For tests/health/cli_confirm.sh: a journal with one switched step of the
 * test kind and a provisional note (deadline in 10 min), in a new scratch
 * folder; prints the journal's path. */
static int make_provisional(void)
{
	struct world *w = NULL;

	if (setup((void **)&w) < 0)
		return 1;
	begin(w, 600000);
	printf("%s\n", w->journal);
	free(w->dir); /* the folder stays for the script; it removes it */
	free(w->journal);
	free(w->file);
	free(w);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confirm_and_extend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_survives_and_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_does_nothing_after_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extend_moves_the_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_watchdogs_one_acts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_armed_switch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warns_unwatched_provisional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_by_hand_ends_provisional, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_leaves_later_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_undoes_only_killed_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_undoes_killed_switch_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_retries_failed_rollback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_auto_rollback_two_files_verified_read_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_rolls_back_when_server_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_leaves_later_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_window_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_sees_watchdog_rollback, setup, teardown),
	};

	if (argc == 3 && strcmp(argv[1], "--watchdog") == 0)
		return watchdog_main(argv[2]);
	/* as night_watchdog_start runs cutover: `confirm --journal J --watchdog` */
	if (argc == 5 && strcmp(argv[1], "confirm") == 0 && strcmp(argv[4], "--watchdog") == 0)
		return watchdog_main(argv[3]);
	if (argc == 2 && strcmp(argv[1], "--make-provisional") == 0)
		return make_provisional();
	return cmocka_run_group_tests_name("night_watch", tests, NULL, NULL);
}
