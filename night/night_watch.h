/* night/night_watch.h — after a switch: the watch window and the
 * commit-confirmed watchdog. Generic: both act only through the change's
 * journal (rollback_run with every registered step kind), so they work for
 * DNS, routes and anything else that journals its steps.
 *
 * Watch (`--watch 10m`): keeps probing the gates in the foreground; when one
 * turns sick inside the window, rolls back from the journal by itself and
 * fails with the reason.
 *
 * Commit-confirmed (`--confirm-within 15m`): the switch is provisional. A
 * note in the journal says so, with the deadline; a detached watchdog (its
 * own session: it survives the terminal and the SSH session) rolls back at
 * the deadline unless `cutover confirm --journal J` comes first, from any
 * terminal; `confirm --extend 10m` moves the deadline to 10 min from now.
 *
 * The handshake, all through the journal and two lock files:
 *   - the switching process appends  {"event":"provisional","deadline_ms"}
 *     (synced) and starts the watchdog;
 *   - the watchdog holds PATH.watchdog.lock (flock) for its whole life, so a
 *     second watchdog for the same change refuses to run; it never holds the
 *     journal's writer lock while it waits: it re-reads the journal read-only
 *     every WATCHDOG_POLL_MS;
 *   - confirm takes the journal's writer lock and appends "confirmed" or
 *     "extend" (synced); the watchdog sees it at its next read and exits;
 *   - at the deadline the watchdog takes the writer lock, reads the journal
 *     again UNDER the lock (a confirm may have just landed), and only if the
 *     switch is still provisional appends "auto-rollback", rolls back,
 *     verifies the source is back, and appends the outcome.
 * Every record carries who and where (user@host) and when: the journal does
 * that itself. Lines of the watchdog go to PATH.watchdog.log.
 *
 * Which steps are the switch's: an armed switch holds the journal's writer
 * lock from its provisional note to its NOTE_SWITCH_END, and every record
 * names the run (one open) that wrote it. So when the switch's process dies
 * before that note, its steps end at the first record of another run (or,
 * for the watchdog holding the lock at the deadline, at the journal's end):
 * the watchdog undoes them all, and never a later run's.
 */
#ifndef CUTOVER_NIGHT_WATCH_H
#define CUTOVER_NIGHT_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "journal.h"
#include "night.h"
#include "rollback.h"
#include "step.h"

#define WATCHDOG_POLL_MS 250
#define WATCH_WINDOW_MAX_MS (24LL * 3600 * 1000)
#define WATCH_LOCK_WAIT_MS 60000 /* how long an automatic rollback waits for the journal */

/* Journal note events written here. */
#define NOTE_PROVISIONAL "provisional"
#define NOTE_EXTEND "extend"
#define NOTE_CONFIRMED "confirmed"
#define NOTE_AUTO_ROLLBACK "auto-rollback"
#define NOTE_ROLLBACK_DONE "auto-rollback-done"
#define NOTE_SOURCE_VERIFIED "source-verified"
#define NOTE_WATCH "watch"
#define NOTE_WATCH_ABORTED "watch-aborted" /* SIGINT/SIGTERM: watch stopped, switch left */
#define NOTE_WATCH_HANGUP "watch-hangup" /* SIGHUP: the terminal is gone; watch goes on */
#define NOTE_ROLLBACK "rollback" /* `cutover rollback` starts (cli/cmd_rollback.c) */
#define NOTE_SWITCH_END "switch-end" /* an armed provisional switch's last step is journaled */
#define NOTE_CANCELLED "provisional-cancelled" /* armed, but nothing was changed */
#define NOTE_GAVE_UP "auto-rollback-given-up" /* the watchdog stopped retrying */
#define WATCHDOG_RETRY_FIRST_MS 1000 /* a failed automatic rollback is retried after 1 s, */
#define WATCHDOG_RETRY_STEP_MAX_MS 60000 /* doubling up to 1 min, */
#define WATCHDOG_RETRY_MAX_MS (3600LL * 1000) /* for 1 h after the first try */

/* The run that wrote r (its frame's "run": one per open for writing), or
 * NULL for a record written before runs were journaled. Borrowed. */
const char *night_record_run(const struct journal_record *r);

/* Appends a JOURNAL_NOTE with body (consumed; "event" names it) and syncs. */
int night_note(struct journal *j, json_t *body, struct cut_err *err) CUT_MUST_CHECK;

/* The checks of np's health section called names[0..n) (duplicates once),
 * in *ret (the caller frees the array, not the checks). CUT_EINPUT naming a
 * check the plan does not define. (night/night_gate.c) */
int night_find_checks(const struct night_plan *np, const char *const *names, size_t n,
		      const struct health_check ***ret, size_t *ret_n, struct cut_err *err)
	CUT_MUST_CHECK;

/* Which intents an automatic rollback undoes: after < seq < before
 * (before 0: no upper bound). {0, 0}: every step of the journal. */
struct night_scope {
	uint64_t after, before;
};

/* An automatic rollback, under the journal's writer lock (waiting up to
 * WATCH_LOCK_WAIT_MS for it): asks still_wanted (may be NULL) with the
 * journal as read under the lock (it may narrow *scope, which starts as
 * every step), then appends NOTE_AUTO_ROLLBACK
 * {trigger, reason, steps: {after, before} when narrowed}, runs
 * rollback_run_range, appends NOTE_ROLLBACK_DONE, checks
 * the source is back (read-only: every step in scope must have been undone,
 * which each kind reads back itself) and appends NOTE_SOURCE_VERIFIED.
 * 0 when rolled back and verified; 1 when still_wanted said no (nothing
 * written); else the rollback's error (a conflict names its first step and
 * what it found) or CUT_EVERIFY. The items of rep keep result and message;
 * their describe borrowed from the journal, closed by now: do not read it. */
int night_auto_rollback(const char *journal_path, const struct step_registry *reg,
			const char *trigger, const char *reason,
			bool (*still_wanted)(const struct journal *j, void *cookie,
					     struct night_scope *scope),
			void *cookie, struct rollback_report *rep, struct cut_err *err) CUT_MUST_CHECK;

/* ---- the watch window ---- */

/* How a watch ended (the switch's --json "watch": {"result"}). */
enum night_watch_outcome {
	NIGHT_WATCH_NOT_RUN,      /* not started: the switch changed nothing, or failed first */
	NIGHT_WATCH_PASSED,       /* the window passed, every gate healthy */
	NIGHT_WATCH_ROLLED_BACK,  /* a gate turned sick: rolled back, source verified */
	NIGHT_WATCH_ROLLBACK_FAILED, /* a gate turned sick; the rollback (or its check) failed */
	NIGHT_WATCH_BY_WATCHDOG,  /* the watchdog rolled the switch back during the window */
	NIGHT_WATCH_BY_HAND,      /* `cutover rollback` did, during the window */
	NIGHT_WATCH_FAILED,       /* the watch itself failed (the journal, the probes) */
	NIGHT_WATCH_ABORTED,      /* SIGINT or SIGTERM: stopped; the switch stays in place */
};

/* "not-run", "passed", "rolled-back", "rollback-failed",
 * "rolled-back-by-watchdog", "rolled-back-by-hand", "failed", "aborted". */
const char *night_watch_outcome_name(enum night_watch_outcome o);

struct night_watch_opts {
	int64_t window_ms;
	const struct step_registry *reg; /* every step kind (night_register_steps) */
	bool live;            /* a terminal: redraw one line per target */
	step_say_fn say;      /* progress lines; NULL for none (--json) */
	void *say_cookie;
	enum night_watch_outcome *outcome; /* set to how the watch ended; may be NULL */
	uint64_t steps_after; /* roll back only intents after this seq that the run
			       * of the record after it wrote: the switch's (0: all) */
	/* Polled between probe rounds (at most WATCHDOG_POLL_MS apart; may be
	 * NULL): 0, or the number of a signal that came (the caller reads them
	 * from a signalfd or a self-pipe; nothing is done in a handler).
	 * SIGHUP: the terminal is gone (the caller stops writing to it); the
	 * watch notes NOTE_WATCH_HANGUP and goes on, rollback and all.
	 * SIGINT, SIGTERM: the watch stops, notes NOTE_WATCH_ABORTED, rolls
	 * nothing back and fails (CUT_EVERIFY) saying the switch stays in
	 * place and how to roll it back. */
	int (*signalled)(void *cookie);
	void *signal_cookie;
};

/* For a switch asked to --watch: CUT_EUSAGE when it names no gates
 * (ngates 0; what: "records", "routes"), so that it is refused before it
 * changes anything rather than switched with nothing to watch. */
int night_watch_needs_gates(size_t ngates, const char *what, struct cut_err *err)
	CUT_MUST_CHECK;

/* Probes the named checks of np (thresholds apply; every target starts
 * healthy) for o->window_ms. 0 when the window passed with no target sick.
 * When one turns sick: notes it in the journal at journal_path, rolls back
 * (rep, when not NULL, says what was undone; free it with
 * rollback_report_free), verifies, and returns CUT_EVERIFY naming the
 * check, target and reason — or the rollback's own error if it failed.
 * The caller must have closed the journal: the writer lock is taken here. */
int night_watch(const struct night_plan *np, const char *const *checks, size_t n,
		const char *journal_path, const struct night_watch_opts *o,
		struct rollback_report *rep, struct cut_err *err) CUT_MUST_CHECK;

/* ---- after a switch (what `dns switch` / `route switch` call) ---- */

struct night_after_opts {
	int64_t watch_ms;          /* --watch; 0 for none */
	int64_t confirm_within_ms; /* --confirm-within; 0 for none */
	const struct step_registry *reg;
	bool live;
	step_say_fn say;           /* NULL under --json */
	void *say_cookie;
	enum night_watch_outcome *outcome; /* how the watch ended; may be NULL */
	uint64_t steps_after;      /* the switch's steps are the intents after this
				    * seq (night_*_result.seq_before) that its run
				    * wrote: a watch rolls back only those (0: the
				    * whole journal) */
	int (*signalled)(void *cookie);    /* as in night_watch_opts */
	void *signal_cookie;
};

/* The gates of np's DNS records, each once (the array is the caller's to
 * free; the names are borrowed from np). */
size_t night_dns_gates(const struct night_plan *np, const char ***ret);

/* After a successful switch journaled in np's journal (closed by now):
 * with confirm_within_ms, marks the switch provisional and starts the
 * watchdog; then, with watch_ms, watches the gates (night_watch). 0 when
 * neither is asked or all went well. */
int night_after_switch(const struct night_plan *np, const char *const *gates, size_t n,
		       const struct night_after_opts *o, struct cut_err *err) CUT_MUST_CHECK;

/* ---- commit-confirmed ---- */

/* What the journal says about the latest provisional switch. */
struct night_provisional {
	bool found;           /* a provisional note exists */
	bool active;          /* still provisional: neither confirmed nor rolled back */
	uint64_t seq;         /* the provisional note */
	int64_t deadline_ms;  /* realtime, after the latest extension */
	const char *ended_by; /* NOTE_CONFIRMED, NOTE_AUTO_ROLLBACK or NOTE_ROLLBACK (a
			       * rollback by hand: a rollback note or undo records after
			       * the provisional note) when ended; borrowed */
	const char *who;      /* user@host of the note that ended it (or started it); borrowed */
	const char *when;     /* its time, UTC; borrowed */
	/* after an automatic rollback (ended_by NOTE_AUTO_ROLLBACK): */
	enum { NIGHT_AUTO_RUNNING, NIGHT_AUTO_OK, NIGHT_AUTO_FAILED } auto_outcome;
	const char *auto_error;   /* why the last try failed; borrowed */
	unsigned auto_tries;      /* auto-rollback notes for it */
	bool auto_gave_up;        /* NOTE_GAVE_UP: the watchdog stopped retrying */
	bool taken_over;          /* a rollback by hand came after it */
	struct night_scope scope; /* the steps of the provisional switch: those
				   * journaled before its note, or for a note written
				   * before the switch (night_provisional_arm) those
				   * between it and its NOTE_SWITCH_END — or, when its
				   * process died before that note, the first record
				   * another run wrote (unfinished) */
	bool unfinished;      /* armed, and its run ended without NOTE_SWITCH_END
			       * (killed, lost power): another run wrote after it */
	const char *run;      /* the run that wrote the provisional note; borrowed */
};

/* Reads the state from the records of j (pointers borrow from j). */
void night_provisional_state(const struct journal *j, struct night_provisional *ret);

/* Steps of st's switch that are still not undone in j (after a failed
 * automatic rollback: what is left). */
size_t night_provisional_left(const struct journal *j, const struct night_provisional *st);

/* For an ended provisional switch st (read from j): what confirm would say,
 * in err (0 when it was confirmed). For `confirm --dry-run`. */
int night_confirm_state_error(const struct journal *j, const char *path,
			      const struct night_provisional *st, struct cut_err *err)
	CUT_MUST_CHECK;

/* Appends the provisional note (deadline now + within_ms) and syncs. */
int night_provisional_begin(struct journal *j, int64_t within_ms, struct cut_err *err)
	CUT_MUST_CHECK;

/* Arms commit-confirmed BEFORE a switch changes anything, in the journal j
 * the switch holds open: appends the provisional note (deadline now +
 * within_ms; it covers the steps journaled after it), syncs, and starts the
 * watchdog (night_watchdog_start with exe). So a switch that fails halfway,
 * or whose process dies (the route change cut its SSH session), is rolled
 * back at the deadline too. When the watchdog cannot start, appends
 * NOTE_CANCELLED and fails: switch nothing then. *deadline_ms is set. */
int night_provisional_arm(struct journal *j, int64_t within_ms, const char *exe,
			  int64_t *deadline_ms, struct cut_err *err) CUT_MUST_CHECK;

/* Before a switch without --confirm-within, in the journal j it holds: a
 * warning in d when an earlier armed switch still waits for confirmation
 * and no watchdog is running (the machine restarted): nothing would roll
 * that switch back at its deadline. */
void night_provisional_warn_unwatched(const struct journal *j, struct diags *d);

/* After the armed switch, in the same journal: NOTE_SWITCH_END (the steps
 * of the provisional switch end here; a later switch is not its own), or
 * NOTE_CANCELLED when nothing was journaled. */
int night_provisional_end(struct journal *j, bool journaled, struct cut_err *err) CUT_MUST_CHECK;

/* Starts argv (argv[0] a path) as a detached watchdog: fork, setsid, fork
 * again, stdin from /dev/null, stdout and stderr to journal_path.watchdog.log,
 * SIGHUP ignored. Returns once a watchdog holds the change's watchdog lock
 * (this one, or one already running), or an error after 10 s. */
int night_watchdog_spawn(const char *const argv[], const char *journal_path, struct cut_err *err)
	CUT_MUST_CHECK;

/* Starts the cutover binary exe (NULL: this process's own) as the watchdog
 * of the journal at journal_path: `exe confirm --journal ABS --watchdog`. */
int night_watchdog_start(const char *journal_path, const char *exe, struct cut_err *err)
	CUT_MUST_CHECK;

/* The provisional switch for the journal at journal_path:
 * night_provisional_begin, then night_watchdog_start. Call after the switch,
 * with the journal closed. */
int night_confirm_within(const char *journal_path, int64_t within_ms, const char *exe,
			 struct cut_err *err) CUT_MUST_CHECK;

struct night_watchdog_opts {
	const struct step_registry *reg;
	step_say_fn say;      /* what it does, one line each (to its log); may be NULL */
	void *say_cookie;
};

/* The watchdog itself (run by the detached process): waits, rolls back at
 * the deadline unless confirmed. 0 when confirmed (or already ended) or
 * rolled back and verified; CUT_ELOCKED when another watchdog guards the
 * change; other codes when the rollback or the verification failed. */
int night_watchdog_run(const char *journal_path, const struct night_watchdog_opts *o,
		       struct cut_err *err) CUT_MUST_CHECK;

/* Is a watchdog guarding the journal at journal_path now? */
bool night_watchdog_alive(const char *journal_path);

struct night_confirm_result {
	bool extended;
	bool already;         /* it was confirmed before: nothing written */
	bool late;            /* confirmed after the deadline (no watchdog had acted) */
	int64_t deadline_ms;  /* the new deadline when extended */
	bool watchdog_alive;
};

/* `cutover confirm`: confirms the provisional switch (extend_ms == 0) or
 * moves its deadline to now + extend_ms. Takes the journal's writer lock.
 * CUT_ECONFLICT when the watchdog (or a watch) already rolled back;
 * CUT_EINPUT when nothing was provisional. */
int night_confirm(const char *journal_path, int64_t extend_ms, struct night_confirm_result *res,
		  struct cut_err *err) CUT_MUST_CHECK;

#endif
