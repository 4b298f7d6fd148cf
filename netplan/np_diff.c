/* netplan/np_diff.c — the plan against each host's kernel: which changes
 * are pending, done or in conflict; the ops of the pending ones with the
 * complete prior state of what they touch; and the steps (journal payloads)
 * made from those ops as the switch goes (np_batch_next_step). */
#include "np_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* Where a route item's texts come from, for netplan_diff_texts(). */
struct np_item_src {
	const struct np_route_change *change; /* NULL: not a route, or texts made */
	size_t batch;                         /* its host's batch (kernel state) */
};

struct diff_ctx {
	struct netplan_diff *d;
	size_t cap_items, cap_ops, cap_batches;
	const struct np_host *h;
	const char *netns;
	struct np_state *st;
	size_t near;          /* np_state_routes_near's place in st */
	char host[NP_NETNS_MAX + 16];
};

static struct netplan_item *new_item(struct diff_ctx *x, const char *path, const char *what)
{
	struct netplan_diff *d = x->d;
	struct netplan_item *it;

	if (d->n == x->cap_items) {
		x->cap_items = x->cap_items ? 2 * x->cap_items : 64;
		d->items = xrealloc(d->items, x->cap_items * sizeof(*d->items));
		d->srcs = xrealloc(d->srcs, x->cap_items * sizeof(*d->srcs));
	}
	memset(&d->srcs[d->n], 0, sizeof(*d->srcs));
	it = &d->items[d->n++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(path);
	it->host = xstrdup(x->host);
	it->what = what ? xstrdup(what) : NULL;
	return it;
}

static void set_state(struct diff_ctx *x, struct netplan_item *it, enum netplan_state s)
{
	it->state = s;
	it->result = s == NETPLAN_PENDING ? STEP_PENDING : 0;
	if (s == NETPLAN_PENDING)
		x->d->pending++;
	else if (s == NETPLAN_DONE)
		x->d->done++;
	else
		x->d->conflicts++;
}

/* An op, decided here: the kernel holds its `before`, so it is sent. */
static struct np_op *new_op(struct diff_ctx *x, size_t item)
{
	struct netplan_diff *d = x->d;
	struct np_op *o;

	if (d->nops == x->cap_ops) {
		x->cap_ops = x->cap_ops ? 2 * x->cap_ops : 64;
		d->ops = xrealloc(d->ops, x->cap_ops * sizeof(*d->ops));
	}
	o = &d->ops[d->nops++];
	memset(o, 0, sizeof(*o));
	o->step = SIZE_MAX;
	o->item = item;
	o->path = d->items[item].path;
	o->result = STEP_PENDING;
	o->send = true;
	return o;
}

static void addr_op(struct diff_ctx *x, size_t item, const struct np_addr *before,
		    const struct np_addr *after)
{
	struct np_op *o = new_op(x, item);

	o->is_addr = true;
	o->has_before = before != NULL;
	o->has_after = after != NULL;
	if (before)
		o->ab = *before;
	if (after)
		o->aa = *after;
	o->req = after ? NP_REQ_ADD : NP_REQ_DEL;
	o->asend = after ? *after : *before;
}

static void route_op(struct diff_ctx *x, size_t item, const struct np_route *prior,
		     const struct np_route *to, enum np_req req)
{
	struct np_op *o = new_op(x, item);

	o->has_before = prior != NULL;
	o->has_after = to != NULL;
	if (prior)
		np_route_copy(&o->rb, prior);
	if (to)
		np_route_copy(&o->ra, to);
	o->req = req;
	o->send_as = to ? NP_SEND_AFTER : NP_SEND_BEFORE;
}

/* ---- steps from ops ---- */

/* d->steps has room for one step per op (netplan_switch makes it so): the
 * steps never move, so the pointers handed to before_send stay good. */
static struct step *new_step(struct netplan_diff *d, size_t *ret)
{
	*ret = d->nsteps;
	return &d->steps[d->nsteps++];
}

static void addr_step(struct netplan_diff *d, const struct np_batch *b, struct np_op *o)
{
	char a[NP_ROUTESTR];
	json_t *apply, *inverse;
	struct step *s;

	np_addr_str(&o->asend, np_state_ifname, (void *)&b->st, a, sizeof(a));
	np_addr_payloads(b->netns, o->has_before ? &o->ab : NULL, o->has_after ? &o->aa : NULL,
			 &b->st, &apply, &inverse);
	s = new_step(d, &o->step);
	step_init(s, "addr", apply, inverse, "%s (%s): %s address %s", o->path, b->host,
		  o->has_after ? "add" : "delete", a);
}

static void table_line(struct np_table_text *t, const struct np_batch *b, const struct np_op *o)
{
	char before[NP_ROUTE_TEXT_MAX + 1], after[NP_ROUTE_TEXT_MAX + 1];

	if (o->has_before)
		np_route_text(&o->rb, np_state_ifname, (void *)&b->st, before, sizeof(before));
	if (o->has_after)
		np_route_text(&o->ra, np_state_ifname, (void *)&b->st, after, sizeof(after));
	np_table_add(t, o->path, o->has_before ? before : "-", o->has_after ? after : "-");
}

/* A "routes" step of the route ops from ops[first]. */
static int table_step(struct netplan_diff *d, struct np_batch *b, struct np_table_text *t,
		      size_t first, size_t *ret_step)
{
	size_t end = b->first_op + b->nops, i = first, lines;
	json_t *apply, *inverse;
	struct step *s;

	while (i < end && !d->ops[i].is_addr && t->lines < NP_TABLE_LINES_MAX &&
	       t->len < NP_TABLE_BYTES_MAX)
		table_line(t, b, &d->ops[i++]);
	lines = t->lines;
	if (np_table_payloads(t, b->netns, &apply, &inverse) < 0)
		return CUT_EINPUT;
	s = new_step(d, ret_step);
	if (lines == 1)
		step_init(s, "routes", apply, inverse, "%s (%s): 1 route change", d->ops[first].path,
			  b->host);
	else
		step_init(s, "routes", apply, inverse, "%s … %s (%s): %zu route changes",
			  d->ops[first].path, d->ops[i - 1].path, b->host, lines);
	for (; first < i; first++)
		d->ops[first].step = *ret_step;
	b->next_op = i;
	return 0;
}

int np_batch_next_step(struct netplan_diff *d, struct np_batch *b, struct np_table_text *t,
		       size_t *ret_step)
{
	struct np_op *o;

	if (b->next_op == b->first_op + b->nops)
		return 1;
	o = &d->ops[b->next_op];
	if (!o->is_addr)
		return table_step(d, b, t, b->next_op, ret_step);
	addr_step(d, b, o);
	*ret_step = o->step;
	b->next_op++;
	return 0;
}

/* ---- routes ---- */

/* The kernel's routes at one key: st->routes[first, first + n). */
struct routes_at {
	size_t first, n;
};

/* The plan's changes come mostly in the order of their keys: each look
 * starts where the one before found its key (x->near). */
static struct routes_at look_up(struct diff_ctx *x, const struct np_route *key)
{
	struct routes_at at;

	at.n = np_state_routes_near(x->st, key, &x->near, &at.first);
	return at;
}

static const struct np_route *match_at(const struct diff_ctx *x, const struct np_route *want,
				       struct routes_at at)
{
	size_t i;

	for (i = 0; i < at.n; i++)
		if (np_route_match(want, &x->st->routes[at.first + i]))
			return &x->st->routes[at.first + i];
	return NULL;
}

static void rstr(const struct diff_ctx *x, const struct np_route *r, char *buf, size_t n)
{
	np_route_str(r, np_state_ifname, x->st, buf, n);
}

/* The text of the first route at key's place ("" for none); returns it. */
static const struct np_route *now_at(const struct diff_ctx *x, const struct np_route *key,
				     char *buf, size_t n)
{
	size_t first, k = np_state_routes_at(x->st, key, &first);

	buf[0] = 0;
	if (!k)
		return NULL;
	rstr(x, &x->st->routes[first], buf, n);
	return &x->st->routes[first];
}

static void route_steps(struct diff_ctx *x, const struct np_route_change *c,
			const struct np_route *prior, const struct np_route *to)
{
	size_t item = x->d->n - 1;

	if (prior && c->has_to && np_route_key_cmp(prior, to) == 0) {
		route_op(x, item, prior, to, NP_REQ_REPLACE);
		return;
	}
	if (c->has_to) /* a new key: the new route first, then the old one goes */
		route_op(x, item, NULL, to, NP_REQ_ADD);
	if (prior)
		route_op(x, item, prior, NULL, NP_REQ_DEL);
}

/* The plan's from and to with this host's device indexes. false: a device
 * the plan names does not exist here (the message says which). */
static bool resolve_route(struct diff_ctx *x, const struct np_route_change *c,
			  struct np_route *from, struct np_route *to, char *msg, size_t n)
{
	*from = c->from;
	*to = c->to;
	if (c->from_dev[0])
		from->oif = np_state_ifindex(x->st, c->from_dev);
	if (c->to_dev[0])
		to->oif = np_state_ifindex(x->st, c->to_dev);
	if (c->has_to && c->to_dev[0] && to->oif == UINT32_MAX) {
		snprintf(msg, n, "device %s does not exist on %s", c->to_dev, x->host);
		return false;
	}
	return true;
}

/* An item's texts for people: what, and what the kernel has and the plan
 * wants. Made when a listing asks (netplan_diff_texts), or for a conflict. */
static void route_texts(struct diff_ctx *x, struct netplan_item *it,
			const struct np_route_change *c, const struct np_route *to)
{
	char buf[NP_ROUTESTR + 128];

	if (!it->what) {
		np_route_key_str(&c->from, buf, sizeof(buf));
		it->what = xstrdup(buf);
	}
	now_at(x, &c->from, buf, sizeof(buf));
	it->now = xstrdup(buf);
	buf[0] = 0;
	if (c->has_to && to)
		rstr(x, to, buf, sizeof(buf));
	it->want = xstrdup(buf);
}

static void route_conflict(struct diff_ctx *x, struct netplan_item *it,
			   const struct np_route_change *c, const struct np_route *to,
			   const char *msg)
{
	route_texts(x, it, c, to);
	it->message = xstrdup(msg);
	set_state(x, it, NETPLAN_CONFLICT);
}

static void route_change(struct diff_ctx *x, const struct np_route_change *c)
{
	char what[NP_ROUTESTR], now[NP_ROUTESTR], msg[NP_ROUTESTR + 128];
	struct np_route from, to;
	const struct np_route *prior;
	struct routes_at at_from, at_to;
	struct netplan_item *it = new_item(x, c->path, NULL);
	bool same_key, to_there, from_gone;

	x->d->srcs[x->d->n - 1] = (struct np_item_src){ c, x->d->nbatches };
	if (!resolve_route(x, c, &from, &to, msg, sizeof(msg))) {
		route_conflict(x, it, c, NULL, msg);
		return;
	}
	same_key = np_route_key_cmp(&from, &to) == 0;
	at_from = look_up(x, &from);
	at_to = same_key ? at_from : look_up(x, &to); /* one look for a replacement */
	to_there = c->has_to ? match_at(x, &to, at_to) != NULL : at_from.n == 0;
	prior = c->has_from ? match_at(x, &from, at_from) : NULL;
	from_gone = !c->has_from || (!same_key && !prior) || !c->has_to;
	if (to_there && (from_gone || same_key)) {
		set_state(x, it, NETPLAN_DONE);
		return;
	}
	if ((c->has_from && !prior) || (!c->has_from && at_to.n != 0) ||
	    (c->has_from && c->has_to && !same_key && at_to.n != 0)) {
		const struct np_route *k = (c->has_from && !prior) ? &from : &to;
		now_at(x, k, now, sizeof(now));
		rstr(x, &from, what, sizeof(what));
		snprintf(msg, sizeof(msg), c->has_from && !prior ?
			 "the kernel has %s, the plan expects `from` %s" :
			 "the kernel already has %s where the plan adds a route",
			 now[0] ? now : "no such route", what);
		route_conflict(x, it, c, &to, msg);
		return;
	}
	set_state(x, it, NETPLAN_PENDING);
	route_steps(x, c, prior, c->has_to ? &to : NULL);
}

/* ---- addresses ---- */

static const struct np_addr *addr_on(const struct np_state *st, const struct np_addr *a,
				     uint32_t ifindex)
{
	struct np_addr key = *a;

	key.ifindex = ifindex;
	return ifindex == UINT32_MAX ? NULL : np_state_addr_at(st, &key);
}

/* What one address change needs, decided before any step is made. */
struct addr_todo {
	const struct np_addr_change *c;
	size_t item;
	const struct np_addr *prior; /* on `from` now: delete it */
	bool add;                    /* not on `to` yet: add it */
	uint32_t to;
};

static void addr_add_op(struct diff_ctx *x, const struct addr_todo *t)
{
	struct np_addr add = t->prior ? *t->prior : t->c->addr;

	add.ifindex = t->to;
	add.has_label = false; /* an IPv4 label starts with its device's name */
	add.care = NP_C_FLAGS | NP_C_SCOPE | NP_C_PEER | NP_C_BCAST;
	addr_op(x, t->item, NULL, &add);
}

static void addr_del_op(struct diff_ctx *x, const struct addr_todo *t)
{
	addr_op(x, t->item, t->prior, NULL);
}

static void addr_conflict(struct diff_ctx *x, struct netplan_item *it, const char *fmt,
			  const char *a, const char *b)
{
	char msg[NP_ROUTESTR];

	snprintf(msg, sizeof(msg), fmt, a, b);
	it->message = xstrdup(msg);
	set_state(x, it, NETPLAN_CONFLICT);
}

static void addr_change(struct diff_ctx *x, const struct np_addr_change *c, struct addr_todo *t)
{
	char what[NP_ROUTESTR], pfx[NP_ADDRSTR], msg[NP_ROUTESTR];
	uint32_t from = c->from_dev ? np_state_ifindex(x->st, c->from_dev) : 0;
	const struct np_addr *on_to;
	struct netplan_item *it;

	memset(t, 0, sizeof(*t));
	t->c = c;
	t->to = c->to_dev ? np_state_ifindex(x->st, c->to_dev) : 0;
	np_prefix_str(c->addr.family, c->addr.local, c->addr.prefixlen, pfx, sizeof(pfx));
	snprintf(what, sizeof(what), "address %s", pfx);
	it = new_item(x, c->path, what);
	t->item = x->d->n - 1;
	t->prior = c->from_dev ? addr_on(x->st, &c->addr, from) : NULL;
	on_to = c->to_dev ? addr_on(x->st, &c->addr, t->to) : NULL;
	snprintf(msg, sizeof(msg), "%s%s", t->prior || on_to ? "on " : "",
		 t->prior ? c->from_dev : on_to ? c->to_dev : "");
	it->now = xstrdup(msg);
	snprintf(msg, sizeof(msg), "%s%s", c->to_dev ? "on " : "", c->to_dev ? c->to_dev : "");
	it->want = xstrdup(msg);
	if (c->to_dev && t->to == UINT32_MAX)
		addr_conflict(x, it, "device %s does not exist on %s", c->to_dev, x->host);
	else if ((!c->to_dev || on_to) && !t->prior)
		set_state(x, it, NETPLAN_DONE);
	else if (c->from_dev && !t->prior && !on_to)
		addr_conflict(x, it, "%s is not on %s, as the plan's `from` expects", pfx,
			      c->from_dev);
	else
		set_state(x, it, NETPLAN_PENDING);
	t->add = c->to_dev && !on_to;
}

/* ---- hosts ---- */

/* Steps of one host: addresses added, routes, then addresses removed, so a
 * route's source address exists while routes change and a move never leaves
 * the address on no device. */
static void host_diff(struct diff_ctx *x)
{
	struct addr_todo *t = xcalloc(x->h->naddrs + 1, sizeof(*t));
	struct netplan_diff *d = x->d;
	size_t i;

	for (i = 0; i < x->h->naddrs; i++)
		addr_change(x, &x->h->addrs[i], &t[i]);
	for (i = 0; i < x->h->naddrs; i++)
		if (d->items[t[i].item].state == NETPLAN_PENDING && t[i].add)
			addr_add_op(x, &t[i]);
	for (i = 0; i < x->h->nroutes; i++)
		route_change(x, &x->h->routes[i]);
	for (i = 0; i < x->h->naddrs; i++)
		if (d->items[t[i].item].state == NETPLAN_PENDING && t[i].prior)
			addr_del_op(x, &t[i]);
	free(t);
}

/* The host's ops and its kernel state (taken) as a batch; a host with
 * nothing to change has one too (its state makes the listing's texts). */
static void add_batch(struct diff_ctx *x, size_t first_op, struct np_state *st)
{
	struct netplan_diff *d = x->d;
	struct np_batch *b;

	if (d->nbatches == x->cap_batches) {
		x->cap_batches = x->cap_batches ? 2 * x->cap_batches : 8;
		d->batches = xrealloc(d->batches, x->cap_batches * sizeof(*d->batches));
	}
	b = &d->batches[d->nbatches++];
	b->netns = x->netns ? xstrdup(x->netns) : NULL;
	b->host = xstrdup(x->host);
	b->st = *st;
	b->first_op = b->next_op = first_op;
	b->nops = d->nops - first_op;
}

void netplan_diff_free(struct netplan_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->items[i].path);
		free(d->items[i].host);
		free(d->items[i].what);
		free(d->items[i].now);
		free(d->items[i].want);
		free(d->items[i].message);
		free(d->items[i].outcome);
	}
	free(d->srcs);
	for (i = 0; i < d->nsteps; i++)
		step_clear(&d->steps[i]);
	for (i = 0; i < d->nops; i++)
		np_op_clear(&d->ops[i]);
	for (i = 0; i < d->nbatches; i++) {
		free(d->batches[i].netns);
		free(d->batches[i].host);
		np_state_free(&d->batches[i].st);
	}
	free(d->items);
	free(d->steps);
	free(d->ops);
	free(d->batches);
	free(d);
}

static int what_host_needs(const struct np_host *h)
{
	return (h->nroutes ? NP_READ_ROUTES : 0) | (h->naddrs ? NP_READ_ADDRS : 0);
}

int netplan_diff(const struct netplan_plan *p, const char *netns_override,
		 struct netplan_prefetch *pf, struct netplan_diff **ret, struct cut_err *err)
{
	struct diff_ctx x = { .d = xcalloc(1, sizeof(*x.d)) };
	size_t i, changes = 0;
	int r = 0;

	*ret = NULL;
	/* one op per change as a rule: sized once, not grown by copying 10,000s */
	for (i = 0; p && i < p->nhosts; i++)
		changes += p->hosts[i].nroutes + p->hosts[i].naddrs;
	if (changes) {
		x.cap_ops = changes;
		x.d->ops = xmalloc(changes * sizeof(*x.d->ops));
	}
	for (i = 0; p && i < p->nhosts && r == 0; i++) {
		struct np_conn *c = NULL;
		struct np_state st;

		x.h = &p->hosts[i];
		x.netns = netns_override ? netns_override : x.h->netns;
		r = np_conn_open(x.netns, &c, err);
		if (r == 0 && !np_prefetched(pf, x.netns, &st))
			r = np_state_read(c, what_host_needs(x.h), &st, err);
		if (r == 0) {
			size_t first_op = x.d->nops;
			snprintf(x.host, sizeof(x.host), "%s", np_conn_host(c));
			x.st = &st;
			x.near = 0;
			host_diff(&x);
			add_batch(&x, first_op, &st);
		}
		np_conn_close(c);
		if (r < 0)
			cut_err_prefix(err, "%s", x.h->path);
	}
	if (r < 0) {
		netplan_diff_free(x.d);
		return r;
	}
	*ret = x.d;
	return 0;
}


void netplan_diff_texts(struct netplan_diff *d)
{
	struct diff_ctx x = { .d = d };
	size_t i;

	for (i = 0; d && i < d->n; i++) {
		const struct np_route_change *c = d->srcs[i].change;
		struct np_batch *b;
		struct np_route from, to;
		char msg[NP_ROUTESTR + 128];

		if (!c || d->items[i].what)
			continue;
		b = &d->batches[d->srcs[i].batch];
		x.st = &b->st;
		snprintf(x.host, sizeof(x.host), "%s", b->host);
		route_texts(&x, &d->items[i], c,
			    resolve_route(&x, c, &from, &to, msg, sizeof(msg)) ? &to : NULL);
	}
}
