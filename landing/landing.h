/* landing/landing.h — landing zones: template -> resource graph -> plan
 * against the cloud -> idempotent, parallel apply; providers behind one
 * small interface (landing/openstack/, …).
 * (Stub: the landing issue fills this room.) */
#ifndef CUTOVER_LANDING_H
#define CUTOVER_LANDING_H

#include "error.h"
#include "step.h"

int landing_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

#endif
