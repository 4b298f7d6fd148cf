#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void diags_free(struct diags *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].path);
		free(d->v[i].msg);
		free(d->v[i].fix);
	}
	free(d->v);
	diags_init(d);
}

void diags_add(struct diags *d, int warning, const char *file, unsigned line, unsigned col,
	       const char *path, const char *fix, const char *fmt, ...)
{
	struct diag *g;
	char msg[1024];
	va_list ap;

	if (!warning)
		d->errors++;
	if (d->n >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->dropped++;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g = &d->v[d->n++];
	g->file = xstrdup(file ? file : "");
	g->line = line;
	g->col = col;
	g->path = xstrdup(path ? path : "");
	g->msg = xstrdup(msg);
	g->fix = xstrdup(fix ? fix : "");
	g->warning = warning;
}

void diag_format(const struct diag *g, char *buf, size_t len)
{
	char where[600];

	if (g->line)
		snprintf(where, sizeof(where), "%s:%u:%u: ", g->file, g->line, g->col);
	else if (g->file[0])
		snprintf(where, sizeof(where), "%s: ", g->file);
	else
		where[0] = '\0';
	snprintf(buf, len, "%s%s%s%s%s%s%s", where, g->warning ? "warning: " : "",
		 g->path, g->path[0] ? ": " : "", g->msg, g->fix[0] ? "; " : "", g->fix);
}

int diags_to_err(const struct diags *d, struct cut_err *err)
{
	char line[CUT_ERR_MSG_MAX];
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].warning)
			continue;
		diag_format(&d->v[i], line, sizeof(line));
		if (d->errors > 1)
			return cut_errf(err, CUT_EINPUT, "run `cutover check` to see them all",
					"%s (and %zu more errors)", line, d->errors - 1);
		return cut_errf(err, CUT_EINPUT, NULL, "%s", line);
	}
	if (d->errors)
		return cut_errf(err, CUT_EINPUT, NULL, "%zu errors", d->errors);
	return 0;
}
