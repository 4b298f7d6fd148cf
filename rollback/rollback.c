#include "rollback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Member by member: json_pack would parse its format for each of
 * thousands of steps. NULL (refused by the journal) for a step without
 * both payloads: its intent would not be enough to undo it. */
static json_t *intent_body(const struct step *s)
{
	json_t *b, *d;

	if (!json_is_object(s->apply) || !json_is_object(s->inverse))
		return NULL;
	b = json_object();
	d = s->describe ? json_string(s->describe) : NULL;
	json_object_set_nocheck(b, "apply", s->apply);
	json_object_set_nocheck(b, "inverse", s->inverse);
	json_object_set_new_nocheck(b, "describe", d ? d : json_string(s->kind));
	return b;
}

/* Length of the run of steps[0..n) that shares the first one's kind. */
static size_t same_kind(struct step *const *steps, size_t n)
{
	size_t len = 1;

	while (len < n && strcmp(steps[len]->kind, steps[0]->kind) == 0)
		len++;
	return len;
}

/* The message of an append that failed with r: the journal's own when it
 * has one (it stopped writing), else one naming what was to be recorded. */
static int append_failed(struct journal *j, int r, const char *what, struct cut_err *err)
{
	if (journal_error(j, err) == r)
		return r;
	return cut_errf(err, r, NULL, "journal %s: cannot record %s: %s", journal_path(j), what,
			cut_strerror(r));
}

/* Marks failed the intents steps[0..n) (ids[0..n)) appended before a
 * later kind's were refused, so that no rollback undoes what was never
 * made; r, the refusal, stays the result. If the journal has stopped, what
 * was not synced is cut off the file already and nothing is written. */
static int withdraw_intents(struct journal *j, struct step *const *steps, const uint64_t *ids,
			    size_t n, int r, struct cut_err *err)
{
	size_t i = 0, len;
	int w = 0;

	if (journal_error(j, NULL))
		return r;
	while (i < n && w == 0) {
		len = same_kind(steps + i, n - i);
		w = journal_append_outcomes(j, JOURNAL_FAILED, steps[i]->kind, ids + i, len);
		i += len;
	}
	if (w == 0)
		w = journal_sync(j, err);
	return w < 0 && journal_error(j, err) ? w : r;
}

/* Step ids are set only once the intents are synced: a step with an id
 * counts as journaled (journal_write_new_intents skips it, its outcome is
 * written). */
static int write_intents(struct journal *j, struct step *const *steps, size_t n,
			 struct cut_err *err)
{
	json_t **bodies = xcalloc(n + 1, sizeof(*bodies));
	uint64_t *ids = xcalloc(n + 1, sizeof(*ids));
	size_t i = 0, k, len;
	char what[600];
	int r = 0;

	while (i < n && r == 0) {
		len = same_kind(steps + i, n - i);
		for (k = 0; k < len; k++)
			bodies[k] = intent_body(steps[i + k]);
		r = journal_append_intents(j, steps[i]->kind, bodies, len, &ids[i]);
		for (k = 0; k < len; k++) {
			json_decref(bodies[k]);
			ids[i + k] = ids[i] + k;
		}
		if (r < 0) {
			snprintf(what, sizeof(what), "the intents of %s", steps[i]->describe);
			r = append_failed(j, r, what, err);
			r = withdraw_intents(j, steps, ids, i, r, err);
		}
		i += len;
	}
	if (r == 0)
		r = journal_sync(j, err);
	for (i = 0; i < n && r == 0; i++)
		steps[i]->id = ids[i];
	free(bodies);
	free(ids);
	return r;
}

int journal_write_intents(struct journal *j, struct step *steps, size_t n, struct cut_err *err)
{
	struct step **ptrs = xcalloc(n + 1, sizeof(*ptrs));
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		ptrs[i] = &steps[i];
	r = write_intents(j, ptrs, n, err);
	free(ptrs);
	return r;
}

int journal_write_new_intents(struct journal *j, struct step *const *steps, size_t n,
			      struct cut_err *err)
{
	struct step **fresh = xcalloc(n + 1, sizeof(*fresh));
	size_t i, nf = 0;
	int r = 0;

	for (i = 0; i < n; i++)
		if (steps[i]->id == 0)
			fresh[nf++] = steps[i];
	if (nf)
		r = write_intents(j, fresh, nf, err);
	free(fresh);
	return r;
}

static enum journal_phase outcome_phase(int result, bool undo)
{
	if (result == 0 || (result == STEP_PARTIAL && !undo))
		return undo ? JOURNAL_UNDONE : JOURNAL_DONE;
	if (result == CUT_ECONFLICT && undo)
		return JOURNAL_UNDO_CONFLICT;
	return undo ? JOURNAL_UNDO_FAILED : JOURNAL_FAILED;
}

/* Steps of one kind that share a message-less outcome, written as one
 * record naming them. */
struct id_run {
	uint64_t *ids;
	size_t n;
	const char *kind;
};

static int flush_run(struct journal *j, enum journal_phase phase, struct id_run *run)
{
	int r = 0;

	if (run->n)
		r = journal_append_outcomes(j, phase, run->kind, run->ids, run->n);
	run->n = 0;
	return r;
}

static int add_to_run(struct journal *j, enum journal_phase phase, struct id_run *run,
		      const struct step *s)
{
	int r = 0;

	if (run->n && strcmp(run->kind, s->kind) != 0)
		r = flush_run(j, phase, run);
	run->kind = s->kind;
	run->ids[run->n++] = s->id;
	return r;
}

static int failure_record(struct journal *j, const struct step *s, bool undo)
{
	bool partial = s->result == STEP_PARTIAL; /* a done record saying which parts */
	json_t *body = json_pack("{s:I,s:s,s:s,s:s}", "step", (json_int_t)s->id, "kind", s->kind,
				 partial ? "partial" : "error",
				 s->message ? s->message : cut_strerror(s->result), "code",
				 partial ? "partial" : cut_strerror(s->result));
	int r = journal_append(j, outcome_phase(s->result, undo), body, NULL);

	json_decref(body);
	return r;
}

int journal_write_outcomes(struct journal *j, struct step *steps, size_t n, bool undo,
			   struct cut_err *err)
{
	struct id_run run = { xcalloc(n + 1, sizeof(uint64_t)), 0, NULL };
	enum journal_phase ok = outcome_phase(0, undo);
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		const struct step *s = &steps[i];
		if (s->result == STEP_PENDING || s->result == STEP_UNKNOWN || s->id == 0)
			continue; /* not attempted, or never journaled (so never sent) */
		r = s->result == 0 ? add_to_run(j, ok, &run, s) : failure_record(j, s, undo);
	}
	if (r == 0)
		r = flush_run(j, ok, &run);
	free(run.ids);
	if (r < 0)
		return append_failed(j, r, "outcome", err);
	return journal_flush(j, err); /* no fsync: see journal_flush() */
}

/* Length of the run of steps from first that may share one batch. */
static size_t batch_len(const struct step_kind *kind, struct step *const *steps, size_t n,
			bool inverse)
{
	char *key0 = NULL;
	size_t len = 1;

	if (kind && kind->batch_key)
		key0 = kind->batch_key(steps[0], inverse);
	while (len < n && strcmp(steps[len]->kind, steps[0]->kind) == 0 &&
	       (!kind || !kind->batch_max || len < kind->batch_max)) {
		if (kind && kind->batch_key) {
			char *key = kind->batch_key(steps[len], inverse);
			bool same = key && key0 && strcmp(key, key0) == 0;
			free(key);
			if (!same)
				break;
		}
		len++;
	}
	free(key0);
	return len;
}

static int run_kind(const struct step_registry *reg, const struct step_ctx *ctx,
		    struct step *const *steps, size_t n, bool inverse, struct cut_err *err)
{
	const struct step_kind *kind = step_registry_find(reg, steps[0]->kind);
	size_t i;

	if (!kind) {
		for (i = 0; i < n; i++)
			step_set_result(steps[i], CUT_EINTERNAL, "this cutover has no step kind \"%s\"",
					steps[i]->kind);
		return cut_errf(err, CUT_EINTERNAL, "run a cutover built with that capability",
				"unknown step kind \"%s\"", steps[0]->kind);
	}
	return kind->apply(ctx, steps, n, inverse, err);
}

int rollback_apply_steps(struct journal *j, const struct step_registry *reg,
			 const struct step_ctx *ctx, struct step *steps, size_t n, struct cut_err *err)
{
	struct step **ptrs = xcalloc(n, sizeof(*ptrs));
	size_t i, done = 0;
	int r = 0;

	for (i = 0; i < n; i++)
		ptrs[i] = &steps[i];
	while (done < n && r == 0) {
		const struct step_kind *kind = step_registry_find(reg, steps[done].kind);
		size_t len = batch_len(kind, ptrs + done, n - done, false);
		struct cut_err batch_err;

		cut_err_clear(&batch_err);
		if (!ctx->dry_run) {
			r = journal_write_intents(j, steps + done, len, err);
			if (r < 0)
				break;
		}
		r = run_kind(reg, ctx, ptrs + done, len, false, &batch_err);
		if (!ctx->dry_run) {
			int w = journal_write_outcomes(j, steps + done, len, false, err);
			if (w < 0) {
				r = w;
				break;
			}
		}
		if (r < 0)
			*err = batch_err;
		done += len;
	}
	free(ptrs);
	return r;
}

void rollback_report_free(struct rollback_report *rep)
{
	size_t i;

	if (!rep)
		return;
	for (i = 0; i < rep->n; i++)
		free(rep->items[i].message);
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}

/* Intents not yet undone and not known to have failed, newest first; only
 * those with after < seq < before (before 0: no upper bound). */
static size_t pending_intents(const struct journal *j, uint64_t after, uint64_t before,
			      const struct journal_record ***ret)
{
	size_t n = journal_count(j), i, count = 0;
	uint64_t last = journal_last_seq(j);
	enum journal_phase *state = xcalloc(last + 1, sizeof(*state));
	const struct journal_record **out;

	for (i = 0; i < n; i++) {
		const struct journal_record *r = journal_get(j, i);
		if (r->phase == JOURNAL_INTENT)
			state[r->seq] = JOURNAL_INTENT;
		else if (r->phase != JOURNAL_NOTE && r->phase != JOURNAL_HEADER && r->step &&
			 r->step <= last && state[r->step] != 0)
			state[r->step] = r->phase;
	}
	out = xcalloc(n + 1, sizeof(*out));
	for (i = n; i-- > 0;) {
		const struct journal_record *r = journal_get(j, i);
		if (r->phase != JOURNAL_INTENT)
			continue;
		if (state[r->seq] == JOURNAL_UNDONE || state[r->seq] == JOURNAL_FAILED)
			continue;
		if (r->seq <= after || (before && r->seq >= before))
			continue;
		out[count++] = r;
	}
	free(state);
	*ret = out;
	return count;
}

int rollback_pending(const struct journal *j, struct rollback_report *rep)
{
	return rollback_pending_range(j, 0, 0, rep);
}

int rollback_pending_range(const struct journal *j, uint64_t after, uint64_t before,
			   struct rollback_report *rep)
{
	const struct journal_record **recs;
	size_t n, i;

	memset(rep, 0, sizeof(*rep));
	n = pending_intents(j, after, before, &recs);
	rep->items = xcalloc(n + 1, sizeof(*rep->items));
	for (i = 0; i < n; i++) {
		rep->items[i].step = recs[i]->seq;
		rep->items[i].kind = recs[i]->kind;
		rep->items[i].describe = json_string_value(json_object_get(recs[i]->body, "describe"));
		rep->items[i].result = STEP_PENDING;
	}
	rep->n = n;
	rep->skipped = n;
	free(recs);
	return 0;
}

void step_from_intent(struct step *s, const struct journal_record *r)
{
	memset(s, 0, sizeof(*s));
	s->kind = r->kind ? r->kind : "";
	s->apply = json_incref(json_object_get(r->body, "apply"));
	s->inverse = json_incref(json_object_get(r->body, "inverse"));
	s->describe = xstrdup(json_string_value(json_object_get(r->body, "describe")) ?: s->kind);
	s->id = r->seq;
	s->result = STEP_PENDING;
}

static int write_undo_intents(struct journal *j, struct step *steps, size_t n, struct cut_err *err)
{
	struct id_run run = { xcalloc(n + 1, sizeof(uint64_t)), 0, NULL };
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		r = add_to_run(j, JOURNAL_UNDO_INTENT, &run, &steps[i]);
	if (r == 0)
		r = flush_run(j, JOURNAL_UNDO_INTENT, &run);
	free(run.ids);
	if (r < 0)
		return append_failed(j, r, "undo intent", err);
	return journal_sync(j, err);
}

static void tally(struct rollback_report *rep, struct step *steps, size_t n, size_t base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct rollback_item *it = &rep->items[base + i];
		it->result = steps[i].result;
		free(it->message);
		it->message = steps[i].message ? xstrdup(steps[i].message) : NULL;
		rep->skipped--;
		if (it->result == 0)
			rep->undone++;
		else if (it->result == CUT_ECONFLICT)
			rep->conflicts++;
		else if (it->result == STEP_PENDING || it->result == STEP_UNKNOWN)
			rep->skipped++;
		else
			rep->failed++;
	}
}

/* The first real failure among the steps of an undone batch (conflicts are
 * left alone on purpose, they are not failures), from each step's result:
 * a kind returns its first error, which may be a conflict before a
 * failure. *berr describes the kind's error; a failure the kind did not
 * return is described from its step. */
static int batch_failure(int r, struct step *const *steps, size_t n, struct cut_err *berr)
{
	size_t i;

	if (r < 0 && r != CUT_ECONFLICT)
		return r;
	for (i = 0; i < n; i++) {
		const struct step *s = steps[i];
		if (s->result < 0 && s->result != CUT_ECONFLICT)
			return cut_errf(berr, s->result,
					"fix the cause, then run the rollback again: it undoes what is left",
					"undoing %s failed: %s", s->describe,
					s->message ? s->message : cut_strerror(s->result));
	}
	return 0;
}

/* ---- reading ahead ---- */

/* One state per distinct read_ahead function (a room's kinds share one). */
struct ahead_slot {
	void *(*read)(void *ahead, const json_t *step);
	void (*free)(void *ahead);
	void *state;
};

struct rollback_ahead {
	const struct step_registry *reg;
	struct journal_watch watch;
	struct ahead_slot slots[STEP_REGISTRY_MAX];
	size_t n;
	const char *last_name;        /* the kind of the intent before, found once */
	const struct step_kind *last;
};

static struct ahead_slot *ahead_slot(struct rollback_ahead *a, const struct step_kind *kind,
				     bool make)
{
	size_t i;

	if (!kind || !kind->read_ahead)
		return NULL;
	for (i = 0; i < a->n; i++)
		if (a->slots[i].read == kind->read_ahead)
			return &a->slots[i];
	if (!make || a->n == STEP_REGISTRY_MAX)
		return NULL;
	a->slots[a->n] = (struct ahead_slot){ kind->read_ahead, kind->read_ahead_free, NULL };
	return &a->slots[a->n++];
}

static void ahead_intent(void *cookie, const char *kind_name, const json_t *step)
{
	struct rollback_ahead *a = cookie;
	struct ahead_slot *slot;

	if (!a->last_name || strcmp(a->last_name, kind_name) != 0) {
		a->last = step_registry_find(a->reg, kind_name);
		a->last_name = kind_name;
	}
	slot = ahead_slot(a, a->last, true);
	if (slot)
		slot->state = slot->read(slot->state, step);
}

struct rollback_ahead *rollback_ahead_new(const struct step_registry *reg)
{
	struct rollback_ahead *a = xcalloc(1, sizeof(*a));

	a->reg = reg;
	a->watch = (struct journal_watch){ ahead_intent, a };
	return a;
}

const struct journal_watch *rollback_ahead_watch(struct rollback_ahead *a)
{
	return a ? &a->watch : NULL;
}

void rollback_ahead_free(struct rollback_ahead *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		if (a->slots[i].state && a->slots[i].free)
			a->slots[i].free(a->slots[i].state);
	free(a);
}

/* ---- the rollback ---- */

int rollback_run(struct journal *j, const struct step_registry *reg, const struct step_ctx *ctx,
		 struct rollback_report *rep, struct cut_err *err)
{
	return rollback_run_ahead(j, reg, ctx, NULL, rep, err);
}

int rollback_run_ahead(struct journal *j, const struct step_registry *reg,
		       const struct step_ctx *ctx, struct rollback_ahead *a,
		       struct rollback_report *rep, struct cut_err *err)
{
	return rollback_run_range(j, reg, ctx, a, 0, 0, rep, err);
}

int rollback_run_range(struct journal *j, const struct step_registry *reg,
		       const struct step_ctx *ctx, struct rollback_ahead *a, uint64_t after,
		       uint64_t before, struct rollback_report *rep, struct cut_err *err)
{
	const struct journal_record **recs;
	struct step *steps;
	struct step **ptrs;
	size_t n, i, done = 0;
	int first_fail = 0, r;
	struct cut_err fail_err;

	r = rollback_pending_range(j, after, before, rep);
	if (r < 0)
		return r;
	n = pending_intents(j, after, before, &recs);
	steps = xcalloc(n + 1, sizeof(*steps));
	ptrs = xcalloc(n + 1, sizeof(*ptrs));
	for (i = 0; i < n; i++) {
		step_from_intent(&steps[i], recs[i]);
		ptrs[i] = &steps[i];
	}
	free(recs);
	cut_err_clear(&fail_err);
	while (done < n) {
		const struct step_kind *kind = step_registry_find(reg, steps[done].kind);
		size_t len = batch_len(kind, ptrs + done, n - done, true);
		struct ahead_slot *slot = a ? ahead_slot(a, kind, false) : NULL;
		struct step_ctx bctx = *ctx;
		struct cut_err batch_err;

		cut_err_clear(&batch_err);
		if (!ctx->dry_run) {
			r = write_undo_intents(j, steps + done, len, err);
			if (r < 0)
				goto out;
		}
		/* only the first batch: after others ran, what was read is old */
		bctx.ahead = slot && done == 0 ? slot->state : NULL;
		r = run_kind(reg, &bctx, ptrs + done, len, true, &batch_err);
		r = batch_failure(r, ptrs + done, len, &batch_err);
		if (r < 0 && !first_fail) {
			first_fail = r;
			fail_err = batch_err;
		}
		/* before the outcomes: the report says what was done even when
		 * they cannot be written */
		tally(rep, steps + done, len, done);
		if (!ctx->dry_run) {
			r = journal_write_outcomes(j, steps + done, len, true, err);
			if (r < 0)
				goto out;
		}
		done += len;
	}
	r = 0;
	if (first_fail) {
		*err = fail_err;
		r = first_fail;
	} else if (rep->conflicts) {
		r = cut_errf(err, CUT_ECONFLICT,
			     "check those records by hand; `cutover rollback --force` overwrites them",
			     "%zu step%s left alone: changed by someone else since cutover changed %s",
			     rep->conflicts, rep->conflicts == 1 ? "" : "s",
			     rep->conflicts == 1 ? "it" : "them");
	}
out:
	for (i = 0; i < n; i++)
		step_clear(&steps[i]);
	free(steps);
	free(ptrs);
	return r;
}
