/* night/night_watch.c — the watch window and the automatic rollback that
 * both the watch and the watchdog use. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "night_watch.h"
#include "util.h"

#define LIVE_REDRAW_MS 250

static void nap_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *night_record_run(const struct journal_record *r)
{
	return json_string_value(json_object_get(r->frame, "run"));
}

int night_note(struct journal *j, json_t *body, struct cut_err *err)
{
	int r = journal_append(j, JOURNAL_NOTE, body, NULL);

	json_decref(body);
	if (r < 0)
		return cut_errf(err, r, "check the disk holding the journal",
				"journal %s: cannot append a note: %s", journal_path(j), cut_strerror(r));
	return journal_sync(j, err);
}

/* Opens the journal for writing, waiting while another cutover holds it. */
static int open_locked(const char *path, struct journal **ret, struct cut_err *err)
{
	int64_t until = now_monotonic_ms() + WATCH_LOCK_WAIT_MS;
	int r;

	for (;;) {
		r = journal_open(path, 0, NULL, ret, err);
		if (r != CUT_ELOCKED || now_monotonic_ms() >= until)
			return r;
		nap_ms(100);
	}
}

/* ---- verifying that the source is back ---- */

/* Read-only: every step the rollback undid was read back by its own kind
 * (compare-and-swap, then the kinds' verify after rollback: DNS asks every
 * server of the zone, routes read the kernel back), so the source is back
 * when each reported 0. Nothing is applied again here (a second apply wrote
 * unjournaled changes, and batched steps by kind name alone, which the kinds
 * refuse across zones or hosts). Returns the count of steps that were not,
 * with the first's text in why. */
static size_t verify_source(const struct rollback_report *rep, char *why, size_t len)
{
	size_t i, bad = 0;

	why[0] = '\0';
	for (i = 0; i < rep->n; i++) {
		const struct rollback_item *it = &rep->items[i];
		if (it->result == 0)
			continue;
		if (!bad++)
			snprintf(why, len, "%s: %s", it->describe ? it->describe : "?",
				 it->message ? it->message
					     : it->result == STEP_PENDING ? "not attempted"
									  : cut_strerror(it->result));
	}
	return bad;
}

/* After a rollback that met a conflict: which step, and what it found,
 * appended to err's text (the rollback's own says only how many). While the
 * journal is open: the items' describe borrow from its records. */
static void name_conflict(const struct rollback_report *rep, struct cut_err *err)
{
	size_t i, len = strlen(err->msg);

	for (i = 0; rep && i < rep->n; i++) {
		const struct rollback_item *it = &rep->items[i];
		if (it->result != CUT_ECONFLICT)
			continue;
		snprintf(err->msg + len, sizeof(err->msg) - len, " (%s%s%s)",
			 it->describe ? it->describe : "?", it->message ? ": " : "",
			 it->message ? it->message : "");
		return;
	}
}

static int rollback_and_verify(struct journal *j, const struct step_registry *reg,
			       const struct night_scope *scope, struct rollback_report *rep,
			       struct cut_err *err)
{
	const struct step_ctx ctx = { 0 };
	struct cut_err rerr;
	char why[1024];
	size_t bad;
	int r, w;

	cut_err_clear(&rerr);
	r = rollback_run_range(j, reg, &ctx, NULL, scope->after, scope->before, rep, &rerr);
	if (r == CUT_ECONFLICT)
		name_conflict(rep, &rerr);
	w = night_note(j, json_pack("{s:s,s:I,s:I,s:I,s:s}", "event", NOTE_ROLLBACK_DONE, "undone",
			      (json_int_t)rep->undone, "conflicts", (json_int_t)rep->conflicts,
			      "failed", (json_int_t)rep->failed, "result",
			      r == 0 ? "ok" : rerr.msg),
		 err);
	if (r < 0) {
		*err = rerr;
		return r;
	}
	if (w < 0)
		return w;
	bad = verify_source(rep, why, sizeof(why));
	w = night_note(j, json_pack("{s:s,s:b,s:I,s:s}", "event", NOTE_SOURCE_VERIFIED, "ok", bad == 0,
			      "steps", (json_int_t)rep->undone, "error", why),
		 err);
	if (bad)
		return cut_errf(err, CUT_EVERIFY,
				"check those steps by hand; `cutover journal show` lists what was undone",
				"rolled back, but %zu step%s did not read back as the source: %s", bad,
				bad == 1 ? "" : "s", why);
	return w;
}

/* NOTE_AUTO_ROLLBACK; with the steps it undoes when not the whole journal
 * (a reader at 3 a.m. sees which switch it was). */
static json_t *auto_rollback_note(const char *trigger, const char *reason,
				  const struct night_scope *scope)
{
	json_t *note = json_pack("{s:s,s:s,s:s}", "event", NOTE_AUTO_ROLLBACK, "trigger", trigger,
				 "reason", reason);

	if (scope->after || scope->before)
		json_object_set_new(note, "steps", json_pack("{s:I,s:I}", "after",
							     (json_int_t)scope->after, "before",
							     (json_int_t)scope->before));
	return note;
}

int night_auto_rollback(const char *journal_path, const struct step_registry *reg,
			const char *trigger, const char *reason,
			bool (*still_wanted)(const struct journal *j, void *cookie,
					     struct night_scope *scope),
			void *cookie, struct rollback_report *rep, struct cut_err *err)
{
	struct night_scope scope = { 0, 0 };
	struct rollback_report local;
	struct journal *j = NULL;
	int r;

	memset(&local, 0, sizeof(local));
	if (!rep)
		rep = &local;
	r = open_locked(journal_path, &j, err);
	if (r < 0)
		return r;
	if (still_wanted && !still_wanted(j, cookie, &scope)) {
		journal_close(j);
		return 1;
	}
	r = night_note(j, auto_rollback_note(trigger, reason, &scope), err);
	if (r == 0)
		r = rollback_and_verify(j, reg, &scope, rep, err);
	journal_close(j);
	rollback_report_free(&local);
	return r;
}

/* ---- the watch window ---- */

const char *night_watch_outcome_name(enum night_watch_outcome o)
{
	switch (o) {
	case NIGHT_WATCH_NOT_RUN: return "not-run";
	case NIGHT_WATCH_PASSED: return "passed";
	case NIGHT_WATCH_ROLLED_BACK: return "rolled-back";
	case NIGHT_WATCH_ROLLBACK_FAILED: return "rollback-failed";
	case NIGHT_WATCH_BY_WATCHDOG: return "rolled-back-by-watchdog";
	case NIGHT_WATCH_BY_HAND: return "rolled-back-by-hand";
	case NIGHT_WATCH_FAILED: return "failed";
	case NIGHT_WATCH_ABORTED: return "aborted";
	}
	return "failed";
}

struct watch {
	const struct night_watch_opts *o;
	const char *path;
	uint64_t seq;         /* the watch note */
	const char *rolled_back_by; /* set when the journal shows a rollback since */
	enum night_watch_outcome by; /* NIGHT_WATCH_BY_WATCHDOG or _BY_HAND with it */
	bool hung_up;         /* SIGHUP came: noted once, the watch goes on */
	int stopped_by;       /* SIGINT or SIGTERM: the watch stops */
	struct health_monitor *m;
	unsigned *seen;       /* probes already reported, per status */
	int64_t end;          /* monotonic */
	int64_t last_draw;
	size_t drawn;         /* lines of the last live frame */
};

static void say(const struct watch *w, const char *fmt, ...) CUT_PRINTF(2, 3);
static void say(const struct watch *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!w->o->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->o->say(w->o->say_cookie, line);
}

/* A terminal: one line per target, redrawn in place. */
static void draw_live(struct watch *w, bool force)
{
	int64_t now = now_monotonic_ms();
	char left[32];
	size_t i, n = health_monitor_count(w->m);

	if (!force && now - w->last_draw < LIVE_REDRAW_MS)
		return;
	w->last_draw = now;
	format_duration(w->end > now ? w->end - now : 0, left, sizeof(left));
	if (w->drawn)
		say(w, "\033[%zuA\r\033[Kwatch: %s left", w->drawn, left);
	else
		say(w, "\r\033[Kwatch: %s left", left);
	for (i = 0; i < n; i++) {
		const struct health_status *st = health_monitor_status(w->m, i);
		say(w, "\r\033[K  %-20s %-22s %-8s %5lld ms  %s", st->check->name, st->target->text,
		    health_state_name(st->state), (long long)st->last.latency_ms,
		    st->probes ? st->last.reason : "…");
	}
	w->drawn = n + 1;
}

/* Not a terminal: a line for each failed probe and each change of state. */
static void print_plain(struct watch *w)
{
	size_t i, n = health_monitor_count(w->m);

	for (i = 0; i < n; i++) {
		const struct health_status *st = health_monitor_status(w->m, i);
		if (st->probes == w->seen[i])
			continue;
		w->seen[i] = st->probes;
		if (!st->last.ok && st->state != HEALTH_SICK)
			say(w, "watch: %s %s: %s (%u of %u failures before rollback)", st->check->name,
			    st->target->text, st->last.reason, st->fails, st->check->sick_after);
		else if (st->changed)
			say(w, "watch: %s %s: %s (%s)", st->check->name, st->target->text,
			    health_state_name(st->state), st->last.reason);
	}
}

static void report(struct watch *w)
{
	if (w->o->live)
		draw_live(w, false);
	else
		print_plain(w);
}

static int watch_note(const char *path, json_t *body, uint64_t *seq, struct cut_err *err)
{
	struct journal *j = NULL;
	int r = open_locked(path, &j, err);

	if (r < 0) {
		json_decref(body);
		return r;
	}
	r = night_note(j, body, err);
	if (r == 0 && seq)
		*seq = journal_last_seq(j);
	journal_close(j);
	return r;
}

/* Was the switch rolled back (by the watchdog, or by hand) since the watch
 * note at seq? Re-reads the journal (read-only). */
static bool rolled_back_since(const char *path, uint64_t seq, const char **by,
			      enum night_watch_outcome *how)
{
	struct journal *j = NULL;
	struct cut_err e;
	bool yes = false;
	size_t i;

	if (journal_open(path, JOURNAL_READONLY, NULL, &j, &e) < 0)
		return false;
	for (i = 0; i < journal_count(j) && !yes; i++) { /* the first rollback record says who */
		const struct journal_record *r = journal_get(j, i);
		const char *ev = r->phase == JOURNAL_NOTE
					 ? json_string_value(json_object_get(r->body, "event"))
					 : NULL;
		if (r->seq <= seq)
			continue;
		if (ev && strcmp(ev, NOTE_AUTO_ROLLBACK) == 0) {
			yes = true;
			*by = "the watchdog";
			*how = NIGHT_WATCH_BY_WATCHDOG;
		} else if ((ev && strcmp(ev, NOTE_ROLLBACK) == 0) || r->phase == JOURNAL_UNDO_INTENT) {
			yes = true;
			*by = "hand (cutover rollback)";
			*how = NIGHT_WATCH_BY_HAND;
		}
	}
	journal_close(j);
	return yes;
}

static json_t *names_json(const struct health_check *const *list, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]->name));
	return a;
}

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP"
									      : "a signal";
}

/* Between rounds: a signal that came? true when the watch must stop. */
static bool stop_signalled(struct watch *w)
{
	struct cut_err e;
	int sig = w->o->signalled ? w->o->signalled(w->o->signal_cookie) : 0;

	if (sig == SIGHUP) {
		if (!w->hung_up) { /* the journal is the record now; a failed note is no reason to stop */
			w->hung_up = true;
			cut_err_clear(&e);
			if (watch_note(w->path, json_pack("{s:s,s:s}", "event", NOTE_WATCH_HANGUP,
							  "signal", "SIGHUP"), NULL, &e) < 0) {
				/* the watch and its rollback matter more than this note */
			}
		}
		return false;
	}
	if (sig)
		w->stopped_by = sig;
	return sig != 0;
}

/* Runs the loop until the window ends, a target turns sick, the switch is
 * rolled back elsewhere, or SIGINT/SIGTERM. */
static int watch_loop(struct watch *w, struct cut_err *err)
{
	int r;

	for (;;) {
		int64_t now = now_monotonic_ms();
		if (now >= w->end)
			return 0;
		r = health_monitor_run(w->m, w->end - now < WATCHDOG_POLL_MS ? w->end - now
									: WATCHDOG_POLL_MS, err);
		if (r < 0)
			return r;
		report(w);
		if (health_monitor_sick(w->m))
			return 0;
		if (rolled_back_since(w->path, w->seq, &w->rolled_back_by, &w->by))
			return 0;
		if (stop_signalled(w))
			return 0;
	}
}

/* After SIGINT/SIGTERM: notes it; the switch stays in place. */
static int watch_aborted(struct watch *w, struct cut_err *err)
{
	struct night_provisional st = { 0 };
	struct journal *j = NULL;
	int64_t left = w->end - now_monotonic_ms();
	char d[32], when[32] = "";
	int r;

	format_duration(left > 0 ? left : 0, d, sizeof(d));
	say(w, "watch: stopped by %s with %s left; the switch stays in place",
	    signal_name(w->stopped_by), d);
	r = watch_note(w->path, json_pack("{s:s,s:s,s:I}", "event", NOTE_WATCH_ABORTED, "signal",
					  signal_name(w->stopped_by), "left_ms",
					  (json_int_t)(left > 0 ? left : 0)), NULL, err);
	if (r < 0)
		return r;
	if (journal_open(w->path, JOURNAL_READONLY, NULL, &j, err) == 0) {
		night_provisional_state(j, &st);
		if (st.active)
			format_utc(st.deadline_ms, when, sizeof(when));
		journal_close(j);
	}
	r = cut_errf(err, CUT_EVERIFY, NULL,
		     "watch: stopped by %s with %s left: nothing was rolled back, the switch "
		     "stays in place (journal %s)", signal_name(w->stopped_by), d, w->path);
	snprintf(err->hint, sizeof(err->hint), "to undo it: cutover rollback --journal %s%s%s%s",
		 w->path, when[0] ? "; unless confirmed, the watchdog still rolls it back at " : "",
		 when, when[0] ? " (cutover confirm)" : "");
	return r;
}

/* Where the run that wrote the first record after seq `after` ends: the
 * seq of the first record another run wrote after it, 0 when none did (or
 * the records name no run: written before runs were journaled). */
static uint64_t run_end(const struct journal *j, uint64_t after)
{
	const char *run = NULL;
	size_t i;

	for (i = 0; i < journal_count(j); i++) {
		const struct journal_record *r = journal_get(j, i);
		const char *rr = night_record_run(r);
		if (r->seq <= after)
			continue;
		if (!run && !(run = rr))
			return 0;
		if (!rr || strcmp(rr, run) != 0)
			return r->seq;
	}
	return 0;
}

/* still_wanted for a watch's rollback: always, but only the watched
 * switch's steps: those its run journaled after steps_after (a prelower's
 * TTLs, an earlier change, stay; so does what another run journaled during
 * the window — another engineer's switch, a route switch after this DNS
 * one: the watch's own notes are a run of their own, after the switch's). */
static bool only_this_switch(const struct journal *j, void *cookie, struct night_scope *scope)
{
	const struct night_watch_opts *o = cookie;

	scope->after = o->steps_after;
	if (o->steps_after)
		scope->before = run_end(j, o->steps_after);
	return true;
}

static int watch_sick(struct watch *w, const char *path, struct rollback_report *rep,
		      struct cut_err *err)
{
	char what[HEALTH_REASON_MAX + 160];
	int r;

	health_status_describe(health_monitor_sick(w->m), what, sizeof(what));
	say(w, "watch: %s: rolling back from %s", what, path);
	r = night_auto_rollback(path, w->o->reg, "watch", what, only_this_switch, (void *)w->o, rep,
				err);
	if (w->o->outcome)
		*w->o->outcome = r < 0 ? NIGHT_WATCH_ROLLBACK_FAILED : NIGHT_WATCH_ROLLED_BACK;
	if (r < 0) {
		/* every watch outcome after a switch is exit 1; the cause is in the text */
		cut_err_prefix(err, "watch: %s; the automatic rollback failed", what);
		err->code = CUT_EVERIFY;
		return CUT_EVERIFY;
	}
	return cut_errf(err, CUT_EVERIFY,
			"the source is back; fix the target, then switch again",
			"watch: %s: rolled back %zu step%s from journal %s (source verified)", what,
			rep ? rep->undone : 0, rep && rep->undone == 1 ? "" : "s", path);
}

int night_watch_needs_gates(size_t ngates, const char *what, struct cut_err *err)
{
	int r;

	if (ngates)
		return 0;
	r = cut_errf(err, CUT_EUSAGE, NULL,
		     "--watch: the switched %s name no health gates, so there is nothing to "
		     "watch; nothing was changed", what);
	snprintf(err->hint, sizeof(err->hint),
		 "add \"gates\" (checks of the plan's \"health\" section) to the %s, or drop "
		 "--watch", what);
	return r;
}

int night_watch(const struct night_plan *np, const char *const *checks, size_t n,
		const char *journal_path, const struct night_watch_opts *o,
		struct rollback_report *rep, struct cut_err *err)
{
	const struct health_check **list = NULL;
	struct watch w = { .o = o };
	struct rollback_report local;
	char d[32];
	size_t k = 0;
	int r;

	memset(&local, 0, sizeof(local));
	if (o->window_ms <= 0 || o->window_ms > WATCH_WINDOW_MAX_MS)
		return cut_errf(err, CUT_EUSAGE, "give a window from 1 s to 24 h, e.g. --watch 10m",
				"watch window out of range");
	r = night_find_checks(np, checks, n, &list, &k, err);
	if (r < 0)
		return r;
	if (k == 0) {
		free(list);
		return night_watch_needs_gates(0, "records or routes", err);
	}
	w.path = journal_path;
	if (o->outcome) /* until known better */
		*o->outcome = NIGHT_WATCH_FAILED;
	r = health_monitor_new(list, k, HEALTH_START_HEALTHY, &w.m, err);
	if (r == 0)
		r = watch_note(journal_path,
			       json_pack("{s:s,s:I,s:o}", "event", NOTE_WATCH, "window_ms",
					 (json_int_t)o->window_ms, "checks", names_json(list, k)),
			       &w.seq, err);
	if (r < 0)
		goto out;
	w.seen = xcalloc(health_monitor_count(w.m) + 1, sizeof(*w.seen));
	w.end = now_monotonic_ms() + o->window_ms;
	format_duration(o->window_ms, d, sizeof(d));
	if (!o->live)
		say(&w, "watch: %zu target%s of %zu check%s for %s", health_monitor_count(w.m),
		    health_monitor_count(w.m) == 1 ? "" : "s", k, k == 1 ? "" : "s", d);
	r = watch_loop(&w, err);
	if (o->live)
		draw_live(&w, true);
	if (r == 0 && w.stopped_by) {
		if (o->outcome)
			*o->outcome = NIGHT_WATCH_ABORTED;
		r = watch_aborted(&w, err);
	} else if (r == 0 && w.rolled_back_by) {
		if (o->outcome)
			*o->outcome = w.by;
		say(&w, "watch: the switch was rolled back by %s; watch ended", w.rolled_back_by);
		r = cut_errf(err, CUT_EVERIFY, "see `cutover confirm --dry-run --journal JOURNAL`",
			     "watch: the switch was rolled back by %s during the watch window "
			     "(journal %s)", w.rolled_back_by, journal_path);
	} else if (r == 0 && health_monitor_sick(w.m)) {
		r = watch_sick(&w, journal_path, rep ? rep : &local, err);
	} else if (r == 0) {
		say(&w, "watch: %s passed; every gate stayed healthy", d);
		r = watch_note(journal_path, json_pack("{s:s}", "event", "watch-passed"), NULL, err);
		if (r == 0 && o->outcome)
			*o->outcome = NIGHT_WATCH_PASSED;
	}
out:
	if (r < 0 && err->code != CUT_EVERIFY) {
		err->code = CUT_EVERIFY; /* the switch happened: any watch failure is exit 1 */
		r = CUT_EVERIFY;
	}
	rollback_report_free(&local);
	health_monitor_free(w.m);
	free(w.seen);
	free(list);
	return r;
}

/* ---- after a switch ---- */

size_t night_dns_gates(const struct night_plan *np, const char ***ret)
{
	const struct dns_plan *p = np ? np->dns : NULL;
	const char **out;
	size_t i, k, j, n = 0, cap = 0;

	for (i = 0; p && i < p->nrecords; i++)
		cap += p->records[i].ngates;
	out = xcalloc(cap + 1, sizeof(*out));
	for (i = 0; p && i < p->nrecords; i++) {
		for (k = 0; k < p->records[i].ngates; k++) {
			const char *g = p->records[i].gates[k];
			for (j = 0; j < n && strcmp(out[j], g) != 0; j++)
				;
			if (j == n)
				out[n++] = g;
		}
	}
	*ret = out;
	return n;
}

int night_after_switch(const struct night_plan *np, const char *const *gates, size_t n,
		       const struct night_after_opts *o, struct cut_err *err)
{
	struct night_watch_opts w = { .window_ms = o->watch_ms, .reg = o->reg, .live = o->live,
				      .say = o->say, .say_cookie = o->say_cookie,
				      .outcome = o->outcome, .steps_after = o->steps_after,
				      .signalled = o->signalled,
				      .signal_cookie = o->signal_cookie };
	char d[32];
	int r;

	if (o->confirm_within_ms) {
		r = night_confirm_within(np->plan->journal, o->confirm_within_ms, NULL, err);
		if (r < 0)
			return r;
		format_duration(o->confirm_within_ms, d, sizeof(d));
		if (o->say) {
			char line[4400];
			snprintf(line, sizeof(line),
				 "provisional: rolls back by itself in %s unless `cutover confirm "
				 "--journal %s` (from any terminal)", d, np->plan->journal);
			o->say(o->say_cookie, line);
		}
	}
	if (!o->watch_ms)
		return 0;
	/* no gates: refused by night_watch; the switches refuse it before they
	 * change anything (night_dns_opts.watch, night_route_opts.watch) */
	return night_watch(np, gates, n, np->plan->journal, &w, NULL, err);
}
