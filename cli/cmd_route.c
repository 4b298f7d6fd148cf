/* cutover route plan|switch — routes and addresses on gateway hosts. */
#include <stdio.h>
#include <string.h>

#include "after_switch.h"
#include "cli.h"
#include "night_route.h"
#include "util.h"

static const char usage[] =
	"usage: cutover route plan [--json] [--netns NAME] PLAN\n"
	"       cutover route switch [--json] [--dry-run] [--skip-health] [--netns NAME]\n"
	"                            [--watch DURATION] [--confirm-within DURATION] PLAN\n"
	"\n"
	"plan    reads every host's routes and addresses and prints, for each change of\n"
	"        the plan's \"routes\" section, what the kernel holds and what the plan\n"
	"        wants: '~' to change, '=' already done, '!' conflict (the kernel holds\n"
	"        neither the plan's `from` nor its `to`).\n"
	"switch  runs the plan's health gates, checks every `from` against the kernel\n"
	"        (any mismatch: refused, nothing changed), then per host journals the\n"
	"        complete prior state of every route and address it touches, each table\n"
	"        of up to 1,024 changes synced before it goes to the kernel over one\n"
	"        netlink socket. `cutover rollback --journal J` undoes it.\n"
	"\n"
	"Options:\n"
	"  --json          one JSON document on stdout\n"
	"  --dry-run       say each request that would be sent; journal and send nothing\n"
	"  --skip-health   do not run the plan's gates (say so in the change record)\n"
	"  --netns NAME    run every host of the plan in network namespace NAME\n"
	AFTER_SWITCH_HELP
	"  --help          this text\n"
	"\n"
	"Exit codes:\n"
	"  0  done (or nothing to do)\n"
	"  1  the kernel refused a change, or it could not be read; the journal can roll\n"
	"     back what was applied; --watch: it ended other than \"the window passed\"\n"
	"     (see above)\n"
	"  2  bad usage or bad plan; --watch and no gates\n"
	"  3  refused: a route or address is not as the plan's `from` says\n"
	"  4  a health gate failed\n";

enum { OPT_SKIP_HEALTH = 64, OPT_NETNS };

static const char marks[] = { [NETPLAN_PENDING] = '~', [NETPLAN_DONE] = '=',
			      [NETPLAN_CONFLICT] = '!' };
static const char *const state_names[] = {
	[NETPLAN_PENDING] = "pending", [NETPLAN_DONE] = "done", [NETPLAN_CONFLICT] = "conflict",
};

static void print_items(const struct netplan_diff *diff)
{
	size_t i;

	for (i = 0; i < diff->n; i++) {
		const struct netplan_item *it = &diff->items[i];
		printf("%c %s (%s): %s\n", marks[it->state], it->path, it->host, it->what);
		if (it->state == NETPLAN_DONE) {
			printf("    already: %s\n", it->want[0] ? it->want : "absent");
			continue;
		}
		printf("    now:  %s\n    want: %s\n", it->now[0] ? it->now : "absent",
		       it->want[0] ? it->want : "absent");
		if (it->message)
			printf("    conflict: %s\n", it->message);
	}
	printf("%zu to change, %zu already done, %zu in conflict\n", diff->pending, diff->done,
	       diff->conflicts);
}

static bool item_failed(const struct netplan_item *it)
{
	return it->state == NETPLAN_PENDING && it->result != 0 && it->result != STEP_PENDING;
}

static bool has_failed(const struct netplan_diff *diff)
{
	size_t i;

	for (i = 0; i < diff->n; i++)
		if (item_failed(&diff->items[i]))
			return true;
	return false;
}

/* After a switch: the changes that did not go through (the first 20). */
static void print_failed_items(const struct netplan_diff *diff)
{
	size_t i, shown = 0, failed = 0;

	for (i = 0; i < diff->n; i++) {
		const struct netplan_item *it = &diff->items[i];
		if (!item_failed(it))
			continue;
		if (shown++ < 20)
			fprintf(stderr, "  %s: %s (%s): %s: %s\n", cli_step_result_name(it->result),
				it->path, it->host, it->what, it->outcome ? it->outcome : "");
		failed++;
	}
	if (failed > 20)
		fprintf(stderr, "  … and %zu more (see --json)\n", failed - 20);
}

static json_t *items_json(const struct netplan_diff *diff)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; diff && i < diff->n; i++) {
		const struct netplan_item *it = &diff->items[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "path", it->path, "host", it->host,
				      "what", it->what, "now", it->now, "want", it->want, "state",
				      state_names[it->state]);
		if (it->message)
			json_object_set_new(o, "message", json_string(it->message));
		if (it->state == NETPLAN_PENDING)
			json_object_set_new(o, "result",
					    json_string(cli_step_result_name(it->result)));
		if (it->outcome)
			json_object_set_new(o, "outcome", json_string(it->outcome));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *result_json(const char *verb, const char *path,
			   const struct night_route_result *res, const struct cut_err *err,
			   const struct diags *d, json_t *watch)
{
	const struct plan *p = res && res->np ? res->np->plan : NULL;
	json_t *doc = json_pack("{s:s,s:s}", "command", verb, "plan", path);

	if (p && p->change)
		json_object_set_new(doc, "change", json_string(p->change));
	if (p && p->journal)
		json_object_set_new(doc, "journal", json_string(p->journal));
	if (res && res->diff) {
		json_object_set_new(doc, "changes", items_json(res->diff));
		json_object_set_new(doc, "summary",
				    json_pack("{s:I,s:I,s:I,s:I}", "pending",
					      (json_int_t)res->diff->pending, "done",
					      (json_int_t)res->diff->done, "conflicts",
					      (json_int_t)res->diff->conflicts, "steps",
					      (json_int_t)res->diff->nsteps));
		if (strcmp(verb, "switch") == 0)
			json_object_set_new(doc, "steps",
					    cli_steps_json(res->diff->steps, res->diff->nsteps));
	}
	if (res && strcmp(verb, "switch") == 0) {
		json_object_set_new(doc, "journaled", json_boolean(res->journaled));
		json_object_set_new(doc, "provisional", cli_provisional_json(res->provisional,
									    res->deadline_ms));
		json_object_set_new(doc, "watch", watch);
		watch = NULL;
	}
	json_decref(watch);
	json_object_set_new(doc, "ok", json_boolean(err->code == 0));
	if (err->code)
		json_object_set_new(doc, "error", cli_error_json(err));
	if (d->n)
		json_object_set_new(doc, "diagnostics", cli_diags_json(d));
	return doc;
}

/* ok: the switch (or its dry run) went through; else the error, printed
 * after this, says why: a refused switch says only that nothing changed. */
static void print_switch(const char *path, const struct night_route_result *res, bool dry_run,
			 bool ok)
{
	const struct netplan_diff *diff = res->diff;

	if (!diff)
		return;
	if (ok && diff->pending == 0) {
		printf("%s: nothing to change (%zu already done)\n", path, diff->done);
		return;
	}
	if (ok && dry_run) {
		printf("dry run: %zu change%s (%zu step%s) would be made; nothing was sent\n",
		       diff->pending, diff->pending == 1 ? "" : "s", diff->nsteps,
		       diff->nsteps == 1 ? "" : "s");
		return;
	}
	if (!res->journaled) { /* refused (a conflict, a gate) or the journal failed */
		printf("%zu change%s to make", diff->pending, diff->pending == 1 ? "" : "s");
		if (diff->conflicts)
			printf(", %zu in conflict", diff->conflicts);
		printf("; nothing was changed\n");
		return;
	}
	printf("%zu change%s applied, %zu failed, %zu not tried, %zu unknown (%zu journal "
	       "step%s); journal %s\n", res->applied, res->applied == 1 ? "" : "s",
	       res->failed + res->conflicts, res->not_tried, res->unknown, diff->nsteps,
	       diff->nsteps == 1 ? "" : "s", res->np->plan->journal);
	print_failed_items(diff);
}

/* --watch / --confirm-within after a successful switch: the routes' gates. */
static int route_after_switch(struct cli *cli, const struct night_route_result *res,
			      const struct night_after_opts *after,
			      enum night_watch_outcome *outcome, struct cut_err *err)
{
	struct night_after_opts scoped = *after;
	const char *const *gates;
	size_t n;

	if (!after_switch_asked(after))
		return 0;
	if (!res->journaled) {
		if (!cli->json)
			cli_say(cli, "nothing was switched: nothing to watch or confirm");
		return 0;
	}
	scoped.steps_after = res->seq_before; /* a watch undoes this switch only */
	n = netplan_gates(res->np->routes, &gates);
	return after_switch_run(cli, res->np, gates, n, &scoped, outcome, err);
}

static int run(struct cli *cli, const char *verb, const char *path,
	       const struct night_route_opts *o, const struct night_after_opts *after)
{
	struct night_route_result *res = NULL;
	enum night_watch_outcome outcome = NIGHT_WATCH_NOT_RUN;
	struct cut_err err, aerr;
	struct diags d;
	bool is_switch = strcmp(verb, "switch") == 0;
	int r, status;

	diags_init(&d);
	cut_err_clear(&err);
	cut_err_clear(&aerr);
	r = is_switch ? night_route_switch(path, o, &res, &d, &err)
		      : night_route_plan(path, o, &res, &d, &err);
	if (is_switch && !o->dry_run && res && (r == 0 || res->journaled)) {
		if (res->provisional)
			after_switch_say_provisional(cli, res->np, res->deadline_ms, r < 0);
		r = after_failed_switch(r, &err, route_after_switch(cli, res, after, &outcome, &aerr),
					&aerr);
	}
	if (r < 0 && !err.code)
		cut_errf(&err, r, NULL, "%s", cut_strerror(r));
	status = r < 0 ? cut_exit_code(err.code) : CUT_EXIT_OK;
	/* texts of every change for a listing; a switch says only what failed */
	if (res && res->diff && (cli->json || !is_switch || has_failed(res->diff)))
		netplan_diff_texts(res->diff);
	if (cli->json) {
		cli_print_json(result_json(verb, path, res, &err, &d,
					   cli_watch_json(after, outcome)));
	} else {
		cli_print_diags(&d);
		if (res && res->diff && !is_switch)
			print_items(res->diff);
		if (res && is_switch)
			print_switch(path, res, o->dry_run, r == 0);
	}
	if (r < 0 && !cli->json) {
		fprintf(stderr, "%s: error: %s\n", cli->prog, err.msg);
		if (err.hint[0])
			fprintf(stderr, "  what to do: %s\n", err.hint);
	}
	if (CUT_FREE_AT_EXIT)
		night_route_result_free(res);
	diags_free(&d);
	return status;
}

int cmd_route(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "skip-health", no_argument, NULL, OPT_SKIP_HEALTH },
		{ "netns", required_argument, NULL, OPT_NETNS },
		AFTER_SWITCH_OPTIONS,
		{ 0 },
	};
	struct night_route_opts o = { .say = cli_say, .say_cookie = cli };
	struct night_after_opts after = { 0 };
	const char *verb;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return CUT_EXIT_OK;
		if (r == 1)
			continue;
		r = after_switch_option(cli, c, usage, "route", &after);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		if (c == OPT_SKIP_HEALTH)
			o.skip_health = true;
		else if (c == OPT_NETNS)
			o.netns = optarg;
		else
			return cli_usage_error(cli, usage, "route: %s", cli->bad_option);
	}
	if (optind != argc - 2)
		return cli_usage_error(cli, usage, "route: give plan or switch, and one plan file");
	verb = argv[optind];
	if (strcmp(verb, "plan") != 0 && strcmp(verb, "switch") != 0)
		return cli_usage_error(cli, usage, "route: unknown subcommand \"%s\"", verb);
	if (strcmp(verb, "plan") == 0 &&
	    (cli->dry_run || o.skip_health || after_switch_asked(&after)))
		return cli_usage_error(cli, usage, "route plan changes nothing: --dry-run, "
				       "--skip-health, --watch and --confirm-within belong to "
				       "route switch");
	o.dry_run = cli->dry_run;
	o.confirm_within_ms = after.confirm_within_ms;
	o.watch = after.watch_ms != 0;
	return run(cli, verb, argv[optind + 1], &o, &after);
}
