/* crashrun — a journaled run of test.file steps, for the crash tests.
 *   crashrun apply JOURNAL DIR N   move DIR/f0..f(N-1) from "source" to "target"
 *   crashrun rollback JOURNAL      roll back everything the journal holds
 * With CUTOVER_CRASH_AT=K in the environment the journal SIGKILLs the process
 * at its K-th write or fsync point. Exit 0 on success, 1 on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollback.h"
#include "testkind.h"
#include "util.h"

static int do_apply(const char *jpath, const char *dir, int n, const struct step_registry *reg)
{
	struct step_ctx ctx = { 0 };
	struct step *steps = xcalloc((size_t)n, sizeof(*steps));
	struct journal *j;
	struct cut_err err;
	int i, r;

	r = journal_open(jpath, JOURNAL_CREATE, "CRASH-TEST", &j, &err);
	if (r < 0) {
		fprintf(stderr, "crashrun: %s\n", err.msg);
		free(steps);
		return 1;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		test_file_step(&steps[i], path, "source", "target");
	}
	r = rollback_apply_steps(j, reg, &ctx, steps, (size_t)n, &err);
	if (r < 0)
		fprintf(stderr, "crashrun: %s\n", err.msg);
	for (i = 0; i < n; i++)
		step_clear(&steps[i]);
	free(steps);
	journal_close(j);
	return r < 0;
}

static int do_rollback(const char *jpath, const struct step_registry *reg)
{
	struct step_ctx ctx = { 0 };
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;
	int r;

	r = journal_open(jpath, 0, NULL, &j, &err);
	if (r < 0) {
		fprintf(stderr, "crashrun: %s\n", err.msg);
		return 1;
	}
	if (journal_warning(j))
		fprintf(stderr, "crashrun: warning: %s\n", journal_warning(j));
	r = rollback_run(j, reg, &ctx, &rep, &err);
	if (r < 0)
		fprintf(stderr, "crashrun: %s\n", err.msg);
	rollback_report_free(&rep);
	journal_close(j);
	return r < 0;
}

int main(int argc, char **argv)
{
	struct step_registry reg;
	long long n;

	step_registry_init(&reg);
	if (step_registry_add(&reg, &test_file_kind) < 0)
		return 1;
	if (argc == 5 && strcmp(argv[1], "apply") == 0 && parse_int(argv[4], 1, 1000, &n) == 0)
		return do_apply(argv[2], argv[3], (int)n, &reg);
	if (argc == 3 && strcmp(argv[1], "rollback") == 0)
		return do_rollback(argv[2], &reg);
	fprintf(stderr, "usage: crashrun apply JOURNAL DIR N | crashrun rollback JOURNAL\n");
	return 2;
}
