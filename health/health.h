/* health/health.h — health checks (HTTP, HTTPS, TCP, DNS) on one event loop
 * (libcurl multi): the plan's "health" section, gates, the watch window.
 * (Stub: the health issue fills this room.) */
#ifndef CUTOVER_HEALTH_H
#define CUTOVER_HEALTH_H

#include <jansson.h>

#include "error.h"
#include "schema.h"

struct health_plan;

int health_plan_parse(struct schema *sc, json_t *section, struct health_plan **ret)
	CUT_MUST_CHECK;
void health_plan_free(struct health_plan *p);

#endif
