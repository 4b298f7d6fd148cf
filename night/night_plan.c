#include "night.h"

#include <stdlib.h>

#include "landing.h"
#include "util.h"

int night_plan_load(const char *path, struct night_plan **ret, struct diags *d,
		    struct cut_err *err)
{
	struct night_plan *np;
	struct schema sc;
	int r;

	*ret = NULL;
	np = xcalloc(1, sizeof(*np));
	r = plan_load(path, &np->plan, d, err);
	if (r < 0) {
		free(np);
		return r;
	}
	sc = plan_schema(np->plan, d);
	if (r == 0 && np->plan->health)
		r = health_plan_parse(&sc, np->plan->health, &np->health);
	if (r == 0 && np->plan->dns)
		r = dns_plan_parse(&sc, np->plan->dns, path, &np->dns);
	if (r == 0 && np->plan->routes)
		r = netplan_plan_parse(&sc, np->plan->routes, &np->routes);
	if (r < 0) {
		night_plan_free(np);
		return cut_errf(err, r, NULL, "%s: %s", path, cut_strerror(r));
	}
	*ret = np;
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
