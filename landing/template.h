/* landing/template.h — a landing-zone template: parameters, checks, graph.
 *
 * Reading a template substitutes its parameters ("${env}"; a list parameter
 * standing alone as a value becomes an array), checks it (every error with
 * FILE:LINE:COL: PATH: what; what to do — docs/landing-format.md) and turns
 * it into the resource graph of landing/lz.h. Nothing here talks to a cloud.
 */
#ifndef CUTOVER_LANDING_TEMPLATE_H
#define CUTOVER_LANDING_TEMPLATE_H

#include <stddef.h>

#include "diag.h"
#include "error.h"
#include "lz.h"

/* A parameter given on the command line: --param name=value. Borrowed. */
struct lz_param {
	const char *name;
	const char *value; /* list parameters: comma-separated */
};

/* Loads and checks path. Input errors go to d; *ret is set only when d has
 * no error (the caller owns it). Returns 0, or a negative code when the file
 * cannot be read at all (then *err says why). */
int lz_template_load(const char *path, const struct lz_param *params, size_t nparams,
		     struct lz_graph **ret, struct diags *d, struct cut_err *err) CUT_MUST_CHECK;

/* Same for text in memory (tests, fuzzing); dir is where relative secret
 * files are looked for. Returns the graph, or NULL when d has errors. */
struct lz_graph *lz_template_parse(const char *name, const char *dir, const char *text,
				   size_t len, const struct lz_param *params, size_t nparams,
				   struct diags *d);

/* Ports that administer a host or a database: open to the world only with
 * "allow_public_admin": true. */
bool lz_is_admin_port(int port_min, int port_max, int *ret_port);

#endif
