#include "health.h"

#include <stdlib.h>

struct health_plan {
	int unused;
};

int health_plan_parse(struct schema *sc, json_t *section, struct health_plan **ret)
{
	(void)sc;
	(void)section;
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -12;
}

void health_plan_free(struct health_plan *p)
{
	free(p);
}
