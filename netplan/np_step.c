/* netplan/np_step.c — the step kinds "routes", "route" and "addr": payloads,
 * compare-and-swap against the kernel, one netlink batch, results by
 * sequence number, and after a rollback a read-back against the journal's
 * prior state.
 *
 * A batch is a list of ops: one per route or address change. An "addr" or
 * "route" step is one op; a "routes" step is one op per line of its table.
 * Ops are decided, sent and read back one by one; np_ops_settle() then sums
 * each step's ops up into the step's result.
 */
#include "np.h"
#include "netplan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "util.h"

/* ---- payloads ---- */

void np_addr_payloads(const char *netns, const struct np_addr *before,
		      const struct np_addr *after, const struct np_state *st, json_t **apply,
		      json_t **inverse)
{
	json_t *b = before ? np_addr_json(before, np_state_ifname, (void *)st) : json_null();
	json_t *a = after ? np_addr_json(after, np_state_ifname, (void *)st) : json_null();

	/* the inverse shares the values, before and after swapped */
	*apply = json_object();
	*inverse = json_object();
	json_object_set(*apply, "before", b);
	json_object_set(*apply, "after", a);
	json_object_set_new(*inverse, "before", a);
	json_object_set_new(*inverse, "after", b);
	if (netns) {
		json_object_set_new(*apply, "netns", json_string(netns));
		json_object_set_new(*inverse, "netns", json_string(netns));
	}
}

static void table_reserve(struct np_table_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 64 << 10;

	if (t->len + more <= t->cap)
		return;
	while (cap < t->len + more)
		cap *= 2;
	t->text = xrealloc(t->text, cap + 1);
	t->cap = cap;
}

static void put(struct np_table_text *t, const char *s)
{
	size_t n = strlen(s);

	memcpy(t->text + t->len, s, n);
	t->len += n;
}

void np_table_add(struct np_table_text *t, const char *path, const char *before,
		  const char *after)
{
	table_reserve(t, strlen(path) + strlen(before) + strlen(after) + 3);
	put(t, path);
	put(t, "\t");
	put(t, before);
	put(t, "\t");
	put(t, after);
	put(t, "\n");
	t->lines++;
}

int np_table_payloads(struct np_table_text *t, const char *netns, json_t **apply,
		      json_t **inverse)
{
	json_t *table = json_text(t->text, t->len);

	t->len = t->lines = 0;
	*apply = *inverse = NULL;
	if (!table)
		return CUT_EINPUT; /* a device name that is not UTF-8 */
	*apply = json_object();
	*inverse = json_object();
	json_object_set_new(*apply, "routes", table);
	json_object_set_new(*inverse, "inverse_of", json_string("apply"));
	if (netns) {
		json_object_set_new(*apply, "netns", json_string(netns));
		json_object_set_new(*inverse, "netns", json_string(netns));
	}
	return 0;
}

void np_table_free(struct np_table_text *t)
{
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* ---- ops ---- */

void np_op_clear(struct np_op *o)
{
	if (!o->is_addr) {
		np_route_free(&o->rb);
		np_route_free(&o->ra);
	}
	free(o->message);
	o->message = NULL;
}

static void op_set(struct np_op *o, int result, const char *fmt, ...) CUT_PRINTF(3, 4);
static void op_set(struct np_op *o, int result, const char *fmt, ...)
{
	va_list ap;

	o->result = result;
	va_start(ap, fmt);
	replace_text(&o->message, fmt, ap);
	va_end(ap);
}

/* Is a route matching want among the k routes at first (its key's place)? */
static bool route_among(const struct np_state *st, size_t first, size_t k,
			const struct np_route *want)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (np_route_match(want, &st->routes[first + i]))
			return true;
	return false;
}

static void route_now(const struct np_state *st, const struct np_route *key, char *buf, size_t n)
{
	size_t first, k = np_state_routes_at(st, key, &first);

	if (k == 0)
		snprintf(buf, n, "no such route");
	else
		np_route_str(&st->routes[first], np_state_ifname, (void *)st, buf, n);
}

/* A copy of r that names only its key (what --force deletes). */
static void key_only(struct np_route *dst, const struct np_route *r)
{
	memset(dst, 0, sizeof(*dst));
	dst->family = r->family;
	dst->dst_len = r->dst_len;
	dst->src_len = r->src_len;
	dst->tos = r->tos;
	dst->table = r->table;
	dst->metric = r->metric;
	memcpy(dst->dst, r->dst, 16);
	memcpy(dst->src, r->src, 16);
}

static void classify_route(const struct step_ctx *ctx, struct np_op *o, const struct np_state *st,
			   size_t *near)
{
	const struct np_route *key = o->has_after ? &o->ra : &o->rb;
	size_t first, at = np_state_routes_near(st, key, near, &first); /* before, after: one key */
	bool in_effect = o->has_after ? route_among(st, first, at, &o->ra) : at == 0;
	bool pre = o->has_before ? route_among(st, first, at, &o->rb) : at == 0;
	char now[NP_ROUTESTR];

	if (in_effect) {
		op_set(o, 0, "already in effect");
		return;
	}
	if (pre || ctx->force) {
		o->send = true;
		o->req = o->has_after ? (o->has_before || ctx->force ? NP_REQ_REPLACE : NP_REQ_ADD)
				      : NP_REQ_DEL;
		o->send_as = o->has_after ? NP_SEND_AFTER : pre ? NP_SEND_BEFORE : NP_SEND_KEY;
		return;
	}
	route_now(st, key, now, sizeof(now));
	op_set(o, CUT_ECONFLICT, "the kernel has %s, which is neither the state before nor the "
	       "state after this step", now);
}

static void classify_addr(const struct step_ctx *ctx, struct np_op *o, const struct np_state *st)
{
	const struct np_addr *key = o->has_after ? &o->aa : &o->ab;
	const struct np_addr *have = np_state_addr_at(st, key);
	bool in_effect = o->has_after ? have && np_addr_match(&o->aa, have) : !have;
	bool pre = o->has_before ? have && np_addr_match(&o->ab, have) : !have;

	if (in_effect) {
		op_set(o, 0, "already in effect");
		return;
	}
	if (pre || ctx->force) {
		o->send = true;
		o->req = o->has_after ? (pre ? NP_REQ_ADD : NP_REQ_REPLACE) : NP_REQ_DEL;
		o->asend = o->has_after ? o->aa : o->ab;
		return;
	}
	op_set(o, CUT_ECONFLICT, "the kernel holds the address with other attributes (flags, "
	       "scope, broadcast or label) than before or after this step");
}

void np_ops_classify(const struct step_ctx *ctx, struct np_op *ops, size_t n,
		     const struct np_state *st)
{
	size_t i, near = 0;

	for (i = 0; i < n; i++) {
		if (ops[i].result != STEP_PENDING)
			continue;
		if (ops[i].is_addr)
			classify_addr(ctx, &ops[i], st);
		else
			classify_route(ctx, &ops[i], st, &near);
	}
}

static const char *const req_verb[] = {
	[NP_REQ_ADD] = "add", [NP_REQ_REPLACE] = "replace", [NP_REQ_DEL] = "delete",
};

/* The route o's request sends; a key-only one is made in *key (NULL for
 * the others). */
static const struct np_route *route_sent(const struct np_op *o, struct np_route *key)
{
	if (o->send_as == NP_SEND_AFTER)
		return &o->ra;
	if (o->send_as == NP_SEND_BEFORE)
		return &o->rb;
	key_only(key, &o->rb);
	return key;
}

static void say_op(const struct step_ctx *ctx, const struct np_op *o, const struct np_state *st)
{
	char what[NP_ROUTESTR], line[NP_ROUTESTR + 64];
	struct np_route key;

	if (!ctx->say)
		return;
	if (o->is_addr)
		np_addr_str(&o->asend, np_state_ifname, (void *)st, what, sizeof(what));
	else
		np_route_str(route_sent(o, &key), np_state_ifname, (void *)st, what, sizeof(what));
	snprintf(line, sizeof(line), "would %s %s", req_verb[o->req], what);
	ctx->say(ctx->say_cookie, line);
}

/* A route that names a nexthop object: what to do when that object is gone
 * (the kernel: "Nexthop id does not exist"), since a rollback cannot make it
 * again: with the gateway and device the kernel reported for it when the
 * route was journaled. */
static void nh_hint(const struct np_route *r, uint32_t nh, const struct np_state *st,
		    char *buf, size_t n)
{
	const char *dev = r->oif ? np_state_ifname((void *)st, r->oif) : NULL;
	char via[NP_ADDRSTR] = "…";

	if (r->has_gw && !inet_ntop(r->family, r->gw, via, sizeof(via)))
		snprintf(via, sizeof(via), "…");
	snprintf(buf, n, " (the route uses nexthop object id %u: if `ip nexthop show id %u` "
		 "finds none, make it again as it was, `ip nexthop add id %u via %s dev %s`, and "
		 "run this again)", nh, nh, nh, via, dev ? dev : "…");
}

/* A next hop of r out through a device that is down (an ECMP member's
 * too): the kernel takes none, not even onlink ("Nexthop has invalid
 * gateway", "Nexthop device is not up"; IPv6 "No route to host"), and a
 * rollback does not bring links up. Says which and what to do; else "". */
static void down_hint(const struct np_route *r, const struct np_state *st, const char *netns,
		      bool undo, char *buf, size_t n)
{
	uint32_t devs[64];
	size_t k = np_route_devs(r, devs, sizeof(devs) / sizeof(devs[0])), i;
	const struct np_link *l = NULL;

	for (i = 0; i < k && !l; i++)
		if ((l = np_state_link(st, devs[i])) && l->up)
			l = NULL;
	if (!l)
		return;
	snprintf(buf, n, " (%s goes out through %s, which is down: bring it up, `ip%s%s link "
		 "set %s up`, then run %s again)", k > 1 ? "a next hop" : "it", l->name,
		 netns ? " -n " : "", netns ? netns : "", l->name,
		 undo ? "`cutover rollback`" : "the switch");
}

/* The kernel's refusal in its words, and what to do where it is known. */
static void op_refused(struct np_op *o, const struct np_req_item *it, const struct np_state *st,
		       const char *netns, bool undo)
{
	const struct np_route *r = it->route;
	uint32_t nh = !it->is_addr && it->op != NP_REQ_DEL ? np_route_nh_id(r) : 0;
	char more[384] = "";

	if (nh)
		nh_hint(r, nh, st, more, sizeof(more));
	else if (!it->is_addr && it->op != NP_REQ_DEL)
		down_hint(r, st, netns, undo, more, sizeof(more));
	op_set(o, CUT_EPEER, "the kernel refused it: %s%s%s%s", it->message ? it->message : "",
	       it->message ? ": " : "", strerror(-it->error), more);
}

int np_ops_send(const struct step_ctx *ctx, struct np_conn *c, struct np_op *ops, size_t n,
		const struct np_state *st, bool undo, struct cut_err *err)
{
	struct np_req_item *items;
	struct np_route *keys = NULL;
	size_t *map, k = 0, i, nkeys = 0;
	int r;

	if (ctx->dry_run) {
		for (i = 0; i < n; i++)
			if (ops[i].send)
				say_op(ctx, &ops[i], st);
		return 0;
	}
	items = xcalloc(n + 1, sizeof(*items));
	map = xcalloc(n + 1, sizeof(*map));
	for (i = 0; i < n; i++) /* key-only deletes (--force) are rare: room for those only */
		nkeys += ops[i].send && !ops[i].is_addr && ops[i].send_as == NP_SEND_KEY;
	if (nkeys)
		keys = xcalloc(nkeys, sizeof(*keys));
	nkeys = 0;
	for (i = 0; i < n; i++) {
		if (!ops[i].send)
			continue;
		items[k].op = ops[i].req;
		items[k].is_addr = ops[i].is_addr;
		if (!ops[i].is_addr)
			items[k].route = route_sent(&ops[i], ops[i].send_as == NP_SEND_KEY
								 ? &keys[nkeys++] : NULL);
		items[k].addr = &ops[i].asend;
		map[k++] = i;
	}
	r = np_conn_send(c, items, k, err);
	for (i = 0; i < k; i++) {
		struct np_op *o = &ops[map[i]];
		if (items[i].error == 0)
			op_set(o, 0, NULL);
		else if (items[i].error == 2)
			op_set(o, STEP_UNKNOWN, "sent, but the kernel's answer was lost");
		else if (items[i].error < 0)
			op_refused(o, &items[i], st, np_conn_netns(c), undo);
		free(items[i].message);
	}
	free(items);
	free(map);
	free(keys);
	return r;
}

/* ---- results ---- */

/* "routes.hosts[0].routes[3] (route 10.0.3.0/24 table main metric 0)": the
 * change's key, which names it without the device names of one host. */
static void op_name(const struct np_op *o, char *buf, size_t n)
{
	const struct np_addr *a = o->has_after ? &o->aa : &o->ab;
	char pfx[NP_ADDRSTR], what[NP_ADDRSTR + 64];

	if (o->is_addr)
		snprintf(what, sizeof(what), "address %s",
			 np_prefix_str(a->family, a->local, a->prefixlen, pfx, sizeof(pfx)));
	else
		np_route_key_str(o->has_after ? &o->ra : &o->rb, what, sizeof(what));
	if (o->path)
		snprintf(buf, n, "%s (%s)", o->path, what);
	else
		snprintf(buf, n, "%s", what);
}

struct tally {
	size_t ops, in_effect, conflicts, failed, unknown, pending;
	const struct np_op *first_bad; /* the first failure, else the first conflict */
};

static void tally_add(struct tally *t, const struct np_op *o)
{
	t->ops++;
	if (o->result == 0)
		t->in_effect++;
	else if (o->result == STEP_PENDING)
		t->pending++;
	else if (o->result == STEP_UNKNOWN)
		t->unknown++;
	else if (o->result == CUT_ECONFLICT)
		t->conflicts++;
	else
		t->failed++;
	if (o->result < 0 && (!t->first_bad || (t->first_bad->result == CUT_ECONFLICT &&
						o->result != CUT_ECONFLICT)))
		t->first_bad = o;
}

/* The result of a step of many ops. Forward, a step partly in effect must be
 * undone by a rollback (STEP_PARTIAL); undoing, whatever is left makes the
 * next rollback try the step again, line by line. */
static int tally_result(const struct tally *t, bool inverse)
{
	if (t->in_effect == t->ops)
		return 0;
	if (t->failed)
		return !inverse && (t->in_effect || t->unknown) ? STEP_PARTIAL
								: t->first_bad->result;
	if (t->unknown)
		return STEP_UNKNOWN;
	if (t->conflicts)
		return !inverse && t->in_effect ? STEP_PARTIAL : CUT_ECONFLICT;
	return !inverse && t->in_effect ? STEP_PARTIAL : STEP_PENDING;
}

/* "11 of 12 route changes restored, 1 left alone" */
static void tally_text(const struct tally *t, bool inverse, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%zu of %zu route changes %s", t->in_effect, t->ops,
			   inverse ? "restored" : "in effect");

	if (t->failed && len > 0 && (size_t)len < n)
		len += snprintf(buf + len, n - (size_t)len, ", %zu failed", t->failed);
	if (t->conflicts && len > 0 && (size_t)len < n)
		len += snprintf(buf + len, n - (size_t)len, ", %zu left alone", t->conflicts);
	if (t->pending && len > 0 && (size_t)len < n)
		len += snprintf(buf + len, n - (size_t)len, ", %zu not tried", t->pending);
	if (t->unknown && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, ", %zu unknown", t->unknown);
}

#define NP_BAD_NAMED 10 /* changes a step's message names; the rest are counted */

/* "NAME: WHY; NAME: WHY; … and 3 more" for the ops of a step that failed
 * (first) or were left alone: every route someone changed by hand is named,
 * not only the first of its table. */
static void bad_list(const struct np_op *ops, size_t n, const struct tally *t, char *buf,
		     size_t size)
{
	char name[NP_ROUTESTR];
	size_t i, named = 0, len = 0;
	int pass;

	buf[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n && named < NP_BAD_NAMED; i++) {
			bool conflict = ops[i].result == CUT_ECONFLICT;
			if (ops[i].result >= 0 || conflict != (pass == 1))
				continue;
			op_name(&ops[i], name, sizeof(name));
			len += (size_t)snprintf(buf + len, size - len, "%s%s: %s", named ? "; " : "",
						name, ops[i].message ? ops[i].message : "");
			named++;
			if (len >= size)
				return; /* cut: snprintf ended it */
		}
	}
	if (t->failed + t->conflicts > named)
		snprintf(buf + len, size - len, "; … and %zu more", t->failed + t->conflicts - named);
}

static void settle_step(struct step *s, const struct np_op *ops, size_t n, bool inverse)
{
	struct tally t = { 0 };
	char bad[NP_BAD_NAMED * (2 * NP_ROUTESTR)], counts[256];
	size_t i;

	for (i = 0; i < n; i++)
		tally_add(&t, &ops[i]);
	if (n == 1) { /* one change: its own words */
		step_set_result(s, ops[0].result, ops[0].message ? "%s" : NULL, ops[0].message);
		return;
	}
	if (t.in_effect == t.ops) {
		step_set_result(s, 0, NULL);
		return;
	}
	tally_text(&t, inverse, counts, sizeof(counts));
	if (!t.first_bad) {
		step_set_result(s, tally_result(&t, inverse), "%s", counts);
		return;
	}
	bad_list(ops, n, &t, bad, sizeof(bad));
	step_set_result(s, tally_result(&t, inverse), "%s (%s)", bad, counts);
}

void np_ops_settle(struct np_op *ops, size_t n, struct step *const *steps, size_t nsteps,
		   bool inverse)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i + 1; j < n && ops[j].step == ops[i].step; j++)
			;
		if (ops[i].step < nsteps && steps[ops[i].step]->result == STEP_PENDING)
			settle_step(steps[ops[i].step], ops + i, j - i, inverse);
		i = j;
	}
}

int np_ops_error(const struct np_op *ops, size_t n, struct step *const *steps, int sent_r,
		 const char *host, bool inverse, struct cut_err *err)
{
	struct tally t = { 0 };
	char name[NP_ROUTESTR];
	size_t i;

	for (i = 0; i < n; i++)
		tally_add(&t, &ops[i]);
	if (t.first_bad && t.first_bad->result != CUT_ECONFLICT) {
		op_name(t.first_bad, name, sizeof(name));
		return cut_errf(err, t.first_bad->result,
				inverse ? "fix what the message names, then run the same `cutover "
					  "rollback` again: it goes on with what is not back yet"
					: "`cutover rollback --journal JOURNAL` undoes what was applied",
				"%s: %s: %s (%zu change%s failed)", host,
				t.first_bad->path ? name : steps[t.first_bad->step]->describe,
				t.first_bad->message ? t.first_bad->message
						     : cut_strerror(t.first_bad->result),
				t.failed, t.failed == 1 ? "" : "s");
	}
	if (sent_r < 0 && err && err->code)
		return sent_r;
	if (t.first_bad) {
		op_name(t.first_bad, name, sizeof(name));
		return cut_errf(err, CUT_ECONFLICT, "check those routes by hand; --force overwrites "
				"them", "%s: %s: %s (%zu change%s left alone)", host,
				t.first_bad->path ? name : steps[t.first_bad->step]->describe,
				t.first_bad->message, t.conflicts, t.conflicts == 1 ? "" : "s");
	}
	return sent_r;
}

/* After a rollback: each restored route/address must be exactly the prior one. */
static void verify(struct np_op *ops, size_t n, const struct np_state *st)
{
	char now[NP_ROUTESTR], want[NP_ROUTESTR];
	size_t i, near = 0;

	for (i = 0; i < n; i++) {
		struct np_op *o = &ops[i];
		const struct np_addr *have;
		size_t first, at;

		if (o->result != 0)
			continue;
		if (o->is_addr) {
			have = np_state_addr_at(st, o->has_after ? &o->aa : &o->ab);
			if (o->has_after ? have && np_addr_match(&o->aa, have) : !have)
				continue;
			np_addr_str(o->has_after ? &o->aa : &o->ab, np_state_ifname, (void *)st, want,
				    sizeof(want));
			op_set(o, CUT_EVERIFY, "read back after rollback: address %s is %s", want,
			       o->has_after ? "missing or differs" : "still there");
			continue;
		}
		at = np_state_routes_near(st, o->has_after ? &o->ra : &o->rb, &near, &first);
		if (o->has_after ? at == 1 && np_route_match(&o->ra, &st->routes[first]) : at == 0)
			continue;
		route_now(st, o->has_after ? &o->ra : &o->rb, now, sizeof(now));
		if (o->has_after)
			np_route_str(&o->ra, np_state_ifname, (void *)st, want, sizeof(want));
		else
			snprintf(want, sizeof(want), "no route there");
		op_set(o, CUT_EVERIFY, "read back after rollback: the kernel has %s; the journal's "
		       "prior state is %s", now, want);
	}
}

/* ---- decoding a journal's payloads into ops ---- */

static void reserve_ops(struct np_decoder *d, size_t more)
{
	if (d->n + more <= d->cap)
		return;
	d->cap = d->n + more > 2 * d->cap ? d->n + more : 2 * d->cap;
	d->ops = xrealloc(d->ops, d->cap * sizeof(*d->ops));
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	while ((s = strchr(s, '\n')))
		n++, s++;
	return n;
}

static struct np_op *new_op(struct np_decoder *d, size_t step)
{
	struct np_op *o;

	reserve_ops(d, 1);
	o = &d->ops[d->n++];
	memset(o, 0, sizeof(*o));
	o->step = step;
	o->item = SIZE_MAX;
	o->result = STEP_PENDING;
	return o;
}

static const char *payload_netns(const json_t *p)
{
	return json_string_value(json_object_get(p, "netns"));
}

static int route_side(struct np_decoder *d, const char *text, bool *has, struct np_route *r,
		      char *msg, size_t n)
{
	*has = strcmp(text, "-") != 0;
	if (!*has)
		return 0;
	return np_route_parse(text, np_state_ifindex, d->st, r, msg, n);
}

static int route_sides(struct np_decoder *d, struct np_op *o, const char *before, const char *after,
		       char *msg, size_t n)
{
	int r = route_side(d, before, &o->has_before, &o->rb, msg, n);

	if (r == 0)
		r = route_side(d, after, &o->has_after, &o->ra, msg, n);
	if (r < 0)
		return r;
	if (!o->has_before && !o->has_after)
		return snprintf(msg, n, "a line has neither a route before nor after"), CUT_EINPUT;
	if (o->has_before && o->has_after && np_route_key_cmp(&o->rb, &o->ra) != 0)
		return snprintf(msg, n, "a replace keeps the route's key"), CUT_EINPUT;
	return 0;
}

/* Splits "PATH\tBEFORE\tAFTER" at line (NUL-terminated, tabs replaced). */
static int split_line(char *line, char **f, char *msg, size_t n)
{
	size_t k;

	f[0] = line;
	for (k = 1; k < 3; k++) {
		char *tab = strchr(f[k - 1], '\t');
		if (!tab)
			return snprintf(msg, n, "a line of the table has fewer than three fields"),
			       CUT_EINPUT;
		*tab = 0;
		f[k] = tab + 1;
	}
	if (strchr(f[2], '\t'))
		return snprintf(msg, n, "a line of the table has more than three fields"),
		       CUT_EINPUT;
	return 0;
}

/* The lines of text (each ending in '\n', which becomes a NUL) into *ret. */
static int split_lines(char *text, char ***ret, size_t *n, char *msg, size_t len)
{
	size_t k = 0, cap = count_lines(text);
	char **v = xcalloc(cap + 1, sizeof(*v)), *line, *next;

	for (line = text; *line; line = next + 1) {
		next = strchr(line, '\n');
		if (!next) {
			free(v);
			return snprintf(msg, len, "the table's last line has no end"), CUT_EINPUT;
		}
		*next = 0;
		v[k++] = line;
	}
	*ret = v;
	*n = k;
	return 0;
}

/* A "routes" step: one op per line of its table (from the apply payload p),
 * or with reverse the step's inverse: the lines last first, before and after
 * swapped. On a bad line the ops made for this step stay (pending) and the
 * step fails as a whole: rollback applies no part of a table it cannot read. */
int np_decode_table(struct np_decoder *d, size_t step, const json_t *p, bool reverse, char *msg,
		    size_t n)
{
	const json_t *v = json_object_get(p, "routes");
	char *text, **lines, *f[3];
	size_t nlines, k;
	int r;

	if (!json_is_string(v))
		return snprintf(msg, n, "payload has no \"routes\" table"), CUT_EINPUT;
	text = xstrdup(json_string_value(v));
	d->texts = xrealloc(d->texts, (d->ntexts + 1) * sizeof(*d->texts));
	d->texts[d->ntexts++] = text;
	r = split_lines(text, &lines, &nlines, msg, n);
	if (r < 0)
		return r;
	if (nlines == 0)
		r = (snprintf(msg, n, "the table is empty"), CUT_EINPUT);
	reserve_ops(d, nlines);
	for (k = 0; k < nlines && r == 0; k++) {
		struct np_op *o;
		r = split_line(lines[reverse ? nlines - 1 - k : k], f, msg, n);
		if (r < 0)
			break;
		o = new_op(d, step);
		o->path = f[0];
		r = reverse ? route_sides(d, o, f[2], f[1], msg, n)
			    : route_sides(d, o, f[1], f[2], msg, n);
	}
	free(lines);
	return r;
}

/* A "routes" step's payload for this direction: its table, read forward
 * or (the inverse, {"inverse_of": "apply"}) backward. */
static int decode_routes(struct np_decoder *d, size_t step, const struct step *s, bool inverse,
			 char *msg, size_t n)
{
	const char *of = json_string_value(json_object_get(s->inverse, "inverse_of"));

	if (inverse && (!of || strcmp(of, "apply") != 0))
		return snprintf(msg, n, "the inverse payload is not {\"inverse_of\": \"apply\"}"),
		       CUT_EINPUT;
	return np_decode_table(d, step, s->apply, inverse, msg, n);
}

/* A "route" step (one route per step, as journals before "routes" hold) or
 * an "addr" step. */
static int decode_one(struct np_decoder *d, size_t step, bool is_addr, const json_t *p, char *msg,
		      size_t n)
{
	const json_t *b = json_object_get(p, "before"), *a = json_object_get(p, "after");
	struct np_op *o = new_op(d, step);
	int r = 0;

	o->is_addr = is_addr;
	o->has_before = b && !json_is_null(b);
	o->has_after = a && !json_is_null(a);
	if (!o->has_before && !o->has_after)
		return snprintf(msg, n, "payload has neither \"before\" nor \"after\""), CUT_EINPUT;
	if (is_addr) {
		if (o->has_before)
			r = np_addr_from_json(b, np_state_ifindex, d->st, &o->ab, msg, n);
		if (r == 0 && o->has_after)
			r = np_addr_from_json(a, np_state_ifindex, d->st, &o->aa, msg, n);
		if (r == 0 && o->has_before && o->has_after)
			return snprintf(msg, n, "an address step either adds or removes"), CUT_EINPUT;
		return r;
	}
	if (o->has_before)
		r = np_route_from_json(b, np_state_ifindex, d->st, &o->rb, msg, n);
	if (r == 0 && o->has_after)
		r = np_route_from_json(a, np_state_ifindex, d->st, &o->ra, msg, n);
	if (r == 0 && o->has_before && o->has_after && np_route_key_cmp(&o->rb, &o->ra) != 0)
		return snprintf(msg, n, "a replace keeps the route's key"), CUT_EINPUT;
	return r;
}

/* A step whose payload cannot be read: none of its ops is tried. */
static void drop_step_ops(struct np_decoder *d, size_t step)
{
	while (d->n && d->ops[d->n - 1].step == step)
		np_op_clear(&d->ops[--d->n]);
}

static void decode_all(struct np_decoder *d, struct step *const *steps, size_t n, bool inverse,
		       const char *netns)
{
	char msg[256];
	size_t i, ops = 0;
	int r;

	for (i = 0; i < n; i++) { /* sized once: 10,000s of ops are not grown by copying */
		const char *t = json_string_value(json_object_get(steps[i]->apply, "routes"));
		ops += t ? count_lines(t) : 1;
	}
	reserve_ops(d, ops);
	for (i = 0; i < n; i++) {
		const json_t *p = step_payload(steps[i], inverse);
		if (!np_same_netns(payload_netns(p), netns)) {
			step_set_result(steps[i], CUT_EINTERNAL, "a batch must hold one host's steps");
			continue;
		}
		if (strcmp(steps[i]->kind, "routes") == 0)
			r = decode_routes(d, i, steps[i], inverse, msg, sizeof(msg));
		else
			r = decode_one(d, i, strcmp(steps[i]->kind, "addr") == 0, p, msg,
				       sizeof(msg));
		if (r < 0) {
			drop_step_ops(d, i);
			step_set_result(steps[i], CUT_EINPUT, "journal payload: %s", msg);
		}
	}
}

void np_decoder_free(struct np_decoder *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		np_op_clear(&d->ops[i]);
	for (i = 0; i < d->ntexts; i++)
		free(d->texts[i]);
	free(d->ops);
	free(d->texts);
}

static int kinds_read(struct step *const *steps, size_t n)
{
	size_t i;
	int what = 0;

	for (i = 0; i < n; i++)
		what |= strcmp(steps[i]->kind, "addr") == 0 ? NP_READ_ADDRS : NP_READ_ROUTES;
	return what;
}

static int what_to_read(const struct np_op *ops, size_t n)
{
	size_t i;
	int what = 0;

	for (i = 0; i < n; i++)
		what |= ops[i].is_addr ? NP_READ_ADDRS : NP_READ_ROUTES;
	return what;
}

static int verify_error(const struct np_op *ops, size_t n, struct step *const *steps,
			const char *host, struct cut_err *err)
{
	char name[NP_ROUTESTR];
	size_t i;

	for (i = 0; i < n; i++) {
		if (ops[i].result != CUT_EVERIFY)
			continue;
		op_name(&ops[i], name, sizeof(name));
		return cut_errf(err, CUT_EVERIFY, "compare `ip -d route show table all` with the "
				"journal (`cutover journal show`)", "%s: %s: %s", host,
				ops[i].path ? name : steps[ops[i].step]->describe, ops[i].message);
	}
	return 0;
}

struct read_job {
	struct np_conn *c;
	int what;
	struct np_state *st;
	int r;
	struct cut_err err;
};

static void *read_job_main(void *arg)
{
	struct read_job *j = arg;

	j->r = np_state_read(j->c, j->what, j->st, &j->err);
	return NULL;
}

/* The kernel's state into st, and the payloads into ops at the same time:
 * decoding (10,000 route texts) needs only the device names, so a second
 * thread dumps the routes meanwhile — or has done so already, for a
 * rollback that read this host ahead (pf, from kind_read_ahead). */
static int read_and_decode(struct np_conn *c, int what, struct np_state *st,
			   struct np_decoder *d, struct step *const *steps, size_t n, bool inverse,
			   struct netplan_prefetch *pf, struct cut_err *err)
{
	const char *netns = payload_netns(step_payload(steps[0], inverse));
	struct read_job job = { .c = c, .what = what, .st = st };
	struct np_state links;
	pthread_t thread;
	bool threaded = false;
	int r = np_state_read(c, 0, &links, err);

	if (r < 0)
		return r;
	cut_err_clear(&job.err);
	if (!np_prefetch_has(pf, netns))
		pf = NULL; /* read ahead for another host: dump this one beside decoding */
	if (!pf)
		threaded = pthread_create(&thread, NULL, read_job_main, &job) == 0;
	if (!pf && !threaded) /* no thread: one after the other */
		read_job_main(&job);
	d->st = &links;
	decode_all(d, steps, n, inverse, netns);
	if (threaded)
		pthread_join(thread, NULL);
	if (pf && !np_prefetched(pf, netns, st)) /* taken already, or its read failed */
		read_job_main(&job);
	d->st = NULL;
	np_state_free(&links);
	if (job.r < 0)
		*err = job.err;
	return job.r;
}

/* The addresses an undo adds back (removed by the steps undone) go in the
 * order they were removed, primaries first. Undoing newest first would put
 * them back last removed first: an IPv4 secondary back before its primary
 * becomes the primary itself (and the host's source address changes). They
 * take the places of the undo's re-adds among its ops (its other changes stay
 * where they are: re-adds before the routes, added addresses deleted last). */
static void readds_in_order(struct np_op *ops, size_t n)
{
	size_t *at = xcalloc(n + 1, sizeof(*at)), k = 0, w = 0, i;
	struct np_op *v;
	int pass;

	for (i = 0; i < n; i++)
		if (ops[i].is_addr && ops[i].has_after && !ops[i].has_before)
			at[k++] = i;
	if (k > 1) {
		v = xmalloc(k * sizeof(*v));
		for (pass = 0; pass < 2; pass++)
			for (i = k; i-- > 0;) /* undo order reversed: the order removed */
				if (ops[at[i]].aa.secondary == (pass == 1))
					v[w++] = ops[at[i]];
		for (i = 0; i < k; i++)
			ops[at[i]] = v[i];
		free(v);
	}
	free(at);
}

int netplan_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		  struct cut_err *err)
{
	const char *netns = n ? payload_netns(step_payload(steps[0], inverse)) : NULL;
	struct np_decoder d = { 0 };
	struct np_conn *c = NULL;
	struct np_state st = { 0 };
	int r;

	if (n == 0)
		return 0;
	r = np_conn_open(netns, &c, err);
	if (r == 0)
		r = read_and_decode(c, kinds_read(steps, n), &st, &d, steps, n, inverse, ctx->ahead,
				    err);
	if (r < 0)
		goto out;
	if (inverse)
		readds_in_order(d.ops, d.n);
	np_ops_classify(ctx, d.ops, d.n, &st);
	r = np_ops_send(ctx, c, d.ops, d.n, &st, inverse, err);
	if (inverse && !ctx->dry_run) {
		np_state_free(&st);
		if (np_state_read(c, what_to_read(d.ops, d.n), &st, NULL) == 0)
			verify(d.ops, d.n, &st);
	}
	np_ops_settle(d.ops, d.n, steps, n, inverse);
	r = np_ops_error(d.ops, d.n, steps, r, np_conn_host(c), inverse, err);
	if (r == 0) {
		size_t i;
		for (i = 0; i < n && r == 0; i++) /* a payload it could not read */
			if (steps[i]->result < 0 && steps[i]->result != CUT_ECONFLICT)
				r = cut_errf(err, steps[i]->result, "the journal is damaged: "
					     "restore the routes by hand (`cutover journal show`)",
					     "%s: %s: %s", np_conn_host(c), steps[i]->describe,
					     steps[i]->message);
	}
	if (r == 0)
		r = verify_error(d.ops, d.n, steps, np_conn_host(c), err);
out:
	np_conn_close(c);
	np_state_free(&st);
	np_decoder_free(&d);
	return r;
}

static char *batch_key(const struct step *s, bool inverse)
{
	const char *ns = payload_netns(step_payload(s, inverse));
	return xstrdup(ns ? ns : "");
}

static int kind_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
		      bool inverse, struct cut_err *err)
{
	return netplan_apply(ctx, steps, n, inverse, err);
}

/* A rollback reads the first host its journal names while it reads the
 * rest of the journal. The rollback's first batch uses that state when it
 * is that host's (np_prefetch_has); every other batch reads its own. */
static void *kind_read_ahead(void *ahead, const json_t *step)
{
	const json_t *inverse = json_object_get(step, "inverse");

	if (ahead || !json_is_object(inverse))
		return ahead;
	return np_prefetch_one(payload_netns(inverse));
}

static void kind_read_ahead_free(void *ahead)
{
	netplan_prefetch_free(ahead);
}

/* One netlink batch per host whatever the mix of kinds: they share the key
 * (and what they read ahead). */
#define NETPLAN_KIND(NAME)                                                               \
	{                                                                                \
		.name = NAME, .apply = kind_apply, .batch_key = batch_key, .batch_max = 0, \
		.read_ahead = kind_read_ahead, .read_ahead_free = kind_read_ahead_free,  \
	}
static const struct step_kind routes_kind = NETPLAN_KIND("routes");
static const struct step_kind route_kind = NETPLAN_KIND("route");
static const struct step_kind addr_kind = NETPLAN_KIND("addr");

int netplan_register_steps(struct step_registry *reg)
{
	int r = step_registry_add(reg, &routes_kind);

	if (r == 0)
		r = step_registry_add(reg, &route_kind);
	return r < 0 ? r : step_registry_add(reg, &addr_kind);
}
