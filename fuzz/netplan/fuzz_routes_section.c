/* libFuzzer: a plan file's "routes" section, through the JSON reader with
 * positions and netplan_plan_parse(), as `cutover check` reads it: once with
 * every value made by jansson, once with the "routes" arrays left as text
 * for np_plan_text.c's quick way. Both must say the same and make the same
 * changes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netplan.h"
#include "np_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reading {
	struct jsonfile *jf;
	struct diags d;
	struct netplan_plan *p;
};

static void read_plan(struct reading *r, const uint8_t *data, size_t size,
		      const char *const defer[])
{
	struct schema sc;
	json_t *section;

	diags_init(&r->d);
	r->p = NULL;
	r->jf = jsonfile_parse_deferring("fuzz.json", (const char *)data, size, defer, &r->d);
	sc.jf = r->jf;
	sc.d = &r->d;
	section = json_object_get(r->jf->root, "routes");
	if (section && netplan_plan_parse(&sc, section, &r->p) == 0) {
		const char *const *gates;
		(void)netplan_gates(r->p, &gates);
	}
}

static void done(struct reading *r)
{
	netplan_plan_free(r->p);
	jsonfile_free(r->jf);
	diags_free(&r->d);
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_route(const struct np_route *a, const struct np_route *b)
{
	return a->family == b->family && a->dst_len == b->dst_len &&
	       memcmp(a->dst, b->dst, sizeof(a->dst)) == 0 && a->table == b->table &&
	       a->metric == b->metric && a->protocol == b->protocol && a->scope == b->scope &&
	       a->type == b->type && a->has_gw == b->has_gw &&
	       memcmp(a->gw, b->gw, sizeof(a->gw)) == 0 && a->has_prefsrc == b->has_prefsrc &&
	       memcmp(a->prefsrc, b->prefsrc, sizeof(a->prefsrc)) == 0 && a->flags == b->flags &&
	       a->care == b->care;
}

static void same_changes(const struct netplan_plan *a, const struct netplan_plan *b)
{
	size_t i, j;

	if (!a != !b)
		abort();
	if (!a)
		return;
	if (a->nhosts != b->nhosts)
		abort();
	for (i = 0; i < a->nhosts; i++) {
		const struct np_host *ha = &a->hosts[i], *hb = &b->hosts[i];
		if (ha->nroutes != hb->nroutes)
			abort();
		for (j = 0; j < ha->nroutes; j++) {
			const struct np_route_change *x = &ha->routes[j], *y = &hb->routes[j];
			if (!same_text(x->path, y->path) || x->has_from != y->has_from ||
			    x->has_to != y->has_to || !same_text(x->from_dev, y->from_dev) ||
			    !same_text(x->to_dev, y->to_dev) || !same_route(&x->from, &y->from) ||
			    !same_route(&x->to, &y->to))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading a, b;
	size_t i;

	read_plan(&a, data, size, NULL);
	read_plan(&b, data, size, netplan_text_arrays);
	if (a.d.n != b.d.n || a.d.errors != b.d.errors)
		abort();
	for (i = 0; i < a.d.n; i++)
		if (a.d.v[i].line != b.d.v[i].line || a.d.v[i].col != b.d.v[i].col ||
		    !same_text(a.d.v[i].msg, b.d.v[i].msg) || !same_text(a.d.v[i].path, b.d.v[i].path))
			abort();
	same_changes(a.p, b.p);
	done(&a);
	done(&b);
	return 0;
}
