/* rollback/step.h — steps, step kinds and their registry.
 *
 * A step is one change in the world (one RRset, one route, one cloud
 * resource) with its exact inverse. A step kind knows how to bring a batch
 * of payloads into effect: the forward path passes each step's apply
 * payload, a rollback passes each step's inverse. Applying must be
 * idempotent and compare-and-swap: a payload already in effect counts as
 * done; one whose precondition ("from") no longer holds is left alone with
 * CUT_ECONFLICT unless ctx->force.
 *
 * Domain rooms register their kinds (dns_register_steps(), …); the registry
 * is a plain value the caller owns, no global state.
 */
#ifndef CUTOVER_ROLLBACK_STEP_H
#define CUTOVER_ROLLBACK_STEP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define STEP_PENDING 1 /* result of a step not (yet) attempted */
#define STEP_UNKNOWN 2 /* attempted, outcome unknown (a timeout): rollback undoes it */
#define STEP_PARTIAL 3 /* a step of many changes, some in effect and some not (the
                        * message says which): journaled as done, so rollback undoes
                        * it, its kind skipping the parts already as they were */

struct step {
	const char *kind;   /* a registered kind's name (static string) */
	json_t *apply;      /* owned reference: what the step does */
	json_t *inverse;    /* owned reference: its exact inverse */
	char *describe;     /* owned: one line for humans */
	uint64_t id;        /* seq of its intent record, once journaled */
	int result;         /* STEP_PENDING, STEP_UNKNOWN, STEP_PARTIAL, 0 in effect,
	                     * CUT_ECONFLICT left alone, <0 failed: known NOT to be in
	                     * effect */
	char *message;      /* owned: why, for failures and conflicts; no secrets */
};

/* Fills s, taking ownership of the references apply and inverse. */
void step_init(struct step *s, const char *kind, json_t *apply, json_t *inverse,
	       const char *describe_fmt, ...) CUT_PRINTF(5, 6);
void step_set_result(struct step *s, int result, const char *fmt, ...) CUT_PRINTF(3, 4);
/* Releases what s owns; s may be reused after step_init. */
void step_clear(struct step *s);

/* The payload of one direction: apply, or with inverse the inverse (as
 * journaled: a kind may make it name its apply payload). */
static inline const json_t *step_payload(const struct step *s, bool inverse)
{
	return inverse ? s->inverse : s->apply;
}

/* A line from a kind for the person at the terminal (dry-run listing,
 * progress). The CLI decides where it goes. */
typedef void (*step_say_fn)(void *cookie, const char *line);

struct step_ctx {
	bool dry_run;        /* describe exactly what would be sent (through say);
			      * send nothing, leave results STEP_PENDING */
	bool force;          /* apply even where the precondition no longer holds */
	step_say_fn say;     /* may be NULL */
	void *say_cookie;
	/* Write-ahead as late as is safe: a kind that sends a batch in several
	 * requests calls this with the steps of each request before that
	 * request leaves, and prepares the next while the peer works on the
	 * one before. The caller journals the steps not journaled yet (id 0)
	 * and syncs; an error stops the batch there. NULL: the caller journaled
	 * the whole batch before apply. */
	int (*before_send)(void *cookie, struct step *const *steps, size_t n,
			   struct cut_err *err);
	void *before_send_cookie;
	void *user;          /* for the kind: options of its own room */
	void *ahead;         /* for the kind: what its read_ahead started (a
			      * rollback reading ahead, rollback.h), or NULL */
};

struct step_kind {
	const char *name;    /* "dns.rrset", "route", "addr", "landing.openstack.network", … */
	/* Brings the payloads of steps[0..n) into effect in one batch: the apply
	 * payloads, or with inverse=true the inverses. Sets each step's result
	 * (0, CUT_ECONFLICT, <0, or leaves STEP_PENDING where it stopped before
	 * trying). Returns 0 when every step is in effect, else the first error,
	 * with *err describing it for the batch. */
	int (*apply)(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		     struct cut_err *err);
	/* Steps of one kind that give the same key may share a batch (e.g. same
	 * server and zone), for the forward direction or with inverse=true the
	 * rollback's (an inverse may name its apply payload rather than repeat
	 * it). NULL: all steps of the kind may. Returns a malloc'd string. */
	char *(*batch_key)(const struct step *s, bool inverse);
	/* Largest batch the kind takes at once; 0 for no limit. */
	size_t batch_max;
	/* Optional, for speed. Given what it returned before (NULL the first
	 * time) and an intent's step object (apply, inverse, describe) as a
	 * rollback reads its journal, starts reading in the background what
	 * undoing that step will need (a host's kernel state) and returns its
	 * state; apply then finds it in ctx->ahead (in the rollback's first
	 * batch only: later, it could be old). Kinds with the same
	 * read_ahead share one state. apply must work as well without it. */
	void *(*read_ahead)(void *ahead, const json_t *step);
	void (*read_ahead_free)(void *ahead); /* waits for the reading to end */
};

#define STEP_REGISTRY_MAX 64

struct step_registry {
	const struct step_kind *kinds[STEP_REGISTRY_MAX];
	size_t n;
};

void step_registry_init(struct step_registry *reg);
/* -EEXIST for a name already there, -E2BIG when full. */
int step_registry_add(struct step_registry *reg, const struct step_kind *kind) CUT_MUST_CHECK;
const struct step_kind *step_registry_find(const struct step_registry *reg, const char *name);

#endif
