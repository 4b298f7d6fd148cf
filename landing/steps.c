/* landing/steps.c — the step kind "landing.openstack": journal payloads of
 * landing actions and applying them back (rollback), compare-and-swap.
 *
 * A payload names the endpoint, the zone, the operation and the object's
 * neutral attributes (references by name, the VPN key by its file's path):
 *   {"provider":"openstack","endpoint":…,"zone":…,"dir":…,
 *    "op":"create|update|delete","type":"subnet","key":…,"attrs":{…},"from":{…}}
 * Undoing a batch reads the zone once, then brings each payload into effect
 * in the order given (rollback passes newest first: dependents before what
 * they depend on).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

json_t *lz_action_payload(const struct lz_client *c, const struct lz_action *a, bool inverse)
{
	enum lz_verb v = a->verb;
	const json_t *attrs = a->verb == LZ_DELETE ? a->have : a->want;
	const json_t *from = a->verb == LZ_UPDATE ? a->have : NULL;
	json_t *p;

	if (inverse) {
		if (v == LZ_CREATE) {
			v = LZ_DELETE;
		} else if (v == LZ_DELETE && !a->duplicate) {
			v = LZ_CREATE;
		} else if (v == LZ_UPDATE) {
			attrs = a->have;
			from = a->want;
		}
	}
	p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "provider", c->prov->name, "endpoint",
		      c->endpoint, "zone", c->zone, "dir", c->dir, "op", lz_verb_name(v), "type",
		      lz_type_name(a->type), "key", a->key, "attrs", attrs ? attrs : json_null());
	if (from)
		json_object_set_new(p, "from", json_deep_copy(from));
	if (c->credentials_file)
		json_object_set_new(p, "credentials_file", json_string(c->credentials_file));
	return p;
}

static char *batch_key(const struct step *s, bool inverse)
{
	const json_t *payload = step_payload(s, inverse);

	return xasprintf("%s %s", json_string_value(json_object_get(payload, "endpoint")) ?: "",
			 json_string_value(json_object_get(payload, "zone")) ?: "");
}

static int verb_of(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "create") == 0)
		return LZ_CREATE;
	if (strcmp(s, "update") == 0)
		return LZ_UPDATE;
	if (strcmp(s, "delete") == 0)
		return LZ_DELETE;
	return -1;
}

/* Only the fields an update changes, for compare-and-swap. */
static bool same_updatable(enum lz_type t, const json_t *a, const json_t *b)
{
	const struct lz_field *f;

	for (f = lz_fields(t); f->name; f++)
		if (f->updatable && !json_equal(json_object_get(a, f->name), json_object_get(b, f->name)))
			return false;
	return true;
}

/* A key rotation's update names another key file than its "from". */
static bool rotates_key(enum lz_type t, const json_t *attrs, const json_t *from)
{
	const char *field = lz_secret_field(t);

	return field && !json_equal(json_object_get(attrs, field), json_object_get(from, field));
}

/* An update is in effect when its updatable fields and its key are; it
 * conflicts when the cloud no longer has what the update started from. */
static int update_action(struct lz_client *c, const json_t *pl, const struct lz_obj *o, bool force,
			 struct lz_action *a, bool *skip, struct cut_err *err)
{
	const json_t *attrs = json_object_get(pl, "attrs"), *from = json_object_get(pl, "from");
	bool rotation = rotates_key(a->type, attrs, from), key_now = true, key_from = true;
	int r;

	a->want = json_deep_copy(attrs);
	if (rotation) {
		r = lz_secret_same(c->dir, a->type, attrs, o, &key_now, err);
		if (r == 0 && !force)
			r = lz_secret_same(c->dir, a->type, from, o, &key_from, err);
		if (r < 0) {
			cut_err_prefix(err, "%s", a->key);
			return r;
		}
	}
	if (key_now && same_updatable(a->type, o->attrs, attrs)) {
		*skip = true;
		return 0;
	}
	if (!force && (!key_from || !same_updatable(a->type, o->attrs, from)))
		return cut_errf(err, CUT_ECONFLICT,
				"check it by hand; `cutover rollback --force` overwrites it",
				"%s was changed by someone else since%s", a->key,
				key_from ? "" : " (its key is not the one the change set)");
	return 0;
}

/* Turns a payload into an action against the state just read: 0 with
 * *skip=true when it is already in effect, CUT_ECONFLICT when the world
 * changed since (unless force), CUT_EINPUT for a payload it cannot read. */
static int to_action(struct lz_client *c, const json_t *pl, bool force, struct lz_action *a,
		     bool *skip, struct cut_err *err)
{
	int verb = verb_of(json_string_value(json_object_get(pl, "op")));
	int type = lz_type_from_name(json_string_value(json_object_get(pl, "type")));
	const json_t *attrs = json_object_get(pl, "attrs");
	const struct lz_obj *o;

	memset(a, 0, sizeof(*a));
	*skip = false;
	if (verb < 0 || type < 0 || !json_is_object(attrs))
		return cut_errf(err, CUT_EINPUT, "the journal record is not a landing step",
				"unreadable landing payload");
	a->verb = (enum lz_verb)verb;
	a->type = (enum lz_type)type;
	a->key = lz_key(a->type, attrs);
	o = lz_state_find(&c->st, a->key);
	a->state = LZ_WAIT;
	a->step = SIZE_MAX;
	if (verb == LZ_CREATE) {
		*skip = o != NULL;
		a->want = json_deep_copy(attrs);
		return 0;
	}
	if (!o) {
		*skip = true; /* delete: gone already; update: nothing left to change */
		return verb == LZ_DELETE || force ? 0 : cut_errf(err, CUT_ECONFLICT, NULL,
								 "%s is gone", a->key);
	}
	a->have = json_deep_copy(o->attrs);
	a->id = xstrdup(o->id);
	if (verb == LZ_UPDATE)
		return update_action(c, pl, o, force, a, skip, err);
	return 0;
}

static int open_for(struct lz_client *c, const json_t *pl, struct cut_err *err)
{
	const char *creds = json_string_value(json_object_get(pl, "credentials_file"));
	char *endpoint = NULL, *token = NULL, *project = NULL;
	struct landing_conn conn;
	int r;

	r = landing_connect(json_string_value(json_object_get(pl, "endpoint")), creds, &endpoint,
			    &token, &project, err);
	if (r < 0)
		return r;
	conn.endpoint = endpoint;
	conn.token = token;
	conn.credentials_file = creds;
	conn.project_id = project;
	r = lz_client_open(c, &conn, json_string_value(json_object_get(pl, "zone")) ?: "",
			   json_string_value(json_object_get(pl, "dir")) ?: "", 8, err);
	free(endpoint);
	free(project);
	landing_free_token(token);
	if (r == 0)
		r = lz_read_state(c, 1, err);
	return r;
}

static int apply_one(struct lz_client *c, const struct step_ctx *ctx, struct step *s,
		     const json_t *pl)
{
	struct lz_action a;
	struct cut_err e;
	bool skip;
	int r;

	cut_err_clear(&e);
	r = to_action(c, pl, ctx->force, &a, &skip, &e);
	if (r == 0 && !skip && ctx->dry_run) {
		if (ctx->say)
			ctx->say(ctx->say_cookie, s->describe);
		skip = true;
		r = STEP_PENDING;
	}
	if (r == 0 && !skip)
		r = lz_run(c, &a, 1, 1, NULL, &e);
	if (r == 0)
		step_set_result(s, 0, NULL);
	else if (r == STEP_PENDING)
		step_set_result(s, STEP_PENDING, NULL);
	else
		step_set_result(s, r, "%s", e.msg);
	lz_action_clear(&a);
	return r == STEP_PENDING ? 0 : r;
}

static int apply_pass(struct lz_client *c, const struct step_ctx *ctx, struct step *const *steps,
		      size_t n, bool inverse, struct cut_err *err)
{
	size_t i;
	int r, first = 0;

	for (i = 0; i < n; i++) {
		r = apply_one(c, ctx, steps[i], step_payload(steps[i], inverse));
		if (r < 0 && !first) {
			first = r;
			cut_errf(err, r, NULL, "%s: %s", steps[i]->describe,
				 steps[i]->message ? steps[i]->message : cut_strerror(r));
		}
	}
	return first;
}

static int kind_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n,
		      bool inverse, struct cut_err *err)
{
	struct lz_client c = { 0 }; /* closed below also when open_for failed early */
	size_t i;
	int r, first = 0;

	if (n == 0)
		return 0;
	r = open_for(&c, step_payload(steps[0], inverse), err);
	if (r < 0) {
		if (c.http)
			lz_client_close(&c);
		for (i = 0; i < n; i++)
			step_set_result(steps[i], STEP_PENDING, NULL);
		return r;
	}
	first = apply_pass(&c, ctx, steps, n, inverse, err);
	/* A rollback reads the cloud once more and goes over the batch again: the
	 * kind is idempotent, so what is in effect is skipped, and anything the
	 * first pass judged against a state that changed under it (an object a
	 * killed run's request made or removed meanwhile) is put right now. */
	if (first == 0 && inverse && !ctx->dry_run) {
		first = lz_read_state(&c, 1, err);
		if (first == 0)
			first = apply_pass(&c, ctx, steps, n, inverse, err);
	}
	lz_client_close(&c);
	return first;
}

static const struct step_kind landing_kind = {
	.name = LANDING_STEP_KIND,
	.apply = kind_apply,
	.batch_key = batch_key,
	.batch_max = 0,
};

int landing_register_steps(struct step_registry *reg)
{
	return step_registry_add(reg, &landing_kind);
}
