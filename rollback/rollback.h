/* rollback/rollback.h — journaled apply and the rollback engine.
 *
 * Forward (used by every capability):
 *     journal_write_intents(j, steps, n)   appends n intents, ONE fsync
 *     … the kind applies the batch …
 *     journal_write_outcomes(j, steps, n)  appends done/failed, one fsync
 * or all three at once with rollback_apply_batch().
 *
 * Rollback walks the journal backwards and applies the inverse of every
 * step whose intent was recorded and that is not known to have failed or
 * been undone: done steps and steps whose outcome is unknown (a crash). Each
 * undo writes undo-intent (synced) before acting and undone / undo-failed /
 * undo-conflict after, in the same journal, so an interrupted rollback
 * resumes and a second full rollback changes nothing.
 */
#ifndef CUTOVER_ROLLBACK_ROLLBACK_H
#define CUTOVER_ROLLBACK_ROLLBACK_H

#include "journal.h"
#include "step.h"

/* Appends an intent per step (kind, apply, inverse, describe), sets each
 * step's id, and syncs once. All or nothing: when the journal refuses the
 * intents of one kind, those of the kinds before it in steps are marked
 * failed (never made) and no step gets an id. */
int journal_write_intents(struct journal *j, struct step *steps, size_t n,
			  struct cut_err *err) CUT_MUST_CHECK;

/* The same for those of steps[0..n) not journaled yet (id 0); nothing
 * (no sync) when there are none. Fits step_ctx.before_send. */
int journal_write_new_intents(struct journal *j, struct step *const *steps, size_t n,
			      struct cut_err *err) CUT_MUST_CHECK;

/* Appends the outcome of each step that was attempted (result != STEP_PENDING)
 * — done, failed (with message) or, with undo=true, undone / undo-failed /
 * undo-conflict — and syncs once. */
int journal_write_outcomes(struct journal *j, struct step *steps, size_t n, bool undo,
			   struct cut_err *err) CUT_MUST_CHECK;

/* Writes intents, applies steps with their kind (found in reg) batch by
 * batch, writes outcomes. Stops at the first batch that fails. */
int rollback_apply_steps(struct journal *j, const struct step_registry *reg,
			 const struct step_ctx *ctx, struct step *steps, size_t n,
			 struct cut_err *err) CUT_MUST_CHECK;

/* Fills s from an intent record: kind, apply, inverse, describe, id = its
 * seq, result STEP_PENDING. References are taken; step_clear releases them. */
void step_from_intent(struct step *s, const struct journal_record *intent);

/* What a rollback would do or did, step by step. */
struct rollback_item {
	uint64_t step;        /* intent seq */
	const char *kind;
	const char *describe;
	int result;           /* 0 undone (or already), CUT_ECONFLICT, <0 failed, STEP_PENDING */
	char *message;
};

struct rollback_report {
	struct rollback_item *items; /* in the order they were undone */
	size_t n;
	size_t undone, conflicts, failed, skipped;
};

void rollback_report_free(struct rollback_report *rep);

/* Steps of the journal that a rollback would undo, newest first (for
 * `rollback --dry-run`, status lines). Fills a report with STEP_PENDING. */
int rollback_pending(const struct journal *j, struct rollback_report *rep) CUT_MUST_CHECK;
/* The same for the intents with after < seq < before only (before 0: no
 * upper bound): one switch's steps in a journal that holds several. */
int rollback_pending_range(const struct journal *j, uint64_t after, uint64_t before,
			   struct rollback_report *rep) CUT_MUST_CHECK;

/* Runs the rollback. Returns 0 when everything pending is undone, CUT_ECONFLICT
 * when some steps were left alone (the world changed; --force to override),
 * or the first failure. With ctx->dry_run nothing is written or applied. */
int rollback_run(struct journal *j, const struct step_registry *reg, const struct step_ctx *ctx,
		 struct rollback_report *rep, struct cut_err *err) CUT_MUST_CHECK;

/* Reading ahead, for speed: the kinds with a read_ahead (step.h) start
 * reading what undoing their steps will need while the journal is still
 * being opened (a 10,000-route journal takes ~5 ms to read, the host's
 * routes ~7 ms):
 *     a = rollback_ahead_new(reg);
 *     journal_open_watched(path, flags, NULL, rollback_ahead_watch(a), &j, err);
 *     rollback_run_ahead(j, reg, ctx, a, rep, err);   (the first batch gets its
 *                                                       kind's state in ctx->ahead:
 *                                                       for later ones it would be old)
 *     rollback_ahead_free(a);                          (after the run, or a failed open) */
struct rollback_ahead;
struct rollback_ahead *rollback_ahead_new(const struct step_registry *reg);
const struct journal_watch *rollback_ahead_watch(struct rollback_ahead *a);
void rollback_ahead_free(struct rollback_ahead *a); /* NULL-safe; waits for the reads */
int rollback_run_ahead(struct journal *j, const struct step_registry *reg,
		       const struct step_ctx *ctx, struct rollback_ahead *a,
		       struct rollback_report *rep, struct cut_err *err) CUT_MUST_CHECK;

/* rollback_run_ahead (a may be NULL) over the intents with after < seq <
 * before only (before 0: no upper bound): what an automatic rollback of one
 * provisional switch undoes, leaving the journal's other switches alone. */
int rollback_run_range(struct journal *j, const struct step_registry *reg,
		       const struct step_ctx *ctx, struct rollback_ahead *a, uint64_t after,
		       uint64_t before, struct rollback_report *rep, struct cut_err *err)
	CUT_MUST_CHECK;

#endif
