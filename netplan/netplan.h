/* netplan/netplan.h — routes and addresses on Linux hosts over netlink
 * (libnl-route-3): the plan's "routes" section, read, diff, switch, undo.
 * (Stub: the routes issue fills this room.) */
#ifndef CUTOVER_NETPLAN_H
#define CUTOVER_NETPLAN_H

#include <jansson.h>

#include "error.h"
#include "schema.h"
#include "step.h"

struct netplan_plan;

int netplan_plan_parse(struct schema *sc, json_t *section, struct netplan_plan **ret)
	CUT_MUST_CHECK;
void netplan_plan_free(struct netplan_plan *p);

/* Registers the step kinds "route" and "addr". */
int netplan_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

#endif
