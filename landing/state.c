/* landing/state.c — what the cloud holds: objects in neutral form. */
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "util.h"

const char *lz_verb_name(enum lz_verb v)
{
	static const char *const names[] = { "create", "update", "delete", "no-op" };

	return (unsigned)v < ARRAY_SIZE(names) ? names[v] : "?";
}

void lz_call_clear(struct lz_call *c)
{
	free(c->path);
	if (c->body)
		freezero(c->body, strlen(c->body));
	memset(c, 0, sizeof(*c));
}

void lz_state_clear(struct lz_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->v[i].id);
		free(st->v[i].key);
		json_decref(st->v[i].attrs);
		json_decref(st->v[i].raw_ids);
		secret_buf_free(&st->v[i].secret);
	}
	free(st->v);
	json_decref(st->externals);
	memset(st, 0, sizeof(*st));
}

struct lz_obj *lz_state_add(struct lz_state *st, enum lz_type t, const char *id, json_t *attrs)
{
	struct lz_obj *o;

	st->v = xrealloc(st->v, (st->n + 1) * sizeof(*st->v));
	o = &st->v[st->n++];
	memset(o, 0, sizeof(*o));
	o->type = t;
	o->id = xstrdup(id ? id : "");
	o->attrs = attrs;
	o->raw_ids = json_object();
	return o;
}

const char *lz_state_id(const struct lz_state *st, enum lz_type t, const char *name)
{
	size_t i;

	if (!name || !name[0])
		return NULL;
	for (i = 0; i < st->n; i++) {
		const json_t *n = json_object_get(st->v[i].attrs, "name");
		if (st->v[i].type == t && st->v[i].id[0] && json_is_string(n) && strcmp(json_string_value(n), name) == 0)
			return st->v[i].id;
	}
	return NULL;
}

static const struct lz_obj *by_id(const struct lz_state *st, enum lz_type t, const char *id)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->v[i].type == t && strcmp(st->v[i].id, id) == 0)
			return &st->v[i];
	return NULL;
}

/* A reference by id turned into the object's name; what hangs on a
 * duplicate is the duplicate's too (deleted with it, never brought back). */
static json_t *resolve_one(struct lz_state *st, struct lz_obj *o, int t, const json_t *id)
{
	const struct lz_obj *to;
	const char *name;

	if (!json_is_string(id) || !json_string_value(id)[0])
		return json_string("");
	to = by_id(st, t, json_string_value(id));
	name = to ? json_string_value(json_object_get(to->attrs, "name")) : NULL;
	if (!name) {
		o->foreign = true;
		return json_sprintf("foreign:%s", json_string_value(id));
	}
	o->duplicate = o->duplicate || to->duplicate;
	return json_string(name);
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a) ?: "",
		      json_string_value(*(json_t *const *)b) ?: "");
}

void lz_sort_strings(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_json_str);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static void resolve_obj(struct lz_state *st, struct lz_obj *o)
{
	const struct lz_field *f;
	size_t i;

	for (f = lz_fields(o->type); f->name; f++) {
		json_t *raw = json_object_get(o->raw_ids, f->name);
		if (f->ref < 0 || !raw)
			continue;
		if (!f->ref_array) {
			json_object_set_new(o->attrs, f->name, resolve_one(st, o, f->ref, raw));
		} else {
			json_t *arr = json_array();
			for (i = 0; i < json_array_size(raw); i++)
				json_array_append_new(arr, resolve_one(st, o, f->ref,
								       json_array_get(raw, i)));
			lz_sort_strings(arr);
			json_object_set_new(o->attrs, f->name, arr);
		}
	}
	free(o->key);
	o->key = lz_key(o->type, o->attrs);
}

/* A router's gateway network, by name among the external networks. */
static void resolve_external(const struct lz_state *st, struct lz_obj *o)
{
	const char *id = json_string_value(json_object_get(o->raw_ids, "external_network_id"));
	const char *name;
	json_t *v;

	if (!id || !id[0])
		return;
	json_object_foreach(st->externals, name, v)
		if (strcmp(json_string_value(v) ?: "", id) == 0) {
			json_object_set_new(o->attrs, "external_network", json_string(name));
			return;
		}
	json_object_set_new(o->attrs, "external_network", json_sprintf("foreign:%s", id));
}

static bool named_type(enum lz_type t)
{
	const struct lz_field *f = lz_fields(t);

	return f[0].name && strcmp(f[0].name, "name") == 0 && f[0].identity;
}

static size_t refs_set(const struct lz_obj *o)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(o->raw_ids, k, v)
		n += !json_is_string(v) || json_string_value(v)[0] != '\0';
	return n;
}

static bool names_id(const json_t *v, const char *id)
{
	const json_t *x;
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), id) == 0;
	json_array_foreach(v, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), id) == 0)
			return true;
	return false;
}

/* How many objects refer to o (a VPN connection to its IKE policy, a
 * subnet to its network). */
static size_t referrers(const struct lz_state *st, const struct lz_obj *o)
{
	const char *k;
	json_t *v;
	size_t i, n = 0;

	for (i = 0; i < st->n; i++)
		json_object_foreach(st->v[i].raw_ids, k, v)
			n += names_id(v, o->id);
	return n;
}

/* Which of two objects of the same name the zone keeps: the tagged one, then
 * the one more objects refer to (the copy a retried create made and the rest
 * was built on, not a late-committed first try: VPN objects take no tags),
 * then the one with more references set (a router with its gateway), then
 * the first listed. */
static bool better(const struct lz_state *st, const struct lz_obj *a, const struct lz_obj *b)
{
	size_t ra, rb;

	if (a->tagged != b->tagged)
		return a->tagged;
	ra = referrers(st, a);
	rb = referrers(st, b);
	if (ra != rb)
		return ra > rb;
	return refs_set(a) > refs_set(b);
}

static void mark_duplicate(struct lz_obj *o)
{
	const char *name = json_string_value(json_object_get(o->attrs, "name"));

	o->duplicate = true;
	json_object_set_new(o->attrs, "name", json_sprintf("%s~%.8s", name, o->id));
}

/* Two objects of one type and name: a create that reached the cloud but
 * whose answer was lost, then made again. One is kept; the others are
 * renamed so they plan as leftovers (deleted) instead of hiding each other. */
static void mark_duplicates(struct lz_state *st)
{
	size_t i, j;

	for (i = 0; i < st->n; i++) {
		struct lz_obj *a = &st->v[i];
		const char *name = json_string_value(json_object_get(a->attrs, "name"));
		if (a->duplicate || !named_type(a->type) || !name)
			continue;
		for (j = i + 1; j < st->n; j++) {
			struct lz_obj *b = &st->v[j];
			const char *other = json_string_value(json_object_get(b->attrs, "name"));
			if (b->duplicate || b->type != a->type || !other || strcmp(name, other) != 0)
				continue;
			if (better(st, b, a)) {
				mark_duplicate(a);
				break;
			}
			mark_duplicate(b);
		}
	}
}

void lz_state_resolve(struct lz_state *st)
{
	size_t i;

	mark_duplicates(st);
	for (i = 0; i < st->n; i++) {
		if (st->v[i].type == LZ_ROUTER)
			resolve_external(st, &st->v[i]);
		resolve_obj(st, &st->v[i]);
	}
}

struct lz_obj *lz_state_find(const struct lz_state *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->v[i].key && strcmp(st->v[i].key, key) == 0)
			return &st->v[i];
	return NULL;
}

const char *lz_secret_field(enum lz_type t)
{
	const struct lz_field *f;

	for (f = lz_fields(t); f->name; f++)
		if (f->secret_ref)
			return f->name;
	return NULL;
}

int lz_secret_same(const char *dir, enum lz_type t, const json_t *attrs, const struct lz_obj *o,
		   bool *same, struct cut_err *err)
{
	const char *field = lz_secret_field(t);
	const char *file = field ? json_string_value(json_object_get(attrs, field)) : NULL;
	struct secret_buf key;
	char *path;
	int r;

	*same = true;
	if (!file || !file[0] || !o->secret.data)
		return 0;
	path = path_relative_to(dir ? dir : "", file);
	r = secret_read_file(path, &key, err);
	free(path);
	if (r < 0)
		return r;
	*same = key.len == o->secret.len && memcmp(key.data, o->secret.data, key.len) == 0;
	secret_buf_free(&key);
	return 0;
}
