/* netplan/np_switch.c — the forward switch: steps made from the diff's ops,
 * each journaled (ctx->before_send) just before its changes leave, while a
 * sender thread hands the changes journaled before to the kernel.
 *
 * Two threads, one job each: the caller's thread makes steps and journals
 * them (text, write, fdatasync); the sender (np_sender.c) owns the netlink
 * socket and the ops' results. Ops [0, ready) of the batch are journaled and
 * may be sent. Nothing is sent that was not journaled first;
 * what was journaled and not sent is undone by a rollback as a no-op
 * (compare-and-swap finds the route as it was).
 */
#include "np.h"
#include "netplan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Makes the batch's steps one by one; each is journaled, then offered. */
static int make_and_offer(const struct step_ctx *ctx, struct netplan_diff *d,
			  struct np_batch *b, struct np_sender *s, struct cut_err *err)
{
	struct np_table_text t = { 0 };
	size_t step;
	int r;

	while ((r = np_batch_next_step(d, b, &t, &step)) == 0) {
		struct step *p = &d->steps[step];
		if (ctx->before_send && !ctx->dry_run) {
			r = ctx->before_send(ctx->before_send_cookie, &p, 1, err);
			if (r < 0)
				break;
		}
		if (s && !np_sender_offer(s, b->next_op - b->first_op))
			break;
	}
	np_table_free(&t);
	if (r == CUT_EINPUT)
		return cut_errf(err, r, "rename the device to plain text (`ip link set dev OLD name "
				"NEW`)", "%s: a device name is not UTF-8 text; the journal cannot hold "
				"it", b->host);
	return r < 0 ? r : 0;
}

static int rank(int result)
{
	if (result == 0)
		return 0;
	if (result == STEP_PENDING)
		return 1;
	if (result == STEP_UNKNOWN)
		return 2;
	return result == CUT_ECONFLICT ? 3 : 4;
}

/* Each pending item's result: the worst of its ops' (a route whose key
 * changes has two: the add and the delete). */
static void item_results(struct netplan_diff *d, const struct np_batch *b)
{
	size_t i;

	for (i = b->first_op; i < b->first_op + b->nops; i++)
		d->items[d->ops[i].item].result = 0;
	for (i = b->first_op; i < b->first_op + b->nops; i++) {
		const struct np_op *o = &d->ops[i];
		struct netplan_item *it = &d->items[o->item];
		if (rank(o->result) <= rank(it->result))
			continue;
		it->result = o->result;
		free(it->outcome);
		it->outcome = o->message ? xstrdup(o->message) : NULL;
	}
}

static int dry_run(const struct step_ctx *ctx, struct netplan_diff *d, struct np_batch *b,
		   struct np_conn *c, struct cut_err *err)
{
	int r = make_and_offer(ctx, d, b, NULL, err);

	if (r == 0)
		r = np_ops_send(ctx, c, d->ops + b->first_op, b->nops, &b->st, false, err);
	return r;
}

static int switch_host(const struct step_ctx *ctx, struct netplan_diff *d, struct np_batch *b,
		       struct step *const *steps, struct cut_err *err)
{
	struct np_sender *s;
	struct np_conn *c = NULL;
	struct cut_err send_err;
	int r, sent_r = 0, rs;

	if (b->nops == 0)
		return 0; /* nothing to change on this host */
	r = np_conn_open(b->netns, &c, err);
	if (r < 0)
		return r;
	if (ctx->dry_run) {
		r = dry_run(ctx, d, b, c, err);
		np_conn_close(c);
		return r;
	}
	cut_err_clear(&send_err);
	r = np_sender_start(ctx, c, d->ops + b->first_op, &b->st, &s, err);
	if (r == 0) {
		r = make_and_offer(ctx, d, b, s, err);
		sent_r = np_sender_finish(s, &send_err);
	}
	np_ops_settle(d->ops + b->first_op, b->nops, steps, d->nsteps, false);
	item_results(d, b);
	rs = np_ops_error(d->ops + b->first_op, b->nops, steps, sent_r, b->host, false, &send_err);
	np_conn_close(c);
	if (rs < 0) { /* the kernel's answer comes first: it says what happened */
		*err = send_err;
		return rs;
	}
	return r;
}

int netplan_switch(const struct step_ctx *ctx, struct netplan_diff *d, struct cut_err *err)
{
	struct step **steps;
	size_t i;
	int r = 0;

	if (!d->steps) /* one step per op at most: never moved (before_send holds pointers) */
		d->steps = xcalloc(d->nops + 1, sizeof(*d->steps));
	steps = xcalloc(d->nops + 1, sizeof(*steps));
	for (i = 0; i < d->nops; i++)
		steps[i] = &d->steps[i];
	for (i = 0; i < d->nbatches && r == 0; i++)
		r = switch_host(ctx, d, &d->batches[i], steps, err);
	free(steps);
	return r;
}
