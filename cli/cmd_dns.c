/* cutover dns prelower|switch|verify — DNS records on authoritative servers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "after_switch.h"
#include "cli.h"
#include "night_dns.h"
#include "util.h"

static const char usage[] =
	"usage: cutover dns prelower [--json] [--dry-run] [--allow-unsigned] PLAN\n"
	"       cutover dns switch [--json] [--dry-run] [--ignore-ttl] [--allow-unsigned]\n"
	"                          [--skip-health] [--no-verify] [--wait DURATION]\n"
	"                          [--watch DURATION] [--confirm-within DURATION] PLAN\n"
	"       cutover dns verify [--json] [--wait DURATION] PLAN\n"
	"\n"
	"prelower  reads every `from` RRset and its TTL from the zone's primary (any\n"
	"          mismatch: refused, nothing changed), journals the old TTLs, then sends\n"
	"          one signed UPDATE per zone that rewrites them with the plan's lowered\n"
	"          TTL, with prerequisites that they are unchanged. The journal keeps the\n"
	"          earliest safe switch: now + the largest old TTL.\n"
	"switch    runs the health gates of the switched records, refuses before the\n"
	"          earliest safe switch, journals every change with its inverse (one\n"
	"          fsync), then sends ONE UPDATE per zone whose prerequisites assert every\n"
	"          `from` RRset: the server applies all or nothing. Then verifies\n"
	"          (unless --no-verify).\n"
	"          `cutover rollback --journal J` undoes it, with the same checks.\n"
	"verify    checks on every server of each zone (its primary, the plan's servers,\n"
	"          the NS RRset's addresses), in parallel, that the SOA serial reached\n"
	"          the primary's and every record answers its `to` data.\n"
	"\n"
	"Options:\n"
	"  --json            one JSON document on stdout\n"
	"  --dry-run         print the UPDATEs (nsupdate syntax); journal and send nothing\n"
	"  --ignore-ttl      switch before the earliest safe time, and while a record's\n"
	"                    TTL is above the lowered one (resolvers may keep the old\n"
	"                    answer until their cached TTL runs out); a rollback then\n"
	"                    restores records at their `ttl` unless `restore_ttl` is set\n"
	"  --allow-unsigned  send unsigned UPDATEs to primaries the plan marks\n"
	"                    \"unsigned\": true (refused otherwise)\n"
	"  --skip-health     do not run the records' health gates\n"
	"  --no-verify       switch: do not read the records back from the servers\n"
	"                    afterwards (run `cutover dns verify PLAN` when you want)\n"
	"  --wait DURATION   how long verify waits for lagging servers (default 30s;\n"
	"                    also what a rollback of this switch waits)\n"
	AFTER_SWITCH_HELP
	"  --help            this text\n"
	"\n"
	"Exit codes:\n"
	"  0  done\n"
	"  1  a server refused or did not answer, or verification ran out of time (the\n"
	"     lagging servers are named); the journal can roll back what was applied;\n"
	"     --watch: it ended other than \"the window passed\" (see above)\n"
	"  2  bad usage, bad plan or bad key file; --watch and no gates\n"
	"  3  refused as unsafe: records not as the plan's `from` says (each named),\n"
	"     too early for the lowered TTLs, an unsigned primary, a key file others\n"
	"     can read\n"
	"  4  a health gate failed\n";

enum { OPT_IGNORE_TTL = 64, OPT_ALLOW_UNSIGNED, OPT_SKIP_HEALTH, OPT_WAIT, OPT_NO_VERIFY };

#define DEFAULT_WAIT_MS 30000

static json_t *verify_json(const struct dns_verify_report *v)
{
	json_t *lag = json_array();
	size_t i;

	for (i = 0; i < v->nlag; i++)
		json_array_append_new(lag, json_pack("{s:s,s:s,s:s}", "server", v->lag[i].server,
						     "zone", v->lag[i].zone, "why", v->lag[i].why));
	return json_pack("{s:I,s:I,s:I,s:o}", "servers", (json_int_t)v->servers, "checks",
			 (json_int_t)v->records, "elapsed_ms", (json_int_t)v->elapsed_ms, "lagging",
			 lag);
}

/* The switch's "watch": null without --watch. */
struct watch_seen {
	const struct night_after_opts *after;
	enum night_watch_outcome outcome;
};

static json_t *result_json(const char *verb, const char *path, const struct night_dns_result *res,
			   const struct cut_err *err, const struct diags *d, bool dry_run,
			   const struct watch_seen *ws)
{
	const struct plan *p = res && res->np ? res->np->plan : NULL;
	json_t *doc = json_pack("{s:s,s:s,s:b}", "command", verb, "plan", path, "dry_run", dry_run);

	if (p && p->change)
		json_object_set_new(doc, "change", json_string(p->change));
	if (p && p->journal)
		json_object_set_new(doc, "journal", json_string(p->journal));
	if (res && strcmp(verb, "verify") != 0) {
		json_object_set_new(doc, "steps", cli_steps_json(res->steps, res->nsteps));
		json_object_set_new(doc, "journaled", json_boolean(res->journaled));
		if (strcmp(verb, "switch") == 0) {
			json_object_set_new(doc, "provisional",
					    cli_provisional_json(res->provisional, res->deadline_ms));
			json_object_set_new(doc, "watch", cli_watch_json(ws->after, ws->outcome));
		}
		json_object_set_new(doc, "summary",
				    json_pack("{s:I,s:I,s:I,s:I,s:I}", "applied",
					      (json_int_t)res->applied, "failed",
					      (json_int_t)res->failed, "conflicts",
					      (json_int_t)res->conflicts, "not_tried",
					      (json_int_t)res->not_tried, "unknown",
					      (json_int_t)res->unknown));
	}
	if (res && res->safe_at_ms) {
		char when[64];
		format_utc(res->safe_at_ms, when, sizeof(when));
		json_object_set_new(doc, "safe_at", json_string(when));
	}
	if (res && res->verified)
		json_object_set_new(doc, "verify", verify_json(&res->verify));
	json_object_set_new(doc, "ok", json_boolean(err->code == 0));
	if (err->code)
		json_object_set_new(doc, "error", cli_error_json(err));
	if (d->n)
		json_object_set_new(doc, "diagnostics", cli_diags_json(d));
	return doc;
}

static void print_verify(const struct dns_verify_report *v)
{
	size_t i;

	printf("verified %zu server%s (%zu checks) in %lld ms", v->servers,
	       v->servers == 1 ? "" : "s", v->records, (long long)v->elapsed_ms);
	printf(v->nlag ? "; %zu lagging:\n" : "\n", v->nlag);
	for (i = 0; i < v->nlag; i++)
		printf("  %s: %s\n", v->lag[i].server, v->lag[i].why);
}

/* ok: the command succeeded (a failure before any step is not "nothing to do"). */
static void print_human(const char *verb, const struct night_dns_result *res, bool dry_run,
			bool ok)
{
	char when[64];

	if (!res)
		return;
	if (strcmp(verb, "verify") != 0 && res->nsteps && !dry_run && res->journaled) {
		printf("%zu record%s %s, %zu failed, %zu in conflict, %zu not tried, %zu unknown; "
		       "journal %s\n", res->applied, res->applied == 1 ? "" : "s",
		       strcmp(verb, "prelower") == 0 ? "lowered" : "switched", res->failed,
		       res->conflicts, res->not_tried, res->unknown, res->np->plan->journal);
		cli_print_failed_steps(res->steps, res->nsteps);
	} else if (dry_run && res->nsteps) {
		printf("dry run: %zu change%s would be sent; nothing was sent or journaled\n",
		       res->nsteps, res->nsteps == 1 ? "" : "s");
	} else if (strcmp(verb, "prelower") == 0 && res->np && !dry_run && ok && !res->nsteps) {
		printf("no TTL to lower (all at or below the plan's lowered TTL)\n");
	}
	if (res->safe_at_ms && strcmp(verb, "prelower") == 0 && !dry_run) {
		format_utc(res->safe_at_ms, when, sizeof(when));
		printf("earliest safe switch: %s\n", when);
	}
	if (res->verified)
		print_verify(&res->verify);
}

/* --watch / --confirm-within after a successful switch: the records' gates. */
static int dns_after_switch(struct cli *cli, const struct night_dns_result *res,
			    struct watch_seen *ws, struct cut_err *err)
{
	struct night_after_opts after = *ws->after;
	const char **gates = NULL;
	size_t n;
	int r;

	if (!after_switch_asked(&after))
		return 0;
	after.steps_after = res->seq_before; /* a watch undoes this switch, not the prelower */
	n = night_dns_gates(res->np, &gates);
	r = after_switch_run(cli, res->np, gates, n, &after, &ws->outcome, err);
	free(gates);
	return r;
}

static int run(struct cli *cli, const char *verb, const char *path, const struct night_dns_opts *o,
	       const struct night_after_opts *after)
{
	struct night_dns_result *res = NULL;
	struct watch_seen ws = { after, NIGHT_WATCH_NOT_RUN };
	struct cut_err err, aerr;
	struct diags d;
	int r, status;

	diags_init(&d);
	cut_err_clear(&err);
	cut_err_clear(&aerr);
	if (strcmp(verb, "prelower") == 0)
		r = night_dns_prelower(path, o, &res, &d, &err);
	else if (strcmp(verb, "switch") == 0) {
		r = night_dns_switch(path, o, &res, &d, &err);
		if (!o->dry_run && res && (r == 0 || res->journaled)) {
			if (res->provisional)
				after_switch_say_provisional(cli, res->np, res->deadline_ms, r < 0);
			r = after_failed_switch(r, &err, dns_after_switch(cli, res, &ws, &aerr),
						&aerr);
		}
	} else
		r = night_dns_verify(path, o, &res, &d, &err);
	if (r < 0 && !err.code)
		cut_errf(&err, r, NULL, "%s", cut_strerror(r));
	status = r < 0 ? cut_exit_code(err.code) : CUT_EXIT_OK;
	if (cli->json) {
		cli_print_json(result_json(verb, path, res, &err, &d, o->dry_run, &ws));
	} else {
		cli_print_diags(&d);
		print_human(verb, res, o->dry_run, r == 0);
	}
	if (r < 0 && !cli->json) {
		fprintf(stderr, "%s: error: %s\n", cli->prog, err.msg);
		if (err.hint[0])
			fprintf(stderr, "  what to do: %s\n", err.hint);
	}
	if (CUT_FREE_AT_EXIT)
		night_dns_result_free(res);
	diags_free(&d);
	return status;
}

static int check_verb(struct cli *cli, const char *verb, const struct night_dns_opts *o)
{
	if (strcmp(verb, "prelower") != 0 && strcmp(verb, "switch") != 0 &&
	    strcmp(verb, "verify") != 0)
		return cli_usage_error(cli, usage, "dns: unknown subcommand \"%s\"", verb);
	if (strcmp(verb, "verify") == 0 && (o->dry_run || o->ignore_ttl || o->allow_unsigned ||
					    o->skip_health || o->no_verify))
		return cli_usage_error(cli, usage, "dns verify changes nothing: it takes only "
				       "--json and --wait");
	if (strcmp(verb, "prelower") == 0 && (o->ignore_ttl || o->skip_health || o->no_verify))
		return cli_usage_error(cli, usage, "--ignore-ttl, --skip-health and --no-verify "
				       "belong to dns switch");
	return 0;
}

int cmd_dns(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "ignore-ttl", no_argument, NULL, OPT_IGNORE_TTL },
		{ "allow-unsigned", no_argument, NULL, OPT_ALLOW_UNSIGNED },
		{ "skip-health", no_argument, NULL, OPT_SKIP_HEALTH },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		AFTER_SWITCH_OPTIONS,
		{ 0 },
	};
	struct night_dns_opts o = { .say = cli_say, .say_cookie = cli, .wait_ms = DEFAULT_WAIT_MS };
	struct night_after_opts after = { 0 };
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return CUT_EXIT_OK;
		if (r == 1)
			continue;
		r = after_switch_option(cli, c, usage, "dns", &after);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		if (c == OPT_IGNORE_TTL)
			o.ignore_ttl = true;
		else if (c == OPT_ALLOW_UNSIGNED)
			o.allow_unsigned = true;
		else if (c == OPT_SKIP_HEALTH)
			o.skip_health = true;
		else if (c == OPT_NO_VERIFY)
			o.no_verify = true;
		else if (c == OPT_WAIT && parse_duration_ms(optarg, &o.wait_ms) == 0 &&
			 o.wait_ms <= DNS_WAIT_MAX_MS)
			continue;
		else if (c == OPT_WAIT)
			return cli_usage_error(cli, usage, "dns: --wait \"%s\": give a duration such "
					       "as 30s or 2m (at most 1h)", optarg);
		else
			return cli_usage_error(cli, usage, "dns: %s", cli->bad_option);
	}
	if (optind != argc - 2)
		return cli_usage_error(cli, usage, "dns: give prelower, switch or verify, and one "
				       "plan file");
	o.dry_run = cli->dry_run;
	r = check_verb(cli, argv[optind], &o);
	if (r)
		return r;
	if (after_switch_asked(&after) && strcmp(argv[optind], "switch") != 0)
		return cli_usage_error(cli, usage, "--watch and --confirm-within belong to dns switch");
	o.confirm_within_ms = after.confirm_within_ms;
	o.watch = after.watch_ms != 0;
	return run(cli, argv[optind], argv[optind + 1], &o, &after);
}
