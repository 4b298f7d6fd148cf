/* night/night_watchdog.c — commit-confirmed: the provisional note, the
 * detached watchdog, and confirm/extend. The handshake is described in
 * night_watch.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "night_watch.h"
#include "util.h"

#define SPAWN_WAIT_MS 10000

static void nap_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *note_event(const struct journal_record *r)
{
	if (r->phase != JOURNAL_NOTE)
		return NULL;
	return json_string_value(json_object_get(r->body, "event"));
}

static void ended(struct night_provisional *st, const char *how, const struct journal_record *r)
{
	st->active = false;
	st->ended_by = how;
	st->who = json_string_value(json_object_get(r->body, "by"));
	st->when = json_string_value(json_object_get(r->body, "time"));
}

/* A record that ends a provisional switch by hand: `cutover rollback`'s
 * note, or any undo record (a rollback of some other kind of run). */
static bool rolled_back_by_hand(const struct journal_record *r, const char *ev)
{
	if (ev)
		return strcmp(ev, NOTE_ROLLBACK) == 0;
	return r->phase == JOURNAL_UNDO_INTENT || r->phase == JOURNAL_UNDONE ||
	       r->phase == JOURNAL_UNDO_FAILED || r->phase == JOURNAL_UNDO_CONFLICT;
}

/* After the automatic rollback that ended st: its tries and outcome. */
static void auto_outcome(struct night_provisional *st, const struct journal_record *r,
			 const char *ev)
{
	if (!st->ended_by || strcmp(st->ended_by, NOTE_AUTO_ROLLBACK) != 0 || !ev)
		return;
	if (strcmp(ev, NOTE_AUTO_ROLLBACK) == 0) {
		st->auto_tries++;
		st->auto_outcome = NIGHT_AUTO_RUNNING;
	} else if (strcmp(ev, NOTE_ROLLBACK_DONE) == 0) {
		const char *res = json_string_value(json_object_get(r->body, "result"));
		if (res && strcmp(res, "ok") != 0) {
			st->auto_outcome = NIGHT_AUTO_FAILED;
			st->auto_error = res;
		}
	} else if (strcmp(ev, NOTE_SOURCE_VERIFIED) == 0) {
		bool ok = json_is_true(json_object_get(r->body, "ok"));
		st->auto_outcome = ok ? NIGHT_AUTO_OK : NIGHT_AUTO_FAILED;
		if (!ok)
			st->auto_error = json_string_value(json_object_get(r->body, "error"));
	} else if (strcmp(ev, NOTE_GAVE_UP) == 0) {
		st->auto_gave_up = true;
	} else if (strcmp(ev, NOTE_ROLLBACK) == 0) {
		st->taken_over = true;
	}
}

size_t night_provisional_left(const struct journal *j, const struct night_provisional *st)
{
	struct rollback_report rep;
	size_t n;

	if (rollback_pending_range(j, st->scope.after, st->scope.before, &rep) < 0)
		return 0;
	n = rep.n;
	rollback_report_free(&rep);
	return n;
}

static void provisional_begins(struct night_provisional *st, const struct journal_record *r)
{
	memset(st, 0, sizeof(*st));
	st->found = st->active = true;
	st->seq = r->seq;
	st->scope.before = r->seq; /* its switch: the steps journaled before it */
	if (json_is_true(json_object_get(r->body, "armed_before"))) {
		st->scope.after = r->seq; /* … or after it, to its end */
		st->scope.before = 0;
	}
	st->deadline_ms = json_integer_value(json_object_get(r->body, "deadline_ms"));
	st->who = json_string_value(json_object_get(r->body, "by"));
	st->when = json_string_value(json_object_get(r->body, "time"));
	st->run = night_record_run(r);
}

/* An armed switch holds the journal's lock from its provisional note to its
 * NOTE_SWITCH_END: a record of another run before that end means its
 * process had died (SIGKILL, OOM, power) — its steps end there, and the
 * later run's steps (another engineer's switch, a route switch after the
 * DNS one) are never its watchdog's to undo. A note without a run (written
 * before runs were journaled) keeps its scope open, as it always did. */
static void cut_scope_at_other_run(struct night_provisional *st, const struct journal_record *r)
{
	const char *run;

	if (!st->scope.after || st->scope.before || !st->run)
		return;
	run = night_record_run(r);
	if (run && strcmp(run, st->run) == 0)
		return;
	st->scope.before = r->seq;
	st->unfinished = true;
}

void night_provisional_state(const struct journal *j, struct night_provisional *st)
{
	size_t i, n = journal_count(j);

	memset(st, 0, sizeof(*st));
	for (i = 0; i < n; i++) {
		const struct journal_record *r = journal_get(j, i);
		const char *ev = note_event(r);

		if (ev && strcmp(ev, NOTE_PROVISIONAL) == 0) {
			provisional_begins(st, r);
			continue;
		}
		cut_scope_at_other_run(st, r);
		if (!st->active) {
			auto_outcome(st, r, ev);
		} else if (rolled_back_by_hand(r, ev)) {
			ended(st, NOTE_ROLLBACK, r);
		} else if (!ev) {
			continue;
		} else if (strcmp(ev, NOTE_SWITCH_END) == 0) {
			if (st->scope.after && !st->scope.before)
				st->scope.before = r->seq;
		} else if (strcmp(ev, NOTE_CANCELLED) == 0) {
			ended(st, NOTE_CANCELLED, r);
		} else if (strcmp(ev, NOTE_EXTEND) == 0) {
			st->deadline_ms = json_integer_value(json_object_get(r->body, "deadline_ms"));
		} else if (strcmp(ev, NOTE_CONFIRMED) == 0) {
			ended(st, NOTE_CONFIRMED, r);
		} else if (strcmp(ev, NOTE_AUTO_ROLLBACK) == 0) {
			ended(st, NOTE_AUTO_ROLLBACK, r);
			auto_outcome(st, r, ev);
		}
	}
}

static json_t *deadline_note(const char *event, uint64_t provisional, int64_t deadline)
{
	char when[32];

	format_utc(deadline, when, sizeof(when));
	if (provisional)
		return json_pack("{s:s,s:I,s:I,s:s}", "event", event, "provisional",
				 (json_int_t)provisional, "deadline_ms", (json_int_t)deadline, "deadline",
				 when);
	return json_pack("{s:s,s:I,s:s}", "event", event, "deadline_ms", (json_int_t)deadline,
			 "deadline", when);
}

int night_provisional_begin(struct journal *j, int64_t within_ms, struct cut_err *err)
{
	if (within_ms <= 0 || within_ms > WATCH_WINDOW_MAX_MS)
		return cut_errf(err, CUT_EUSAGE, "give a duration from 1 s to 24 h, e.g. 15m",
				"confirm-within out of range");
	return night_note(j, deadline_note(NOTE_PROVISIONAL, 0, now_realtime_ms() + within_ms), err);
}

int night_provisional_arm(struct journal *j, int64_t within_ms, const char *exe,
			  int64_t *deadline_ms, struct cut_err *err)
{
	int64_t deadline = now_realtime_ms() + within_ms;
	struct night_provisional st;
	json_t *note;
	int r;

	if (within_ms <= 0 || within_ms > WATCH_WINDOW_MAX_MS)
		return cut_errf(err, CUT_EUSAGE, "give a duration from 1 s to 24 h, e.g. 15m",
				"confirm-within out of range");
	/* one armed switch at a time: a second provisional note would take the
	 * watchdog's attention from the first, whose steps nobody would undo */
	night_provisional_state(j, &st);
	if (st.active)
		return cut_errf(err, CUT_EUNSAFE,
				"confirm it (`cutover confirm --journal J`) or roll it back first, "
				"then switch again",
				"journal %s: a switch armed by %s at %s is still waiting for "
				"confirmation; nothing was changed",
				journal_path(j), st.who ? st.who : "(unknown)",
				st.when ? st.when : "(unknown)");
	note = deadline_note(NOTE_PROVISIONAL, 0, deadline);
	json_object_set_new(note, "armed_before", json_true());
	r = night_note(j, note, err);
	if (r < 0)
		return r;
	r = night_watchdog_start(journal_path(j), exe, err);
	if (r < 0) {
		struct cut_err e2;
		cut_err_clear(&e2);
		if (night_note(j, json_pack("{s:s,s:s}", "event", NOTE_CANCELLED, "reason",
					    "the watchdog did not start"), &e2) < 0) {
			/* the error that matters is the watchdog's */
		}
		snprintf(err->hint, sizeof(err->hint),
			 "nothing was changed: fix that, or switch without --confirm-within");
		return r;
	}
	*deadline_ms = deadline;
	return 0;
}

void night_provisional_warn_unwatched(const struct journal *j, struct diags *d)
{
	struct night_provisional st;

	night_provisional_state(j, &st);
	if (!st.active || night_watchdog_alive(journal_path(j)))
		return;
	diags_add(d, 1, journal_path(j), 0, 0, "",
		  "`cutover confirm --journal J --extend 10m` starts a watchdog; `cutover confirm "
		  "--journal J` makes that switch final; `cutover rollback` undoes the journal",
		  "a switch armed by %s at %s still waits for confirmation and no watchdog is "
		  "running (the machine restarted?): nothing will roll it back at its deadline",
		  st.who ? st.who : "(unknown)", st.when ? st.when : "(unknown)");
}

int night_provisional_end(struct journal *j, bool journaled, struct cut_err *err)
{
	if (!journaled)
		return night_note(j, json_pack("{s:s,s:s}", "event", NOTE_CANCELLED, "reason",
					       "the switch changed nothing"), err);
	return night_note(j, json_pack("{s:s}", "event", NOTE_SWITCH_END), err);
}

/* ---- the watchdog's own lock ---- */

static char *watchdog_lock_path(const char *journal_path)
{
	return xasprintf("%s.watchdog.lock", journal_path);
}

bool night_watchdog_alive(const char *journal_path)
{
	char *path = watchdog_lock_path(journal_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool alive = false;

	free(path);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		alive = errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

static int watchdog_lock(const char *journal_path, struct cut_err *err)
{
	char *path = watchdog_lock_path(journal_path);
	char info[512], by[300], when[32], holder[512] = "";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		int r = cut_errf(err, -errno, NULL, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, holder, sizeof(holder) - 1, 0);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		close(fd);
		free(path);
		return cut_errf(err, CUT_ELOCKED, "nothing to do: that watchdog acts for this change",
				"another watchdog guards journal %s (%s)", journal_path,
				holder[0] ? holder : "holder unknown");
	}
	user_at_host(by, sizeof(by));
	format_utc(now_realtime_ms(), when, sizeof(when));
	snprintf(info, sizeof(info), "pid %ld, %s, since %s\n", (long)getpid(), by, when);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, info, strlen(info), 0) < 0) {
		/* the lock holds even when the note about its holder cannot be written */
	}
	free(path);
	return fd;
}

/* ---- spawning ---- */

static void become_watchdog(const char *const argv[], const char *journal_path)
{
	char *log = xasprintf("%s.watchdog.log", journal_path);
	int null = open("/dev/null", O_RDONLY), out;

	if (setsid() < 0)
		_exit(126);
	if (fork() != 0)
		_exit(0); /* the grandchild is no session leader: it never gets a terminal */
	out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	if (null > 2)
		close(null);
	if (out > 2)
		close(out);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* the crash hook is the run's that was given it (a test killing a
	 * switch at its N-th journal write), never its watchdog's too */
	unsetenv("CUTOVER_CRASH_AT");
	unsetenv("CUTOVER_CRASH_TORN");
	execv(argv[0], (char *const *)argv);
	dprintf(2, "watchdog: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int night_watchdog_spawn(const char *const argv[], const char *journal_path, struct cut_err *err)
{
	int64_t until;
	int status = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return cut_errf(err, -errno, NULL, "cannot start the watchdog: %s", strerror(errno));
	if (pid == 0)
		become_watchdog(argv, journal_path);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cut_errf(err, CUT_EINTERNAL, NULL, "cannot detach the watchdog");
	until = now_monotonic_ms() + SPAWN_WAIT_MS;
	while (!night_watchdog_alive(journal_path)) {
		if (now_monotonic_ms() >= until)
			return cut_errf(err, CUT_EINTERNAL,
					"see the watchdog's log beside the journal (.watchdog.log)",
					"the watchdog for %s did not start", journal_path);
		nap_ms(20);
	}
	return 0;
}

int night_watchdog_start(const char *journal_path, const char *exe, struct cut_err *err)
{
	char self[PATH_MAX], *abs;
	const char *argv[6];
	ssize_t n;
	int r;

	if (!exe) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return cut_errf(err, -errno, NULL, "cannot find this program: %s", strerror(errno));
		self[n] = '\0';
		exe = self;
	}
	abs = realpath(journal_path, NULL);
	if (!abs)
		return cut_errf(err, -errno, NULL, "journal %s: %s", journal_path, strerror(errno));
	argv[0] = exe;
	argv[1] = "confirm";
	argv[2] = "--journal";
	argv[3] = abs;
	argv[4] = "--watchdog";
	argv[5] = NULL;
	r = night_watchdog_spawn(argv, abs, err);
	free(abs);
	return r;
}

int night_confirm_within(const char *journal_path, int64_t within_ms, const char *exe,
			 struct cut_err *err)
{
	struct journal *j = NULL;
	int r;

	r = journal_open(journal_path, 0, NULL, &j, err);
	if (r == 0)
		r = night_provisional_begin(j, within_ms, err);
	journal_close(j);
	if (r < 0)
		return r;
	r = night_watchdog_start(journal_path, exe, err);
	if (r < 0)
		snprintf(err->hint, sizeof(err->hint),
			 "the switch is provisional and NOTHING will roll it back: run `cutover "
			 "confirm --journal %s` or `cutover rollback` yourself",
			 journal_path);
	return r;
}

/* ---- the watchdog ---- */

static void wsay(const struct night_watchdog_opts *o, const char *fmt, ...) CUT_PRINTF(2, 3);
static void wsay(const struct night_watchdog_opts *o, const char *fmt, ...)
{
	char line[1024], when[32];
	va_list ap;
	int n;

	if (!o->say)
		return;
	format_utc(now_realtime_ms(), when, sizeof(when));
	n = snprintf(line, sizeof(line), "%s watchdog[%ld]: ", when, (long)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	o->say(o->say_cookie, line);
}

struct wanted {
	uint64_t seq;
	bool unfinished;      /* its switch's run ended before NOTE_SWITCH_END */
	struct night_scope scope; /* what the last try undid */
	int64_t next_try;     /* realtime: a failed rollback is tried again then */
	int64_t backoff;
	int64_t give_up_at;   /* realtime; 0 before the first try */
	unsigned tries;
};

/* An automatic rollback still to (re)do? Not after a rollback by hand, a
 * success, or giving up. */
static bool auto_retry_wanted(const struct night_provisional *st)
{
	return !st->active && st->ended_by && strcmp(st->ended_by, NOTE_AUTO_ROLLBACK) == 0 &&
	       st->auto_outcome != NIGHT_AUTO_OK && !st->auto_gave_up && !st->taken_over;
}

/* Under the journal lock: still the same provisional switch, past its
 * deadline — or its automatic rollback failed and is to be tried again? */
static bool still_provisional(const struct journal *j, void *cookie, struct night_scope *scope)
{
	struct wanted *w = cookie;
	struct night_provisional st;

	night_provisional_state(j, &st);
	if (st.seq != w->seq)
		return false;
	if (st.scope.after && !st.scope.before && st.run) {
		/* armed, no switch-end, and the lock is ours: its process is gone,
		 * and nothing after its last record is its own (the record after
		 * it would have been another run's) */
		st.scope.before = journal_last_seq(j) + 1;
		st.unfinished = true;
	}
	*scope = st.scope; /* only its own switch's steps, never a later switch's */
	w->scope = st.scope;
	w->unfinished = st.unfinished;
	return (st.active && now_realtime_ms() >= st.deadline_ms) || auto_retry_wanted(&st);
}

static int give_up(const char *path, const struct night_watchdog_opts *o, struct wanted *w,
		   struct cut_err *err)
{
	struct journal *j = NULL;
	struct cut_err e2;
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : "unknown error");
	cut_err_clear(&e2);
	if (journal_open(path, 0, NULL, &j, &e2) == 0) {
		if (night_note(j, json_pack("{s:s,s:I,s:s}", "event", NOTE_GAVE_UP, "tries",
					    (json_int_t)w->tries, "error", msg), &e2) < 0) {
			/* the log line below still says it */
		}
		journal_close(j);
	}
	wsay(o, "gave up after %u tries: %s; run `cutover rollback --journal %s`", w->tries, msg,
	     path);
	return cut_errf(err, CUT_EVERIFY, "run `cutover rollback --journal JOURNAL` by hand",
			"the automatic rollback failed %u times; last: %s", w->tries, msg);
}

/* After rolling back a switch whose process died before its switch-end. */
static void say_unfinished(const struct night_watchdog_opts *o, const struct night_scope *scope)
{
	char steps[80] = "it had journaled none";

	if (scope->before > scope->after + 1)
		snprintf(steps, sizeof(steps), "seq %llu to %llu",
			 (unsigned long long)scope->after + 1,
			 (unsigned long long)scope->before - 1);
	wsay(o, "its switch had not finished (the process that armed it ended before its "
	     "switch-end note): undid only that switch's steps (%s), nothing a later run "
	     "journaled", steps);
}

/* One try of the automatic rollback. 1: keep going (retry later, or look
 * again); 0: rolled back and verified; <0: gave up. */
static int try_rollback(const char *path, const struct night_watchdog_opts *o, struct wanted *w,
			const char *reason, struct cut_err *err)
{
	int64_t now = now_realtime_ms();
	int r;

	if (w->give_up_at == 0)
		w->give_up_at = now + WATCHDOG_RETRY_MAX_MS;
	if (now < w->next_try) {
		nap_ms(w->next_try - now < WATCHDOG_POLL_MS ? w->next_try - now : WATCHDOG_POLL_MS);
		return 1;
	}
	w->tries++;
	wsay(o, "%s: rolling back %s%s", reason, path, w->tries > 1 ? " (again)" : "");
	cut_err_clear(err);
	r = night_auto_rollback(path, o->reg, w->tries > 1 ? "deadline-retry" : "deadline", reason,
				still_provisional, w, NULL, err);
	if (r == 1)
		return 1; /* confirmed, extended or rolled back by someone else just now */
	if (r == 0) {
		wsay(o, "rolled back; the source is verified back");
		if (w->unfinished)
			say_unfinished(o, &w->scope);
		return 0;
	}
	if (now_realtime_ms() >= w->give_up_at)
		return give_up(path, o, w, err);
	w->backoff = w->backoff ? w->backoff * 2 : WATCHDOG_RETRY_FIRST_MS;
	if (w->backoff > WATCHDOG_RETRY_STEP_MAX_MS)
		w->backoff = WATCHDOG_RETRY_STEP_MAX_MS;
	w->next_try = now_realtime_ms() + w->backoff;
	wsay(o, "rollback failed (try %u): %s; trying again in %lld ms", w->tries, err->msg,
	     (long long)w->backoff);
	return 1;
}

/* 1: keep waiting; 0 or <0: done (with err set on failure). */
static int watchdog_round(const char *path, const struct night_watchdog_opts *o,
			  struct wanted *w, struct cut_err *err)
{
	struct night_provisional st;
	struct journal *j = NULL;
	char reason[128], when[32];
	int64_t left;
	int r;

	r = journal_open(path, JOURNAL_READONLY, NULL, &j, err);
	if (r < 0)
		return r;
	night_provisional_state(j, &st);
	if (!st.found) {
		journal_close(j);
		return cut_errf(err, CUT_EINPUT, NULL, "journal %s holds no provisional switch", path);
	}
	if (!st.active && !auto_retry_wanted(&st)) {
		wsay(o, "%s by %s at %s: nothing to do", st.ended_by, st.who ? st.who : "?",
		     st.when ? st.when : "?");
		journal_close(j);
		return 0;
	}
	left = st.active ? st.deadline_ms - now_realtime_ms() : 0;
	w->seq = st.seq;
	journal_close(j);
	if (left > 0) {
		nap_ms(left < WATCHDOG_POLL_MS ? left : WATCHDOG_POLL_MS);
		return 1;
	}
	format_utc(st.deadline_ms, when, sizeof(when));
	snprintf(reason, sizeof(reason), "not confirmed by the deadline %s", when);
	return try_rollback(path, o, w, reason, err);
}

int night_watchdog_run(const char *journal_path, const struct night_watchdog_opts *o,
		       struct cut_err *err)
{
	int lock = watchdog_lock(journal_path, err);
	struct wanted w = { 0 };
	int r;

	if (lock < 0) {
		wsay(o, "%s", err->msg);
		return lock;
	}
	wsay(o, "guarding %s", journal_path);
	do
		r = watchdog_round(journal_path, o, &w, err);
	while (r == 1);
	close(lock);
	return r;
}

/* ---- confirm ---- */

/* After an automatic rollback: what became of it, truthfully. */
static int confirm_after_auto(const struct journal *j, const char *path,
			      const struct night_provisional *st, struct cut_err *err)
{
	const char *at = st->when ? st->when : "?", *by = st->who ? st->who : "?";
	size_t left;

	if (st->auto_outcome == NIGHT_AUTO_OK)
		return cut_errf(err, CUT_ECONFLICT,
				"the source is back; switch again when the target is ready",
				"too late: journal %s was rolled back automatically at %s (by %s); "
				"the source is verified back", path, at, by);
	left = night_provisional_left(j, st);
	if (st->auto_outcome == NIGHT_AUTO_RUNNING)
		return cut_errf(err, CUT_ECONFLICT,
				"wait, then look again with `cutover confirm --dry-run`; if it stays "
				"so, run `cutover rollback --journal JOURNAL`",
				"too late: an automatic rollback of journal %s started at %s (by %s) "
				"and has not ended; %zu step%s not undone yet", path, at, by, left,
				left == 1 ? "" : "s");
	return cut_errf(err, CUT_ECONFLICT,
			"run `cutover rollback --journal JOURNAL` (--force where someone changed "
			"the records), then check the source",
			"too late, and the automatic rollback of journal %s (started %s by %s, %u "
			"tr%s%s) FAILED: %s; %zu step%s not undone", path, at, by, st->auto_tries,
			st->auto_tries == 1 ? "y" : "ies",
			st->auto_gave_up ? ", given up" : ", the watchdog keeps trying",
			st->auto_error ? st->auto_error : "?", left, left == 1 ? "" : "s");
}

static int confirm_ended(const struct journal *j, const char *path,
			 const struct night_provisional *st, int64_t extend_ms,
			 struct night_confirm_result *res, struct cut_err *err)
{
	if (strcmp(st->ended_by, NOTE_ROLLBACK) == 0)
		return cut_errf(err, CUT_ECONFLICT,
				"nothing to confirm: switch again (with --confirm-within) if you "
				"want the change back; `cutover journal show` lists what was undone",
				"journal %s: the provisional switch was rolled back by hand "
				"(cutover rollback) at %s by %s", path, st->when ? st->when : "?",
				st->who ? st->who : "?");
	if (strcmp(st->ended_by, NOTE_CANCELLED) == 0)
		return cut_errf(err, CUT_EINPUT, "nothing to confirm",
				"journal %s: the provisional switch changed nothing (%s)", path,
				st->when ? st->when : "?");
	if (strcmp(st->ended_by, NOTE_AUTO_ROLLBACK) == 0)
		return confirm_after_auto(j, path, st, err);
	if (extend_ms)
		return cut_errf(err, CUT_EINPUT, "nothing to extend: the switch is final",
				"journal %s: the switch was confirmed at %s by %s", path,
				st->when ? st->when : "?", st->who ? st->who : "?");
	res->already = true;
	return 0;
}

int night_confirm_state_error(const struct journal *j, const char *path,
			      const struct night_provisional *st, struct cut_err *err)
{
	struct night_confirm_result res;

	return confirm_ended(j, path, st, 0, &res, err);
}

int night_confirm(const char *journal_path, int64_t extend_ms, struct night_confirm_result *res,
		  struct cut_err *err)
{
	struct night_provisional st;
	struct journal *j = NULL;
	int64_t now = now_realtime_ms();
	int r;

	memset(res, 0, sizeof(*res));
	if (extend_ms < 0 || extend_ms > WATCH_WINDOW_MAX_MS)
		return cut_errf(err, CUT_EUSAGE, "give a duration from 1 s to 24 h, e.g. --extend 10m",
				"extension out of range");
	r = journal_open(journal_path, 0, NULL, &j, err);
	if (r == CUT_ELOCKED)
		snprintf(err->hint, sizeof(err->hint),
			 "the watchdog may be rolling back right now; see `cutover journal show %s`",
			 journal_path);
	if (r < 0)
		return r;
	night_provisional_state(j, &st);
	if (!st.found)
		r = cut_errf(err, CUT_EINPUT, "confirm is for switches made with --confirm-within",
			     "journal %s holds no provisional switch", journal_path);
	else if (!st.active)
		r = confirm_ended(j, journal_path, &st, extend_ms, res, err);
	else if (extend_ms) {
		res->extended = true;
		res->deadline_ms = now + extend_ms;
		r = night_note(j, deadline_note(NOTE_EXTEND, st.seq, res->deadline_ms), err);
	} else {
		res->late = now > st.deadline_ms;
		r = night_note(j, json_pack("{s:s,s:I,s:b}", "event", NOTE_CONFIRMED, "provisional",
					     (json_int_t)st.seq, "late", res->late),
				err);
	}
	journal_close(j);
	res->watchdog_alive = night_watchdog_alive(journal_path);
	return r;
}
