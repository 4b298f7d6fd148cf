/* np_diff — compares a plan's "routes" section with the kernel as a
 * `cutover route switch` with health gates does: nothing read ahead
 * (netplan_diff reads each host itself, after the gates), for the
 * integration tests. Prints each conflict as "conflict: PATH: MESSAGE".
 *
 *     np_diff PLAN
 * Exit: 0 no conflict, 3 conflicts, 2 a bad plan, 1 a host not read.
 */
#include <stdio.h>

#include "diag.h"
#include "jsonfile.h"
#include "netplan.h"
#include "schema.h"

static int compare(const struct netplan_plan *p)
{
	struct netplan_diff *diff = NULL;
	struct cut_err err;
	size_t i;
	int r;

	cut_err_clear(&err);
	r = netplan_diff(p, NULL, NULL, &diff, &err);
	if (r < 0) {
		fprintf(stderr, "np_diff: %s\n", err.msg);
		return cut_exit_code(r);
	}
	for (i = 0; i < diff->n; i++)
		if (diff->items[i].state == NETPLAN_CONFLICT)
			printf("conflict: %s: %s\n", diff->items[i].path, diff->items[i].message);
	r = diff->conflicts ? 3 : 0;
	netplan_diff_free(diff);
	return r;
}

int main(int argc, char **argv)
{
	struct netplan_plan *p = NULL;
	struct jsonfile *jf = NULL;
	struct cut_err err;
	struct schema sc;
	struct diags d;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: np_diff PLAN\n");
		return 2;
	}
	cut_err_clear(&err);
	diags_init(&d);
	r = jsonfile_load(argv[1], &jf, &d, &err);
	if (r == 0) {
		sc.jf = jf;
		sc.d = &d;
		r = netplan_plan_parse(&sc, json_object_get(jf->root, "routes"), &p);
	}
	if (r < 0 || d.errors) {
		fprintf(stderr, "np_diff: %s: not a plan it can read\n", argv[1]);
		r = 2;
	} else {
		r = compare(p);
	}
	netplan_plan_free(p);
	jsonfile_free(jf);
	diags_free(&d);
	return r;
}
