/* core/diag.h — a list of input errors, each with its place.
 *
 * Input checking reports every error it finds, not only the first. Each
 * diagnostic renders as
 *     FILE:LINE:COL: PATH: what is wrong; what to do
 * where PATH is the JSON path of the value (`dns.records[12].to[0]`).
 */
#ifndef CUTOVER_CORE_DIAG_H
#define CUTOVER_CORE_DIAG_H

#include <stddef.h>

#include "error.h"

#define DIAG_MAX 200 /* more errors than this in one file are counted, not kept */

struct diag {
	char *file;
	unsigned line, col; /* 0 when unknown */
	char *path;         /* may be empty */
	char *msg;
	char *fix;          /* may be empty */
	int warning;        /* 1 for a warning, which does not fail a check */
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t dropped;  /* errors past DIAG_MAX */
	size_t errors;   /* diagnostics that are not warnings, dropped ones included */
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);

void diags_add(struct diags *d, int warning, const char *file, unsigned line, unsigned col,
	       const char *path, const char *fix, const char *fmt, ...) CUT_PRINTF(8, 9);

/* Renders one diagnostic as one line (no newline) into buf. */
void diag_format(const struct diag *g, char *buf, size_t len);

/* Turns the first error of d into *err with code CUT_EINPUT, saying how many
 * more there are; returns CUT_EINPUT, or 0 when d holds no error. */
int diags_to_err(const struct diags *d, struct cut_err *err);

#endif
