/* night/night_gate.c — health gates: switch only to a healthy target. */
#include <stdlib.h>
#include <string.h>

#include "night.h"
#include "night_watch.h"
#include "util.h"

int night_find_checks(const struct night_plan *np, const char *const *names, size_t n,
		      const struct health_check ***ret, size_t *ret_n, struct cut_err *err)
{
	const struct health_check **list = xcalloc(n + 1, sizeof(*list));
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		const struct health_check *c = health_plan_find(np ? np->health : NULL, names[i]);
		bool seen = false;

		if (!c) {
			free(list);
			*ret = NULL;
			*ret_n = 0;
			return cut_errf(err, CUT_EINPUT,
					"define the check in the plan's \"health\" section, or fix the name in \"gates\"",
					"gate \"%s\" names no check of the plan's \"health\" section", names[i]);
		}
		for (j = 0; j < k && !seen; j++)
			seen = list[j] == c;
		if (!seen)
			list[k++] = c;
	}
	*ret = list;
	*ret_n = k;
	return 0;
}

int night_gate(const struct night_plan *np, const char *const *checks, size_t n,
	       struct cut_err *err)
{
	const struct health_check **list = NULL;
	struct health_monitor *m = NULL;
	size_t k = 0;
	int r;

	if (n == 0)
		return 0;
	r = night_find_checks(np, checks, n, &list, &k, err);
	if (r < 0)
		return r;
	r = health_monitor_new(list, k, 0, &m, err);
	if (r == 0)
		r = health_monitor_settle(m, err);
	health_monitor_free(m);
	free(list);
	return r;
}
