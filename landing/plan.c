/* landing/plan.c — template graph against the cloud's state: actions with
 * reasons and dependencies; apply journals them and runs them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cidr.h"
#include "engine.h"
#include "rollback.h"
#include "util.h"

struct landing_plan {
	const struct lz_graph *g;
	struct lz_client c;
	struct lz_action *v;
	size_t n;
	bool connected;
};

/* ---------- comparing ---------- */

static void describe_value(const json_t *v, char *buf, size_t len)
{
	char *s;

	if (!v) {
		snprintf(buf, len, "(none)");
		return;
	}
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v)[0] ? json_string_value(v) : "(none)");
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, len, "%s", s ? s : "?");
	free(s);
}

/* Compares want with have field by field; appends "field a → b" to the
 * update or the replace reason. */
static void compare(enum lz_type t, const json_t *want, const json_t *have, char *upd,
		    size_t ulen, char *rep, size_t rlen)
{
	const struct lz_field *f;
	char a[256], b[256];

	upd[0] = rep[0] = '\0';
	for (f = lz_fields(t); f->name; f++) {
		const json_t *w = json_object_get(want, f->name), *h = json_object_get(have, f->name);
		char *buf = f->updatable ? upd : rep;
		size_t len = f->updatable ? ulen : rlen, used = strlen(buf);
		if (f->identity || f->secret_ref || json_equal(w, h))
			continue;
		describe_value(h, a, sizeof(a));
		describe_value(w, b, sizeof(b));
		snprintf(buf + used, len - used, "%s%s %s → %s", used ? ", " : "", f->name, a, b);
	}
}

static struct lz_action *add_action(struct landing_plan *p, enum lz_verb v, enum lz_type t,
				    const char *key, const json_t *want, const struct lz_obj *have,
				    const char *reason)
{
	struct lz_action *a;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	a = &p->v[p->n++];
	memset(a, 0, sizeof(*a));
	a->verb = v;
	a->type = t;
	a->key = xstrdup(key);
	a->want = want ? json_deep_copy(want) : NULL;
	a->have = have ? json_deep_copy(have->attrs) : NULL;
	a->id = have && have->id[0] ? xstrdup(have->id) : NULL;
	a->reason = xstrdup(reason);
	a->state = v == LZ_NOOP ? LZ_DONE : LZ_WAIT;
	return a;
}

/* Carries the template's secret file reference into what the cloud has
 * (never read back), so a delete's inverse can make it again. */
static void keep_secret_refs(const struct lz_res *r, struct lz_action *a)
{
	const struct lz_field *f;

	for (f = lz_fields(r->type); a->have && f->name; f++)
		if (f->secret_ref && json_object_get(r->attrs, f->name))
			json_object_set(a->have, f->name, json_object_get(r->attrs, f->name));
}

/* A key file that no longer holds the cloud's key (rotated): the update
 * sends the file's key; its inverse sends the old one, which apply saves
 * beside the key file first (have names that copy; secrets never enter
 * the journal). */
static void keep_old_key(const char *file, const struct lz_obj *o, struct lz_action *a)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	json_object_set_new(a->have, lz_secret_field(o->type), json_sprintf("%s.before-%s", file, stamp));
	(void)secret_buf_set(&a->old_secret, o->secret.data, o->secret.len);
}

static void plan_rotation(const struct lz_res *r, const struct lz_obj *o, struct lz_action *a)
{
	keep_old_key(json_string_value(json_object_get(r->attrs, lz_secret_field(r->type))), o, a);
}

/* A delete's inverse makes the object again with the key the cloud had:
 * the key file the template names when it still holds that key, else a
 * copy of the cloud's key saved at apply (an object the template no longer
 * has names no file at all). Without the cloud's key (not shown), the
 * template's file is the best there is. */
static void keep_deleted_key(const struct landing_plan *p, struct lz_action *a)
{
	const char *field = lz_secret_field(a->type);
	const struct lz_obj *o = lz_state_find(&p->c.st, a->key);
	const char *file, *name;
	char *base = NULL, *c;
	struct cut_err ignored;
	bool same = false;

	if (a->verb != LZ_DELETE || a->duplicate || !field || !o || !o->secret.data || !a->have)
		return;
	file = json_string_value(json_object_get(a->have, field));
	if (file && file[0] && lz_secret_same(p->c.dir, a->type, a->have, o, &same, &ignored) == 0 &&
	    same)
		return;
	if (!file || !file[0]) {
		name = json_string_value(json_object_get(a->have, "name"));
		base = xasprintf("%s-%s.key", lz_type_name(a->type), name && name[0] ? name : "unnamed");
		for (c = base; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
				*c = '_'; /* a name from the cloud never makes a path */
		file = base;
	}
	keep_old_key(file, o, a);
	free(base);
}

static int plan_resource(struct landing_plan *p, const struct lz_res *r, struct cut_err *err)
{
	const struct lz_obj *o = lz_state_find(&p->c.st, r->key);
	char upd[1024], rep[1024], why[1200];
	struct lz_action *a;
	bool same_key;
	size_t used;
	int ret;

	if (!o) {
		add_action(p, LZ_CREATE, r->type, r->key, r->attrs, NULL, "not in the cloud");
		return 0;
	}
	compare(r->type, r->attrs, o->attrs, upd, sizeof(upd), rep, sizeof(rep));
	ret = lz_secret_same(p->c.dir, r->type, r->attrs, o, &same_key, err);
	if (ret < 0) {
		cut_err_prefix(err, "%s", r->key);
		return ret;
	}
	used = strlen(upd);
	if (!same_key)
		snprintf(upd + used, sizeof(upd) - used, "%s%s: the cloud's key is not the one in %s",
			 used ? ", " : "", lz_secret_field(r->type),
			 json_string_value(json_object_get(r->attrs, lz_secret_field(r->type))));
	if (rep[0]) {
		snprintf(why, sizeof(why), "%s: cannot change in place", rep);
		a = add_action(p, LZ_DELETE, r->type, r->key, NULL, o, why);
		a->replace = true;
		keep_secret_refs(r, a);
		a = add_action(p, LZ_CREATE, r->type, r->key, r->attrs, NULL, why);
		a->replace = true;
	} else if (upd[0]) {
		a = add_action(p, LZ_UPDATE, r->type, r->key, r->attrs, o, upd);
		keep_secret_refs(r, a);
		if (!same_key)
			plan_rotation(r, o, a);
	} else if (!o->tagged) {
		a = add_action(p, LZ_UPDATE, r->type, r->key, r->attrs, o,
			       "ownership tag missing (made by a run that stopped)");
		a->tag_only = true;
	} else {
		add_action(p, LZ_NOOP, r->type, r->key, r->attrs, o, "up to date");
	}
	return 0;
}

/* Objects the zone owns that the template no longer has. Interfaces and
 * routes count as the zone's only when their router is; an interface to a
 * subnet outside the zone is someone else's. */
static void plan_leftovers(struct landing_plan *p, bool destroy)
{
	size_t i;

	for (i = 0; i < p->c.st.n; i++) {
		const struct lz_obj *o = &p->c.st.v[i];
		if (!o->key || !o->key[0])
			continue;
		if ((o->type == LZ_INTERFACE || o->type == LZ_ROUTE) && o->foreign)
			continue;
		if (!destroy && lz_graph_find(p->g, o->key) >= 0)
			continue;
		add_action(p, LZ_DELETE, o->type, o->key, NULL, o,
			   destroy        ? "destroying the zone"
			   : o->duplicate ? "a second object of this name (a create whose answer "
					    "was lost, made again)"
					  : "not in the template")
			->duplicate = o->duplicate;
	}
}

/* ---------- dependencies ---------- */

static bool refers_to(const struct lz_action *a, const json_t *attrs, const char *key)
{
	char **keys = NULL;
	size_t n = 0, i;
	bool hit = false;

	lz_refs(a->type, attrs, &keys, &n);
	for (i = 0; i < n; i++) {
		hit = hit || strcmp(keys[i], key) == 0;
		free(keys[i]);
	}
	free(keys);
	return hit;
}

static bool same_router(const struct lz_action *a, const struct lz_action *b)
{
	const json_t *x = json_object_get(a->want ? a->want : a->have, "router");
	const json_t *y = json_object_get(b->want ? b->want : b->have, "router");

	return x && y && json_equal(x, y);
}

static void add_dep(struct lz_action *a, size_t on)
{
	a->deps = xrealloc(a->deps, (a->ndeps + 1) * sizeof(*a->deps));
	a->deps[a->ndeps++] = on;
}

/* Does a VPN connection need this interface made first? Neutron wants the
 * subnets of its local endpoint group on the router; the others need not
 * hold it up. Unknown group: wait for every interface. */
static bool connection_needs(const struct landing_plan *p, const struct lz_action *conn,
			     const struct lz_action *iface)
{
	const json_t *grp = json_object_get(conn->want, "local_group");
	const json_t *subnet = json_object_get(iface->want, "subnet"), *e;
	size_t i, k;

	for (i = 0; grp && i < p->g->n; i++) {
		const struct lz_res *r = &p->g->v[i];
		if (r->type != LZ_EPGROUP || !json_equal(json_object_get(r->attrs, "name"), grp))
			continue;
		json_array_foreach(json_object_get(r->attrs, "endpoints"), k, e)
			if (json_equal(e, subnet))
				return true;
		return false;
	}
	return true;
}

/* Would create a clash with what delete b still holds? Two subnets of one
 * network may not overlap, and a subnet's gateway address is held by its
 * interface: a renamed subnet (same CIDR) or an interface moved to another
 * router must wait for the old one's delete, or Neutron refuses the create
 * and, creates going first, the delete never runs. */
static bool clashes(const struct lz_action *a, const struct lz_action *b)
{
	const json_t *w = a->want, *h = b->have;
	const char *cx, *cy;
	struct cidr x, y;

	if (a->type != b->type || !w || !h)
		return false;
	if (a->type == LZ_INTERFACE)
		return json_equal(json_object_get(w, "subnet"), json_object_get(h, "subnet"));
	if (a->type != LZ_SUBNET ||
	    !json_equal(json_object_get(w, "network"), json_object_get(h, "network")))
		return false;
	cx = json_string_value(json_object_get(w, "cidr"));
	cy = json_string_value(json_object_get(h, "cidr"));
	return cx && cy && cidr_parse(cx, false, &x) == 0 && cidr_parse(cy, false, &y) == 0 &&
	       cidr_overlaps(&x, &y);
}

/* Does a (index i) have to wait for b (index j)? */
static bool must_wait(const struct landing_plan *p, const struct lz_action *a,
		      const struct lz_action *b)
{
	if (a->verb == LZ_NOOP || b->verb == LZ_NOOP || a == b)
		return false;
	if (a->verb != LZ_DELETE) {
		if (b->verb == LZ_DELETE) /* replace: old one goes first */
			return strcmp(a->key, b->key) == 0 || (a->verb == LZ_CREATE && clashes(a, b));
		if (refers_to(a, a->want, b->key))
			return true;
		/* a VPN connection needs its local subnets on the router */
		if (a->type == LZ_CONNECTION && b->type == LZ_INTERFACE)
			return connection_needs(p, a, b);
		return a->type == LZ_ROUTE && b->type == LZ_INTERFACE && same_router(a, b);
	}
	if (b->verb != LZ_DELETE)
		return false;
	/* deletes: what refers to a goes first */
	if (refers_to(b, b->have, a->key))
		return true;
	if (a->type == LZ_INTERFACE && (b->type == LZ_CONNECTION || b->type == LZ_VPNSERVICE))
		return true;
	return a->type == LZ_INTERFACE && b->type == LZ_ROUTE && same_router(a, b);
}

static void link_deps(struct landing_plan *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++)
		for (j = 0; j < p->n; j++)
			if (must_wait(p, &p->v[i], &p->v[j]))
				add_dep(&p->v[i], j);
}

/* A no-op or update that cascade turns into a replace: its delete's inverse
 * needs the key reference a planned delete gets (a VPN connection replaced
 * along with its endpoint group could not be made again by a rollback). */
static void keep_replaced_key(const struct landing_plan *p, struct lz_action *a)
{
	const char *field = lz_secret_field(a->type);
	long gi = lz_graph_find(p->g, a->key);

	if (!field || !a->have || a->old_secret.data)
		return; /* an update of a rotated key saves the cloud's key already */
	if (gi >= 0 && !json_object_get(a->have, field))
		keep_secret_refs(&p->g->v[gi], a);
	a->verb = LZ_DELETE; /* keep_deleted_key looks at deletes only */
	keep_deleted_key(p, a);
}

/* A replaced object takes what refers to it along (a new subnet needs a new
 * interface): turn their no-ops and updates into replaces too. */
static void cascade(struct landing_plan *p)
{
	bool changed = true;
	size_t i, j, n;

	while (changed) {
		changed = false;
		n = p->n;
		for (i = 0; i < n; i++) {
			struct lz_action *d = &p->v[i];
			if (d->verb != LZ_DELETE || !d->replace)
				continue;
			for (j = 0; j < n; j++) {
				struct lz_action *a = &p->v[j];
				char why[512];
				if ((a->verb != LZ_NOOP && a->verb != LZ_UPDATE) || !a->have ||
				    !refers_to(a, a->have, d->key))
					continue;
				snprintf(why, sizeof(why), "replaced along with %s", d->key);
				keep_replaced_key(p, a);
				a->verb = LZ_DELETE;
				a->state = LZ_WAIT;
				a->replace = true;
				free(a->reason);
				a->reason = xstrdup(why);
				json_t *want = json_incref(a->want);
				add_action(p, LZ_CREATE, a->type, p->v[j].key, want, NULL, why)->replace =
					true;
				json_decref(want);
				d = &p->v[i];
				changed = true;
			}
		}
	}
}

/* ---------- making a plan ---------- */

int landing_plan_make(const struct lz_graph *g, const struct landing_opts *o, bool destroy,
		      struct landing_plan **ret, struct cut_err *err)
{
	struct landing_plan *p = xcalloc(1, sizeof(*p));
	size_t i;
	int r;

	*ret = NULL;
	p->g = g;
	r = lz_client_open(&p->c, &o->conn, g->zone, g->dir, o->retries, err);
	if (r < 0) {
		free(p);
		return r;
	}
	p->connected = true;
	p->c.say = o->say;
	p->c.say_cookie = o->say_cookie;
	r = lz_read_state(&p->c, o->parallel, err);
	if (r < 0) {
		landing_plan_free(p);
		return r;
	}
	for (i = 0; r == 0 && !destroy && i < g->n; i++)
		r = plan_resource(p, &g->v[i], err);
	if (r < 0) {
		landing_plan_free(p);
		return r;
	}
	plan_leftovers(p, destroy);
	for (i = 0; destroy && i < p->n; i++)
		if (lz_graph_find(g, p->v[i].key) >= 0)
			keep_secret_refs(&g->v[lz_graph_find(g, p->v[i].key)], &p->v[i]);
	for (i = 0; i < p->n; i++)
		keep_deleted_key(p, &p->v[i]);
	cascade(p);
	link_deps(p);
	*ret = p;
	return 0;
}

void landing_plan_free(struct landing_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		lz_action_clear(&p->v[i]);
	free(p->v);
	if (p->connected)
		lz_client_close(&p->c);
	free(p);
}

void landing_plan_counts(const struct landing_plan *p, size_t counts[4])
{
	size_t i;

	memset(counts, 0, 4 * sizeof(*counts));
	for (i = 0; i < p->n; i++)
		counts[p->v[i].verb]++;
}

static const char *display_name(const struct lz_action *a)
{
	return a->key + strlen(lz_type_name(a->type)) + 1;
}

json_t *landing_plan_json(const struct landing_plan *p, bool with_noop)
{
	json_t *arr = json_array();
	size_t counts[4], i;

	for (i = 0; i < p->n; i++) {
		const struct lz_action *a = &p->v[i];
		if (a->verb == LZ_NOOP && !with_noop)
			continue;
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s}", "action",
						     lz_verb_name(a->verb), "type",
						     lz_type_name(a->type), "name", display_name(a),
						     "key", a->key, "reason", a->reason));
	}
	landing_plan_counts(p, counts);
	return json_pack("{s:s,s:o,s:{s:I,s:I,s:I,s:I}}", "zone", p->g->zone, "actions", arr,
			 "summary", "create", (json_int_t)counts[LZ_CREATE], "update",
			 (json_int_t)counts[LZ_UPDATE], "delete", (json_int_t)counts[LZ_DELETE],
			 "no-op", (json_int_t)counts[LZ_NOOP]);
}

void landing_plan_say(const struct landing_plan *p, bool with_noop, step_say_fn say, void *cookie)
{
	char line[2048];
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct lz_action *a = &p->v[i];
		if (a->verb == LZ_NOOP && !with_noop)
			continue;
		snprintf(line, sizeof(line), "%-7s %-15s %s  (%s)", lz_verb_name(a->verb),
			 lz_type_name(a->type), display_name(a), a->reason);
		say(cookie, line);
	}
}

json_t *landing_plan_results(const struct landing_plan *p)
{
	static const char *const states[] = { "pending", "running", "done", "failed", "skipped" };
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct lz_action *a = &p->v[i];
		json_t *x;
		if (a->verb == LZ_NOOP)
			continue;
		x = json_pack("{s:s,s:s,s:s,s:s}", "action", lz_verb_name(a->verb), "type",
			      lz_type_name(a->type), "name", display_name(a), "result",
			      states[a->state]);
		if (a->message)
			json_object_set_new(x, "error", json_string(a->message));
		json_array_append_new(arr, x);
	}
	return arr;
}

/* ---------- applying with the journal ---------- */

struct journal_hook {
	struct landing_plan *p;
	struct journal *j;
	struct step *steps; /* one per action, filled when it starts */
};

static int hook_start(void *cookie, struct lz_action *const *acts, size_t n, struct cut_err *err)
{
	struct journal_hook *h = cookie;
	struct step *batch = xcalloc(n, sizeof(*batch));
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		step_init(&batch[i], LANDING_STEP_KIND, lz_action_payload(&h->p->c, acts[i], false),
			  lz_action_payload(&h->p->c, acts[i], true), "%s %s %s",
			  lz_verb_name(acts[i]->verb), lz_type_name(acts[i]->type),
			  display_name(acts[i]));
	r = journal_write_intents(h->j, batch, n, err);
	for (i = 0; i < n; i++) {
		size_t k = (size_t)(acts[i] - h->p->v);
		h->steps[k] = batch[i]; /* moves ownership */
		acts[i]->step = k;
	}
	free(batch);
	return r;
}

/* A create or update that failed after one of its calls took effect (an
 * object made, then its ownership tag refused; an update whose tag was
 * refused) is partly in the cloud: its outcome is unknown, so a rollback
 * checks and undoes it (compare-and-swap), where "failed" (known not in
 * effect) would make a rollback skip it. */
static bool partly_done(const struct lz_action *a)
{
	if (a->result >= 0)
		return false;
	if (a->maybe_sent)
		return true; /* a call's outcome never came: the cloud may have it */
	if (a->verb == LZ_CREATE)
		return a->op.exists;
	return a->verb == LZ_UPDATE && !a->op.tag_only && a->op.stage > 0;
}

static int hook_end(void *cookie, struct lz_action *a, struct cut_err *err)
{
	struct journal_hook *h = cookie;
	struct step *s = &h->steps[a - h->p->v];
	int result = partly_done(a) ? STEP_UNKNOWN : a->result;

	if (!s->kind)
		return 0; /* never started: no intent, nothing to record */
	if (result == 0)
		step_set_result(s, 0, NULL);
	else
		step_set_result(s, result, "%s", a->message ? a->message : cut_strerror(result));
	return journal_write_outcomes(h->j, s, 1, false, err);
}

/* Did this run make or adopt the object with this id? (Interfaces and
 * routes carry their router's id.) */
static bool made_here(const struct landing_plan *p, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p->v[i].op.id && strcmp(p->v[i].op.id, id) == 0) ||
		    (p->v[i].id && strcmp(p->v[i].id, id) == 0))
			return true;
	return false;
}

/* After creates that were retried because their answer went wrong, the
 * cloud may hold a second object of one name (the first try did happen, and
 * Neutron left a half-made one behind): read the zone again and delete such
 * strays, with what hangs on them, so the apply ends converged. */
static int sweep_strays(struct landing_plan *p, struct journal_hook *h,
			const struct lz_hooks *hooks, const struct landing_opts *o,
			struct cut_err *err)
{
	size_t first = p->n, i, k;
	int r;

	r = lz_read_state(&p->c, o->parallel, err);
	for (i = 0; r == 0 && i < p->c.st.n; i++) {
		const struct lz_obj *s = &p->c.st.v[i];
		/* never one this run built on: the next plan sorts that out */
		if (s->duplicate && s->key && lz_graph_find(p->g, s->key) < 0 &&
		    !made_here(p, first, s->id))
			add_action(p, LZ_DELETE, s->type, s->key, NULL, s,
				   "a second object of this name (a create whose answer was "
				   "lost, made again)")
				->duplicate = true;
	}
	if (r < 0 || p->n == first)
		return r;
	if (o->say) {
		char line[128];
		snprintf(line, sizeof(line), "  %zu stray object(s) from retried creates: deleting them",
			 p->n - first);
		o->say(o->say_cookie, line);
	}
	for (i = first; i < p->n; i++)
		for (k = first; k < p->n; k++)
			if (must_wait(p, &p->v[i], &p->v[k]))
				add_dep(&p->v[i], k - first);
	h->steps = xrealloc(h->steps, (p->n + 1) * sizeof(*h->steps));
	memset(h->steps + first, 0, (p->n + 1 - first) * sizeof(*h->steps));
	return lz_run(&p->c, p->v + first, p->n - first, o->parallel, hooks, err);
}

/* Writes (0600, synced, never over another key) the old key of each
 * rotation where its inverse will read it, before anything is journaled. */
static int save_old_secrets(const struct landing_plan *p, struct cut_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < p->n; i++) {
		const struct lz_action *a = &p->v[i];
		const char *file;
		char *path;
		if (!a->old_secret.data)
			continue;
		file = json_string_value(json_object_get(a->have, lz_secret_field(a->type)));
		path = path_relative_to(p->c.dir, file);
		r = secret_write_file(path, &a->old_secret, err);
		free(path);
		if (r < 0) {
			cut_err_prefix(err, "%s: saving the key before its rotation", a->key);
			return r;
		}
	}
	return 0;
}

int landing_plan_apply(struct landing_plan *p, struct journal *j, const struct landing_opts *o,
		       struct cut_err *err)
{
	struct journal_hook h = { .p = p, .j = j };
	struct lz_hooks hooks = { hook_start, hook_end, &h };
	size_t i;
	int r;

	if (o->dry_run)
		return 0;
	r = save_old_secrets(p, err);
	if (r < 0)
		return r;
	h.steps = xcalloc(p->n + 1, sizeof(*h.steps));
	p->c.say = o->say;
	p->c.say_cookie = o->say_cookie;
	p->c.lost_creates = 0;
	r = lz_run(&p->c, p->v, p->n, o->parallel, j ? &hooks : NULL, err);
	if (r == 0 && p->c.lost_creates)
		r = sweep_strays(p, &h, j ? &hooks : NULL, o, err);
	for (i = 0; i < p->n; i++)
		step_clear(&h.steps[i]);
	free(h.steps);
	return r;
}
