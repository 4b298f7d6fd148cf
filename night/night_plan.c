#include "night.h"

#include <stdio.h>
#include <stdlib.h>

#include "landing.h"
#include "util.h"

/* A gate must name a check of the plan's "health" section. */
static void check_gate(struct schema *sc, const struct night_plan *np, const char *path,
		       const char *name)
{
	if (!np->health) {
		schema_error(sc, path, "add a \"health\" section that defines it, or remove the gate",
			     "gate \"%s\" names a health check, but the plan has no \"health\" section",
			     name);
		return;
	}
	if (!health_plan_find(np->health, name))
		schema_error(sc, path, "define it in the \"health\" section, or fix the name",
			     "gate \"%s\" is not a health check of this plan", name);
}

static void check_gates(struct schema *sc, const struct night_plan *np)
{
	char path[JSONFILE_PATH_MAX];
	const char *const *gates;
	size_t i, j, n;

	for (i = 0; np->dns && i < np->dns->nrecords; i++) {
		const struct dns_record *rec = &np->dns->records[i];
		for (j = 0; j < rec->ngates; j++) {
			snprintf(path, sizeof(path), "%s.gates[%zu]", rec->path, j);
			check_gate(sc, np, path, rec->gates[j]);
		}
	}
	n = np->routes ? netplan_gates(np->routes, &gates) : 0;
	for (j = 0; j < n; j++) {
		json_path_index(path, sizeof(path), "routes.gates", j);
		check_gate(sc, np, path, gates[j]);
	}
}

int night_plan_read(const char *path, struct night_plan **ret, struct diags *d,
		    struct cut_err *err)
{
	struct night_plan *np = xcalloc(1, sizeof(*np));
	int r;

	*ret = NULL;
	r = plan_load(path, netplan_text_arrays, &np->plan, d, err);
	if (r < 0) {
		free(np);
		return r;
	}
	*ret = np;
	return 0;
}

int night_plan_check(struct night_plan *np, const char *path, struct diags *d,
		     struct cut_err *err)
{
	struct schema sc = plan_schema(np->plan, d);
	int r = 0;

	if (np->plan->health)
		r = health_plan_parse(&sc, np->plan->health, &np->health);
	if (r == 0 && np->plan->dns)
		r = dns_plan_parse(&sc, np->plan->dns, path, &np->dns);
	if (r == 0 && np->plan->routes)
		r = netplan_plan_parse(&sc, np->plan->routes, &np->routes);
	if (r < 0)
		return cut_errf(err, r, NULL, "%s: %s", path, cut_strerror(r));
	check_gates(&sc, np);
	return 0;
}

int night_plan_load(const char *path, struct night_plan **ret, struct diags *d,
		    struct cut_err *err)
{
	int r = night_plan_read(path, ret, d, err);

	if (r == 0 && (r = night_plan_check(*ret, path, d, err)) < 0) {
		night_plan_free(*ret);
		*ret = NULL;
	}
	return r;
}

void night_plan_check_files(const struct night_plan *np, struct diags *d)
{
	struct schema sc = plan_schema(np->plan, d);

	if (np->dns)
		dns_plan_check_key_files(np->dns, &sc);
}

int night_plan_load_valid(const char *path, struct night_plan **ret, struct diags *d,
			  struct cut_err *err)
{
	int r = night_plan_load(path, ret, d, err);

	if (r < 0)
		return r;
	if (d->errors)
		return diags_to_err(d, err);
	return 0;
}

void night_plan_free(struct night_plan *np)
{
	if (!np)
		return;
	dns_plan_free(np->dns);
	netplan_plan_free(np->routes);
	health_plan_free(np->health);
	plan_free(np->plan);
	free(np);
}

int night_register_steps(struct step_registry *reg, struct cut_err *err)
{
	int r;

	r = dns_register_steps(reg);
	if (r == 0)
		r = netplan_register_steps(reg);
	if (r == 0)
		r = landing_register_steps(reg);
	if (r < 0)
		return cut_errf(err, CUT_EINTERNAL, NULL, "registering step kinds: %s",
				cut_strerror(r));
	return 0;
}
