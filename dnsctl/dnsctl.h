/* dnsctl/dnsctl.h — DNS: the plan's "dns" section, UPDATE with
 * prerequisites, TSIG, queries, verification on every server (ldns).
 * (Stub: the DNS issue fills this room.) */
#ifndef CUTOVER_DNSCTL_H
#define CUTOVER_DNSCTL_H

#include <jansson.h>

#include "error.h"
#include "schema.h"
#include "step.h"

struct dns_plan;

/* Checks and types the plan's "dns" section. Input errors go to sc->d (all
 * of them); returns 0 with *ret set unless a resource failed. */
int dns_plan_parse(struct schema *sc, json_t *section, const char *plan_path,
		   struct dns_plan **ret) CUT_MUST_CHECK;
void dns_plan_free(struct dns_plan *p);

/* Registers the DNS step kinds ("dns.rrset"). */
int dns_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

#endif
