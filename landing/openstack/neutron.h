/* landing/openstack/neutron.h — the Neutron v2.0 provider (lz_openstack in
 * provider.h) and its answer parser, exported for tests and fuzzing. */
#ifndef CUTOVER_LANDING_NEUTRON_H
#define CUTOVER_LANDING_NEUTRON_H

#include <stddef.h>

#include "provider.h"

/* Reads {"NeutronError": {"type", "message"}} (or any other answer) into
 * type and msg. 0 when the answer had Neutron's error shape, -1 if not. */
int neutron_error_message(long status, const char *body, size_t len, char *type, size_t tlen,
			  char *msg, size_t mlen);

#endif
