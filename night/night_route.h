/* night/night_route.h — cutover night for routes and addresses:
 *
 *     night_plan_load → health gates (unless skipped) → read every host's
 *     kernel → compare-and-swap check of every `from` (any mismatch: refused,
 *     nothing changed) → per host, step by step (a table of up to 1,024 route
 *     changes, or an address): journal its prior state and inverse, synced,
 *     while the netlink batch of the step before goes to the kernel →
 *     outcomes by sequence number, written at the end.
 *
 * Rollback is the generic rollback_run() over the journal: the step kinds
 * "routes", "route" and "addr" undo and then read back (netplan.h).
 */
#ifndef CUTOVER_NIGHT_ROUTE_H
#define CUTOVER_NIGHT_ROUTE_H

#include <stdbool.h>

#include "diag.h"
#include "error.h"
#include "netplan.h"
#include "night.h"
#include "step.h"

struct night_route_opts {
	bool dry_run;          /* say what would be sent; journal and send nothing */
	bool skip_health;      /* do not run the plan's gates (an explicit --skip-health) */
	const char *netns;     /* run every host in this namespace instead; NULL: the plan's */
	int64_t confirm_within_ms; /* --confirm-within: armed (night_provisional_arm)
				    * before the first change; 0 for none */
	bool watch;            /* --watch follows: switch: refused (CUT_EUSAGE) before
				* the gates run or anything is journaled or sent when
				* the routes name no gates (night_watch_needs_gates) */
	step_say_fn say;       /* progress lines; may be NULL */
	void *say_cookie;
};

struct night_route_result {
	struct night_plan *np;       /* owned */
	struct netplan_diff *diff;   /* owned; NULL when the plan could not be compared */
	bool journaled;              /* intents are on disk: rollback can undo */
	bool provisional;             /* armed: a watchdog rolls back at deadline_ms */
	int64_t deadline_ms;          /* realtime */
	uint64_t seq_before;          /* the journal's last record before the switch:
				       * its steps are the intents after it */
	size_t applied, already, failed, conflicts, not_tried, unknown; /* changes */
};

/* Reads the plan and every host's kernel, and compares: no change is made.
 * Returns 0 with *ret set, or an error (input errors are in d; check
 * d->errors). *ret may be set on error too, for what is known. */
int night_route_plan(const char *path, const struct night_route_opts *o,
		     struct night_route_result **ret, struct diags *d, struct cut_err *err)
	CUT_MUST_CHECK;

/* Plans as above, then switches (see the top of this file). Returns 0,
 * CUT_ECONFLICT (refused, nothing changed), CUT_EHEALTH, or the first step's
 * failure (the journal can roll back what was applied). */
int night_route_switch(const char *path, const struct night_route_opts *o,
		       struct night_route_result **ret, struct diags *d, struct cut_err *err)
	CUT_MUST_CHECK;

void night_route_result_free(struct night_route_result *r);

#endif
