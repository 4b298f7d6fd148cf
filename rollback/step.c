#include "step.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void step_init(struct step *s, const char *kind, json_t *apply, json_t *inverse,
	       const char *describe_fmt, ...)
{
	va_list ap;
	char *d;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->apply = apply;
	s->inverse = inverse;
	s->result = STEP_PENDING;
	va_start(ap, describe_fmt);
	if (vasprintf(&d, describe_fmt, ap) < 0)
		d = xstrdup(kind);
	va_end(ap);
	s->describe = d;
}

void step_set_result(struct step *s, int result, const char *fmt, ...)
{
	va_list ap;

	s->result = result;
	va_start(ap, fmt);
	replace_text(&s->message, fmt, ap);
	va_end(ap);
}

void step_clear(struct step *s)
{
	if (!s)
		return;
	json_decref(s->apply);
	json_decref(s->inverse);
	free(s->describe);
	free(s->message);
	memset(s, 0, sizeof(*s));
}

void step_registry_init(struct step_registry *reg)
{
	memset(reg, 0, sizeof(*reg));
}

int step_registry_add(struct step_registry *reg, const struct step_kind *kind)
{
	if (step_registry_find(reg, kind->name))
		return -EEXIST;
	if (reg->n >= STEP_REGISTRY_MAX)
		return -E2BIG;
	reg->kinds[reg->n++] = kind;
	return 0;
}

const struct step_kind *step_registry_find(const struct step_registry *reg, const char *name)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		if (strcmp(reg->kinds[i]->name, name) == 0)
			return reg->kinds[i];
	return NULL;
}
