/* netplan/np_diff.c — the plan against each host's kernel: which changes
 * are pending, done or in conflict; the ops of the pending ones with the
 * complete prior state of what they touch; and the steps (journal payloads)
 * made from those ops as the switch goes (np_batch_next_step). */
#include "np_plan.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
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
	bool *covered;        /* per route of st: a pending change of the plan journals it
	                       * (only while the host removes addresses; else NULL) */
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
	if (x->covered && prior)
		x->covered[prior - x->st->routes] = true;
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
	add.secondary = false; /* the kernel decides, on its new device */
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

/* Is t's removal sent before the others? An IPv4 secondary is: after its
 * primary, it would be gone already (the kernel deletes or promotes the
 * secondaries with their primary) and its own removal would fail; and a
 * rollback, newest first, then re-adds the primary first. */
static bool removal_first(const struct addr_todo *t)
{
	return t->prior->family == AF_INET && t->prior->secondary;
}

/* ---- routes the kernel deletes itself when an address goes ---- */

/* When an address leaves the host, the kernel deletes the IPv4 routes of
 * table main that have it as preferred source, and takes it from IPv6
 * routes; when a device loses its last IPv4 address, the IPv4 routes out
 * through it go, of every table. Neither is journaled, so a rollback would
 * put the address back without them: such a removal is refused unless the
 * plan's own changes journal those routes (x->covered). The kernel's own
 * routes of an address (proto kernel) come back with it.
 * Likewise for addresses: removing a primary IPv4 address (one the kernel
 * does not mark secondary) deletes the secondaries of its subnet on its
 * device, unless the device's promote_secondaries is set (then one of them
 * becomes the primary). Only those the plan removes itself are journaled
 * (and sent first: removal_first), so a removal that would take others is
 * refused too.
 * The routes the plan writes are checked the same way: they are written
 * before any address is removed (host_diff), so a removal that takes one
 * would leave the host without a route the journal holds as written (a
 * rollback then leaves alone a route it replaced, or one that lost its IPv6
 * source). The kernel keeps IPv4 routes whose gateway only the removed
 * subnet reached (measured, 6.18): those do not count. */
struct addr_gone {
	const struct addr_todo *t;
	bool gone;         /* the address is on no device after the plan */
	bool last_v4;      /* its device keeps no IPv4 address (set on the last removal
	                    * from that device, in the order removals are sent) */
	size_t n;          /* routes it takes, the first NP_GONE_NAMED of them named */
	char *names;
	size_t nsec;       /* secondary addresses it takes, the first NP_GONE_NAMED named */
	char *secs;
	size_t nsec_added; /* of them, adds of the plan */
	size_t nw;         /* routes the plan writes that it takes, the first NP_GONE_NAMED
	                    * named */
	char *wnames;
	bool w_src, w_dev; /* of them, taken by their source, by their device */
};

#define NP_GONE_NAMED 10

/* A device losing IPv4 addresses: how many it keeps, its last removal. */
struct dev_left {
	uint32_t ifindex;
	long left;
	struct addr_gone *last;
};

struct gone_ctx {
	struct diff_ctx *x;
	const struct addr_todo *t;
	size_t nt;
	struct addr_gone *g;          /* the pending removals, in the order they are sent */
	size_t ng;
	struct addr_gone **by_local;  /* those whose address leaves the host, by address */
	size_t nlocal;
	const struct np_addr **adds;  /* the pending adds' addresses, by address */
	size_t nadds;
	struct dev_left *devs;        /* by ifindex */
	size_t ndevs;
	size_t first_op;              /* the host's first op: its route ops are written
	                               * before the removals */
};

static bool pending_removal(const struct diff_ctx *x, const struct addr_todo *t)
{
	return t->prior && x->d->items[t->item].state == NETPLAN_PENDING;
}

static bool pending_add(const struct diff_ctx *x, const struct addr_todo *t)
{
	return t->add && x->d->items[t->item].state == NETPLAN_PENDING;
}

/* Family and local address only (the state's key order starts so). */
static int cmp_local(const struct np_addr *a, const struct np_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->local, b->local, 16);
}

static int cmp_addr_ptr(const void *a, const void *b)
{
	return cmp_local(*(const struct np_addr *const *)a, *(const struct np_addr *const *)b);
}

static int cmp_gone_ptr(const void *a, const void *b)
{
	const struct addr_gone *x = *(const struct addr_gone *const *)a;
	const struct addr_gone *y = *(const struct addr_gone *const *)b;

	return cmp_local(x->t->prior, y->t->prior);
}

static int cmp_key_gone(const void *key, const void *elem)
{
	return cmp_local(key, (*(const struct addr_gone *const *)elem)->t->prior);
}

static int cmp_key_addr(const void *key, const void *elem)
{
	return cmp_local(key, *(const struct np_addr *const *)elem);
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev_left *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last; /* g is in the order sent */
}

static int cmp_dev_key(const void *key, const void *elem)
{
	const struct dev_left *x = key, *y = elem;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

static struct dev_left *dev_of(const struct gone_ctx *c, uint32_t ifindex)
{
	struct dev_left key = { .ifindex = ifindex };

	return c->ndevs ? bsearch(&key, c->devs, c->ndevs, sizeof(*c->devs), cmp_dev_key) : NULL;
}

/* Is another state address with the same local as g's, not removed by the
 * plan, or an add of the plan, keeping it on the host? The state is in key
 * order: the same local sits together, around g's own. */
static bool addr_stays(const struct gone_ctx *c, const bool *removing, const struct addr_gone *g)
{
	const struct np_state *st = c->x->st;
	size_t at = (size_t)(g->t->prior - st->addrs), i;

	for (i = at; i-- > 0 && cmp_local(&st->addrs[i], g->t->prior) == 0;)
		if (!removing[i])
			return true;
	for (i = at + 1; i < st->naddrs && cmp_local(&st->addrs[i], g->t->prior) == 0; i++)
		if (!removing[i])
			return true;
	return c->nadds && bsearch(g->t->prior, c->adds, c->nadds, sizeof(*c->adds),
				   cmp_key_addr) != NULL;
}

/* The devices losing IPv4 addresses, how many they keep after the plan,
 * and last_v4 on the last removal from each device that keeps none. */
static void count_left(struct gone_ctx *c)
{
	const struct np_state *st = c->x->st;
	struct dev_left *d;
	size_t i, n = 0;

	c->devs = xcalloc(c->ng + 1, sizeof(*c->devs));
	for (i = 0; i < c->ng; i++)
		if (c->g[i].t->prior->family == AF_INET)
			c->devs[n++] = (struct dev_left){ c->g[i].t->prior->ifindex, 0, &c->g[i] };
	qsort(c->devs, n, sizeof(*c->devs), cmp_dev);
	for (i = 0; i < n; i++) /* one per device: its last removal */
		if (c->ndevs && c->devs[c->ndevs - 1].ifindex == c->devs[i].ifindex)
			c->devs[c->ndevs - 1] = c->devs[i];
		else
			c->devs[c->ndevs++] = c->devs[i];
	for (i = 0; i < st->naddrs; i++)
		if (st->addrs[i].family == AF_INET && (d = dev_of(c, st->addrs[i].ifindex)))
			d->left++;
	for (i = 0; i < c->nt; i++) {
		if (c->t[i].c->addr.family != AF_INET)
			continue;
		if (pending_removal(c->x, &c->t[i]) && (d = dev_of(c, c->t[i].prior->ifindex)))
			d->left--;
		if (pending_add(c->x, &c->t[i]) && (d = dev_of(c, c->t[i].to)))
			d->left++;
	}
	for (i = 0; i < c->ndevs; i++)
		c->devs[i].last->last_v4 = c->devs[i].left <= 0;
}

/* Which removal (if any) takes route r, out through dev (0: none known),
 * with it; *by_src: by its preferred source (else by its device). */
static struct addr_gone *taken_by(const struct gone_ctx *c, const struct np_route *r,
				  uint32_t dev, bool *by_src)
{
	struct np_addr key = { .family = r->family };
	struct addr_gone **g;
	struct dev_left *d;

	*by_src = true;
	if (r->has_prefsrc && c->nlocal && (r->family == AF_INET6 || r->table == RT_TABLE_MAIN)) {
		memcpy(key.local, r->prefsrc, 16);
		g = bsearch(&key, c->by_local, c->nlocal, sizeof(*c->by_local), cmp_key_gone);
		if (g)
			return *g;
	}
	*by_src = false;
	if (r->family != AF_INET || !dev)
		return NULL;
	d = dev_of(c, dev);
	return d && d->last->last_v4 ? d->last : NULL;
}

/* ---- the device the kernel gives a route written with a gateway alone ---- */

static uint32_t ipv4_u32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static uint32_t ipv4_mask(int len)
{
	return len > 0 ? ~0u << (32 - len) : 0;
}

/* The device of the route the kernel's look-up of gw finds in table
 * (fib_table_lookup): the longest prefix first, each of its routes of a
 * scope above `scope` (a gateway route's is global: a link route) in key
 * order, the lowest metric first. 0 when it finds none or a route that is
 * no unicast one (or has several devices); *len its prefix length (-1: none). */
static uint32_t lookup_dev(const struct np_state *st, uint32_t table, const uint8_t *gw,
			   uint8_t scope, int *len)
{
	struct np_route key = { .family = AF_INET, .table = table };
	uint32_t net;
	size_t i;

	for (*len = 32; *len >= 0; (*len)--) {
		net = ipv4_u32(gw) & ipv4_mask(*len);
		key.dst_len = (uint8_t)*len;
		key.dst[0] = (uint8_t)(net >> 24), key.dst[1] = (uint8_t)(net >> 16);
		key.dst[2] = (uint8_t)(net >> 8), key.dst[3] = (uint8_t)net;
		for (i = np_state_route_place(st, &key); i < st->nroutes; i++) {
			const struct np_route *r = &st->routes[i];
			if (r->family != AF_INET || r->table != table || r->dst_len != key.dst_len ||
			    memcmp(r->dst, key.dst, 4) != 0)
				break;
			if (r->src_len == 0 && r->tos == 0 && r->scope > scope)
				return r->type == RTN_UNICAST ? np_route_one_dev(r) : 0;
		}
	}
	return 0;
}

/* The device of the longest prefix route of an IPv4 address the plan adds
 * (before routes are written) that holds gw; *len its length (-1: none). */
static uint32_t added_dev(const struct gone_ctx *c, const uint8_t *gw, int *len)
{
	uint32_t dev = 0;
	size_t i;

	*len = -1;
	for (i = 0; i < c->nt; i++) {
		const struct addr_todo *t = &c->t[i];
		const struct np_addr *a = t->prior ? t->prior : &t->c->addr;
		const uint8_t *p = a->has_peer ? a->peer : a->local;
		if (a->family != AF_INET || !pending_add(c->x, t) || a->prefixlen <= *len ||
		    (a->prefixlen == 32 && !a->has_peer) || (a->flags & IFA_F_NOPREFIXROUTE) ||
		    ((ipv4_u32(p) ^ ipv4_u32(gw)) & ipv4_mask(a->prefixlen)))
			continue;
		*len = a->prefixlen;
		dev = t->to;
	}
	return dev;
}

/* The device a route the plan writes goes out through: its own, or for an
 * IPv4 gateway without one, the device the kernel chooses then (fib_check_nh:
 * the look-up of the gateway in the route's table, else in main, which holds
 * the prefix routes of the addresses the plan adds first, after those there:
 * a prefix added again comes last). 0 when unknown. */
static uint32_t written_dev(const struct gone_ctx *c, const struct np_route *r)
{
	uint32_t dev, added;
	int len, added_len;

	if (r->oif || r->family != AF_INET || !r->has_gw)
		return np_route_one_dev(r);
	if (r->table != RT_TABLE_MAIN &&
	    (dev = lookup_dev(c->x->st, r->table, r->gw, r->scope, &len)))
		return dev;
	dev = lookup_dev(c->x->st, RT_TABLE_MAIN, r->gw, r->scope, &len);
	added = added_dev(c, r->gw, &added_len);
	return added && added_len > len ? added : dev;
}

static void name_route(const struct diff_ctx *x, struct addr_gone *g, const struct np_route *r)
{
	char what[NP_ROUTESTR];
	char *next;

	if (g->n++ >= NP_GONE_NAMED)
		return;
	np_route_str(r, np_state_ifname, x->st, what, sizeof(what));
	next = xasprintf("%s%s%s", g->names ? g->names : "", g->names ? "; " : "", what);
	free(g->names);
	g->names = next;
}

/* "routes.hosts[0].routes[3] (10.0.3.0/24 via … src 10.1.2.3 metric 0)" */
static void name_written(const struct diff_ctx *x, struct addr_gone *g, const struct np_op *o,
			 bool by_src)
{
	char what[NP_ROUTESTR];
	char *next;

	g->w_src = g->w_src || by_src;
	g->w_dev = g->w_dev || !by_src;
	if (g->nw++ >= NP_GONE_NAMED)
		return;
	np_route_str(&o->ra, np_state_ifname, x->st, what, sizeof(what));
	next = xasprintf("%s%s%s (%s)", g->wnames ? g->wnames : "", g->wnames ? "; " : "",
			 o->path ? o->path : "a route change", what);
	free(g->wnames);
	g->wnames = next;
}

/* "removing it makes the kernel delete 2 routes the plan writes before it
 * (…): PATH (ROUTE); …; give them another `src` …, or keep the address" */
static char *written_why(const struct diff_ctx *x, const struct addr_gone *g)
{
	const char *dev = np_state_ifname(x->st, g->t->prior->ifindex);
	const char *them = g->nw == 1 ? "it" : "them";
	char more[64] = "", why[128], todo[256] = "";

	dev = dev ? dev : "its device";
	snprintf(why, sizeof(why), "%s%s%s", g->w_src ? "the address leaves the host" : "",
		 g->w_src && g->w_dev ? "; " : "",
		 g->w_dev ? "its device keeps no IPv4 address" : "");
	if (g->nw > NP_GONE_NAMED)
		snprintf(more, sizeof(more), "; … and %zu more", g->nw - NP_GONE_NAMED);
	if (g->w_src)
		snprintf(todo, sizeof(todo), "give %s another `src` (an address the host keeps) ",
			 them);
	if (g->w_dev)
		snprintf(todo + strlen(todo), sizeof(todo) - strlen(todo), "%swrite %s out through "
			 "another device (`dev`, or a gateway on another device's subnet) ",
			 g->w_src ? "or " : "", them);
	return xasprintf("removing it makes the kernel %s %zu route%s the plan writes before it "
			 "(%s): %s%s; the journal would hold %s as written while the host does not, "
			 "and a rollback could leave the host changed: %sin the plan, or %s%s",
			 g->t->prior->family == AF_INET6 ? "take the preferred source from"
							  : "delete",
			 g->nw, g->nw == 1 ? "" : "s", why, g->wnames, more, them, todo,
			 g->w_dev ? "keep an IPv4 address on " : "keep the address",
			 g->w_dev ? dev : "");
}

/* "removing it makes the kernel delete 2 routes …; delete them in the plan too …" */
static char *routes_why(const struct addr_gone *g)
{
	const char *them = g->n == 1 ? "it" : "them";
	char more[64] = "", why[128];

	snprintf(why, sizeof(why), "%s%s%s", g->gone ? "the address leaves the host" : "",
		 g->gone && g->last_v4 ? "; " : "",
		 g->last_v4 ? "its device keeps no IPv4 address" : "");
	if (g->n > NP_GONE_NAMED)
		snprintf(more, sizeof(more), "; … and %zu more", g->n - NP_GONE_NAMED);
	return xasprintf("removing it makes the kernel %s %zu route%s that the journal would not "
			 "hold, so a rollback could not put %s back (%s): %s%s; delete %s in the "
			 "plan too (a change with `from` and no `to`), or keep the address",
			 g->t->prior->family == AF_INET6 ? "take the preferred source from"
							  : "delete",
			 g->n, g->n == 1 ? "" : "s", them, why, g->names, more, them);
}

/* "removing it makes the kernel delete 2 secondary addresses …; remove them in
 * the plan too …": those it holds could not be put back, those the plan adds
 * would not stay. */
static char *secondaries_why(const struct diff_ctx *x, const struct addr_gone *g)
{
	const char *dev = np_state_ifname(x->st, g->t->prior->ifindex);
	size_t held = g->nsec - g->nsec_added;
	const char *them = held == 1 ? "it" : "them";
	char more[64] = "", what[512] = "";

	dev = dev ? dev : "DEV";
	if (g->nsec > NP_GONE_NAMED)
		snprintf(more, sizeof(more), ", … and %zu more", g->nsec - NP_GONE_NAMED);
	if (held)
		snprintf(what, sizeof(what), "; the journal would not hold %s, so a rollback could "
			 "not put %s back: remove %s in the plan too (a change with `from` and no "
			 "`to`), or set net.ipv4.conf.%s.promote_secondaries=1 first", them, them,
			 them, dev);
	if (g->nsec_added)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "; %s the plan adds "
			 "there would not stay: set net.ipv4.conf.%s.promote_secondaries=1 first, "
			 "or keep the address", g->nsec_added == 1 ? "the address" : "the addresses",
			 dev);
	return xasprintf("removing it makes the kernel delete %zu secondary address%s of its "
			 "subnet on %s with it (it is the primary of that subnet, and "
			 "promote_secondaries is 0 on %s): %s%s%s", g->nsec,
			 g->nsec == 1 ? "" : "es", dev, dev, g->secs, more, what);
}

static void gone_conflict(struct diff_ctx *x, const struct addr_gone *g)
{
	struct netplan_item *it = &x->d->items[g->t->item];
	char *routes = g->n ? routes_why(g) : NULL;
	char *secs = g->nsec ? secondaries_why(x, g) : NULL;
	char *written = g->nw ? written_why(x, g) : NULL;

	free(it->message);
	it->message = xasprintf("%s%s%s%s%s", routes ? routes : "", routes && secs ? "; and " : "",
				secs ? secs : "", (routes || secs) && written ? "; and " : "",
				written ? written : "");
	free(routes);
	free(secs);
	free(written);
	x->d->pending--;
	set_state(x, it, NETPLAN_CONFLICT);
}

/* An IPv4 secondary a primary's removal would take: one the kernel holds and
 * the plan does not remove, or one the plan adds (before the removals, so as
 * a secondary of the primary still there). */
struct sec_cand {
	uint32_t ifindex, net;
	uint8_t prefixlen;
	bool added;
	const struct np_addr *a;
};

/* a on ifindex, by subnet as the kernel matches a secondary to its primary:
 * the same prefix length, the same network of the peer (or local) address. */
static struct sec_cand sec_cand(const struct np_addr *a, uint32_t ifindex, bool added)
{
	const uint8_t *p = a->has_peer ? a->peer : a->local;
	uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

	return (struct sec_cand){ .ifindex = ifindex, .prefixlen = a->prefixlen, .added = added,
				  .net = a->prefixlen ? v & ~0u << (32 - a->prefixlen) : 0,
				  .a = a };
}

static int cmp_cand(const void *a, const void *b)
{
	const struct sec_cand *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return x->net < y->net ? -1 : x->net > y->net;
}

static void name_secondary(struct addr_gone *g, const struct sec_cand *s)
{
	char pfx[NP_ADDRSTR];
	char *next;

	g->nsec_added += s->added;
	if (g->nsec++ >= NP_GONE_NAMED)
		return;
	np_prefix_str(AF_INET, s->a->local, s->a->prefixlen, pfx, sizeof(pfx));
	next = xasprintf("%s%s%s%s", g->secs ? g->secs : "", g->secs ? ", " : "", pfx,
			 s->added ? " (which the plan adds)" : "");
	free(g->secs);
	g->secs = next;
}

/* The secondaries each pending removal of a primary IPv4 address takes with
 * it, on a device without promote_secondaries (see struct addr_gone). */
static void find_secondaries(struct gone_ctx *c, const bool *removing)
{
	const struct np_state *st = c->x->st;
	struct sec_cand *v = xcalloc(st->naddrs + c->nt + 1, sizeof(*v)), key;
	size_t n = 0, i, lo, hi;

	for (i = 0; i < st->naddrs; i++)
		if (st->addrs[i].family == AF_INET && st->addrs[i].secondary && !removing[i])
			v[n++] = sec_cand(&st->addrs[i], st->addrs[i].ifindex, false);
	for (i = 0; i < c->nt; i++)
		if (c->t[i].c->addr.family == AF_INET && pending_add(c->x, &c->t[i]))
			v[n++] = sec_cand(c->t[i].prior ? c->t[i].prior : &c->t[i].c->addr,
					  c->t[i].to, true);
	qsort(v, n, sizeof(*v), cmp_cand);
	for (i = 0; i < c->ng && n; i++) {
		const struct np_addr *p = c->g[i].t->prior;
		const struct np_link *l = np_state_link(st, p->ifindex);
		if (p->family != AF_INET || p->secondary || (l && l->promote_secondaries))
			continue;
		key = sec_cand(p, p->ifindex, false);
		for (lo = 0, hi = n; lo < hi;) { /* the first not below key */
			size_t mid = lo + (hi - lo) / 2;
			if (cmp_cand(&v[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && cmp_cand(&v[lo], &key) == 0; lo++)
			name_secondary(&c->g[i], &v[lo]);
	}
	free(v);
}

static void gone_free(struct gone_ctx *c)
{
	size_t i;

	for (i = 0; i < c->ng; i++) {
		free(c->g[i].names);
		free(c->g[i].secs);
		free(c->g[i].wnames);
	}
	free(c->g);
	free(c->by_local);
	free(c->adds);
	free(c->devs);
}

/* The routes the plan writes (the ops from c->first_op) that a removal
 * would take right after (see struct addr_gone). */
static void find_written(struct gone_ctx *c)
{
	struct diff_ctx *x = c->x;
	struct addr_gone *by;
	size_t i;
	bool by_src;

	for (i = c->first_op; i < x->d->nops; i++) {
		const struct np_op *o = &x->d->ops[i];
		if (!o->is_addr && o->has_after &&
		    (by = taken_by(c, &o->ra, written_dev(c, &o->ra), &by_src)))
			name_written(x, by, o, by_src);
	}
}

/* Refuses the pending removals that would take routes or secondary
 * addresses the plan does not journal with them, or routes it writes (see
 * struct addr_gone); the host's ops so far start at first_op. */
static void check_gone(struct diff_ctx *x, const struct addr_todo *t, size_t nt, size_t first_op)
{
	struct gone_ctx c = { .x = x, .t = t, .nt = nt, .first_op = first_op };
	bool by_src;
	bool *removing = xcalloc(x->st->naddrs + 1, sizeof(*removing));
	size_t i;
	int pass;

	c.g = xcalloc(nt + 1, sizeof(*c.g));
	c.by_local = xcalloc(nt + 1, sizeof(*c.by_local));
	c.adds = xcalloc(nt + 1, sizeof(*c.adds));
	for (pass = 0; pass < 2; pass++) /* in the order host_diff sends them */
		for (i = 0; i < nt; i++)
			if (pending_removal(x, &t[i]) && removal_first(&t[i]) == (pass == 0)) {
				c.g[c.ng++].t = &t[i];
				removing[t[i].prior - x->st->addrs] = true;
			}
	for (i = 0; i < nt; i++)
		if (pending_add(x, &t[i]))
			c.adds[c.nadds++] = &t[i].c->addr;
	qsort(c.adds, c.nadds, sizeof(*c.adds), cmp_addr_ptr);
	for (i = 0; i < c.ng; i++)
		if ((c.g[i].gone = !addr_stays(&c, removing, &c.g[i])))
			c.by_local[c.nlocal++] = &c.g[i];
	qsort(c.by_local, c.nlocal, sizeof(*c.by_local), cmp_gone_ptr);
	count_left(&c);
	for (i = 0; i < x->st->nroutes; i++) {
		const struct np_route *r = &x->st->routes[i];
		struct addr_gone *by;
		if (!x->covered[i] && r->protocol != RTPROT_KERNEL &&
		    (by = taken_by(&c, r, np_route_one_dev(r), &by_src)))
			name_route(x, by, r);
	}
	find_written(&c);
	find_secondaries(&c, removing);
	for (i = 0; i < c.ng; i++)
		if (c.g[i].n || c.g[i].nsec || c.g[i].nw)
			gone_conflict(x, &c.g[i]);
	gone_free(&c);
	free(removing);
}

/* ---- hosts ---- */

/* Steps of one host: addresses added, routes, then addresses removed, so a
 * route's source address exists while routes change and a move never leaves
 * the address on no device; IPv4 secondaries are removed first (see
 * removal_first). */
static void host_diff(struct diff_ctx *x)
{
	struct addr_todo *t = xcalloc(x->h->naddrs + 1, sizeof(*t));
	size_t i, first_op = x->d->nops;
	bool removes = false;
	int pass;

	for (i = 0; i < x->h->naddrs; i++) {
		addr_change(x, &x->h->addrs[i], &t[i]);
		removes = removes || pending_removal(x, &t[i]);
	}
	for (i = 0; i < x->h->naddrs; i++)
		if (pending_add(x, &t[i]))
			addr_add_op(x, &t[i]);
	x->covered = removes ? xcalloc(x->st->nroutes + 1, sizeof(*x->covered)) : NULL;
	for (i = 0; i < x->h->nroutes; i++)
		route_change(x, &x->h->routes[i]);
	if (removes)
		check_gone(x, t, x->h->naddrs, first_op);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < x->h->naddrs; i++)
			if (pending_removal(x, &t[i]) && removal_first(&t[i]) == (pass == 0))
				addr_del_op(x, &t[i]);
	free(x->covered);
	x->covered = NULL;
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

/* The routes too when an address is removed: check_gone looks for the ones
 * the kernel would take with it (the read-ahead reads everything anyway). */
static int what_host_needs(const struct np_host *h)
{
	bool removes = false;
	size_t i;

	for (i = 0; i < h->naddrs && !removes; i++)
		removes = h->addrs[i].from_dev != NULL;
	return (h->nroutes || removes ? NP_READ_ROUTES : 0) | (h->naddrs ? NP_READ_ADDRS : 0);
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
