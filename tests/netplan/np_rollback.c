/* np_rollback — rolls a journal back through rollback_run() with the step
 * kinds of netplan/, for the integration tests (the same engine
 * `cutover rollback` runs). Prints one line per step and the outcome.
 *
 *     np_rollback JOURNAL [--force] [--dry-run]
 * Exit: 0 all undone, 3 conflicts left, 1 failures (also read-back
 * differences), 2 usage or a damaged journal.
 */
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "netplan.h"
#include "rollback.h"

static void say(void *cookie, const char *line)
{
	(void)cookie;
	printf("  %s\n", line);
}

static const char *result_name(int r)
{
	if (r == 0)
		return "undone";
	if (r == CUT_ECONFLICT)
		return "conflict";
	if (r == STEP_PENDING || r == STEP_UNKNOWN)
		return "skipped";
	return "failed";
}

int main(int argc, char **argv)
{
	struct step_ctx ctx = { .say = say };
	struct step_registry reg;
	struct rollback_report rep;
	struct journal *j = NULL;
	struct cut_err err;
	size_t i;
	int r, k;

	if (argc < 2) {
		fprintf(stderr, "usage: np_rollback JOURNAL [--force] [--dry-run]\n");
		return 2;
	}
	for (k = 2; k < argc; k++) {
		ctx.force |= strcmp(argv[k], "--force") == 0;
		ctx.dry_run |= strcmp(argv[k], "--dry-run") == 0;
	}
	cut_err_clear(&err);
	step_registry_init(&reg);
	if (netplan_register_steps(&reg) < 0)
		return 1;
	r = journal_open(argv[1], ctx.dry_run ? JOURNAL_READONLY : 0, NULL, &j, &err);
	if (r < 0) {
		fprintf(stderr, "np_rollback: %s\n", err.msg);
		return cut_exit_code(r);
	}
	r = rollback_run(j, &reg, &ctx, &rep, &err);
	for (i = 0; i < rep.n; i++)
		if (rep.items[i].result != 0)
			printf("%s: %s: %s\n", result_name(rep.items[i].result),
			       rep.items[i].describe ? rep.items[i].describe : "?",
			       rep.items[i].message ? rep.items[i].message : "");
	printf("undone %zu, conflicts %zu, failed %zu, skipped %zu\n", rep.undone, rep.conflicts,
	       rep.failed, rep.skipped);
	if (r < 0)
		fprintf(stderr, "np_rollback: %s\n  what to do: %s\n", err.msg, err.hint);
	rollback_report_free(&rep);
	journal_close(j);
	return r < 0 ? cut_exit_code(r) : 0;
}
