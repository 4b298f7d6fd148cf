/* core/plan.h — a plan file: the top level of the JSON document.
 *
 *     { "change": "CHG-2026-117", "journal": "chg117.journal",
 *       "dns": {…}, "routes": {…}, "health": {…} }
 *
 * This room checks only the top level; each section is checked by the room
 * that owns it (dnsctl, netplan, health), using the same struct schema so
 * every error carries file:line:col and the JSON path. docs/plan-format.md
 * documents the whole schema.
 */
#ifndef CUTOVER_CORE_PLAN_H
#define CUTOVER_CORE_PLAN_H

#include <jansson.h>

#include "diag.h"
#include "jsonfile.h"
#include "schema.h"

#define PLAN_CHANGE_ID_MAX 64

struct plan {
	struct jsonfile *jf;  /* owns the document */
	const char *change;   /* change id: [A-Za-z0-9._-], at most 64 */
	char *journal;        /* journal path, resolved against the plan's folder */
	const char *description;
	json_t *dns;          /* sections, borrowed from jf->root; NULL if absent */
	json_t *routes;
	json_t *health;
};

/* Loads a plan file and checks its top level. Every input error goes to d;
 * returns 0 with *ret set (even when d holds errors, so section checks can go
 * on) or a negative code when the file cannot be read or is no object. The
 * arrays matching defer (NULL: none) are left as text for the rooms that
 * read them so (jsonfile_load_deferring). */
int plan_load(const char *path, const char *const defer[], struct plan **ret, struct diags *d,
	      struct cut_err *err) CUT_MUST_CHECK;

/* Checks the top level of a document already read (takes ownership of jf;
 * for tests and fuzzing). Never fails: errors go to d. */
struct plan *plan_from_jsonfile(struct jsonfile *jf, const char *path, struct diags *d);

void plan_free(struct plan *p);

/* A schema checker over the plan's file, reporting into d. */
struct schema plan_schema(const struct plan *p, struct diags *d);

#endif
