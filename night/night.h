/* night/night.h — the cutover night: what combines the domain rooms.
 *
 * Loads a whole plan (the top level and every section, with every error of
 * the file), registers every step kind, and (as the capabilities land)
 * runs gate -> journal -> switch -> verify -> watch. The CLI calls this
 * room; the domain rooms never include one another.
 */
#ifndef CUTOVER_NIGHT_H
#define CUTOVER_NIGHT_H

#include "diag.h"
#include "dnsctl.h"
#include "error.h"
#include "health.h"
#include "netplan.h"
#include "plan.h"
#include "step.h"

struct night_plan {
	struct plan *plan;
	struct dns_plan *dns;         /* NULL when the plan has no "dns" */
	struct netplan_plan *routes;  /* NULL when the plan has no "routes" */
	struct health_plan *health;   /* NULL when the plan has no "health" */
};

/* Loads and checks a plan file. Input errors go to d; returns 0 with *ret
 * set (check d->errors before acting) or a negative code when the file
 * cannot be read. */
int night_plan_load(const char *path, struct night_plan **ret, struct diags *d,
		    struct cut_err *err) CUT_MUST_CHECK;
void night_plan_free(struct night_plan *np);

/* night_plan_load in two halves, for a command that starts work between
 * them: the file read (its top level checked) into a new *ret, then every
 * section checked. night_plan_check's negative code leaves np to free. */
int night_plan_read(const char *path, struct night_plan **ret, struct diags *d,
		    struct cut_err *err) CUT_MUST_CHECK;
int night_plan_check(struct night_plan *np, const char *path, struct diags *d,
		     struct cut_err *err) CUT_MUST_CHECK;

/* For `cutover check`: what the plan names outside itself and a command
 * would read only when it acts (the DNS primaries' key files), checked now;
 * problems go to d as errors at the plan's key. */
void night_plan_check_files(const struct night_plan *np, struct diags *d);

/* night_plan_load for commands that act: a plan with input errors is
 * refused with CUT_EINPUT (the first error, and how many more); the
 * diagnostics stay in d for the caller to print. */
int night_plan_load_valid(const char *path, struct night_plan **ret, struct diags *d,
			  struct cut_err *err) CUT_MUST_CHECK;

/* Health gate: runs the named checks of the plan's "health" section (with
 * their thresholds) before anything is journaled. 0 when all pass;
 * CUT_EHEALTH naming the check, target and reason when one fails. The
 * caller skips it only on an explicit --skip-health. (night/night_gate.c) */
int night_gate(const struct night_plan *np, const char *const *checks, size_t n,
	       struct cut_err *err) CUT_MUST_CHECK;

/* Registers the step kinds of every room, for rollback. */
int night_register_steps(struct step_registry *reg, struct cut_err *err) CUT_MUST_CHECK;

#endif
