/* cutover health PLAN — runs the plan's health checks and prints a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "night.h"
#include "night_watch.h"
#include "util.h"

#define CHECK_ARGS_MAX 64

static const char usage[] =
	"usage: cutover health [--json] [--once] [--check NAME]... PLAN\n"
	"\n"
	"Runs the health checks of PLAN's \"health\" section, every target in parallel,\n"
	"with their thresholds (healthy_after passes in a row, sick_after failures in a\n"
	"row), and prints check, target, result, latency and reason. It changes nothing.\n"
	"\n"
	"  --check NAME   only this check (repeatable); default: every check\n"
	"  --once         one probe per target decides (no thresholds)\n"
	"  --json         one JSON document on stdout\n"
	"\n"
	"Exit codes: 0 every target healthy; 2 bad usage or plan; 4 a target is sick.\n";

struct health_args {
	const char *plan;
	const char *checks[CHECK_ARGS_MAX];
	size_t n_checks;
	bool once;
};

enum { OPT_CHECK = 32, OPT_ONCE };

static int parse_args(struct cli *cli, int argc, char **argv, struct health_args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ 0 },
	};
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == OPT_CHECK && a->n_checks < CHECK_ARGS_MAX) {
			a->checks[a->n_checks++] = optarg;
			continue;
		}
		if (c == OPT_ONCE) {
			a->once = true;
			continue;
		}
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return 0;
		if (r == 0)
			return cli_usage_error(cli, usage, "health: %s", c == OPT_CHECK ? "too many --check" : cli->bad_option);
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, usage, "health: give one plan file");
	a->plan = argv[optind];
	return -1;
}

/* Member by member, each string through cli_json_text: a target is never
 * left out of the document (json_pack failed on a reason that was not
 * UTF-8, and the target went missing). */
static json_t *status_json(const struct health_status *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "check", cli_json_text(st->check->name));
	json_object_set_new(o, "kind", cli_json_text(health_kind_name(st->check->kind)));
	json_object_set_new(o, "target", cli_json_text(st->target->text));
	json_object_set_new(o, "result", cli_json_text(health_state_name(st->state)));
	json_object_set_new(o, "latency_ms", json_integer(st->last.latency_ms));
	json_object_set_new(o, "reason",
			    cli_json_text(st->state == HEALTH_SICK ? st->last_failure.reason
								   : st->last.reason));
	json_object_set_new(o, "probes", json_integer(st->probes));
	if (st->last.status)
		json_object_set_new(o, "status", json_integer(st->last.status));
	return o;
}

static void print_table(const struct health_monitor *m)
{
	size_t i, n = health_monitor_count(m);

	printf("%-20s %-24s %-8s %8s  %s\n", "CHECK", "TARGET", "RESULT", "LATENCY", "REASON");
	for (i = 0; i < n; i++) {
		const struct health_status *st = health_monitor_status(m, i);
		char lat[32];
		snprintf(lat, sizeof(lat), "%lld ms", (long long)st->last.latency_ms);
		printf("%-20s %-24s %-8s %8s  %s\n", st->check->name, st->target->text,
		       health_state_name(st->state), lat,
		       st->state == HEALTH_SICK ? st->last_failure.reason : st->last.reason);
	}
}

static int report(struct cli *cli, const struct health_monitor *m, int r, const struct cut_err *err)
{
	size_t i, n = health_monitor_count(m);
	json_t *doc, *arr;

	if (r < 0 && r != CUT_EHEALTH)
		return cli_fail(cli, err);
	if (!cli->json) {
		print_table(m);
		return r == 0 ? CUT_EXIT_OK : cli_fail(cli, err);
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, status_json(health_monitor_status(m, i)));
	doc = json_pack("{s:b,s:o}", "healthy", r == 0, "targets", arr);
	if (r < 0)
		json_object_set_new(doc, "error", cli_error_json(err));
	cli_print_json(doc);
	return r == 0 ? CUT_EXIT_OK : CUT_EXIT_HEALTH;
}

static int run(struct cli *cli, const struct night_plan *np, const struct health_args *a)
{
	const struct health_check **list = NULL;
	struct health_monitor *m = NULL;
	struct cut_err err;
	size_t n = 0, i;
	int r;

	cut_err_clear(&err);
	if (a->n_checks) {
		r = night_find_checks(np, a->checks, a->n_checks, &list, &n, &err);
		if (r < 0)
			return cli_fail(cli, &err);
	} else {
		n = health_plan_count(np->health);
		list = xcalloc(n + 1, sizeof(*list));
		for (i = 0; i < n; i++)
			list[i] = health_plan_get(np->health, i);
	}
	if (n == 0) {
		free(list);
		return cli_usage_error(cli, NULL, "health: %s has no health checks", a->plan);
	}
	r = health_monitor_new(list, n, a->once ? HEALTH_ONCE : 0, &m, &err);
	if (r < 0) {
		free(list);
		return cli_fail(cli, &err);
	}
	r = health_monitor_settle(m, &err);
	r = report(cli, m, r, &err);
	health_monitor_free(m);
	free(list);
	return r;
}

int cmd_health(struct cli *cli, int argc, char **argv)
{
	struct health_args a = { 0 };
	struct night_plan *np = NULL;
	struct cut_err err;
	struct diags d;
	int r;

	r = parse_args(cli, argc, argv, &a);
	if (r >= 0)
		return r;
	diags_init(&d);
	cut_err_clear(&err);
	r = night_plan_load(a.plan, &np, &d, &err);
	if (r < 0) {
		diags_free(&d);
		return cli_fail(cli, &err);
	}
	if (d.errors) {
		if (cli->json)
			cli_print_json(json_pack("{s:b,s:o}", "healthy", 0, "diagnostics",
						 cli_diags_json(&d)));
		else
			cli_print_diags(&d);
		r = CUT_EXIT_INPUT;
	} else {
		r = run(cli, np, &a);
	}
	night_plan_free(np);
	diags_free(&d);
	return r;
}
