/* netplan/netplan.h — routes and addresses on Linux hosts over netlink
 * (libnl-route-3): the plan's "routes" section, read, diff, switch, undo.
 *
 *     netplan_plan_parse()   the section, every error with file:line:col
 *     netplan_diff()         reads each host's kernel state, compares every
 *                            change's `from` and `to`, and turns the pending
 *                            ones into steps whose payloads hold the complete
 *                            prior state (and so their exact inverse)
 *     netplan_apply()        brings steps into effect (or with inverse=true
 *                            their inverses) in one netlink batch per host
 *
 * Step kinds (netplan_register_steps):
 *   "routes"  a table of route changes of one host, one line each,
 *             { "netns": "gw1" (absent: this host),
 *               "routes": "PATH\tBEFORE\tAFTER\n…" }
 *             BEFORE or AFTER "-": an add or a delete; both: a replace (same
 *             key). The inverse is { "netns", "inverse_of": "apply" }: the
 *             same lines, last first, BEFORE and AFTER swapped.
 *             A ROUTE is one text,
 *             "10.0.0.0/24 table 254 metric 0 proto 3 via 192.0.2.254 dev v0a exact"
 *             (one text per step, not a JSON value per route, keeps the journal
 *             of 10,000 routes fast to write and to read back);
 *   "addr"    one address, { "netns", "before": ADDR|null, "after": ADDR|null },
 *             an ADDR an object;
 *   "route"   one route, like "addr" with ROUTE texts (journals before "routes").
 * docs/routes.md has the details.
 *
 * This room never prints: text for people goes through step_ctx.say or the
 * strings of struct netplan_diff, which the caller owns.
 */
#ifndef CUTOVER_NETPLAN_H
#define CUTOVER_NETPLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "schema.h"
#include "step.h"

#define NETPLAN_HOSTS_MAX 256
#define NETPLAN_CHANGES_MAX 200000 /* route and address changes of one host */
#define NETPLAN_GATES_MAX 64

struct netplan_plan;
struct netplan_prefetch;

/* The arrays of a plan netplan_plan_parse() reads straight from the text
 * when the plan's reader leaves them so (plan_load's defer): NULL-ended. */
extern const char *const netplan_text_arrays[];

/* Checks the "routes" section (errors into sc->d, all of them) and returns a
 * plan that borrows nothing from section. Returns 0 with *ret set even when
 * errors were reported (check sc->d->errors), or a negative code. */
int netplan_plan_parse(struct schema *sc, json_t *section, struct netplan_plan **ret)
	CUT_MUST_CHECK;
void netplan_plan_free(struct netplan_plan *p);

/* The health checks to pass before switching (the section's "gates"):
 * *ret points into p. Returns their number. */
size_t netplan_gates(const struct netplan_plan *p, const char *const **ret);
size_t netplan_hosts(const struct netplan_plan *p);

enum netplan_state {
	NETPLAN_PENDING,  /* the kernel holds `from`: the switch will change it */
	NETPLAN_DONE,     /* the kernel already holds `to` */
	NETPLAN_CONFLICT, /* the kernel holds neither: refused */
};

/* One change of the plan against one host's kernel. Strings are owned. */
struct netplan_item {
	char *path;        /* in the plan: "routes.hosts[0].routes[3]" */
	char *host;        /* "netns gw1" or "this host" */
	/* Texts for people: of a route change only made by netplan_diff_texts()
	 * (or for a conflict); NULL until then. */
	char *what;        /* "route 10.0.3.0/24 table 100 metric 0", "address 10.1.2.3/32" */
	char *now;         /* what the kernel holds, "" for nothing */
	char *want;        /* what the plan wants, "" for nothing */
	enum netplan_state state;
	char *message;     /* for a conflict: what differs; NULL otherwise */
	int result;        /* after netplan_switch(), for a pending change: 0 applied,
	                    * STEP_PENDING not tried, STEP_UNKNOWN, <0 failed */
	char *outcome;     /* owned: why it failed, or NULL */
};

struct netplan_diff {
	struct netplan_item *items;
	size_t n, pending, done, conflicts;
	struct step *steps;   /* the journal's steps, made by netplan_switch() as it goes:
	                       * none before it runs */
	size_t nsteps;
	struct np_op *ops;    /* the pending changes as the switch sends them */
	size_t nops;
	struct np_batch *batches; /* per host: its kernel state and its ops */
	size_t nbatches;
	struct np_item_src *srcs; /* per item: where its texts come from */
};

/* Reads the kernel state of every host of p (in netns_override instead of
 * each host's netns when not NULL) and compares; a host's state read ahead
 * by pf (may be NULL) is taken instead of reading it. Returns 0 with *ret set
 * (conflicts are in the diff, not an error), or a negative code when a host
 * cannot be read. */
int netplan_diff(const struct netplan_plan *p, const char *netns_override,
		 struct netplan_prefetch *pf, struct netplan_diff **ret,
		 struct cut_err *err) CUT_MUST_CHECK;
void netplan_diff_free(struct netplan_diff *d);

/* Starts reading, on a thread of its own, the kernel state of the hosts
 * that section (the plan's "routes" section as read, not checked yet) names,
 * for netplan_diff() to take while the caller checks the plan (np_prefetch.c).
 * Read only when the diff comes right after: a health gate in between would
 * make it stale. NULL when there is nothing to read. */
struct netplan_prefetch *netplan_prefetch(const json_t *section, const char *netns_override);
void netplan_prefetch_free(struct netplan_prefetch *pf); /* NULL-safe; waits for it */

/* Makes the texts (what, now, want) of every item that has none yet: a
 * listing needs them, a switch of 10,000 routes does not (~15 ms). */
void netplan_diff_texts(struct netplan_diff *d);

/* Brings the diff's pending changes into effect, host by host in the
 * plan's order, stopping at the first host that fails. It makes the steps
 * as it goes (a "routes" table of up to NP_TABLE_LINES_MAX changes, or an
 * address) and hands each to ctx->before_send, which must journal it
 * (synced) before any of its changes is sent; a sender thread meanwhile
 * sends the changes journaled before over one netlink socket (windows of
 * many requests, results by sequence number), so the journal and the
 * kernel work at once. Sends what netplan_diff() decided against the kernel
 * it read, without reading again. With ctx->dry_run it makes the steps,
 * journals and sends nothing, and says each request through ctx->say. Sets
 * each made step's result and each pending item's result. Returns 0, or the
 * first failure (the kernel's refusal, or before_send's error) with *err
 * naming the change and the kernel's words. */
int netplan_switch(const struct step_ctx *ctx, struct netplan_diff *d, struct cut_err *err)
	CUT_MUST_CHECK;

/* Brings journaled steps (of the kinds below, any mix, one host) into effect
 * in one netlink batch, or their inverses; the contract of step_kind.apply:
 * reads the kernel, compares each change (compare-and-swap), sends. With
 * inverse=true it then re-reads the kernel and compares each restored route
 * and address with the journal's prior state: a difference sets that step's
 * result to CUT_EVERIFY, saying what differs. */
int netplan_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		  struct cut_err *err) CUT_MUST_CHECK;

/* Registers the step kinds "routes", "route" and "addr". */
int netplan_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

#endif
