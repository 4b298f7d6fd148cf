/* night/night_route.c — gate, compare-and-swap, journal, switch routes. */
#include "night_route.h"

#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "night_watch.h"
#include "rollback.h"
#include "util.h"

void night_route_result_free(struct night_route_result *r)
{
	if (!r)
		return;
	netplan_diff_free(r->diff);
	night_plan_free(r->np);
	free(r);
}

/* Reads and checks the plan; meanwhile every host's kernel state is read
 * (*pf, for netplan_diff) unless health gates will run first (gated): the
 * state compared must be read after them. */
static int load(const char *path, const struct night_route_opts *o, bool gated,
		struct night_route_result *res, struct netplan_prefetch **pf, struct diags *d,
		struct cut_err *err)
{
	int r = night_plan_read(path, &res->np, d, err);
	const json_t *routes;

	*pf = NULL;
	if (r < 0)
		return r;
	routes = res->np->plan->routes;
	if (routes && !(gated && json_array_size(json_object_get(routes, "gates"))))
		*pf = netplan_prefetch(routes, o->netns);
	r = night_plan_check(res->np, path, d, err);
	if (r == 0 && d->errors)
		r = diags_to_err(d, err);
	if (r < 0)
		return r;
	if (!res->np->routes || netplan_hosts(res->np->routes) == 0)
		return cut_errf(err, CUT_EINPUT, "add a \"routes\" section (docs/routes.md)",
				"%s: the plan has no routes to switch", path);
	return 0;
}

int night_route_plan(const char *path, const struct night_route_opts *o,
		     struct night_route_result **ret, struct diags *d, struct cut_err *err)
{
	struct night_route_result *res = xcalloc(1, sizeof(*res));
	struct netplan_prefetch *pf;
	int r;

	*ret = res;
	r = load(path, o, false, res, &pf, d, err);
	if (r == 0)
		r = netplan_diff(res->np->routes, o->netns, pf, &res->diff, err);
	netplan_prefetch_free(pf);
	return r;
}

static int refuse_conflicts(const struct netplan_diff *diff, struct cut_err *err)
{
	size_t i;

	for (i = 0; i < diff->n; i++) {
		const struct netplan_item *it = &diff->items[i];
		if (it->state != NETPLAN_CONFLICT)
			continue;
		return cut_errf(err, CUT_ECONFLICT,
				"nothing was changed: fix the plan's `from`, or the host, and run "
				"`cutover route plan` to compare again",
				"%s (%s): %s: %s%s", it->path, it->host, it->what, it->message,
				diff->conflicts > 1 ? " (and more: see `cutover route plan`)" : "");
	}
	return 0;
}

/* What became of each pending change of the plan. */
static void count(struct night_route_result *res)
{
	size_t i;

	for (i = 0; i < res->diff->n; i++) {
		const struct netplan_item *it = &res->diff->items[i];
		if (it->state != NETPLAN_PENDING)
			continue;
		if (it->result == 0)
			res->applied++;
		else if (it->result == STEP_PENDING)
			res->not_tried++;
		else if (it->result == STEP_UNKNOWN)
			res->unknown++;
		else if (it->result == CUT_ECONFLICT)
			res->conflicts++;
		else
			res->failed++;
	}
}

static int journal_ahead(void *cookie, struct step *const *steps, size_t n, struct cut_err *err)
{
	return journal_write_new_intents(cookie, steps, n, err);
}

/* Each step (a table of routes, or an address) is journaled and synced just
 * before its changes are sent; the kernel applies one table while the next
 * is journaled (netplan_switch). */
static int switch_journaled(struct night_route_result *res, const struct step_ctx *ctx,
			    struct journal *j, struct cut_err *err)
{
	struct step_ctx jctx = *ctx;
	struct cut_err apply_err;
	size_t i;
	int r, w;

	cut_err_clear(&apply_err);
	jctx.before_send = journal_ahead;
	jctx.before_send_cookie = j;
	r = netplan_switch(&jctx, res->diff, &apply_err);
	for (i = 0; i < res->diff->nsteps; i++)
		res->journaled = res->journaled || res->diff->steps[i].id != 0;
	w = journal_write_outcomes(j, res->diff->steps, res->diff->nsteps, false, err);
	if (r < 0) {
		*err = apply_err;
		return r;
	}
	return w;
}

/* The switch, with --confirm-within armed before its first change (a route
 * change may cut the operator's own SSH session, and this process with it)
 * and its end noted after the last. */
static int switch_provisional(struct night_route_result *res, const struct night_route_opts *o,
			      const struct step_ctx *ctx, struct journal *j, struct cut_err *err)
{
	struct cut_err end_err;
	int r, w;

	res->seq_before = journal_last_seq(j);
	if (!o->confirm_within_ms)
		return switch_journaled(res, ctx, j, err);
	r = night_provisional_arm(j, o->confirm_within_ms, NULL, &res->deadline_ms, err);
	if (r < 0)
		return r;
	res->provisional = true;
	r = switch_journaled(res, ctx, j, err);
	cut_err_clear(&end_err);
	w = night_provisional_end(j, res->journaled, r < 0 ? &end_err : err);
	res->provisional = res->journaled;
	return r < 0 ? r : w;
}

int night_route_switch(const char *path, const struct night_route_opts *o,
		       struct night_route_result **ret, struct diags *d, struct cut_err *err)
{
	struct step_ctx ctx = { .dry_run = o->dry_run, .say = o->say, .say_cookie = o->say_cookie };
	struct night_route_result *res;
	const char *const *gates;
	struct journal *j = NULL;
	struct netplan_prefetch *pf;
	size_t ngates;
	int r;

	*ret = res = xcalloc(1, sizeof(*res));
	r = load(path, o, !o->skip_health, res, &pf, d, err);
	ngates = r == 0 ? netplan_gates(res->np->routes, &gates) : 0;
	if (r == 0 && o->watch) /* before the gates run or anything is read */
		r = night_watch_needs_gates(ngates, "routes", err);
	if (r == 0 && !o->skip_health && ngates)
		r = night_gate(res->np, gates, ngates, err); /* no state was read ahead */
	if (r == 0)
		r = netplan_diff(res->np->routes, o->netns, pf, &res->diff, err);
	netplan_prefetch_free(pf);
	if (r == 0)
		r = refuse_conflicts(res->diff, err);
	if (r < 0 || res->diff->pending == 0)
		return r;
	if (o->dry_run)
		return netplan_switch(&ctx, res->diff, err);
	r = journal_open(res->np->plan->journal, JOURNAL_CREATE, res->np->plan->change, &j, err);
	if (r < 0)
		return r;
	if (!o->confirm_within_ms)
		night_provisional_warn_unwatched(j, d);
	r = switch_provisional(res, o, &ctx, j, err);
	journal_close(j);
	count(res);
	return r;
}
