/* netplan/np_step.c — the step kinds "route" and "addr": compare-and-swap
 * against the kernel, one netlink batch, results by sequence number, and
 * after a rollback a read-back against the journal's prior state.
 */
#include "np.h"
#include "netplan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static json_t *value_json(bool is_addr, const void *v, const struct np_state *st)
{
	if (!v)
		return json_null();
	if (is_addr)
		return np_addr_json(v, np_state_ifname, (void *)st);
	return np_route_json(v, np_state_ifname, (void *)st);
}

void np_payloads(const char *netns, bool is_addr, const void *before, const void *after,
		 const struct np_state *st, json_t **apply, json_t **inverse)
{
	json_t *b = value_json(is_addr, before, st), *a = value_json(is_addr, after, st);
	json_t *ns = netns ? json_string(netns) : NULL;

	/* the inverse shares the values, before and after swapped */
	*apply = json_object();
	*inverse = json_object();
	json_object_set(*apply, "before", b);
	json_object_set(*apply, "after", a);
	json_object_set_new(*inverse, "before", a);
	json_object_set_new(*inverse, "after", b);
	if (ns) {
		json_object_set(*apply, "netns", ns);
		json_object_set_new(*inverse, "netns", ns);
	}
}

/* One step, decoded against the host's state. */
struct op {
	struct step *s;
	bool is_addr, has_before, has_after, send;
	struct np_route rb, ra, rsend; /* before, after, what is sent */
	struct np_addr ab, aa, asend;
	enum np_req req;
};

static void op_free(struct op *o)
{
	np_route_free(&o->rb);
	np_route_free(&o->ra);
	np_route_free(&o->rsend);
}

static const char *payload_netns(const json_t *p)
{
	return json_string_value(json_object_get(p, "netns"));
}

static bool same_netns(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int decode(struct op *o, const json_t *p, struct np_state *st, char *msg, size_t n)
{
	const json_t *b = json_object_get(p, "before"), *a = json_object_get(p, "after");
	int r = 0;

	o->has_before = b && !json_is_null(b);
	o->has_after = a && !json_is_null(a);
	if (!o->has_before && !o->has_after)
		return snprintf(msg, n, "payload has neither \"before\" nor \"after\""), CUT_EINPUT;
	if (o->is_addr) {
		if (o->has_before)
			r = np_addr_from_json(b, np_state_ifindex, st, &o->ab, msg, n);
		if (r == 0 && o->has_after)
			r = np_addr_from_json(a, np_state_ifindex, st, &o->aa, msg, n);
		if (r == 0 && o->has_before && o->has_after)
			return snprintf(msg, n, "an address step either adds or removes"), CUT_EINPUT;
		return r;
	}
	if (o->has_before)
		r = np_route_from_json(b, np_state_ifindex, st, &o->rb, msg, n);
	if (r == 0 && o->has_after)
		r = np_route_from_json(a, np_state_ifindex, st, &o->ra, msg, n);
	if (r == 0 && o->has_before && o->has_after && np_route_key_cmp(&o->rb, &o->ra) != 0)
		return snprintf(msg, n, "a replace keeps the route's key"), CUT_EINPUT;
	return r;
}

static bool route_present(const struct np_state *st, const struct np_route *want)
{
	size_t first, k = np_state_routes_at(st, want, &first), i;

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

static void classify_route(const struct step_ctx *ctx, struct op *o, const struct np_state *st)
{
	const struct np_route *key = o->has_after ? &o->ra : &o->rb;
	size_t first, at = np_state_routes_at(st, key, &first);
	bool in_effect = o->has_after ? route_present(st, &o->ra) : at == 0;
	bool pre = o->has_before ? route_present(st, &o->rb) : at == 0;
	char now[NP_ROUTESTR];

	if (in_effect) {
		step_set_result(o->s, 0, "already in effect");
		return;
	}
	if (pre || ctx->force) {
		o->send = true;
		o->req = o->has_after ? (o->has_before || ctx->force ? NP_REQ_REPLACE : NP_REQ_ADD)
				      : NP_REQ_DEL;
		if (o->has_after)
			np_route_copy(&o->rsend, &o->ra);
		else if (pre)
			np_route_copy(&o->rsend, &o->rb);
		else
			key_only(&o->rsend, &o->rb);
		return;
	}
	route_now(st, key, now, sizeof(now));
	step_set_result(o->s, CUT_ECONFLICT, "the kernel has %s, which is neither the state before "
			"nor the state after this step", now);
}

static void classify_addr(const struct step_ctx *ctx, struct op *o, const struct np_state *st)
{
	const struct np_addr *key = o->has_after ? &o->aa : &o->ab;
	const struct np_addr *have = np_state_addr_at(st, key);
	bool in_effect = o->has_after ? have && np_addr_match(&o->aa, have) : !have;
	bool pre = o->has_before ? have && np_addr_match(&o->ab, have) : !have;

	if (in_effect) {
		step_set_result(o->s, 0, "already in effect");
		return;
	}
	if (pre || ctx->force) {
		o->send = true;
		o->req = o->has_after ? (pre ? NP_REQ_ADD : NP_REQ_REPLACE) : NP_REQ_DEL;
		o->asend = o->has_after ? o->aa : o->ab;
		return;
	}
	step_set_result(o->s, CUT_ECONFLICT, "the kernel holds the address with other attributes "
			"(flags, scope, broadcast or label) than before or after this step");
}

static const char *const req_verb[] = {
	[NP_REQ_ADD] = "add", [NP_REQ_REPLACE] = "replace", [NP_REQ_DEL] = "delete",
};

static void say_op(const struct step_ctx *ctx, const struct op *o, const struct np_state *st)
{
	char what[NP_ROUTESTR], line[NP_ROUTESTR + 64];

	if (!ctx->say)
		return;
	if (o->is_addr)
		np_addr_str(&o->asend, np_state_ifname, (void *)st, what, sizeof(what));
	else
		np_route_str(&o->rsend, np_state_ifname, (void *)st, what, sizeof(what));
	snprintf(line, sizeof(line), "would %s %s", req_verb[o->req], what);
	ctx->say(ctx->say_cookie, line);
}

/* Sends the ops marked send; sets their results from the kernel's answers. */
static int send_ops(struct np_conn *c, struct op *ops, size_t n, struct cut_err *err)
{
	struct np_req_item *items = xcalloc(n + 1, sizeof(*items));
	size_t *map = xcalloc(n + 1, sizeof(*map));
	size_t k = 0, i;
	int r;

	for (i = 0; i < n; i++) {
		if (!ops[i].send)
			continue;
		items[k].op = ops[i].req;
		items[k].is_addr = ops[i].is_addr;
		items[k].route = &ops[i].rsend;
		items[k].addr = &ops[i].asend;
		map[k++] = i;
	}
	r = np_conn_send(c, items, k, err);
	for (i = 0; i < k; i++) {
		struct step *s = ops[map[i]].s;
		if (items[i].error == 0)
			step_set_result(s, 0, NULL);
		else if (items[i].error == 2)
			step_set_result(s, STEP_UNKNOWN, "sent, but the kernel's answer was lost");
		else if (items[i].error < 0)
			step_set_result(s, CUT_EPEER, "%s: the kernel refused it: %s%s%s",
					np_conn_host(c), items[i].message ? items[i].message : "",
					items[i].message ? ": " : "", strerror(-items[i].error));
		free(items[i].message);
	}
	free(items);
	free(map);
	return r;
}

/* After a rollback: each restored route/address must be exactly the prior one. */
static void verify(struct op *ops, size_t n, const struct np_state *st)
{
	char now[NP_ROUTESTR], want[NP_ROUTESTR];
	size_t i;

	for (i = 0; i < n; i++) {
		struct op *o = &ops[i];
		const struct np_addr *have;
		size_t first, at;

		if (o->s->result != 0)
			continue;
		if (o->is_addr) {
			have = np_state_addr_at(st, o->has_after ? &o->aa : &o->ab);
			if (o->has_after ? have && np_addr_match(&o->aa, have) : !have)
				continue;
			np_addr_str(o->has_after ? &o->aa : &o->ab, np_state_ifname, (void *)st, want,
				    sizeof(want));
			step_set_result(o->s, CUT_EVERIFY, "read back after rollback: address %s is %s",
					want, o->has_after ? "missing or differs" : "still there");
			continue;
		}
		at = np_state_routes_at(st, o->has_after ? &o->ra : &o->rb, &first);
		if (o->has_after ? at == 1 && np_route_match(&o->ra, &st->routes[first]) : at == 0)
			continue;
		route_now(st, o->has_after ? &o->ra : &o->rb, now, sizeof(now));
		if (o->has_after)
			np_route_str(&o->ra, np_state_ifname, (void *)st, want, sizeof(want));
		else
			snprintf(want, sizeof(want), "no route there");
		step_set_result(o->s, CUT_EVERIFY, "read back after rollback: the kernel has %s; "
				"the journal's prior state is %s", now, want);
	}
}

static int batch_error(struct op *ops, size_t n, int sent_r, const char *host, struct cut_err *err)
{
	size_t i, conflicts = 0, failed = 0;
	const struct step *first_fail = NULL, *first_conflict = NULL;

	for (i = 0; i < n; i++) {
		int res = ops[i].s->result;
		if (res == CUT_ECONFLICT && !conflicts++)
			first_conflict = ops[i].s;
		else if (res < 0 && res != CUT_ECONFLICT && !failed++)
			first_fail = ops[i].s;
	}
	if (first_fail)
		return cut_errf(err, first_fail->result,
				"`cutover rollback --journal JOURNAL` undoes what was applied",
				"%s: %s: %s (%zu step%s failed)", host, first_fail->describe,
				first_fail->message ? first_fail->message : cut_strerror(first_fail->result),
				failed, failed == 1 ? "" : "s");
	if (sent_r < 0 && err && err->code)
		return sent_r;
	if (first_conflict)
		return cut_errf(err, CUT_ECONFLICT, "check those routes by hand; --force overwrites "
				"them", "%s: %s: %s (%zu step%s left alone)", host,
				first_conflict->describe, first_conflict->message, conflicts,
				conflicts == 1 ? "" : "s");
	return sent_r;
}

static int decode_all(struct op *ops, struct step *const *steps, size_t n, bool inverse,
		      struct np_state *st, const char *netns)
{
	char msg[256];
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		const json_t *p = inverse ? steps[i]->inverse : steps[i]->apply;
		ops[i].s = steps[i];
		ops[i].is_addr = strcmp(steps[i]->kind, "addr") == 0;
		if (!same_netns(payload_netns(p), netns)) {
			step_set_result(steps[i], CUT_EINTERNAL, "a batch must hold one host's steps");
			bad++;
		} else if (decode(&ops[i], p, st, msg, sizeof(msg)) < 0) {
			step_set_result(steps[i], CUT_EINPUT, "journal payload: %s", msg);
			bad++;
		}
	}
	return bad;
}

static int what_to_read(struct step *const *steps, size_t n)
{
	size_t i;
	int what = 0;

	for (i = 0; i < n; i++)
		what |= strcmp(steps[i]->kind, "addr") == 0 ? NP_READ_ADDRS : NP_READ_ROUTES;
	return what;
}

int netplan_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		  struct cut_err *err)
{
	const char *netns = n ? payload_netns(inverse ? steps[0]->inverse : steps[0]->apply) : NULL;
	struct op *ops = xcalloc(n + 1, sizeof(*ops));
	struct np_conn *c = NULL;
	struct np_state st = { 0 };
	size_t i;
	int r;

	if (n == 0)
		goto out_free;
	r = np_conn_open(netns, &c, err);
	if (r == 0)
		r = np_state_read(c, what_to_read(steps, n), &st, err);
	if (r < 0)
		goto out;
	decode_all(ops, steps, n, inverse, &st, netns);
	for (i = 0; i < n; i++) {
		if (ops[i].s->result != STEP_PENDING)
			continue;
		if (ops[i].is_addr)
			classify_addr(ctx, &ops[i], &st);
		else
			classify_route(ctx, &ops[i], &st);
		if (ops[i].send && ctx->dry_run)
			say_op(ctx, &ops[i], &st);
	}
	r = 0;
	if (!ctx->dry_run)
		r = send_ops(c, ops, n, err);
	if (inverse && !ctx->dry_run) {
		np_state_free(&st);
		if (np_state_read(c, what_to_read(steps, n), &st, NULL) == 0)
			verify(ops, n, &st);
	}
	r = batch_error(ops, n, r, np_conn_host(c), err);
	if (r == 0) {
		for (i = 0; i < n; i++)
			if (ops[i].s->result == CUT_EVERIFY)
				r = cut_errf(err, CUT_EVERIFY, "compare `ip -d route show table all` with "
					     "the journal (`cutover journal show`)", "%s: %s: %s",
					     np_conn_host(c), ops[i].s->describe, ops[i].s->message);
	}
out:
	np_conn_close(c);
	np_state_free(&st);
	for (i = 0; i < n; i++)
		op_free(&ops[i]);
out_free:
	free(ops);
	return n ? r : 0;
}

static char *batch_key(const json_t *payload)
{
	const char *ns = payload_netns(payload);
	return xstrdup(ns ? ns : "");
}

static int kind_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
		      bool inverse, struct cut_err *err)
{
	return netplan_apply(ctx, steps, n, inverse, err);
}

static const struct step_kind route_kind = {
	.name = "route", .apply = kind_apply, .batch_key = batch_key, .batch_max = 0,
};
static const struct step_kind addr_kind = {
	.name = "addr", .apply = kind_apply, .batch_key = batch_key, .batch_max = 0,
};

int netplan_register_steps(struct step_registry *reg)
{
	int r = step_registry_add(reg, &route_kind);

	return r < 0 ? r : step_registry_add(reg, &addr_kind);
}
