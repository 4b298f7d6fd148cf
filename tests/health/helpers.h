/* tests/health/helpers.h — real local servers and plans for the health tests. */
#ifndef CUTOVER_TESTS_HEALTH_HELPERS_H
#define CUTOVER_TESTS_HEALTH_HELPERS_H

#include <sys/types.h>

#include "diag.h"
#include "health.h"
#include "jsonfile.h"

/* A scratch folder (removed by scratch_remove). */
char *scratch_new(void);
void scratch_remove(char *dir);

/* Makes the test certificates in dir (tests/health/make-certs.sh). 0 or -1. */
int certs_make(const char *dir);

/* Starts tests/health/server.py with the given specs (NULL-terminated) and
 * waits until every listener is bound. Returns its pid, or -1. */
pid_t servers_start(const char *dir, const char *const specs[]);
void servers_stop(pid_t pid);

/* A health section parsed from JSON text (name used for messages). */
struct parsed {
	struct jsonfile *jf;
	struct diags d;
	struct health_plan *plan;
};
int parsed_load(struct parsed *p, const char *name, const char *json);
void parsed_free(struct parsed *p);

#endif
