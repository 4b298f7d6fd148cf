/* cutover landing check|plan|apply|destroy TEMPLATE — landing zones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "landing.h"
#include "util.h"

static const char usage[] =
	"usage: cutover landing check   [--json] [--param NAME=VALUE]… TEMPLATE\n"
	"       cutover landing plan    [--json] [--all] [OPTIONS] TEMPLATE\n"
	"       cutover landing apply   [--json] [--dry-run] [OPTIONS] TEMPLATE\n"
	"       cutover landing destroy [--json] [--dry-run] [OPTIONS] TEMPLATE\n"
	"\n"
	"check    validates the template without any API call: every error as\n"
	"         FILE:LINE:COL: PATH: what is wrong; what to do\n"
	"plan     reads the zone in the cloud (one list per resource type) and prints\n"
	"         create / update / delete / no-op with the reason for each\n"
	"apply    makes the cloud match the template; journals every change with its\n"
	"         inverse before making it (`cutover rollback --journal J` undoes it)\n"
	"destroy  deletes everything the zone owns, dependents first\n"
	"\n"
	"Options:\n"
	"  --param NAME=VALUE   a template parameter (lists: comma-separated)\n"
	"  --endpoint URL       Neutron's URL (else OS_ENDPOINT or Keystone's catalogue)\n"
	"  --credentials FILE   OS_*=value lines, mode 0600 (else the OS_* environment)\n"
	"  --parallel N         actions at once, 1-32 (default 8; starts at 2, widens\n"
	"                       per clean answer, 1 after a server error)\n"
	"  --retries N          attempts per call on throttling/5xx (default 8)\n"
	"  --journal FILE       default: TEMPLATE.ZONE.journal beside the template\n"
	"  --all                plan: list no-ops too\n"
	"  --dry-run            apply/destroy: print the plan, change nothing\n"
	"  --json               one JSON document on stdout\n"
	"\n"
	"Exit codes: 0 done (check: valid), 1 the cloud refused or failed (the journal\n"
	"can roll back what was done), 2 bad usage or template, 3 unsafe (a conflict).\n";

enum { OPT_PARAM = 64, OPT_ENDPOINT, OPT_CREDS, OPT_PARALLEL, OPT_RETRIES, OPT_JOURNAL, OPT_ALL };

struct args {
	const char *verb;
	const char *template;
	struct lz_param params[LZ_PARAMS_MAX];
	size_t nparams;
	const char *endpoint, *credentials, *journal;
	long long parallel, retries;
	bool all;
};

static int add_param(struct cli *cli, struct args *a, char *s)
{
	char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return cli_usage_error(cli, usage, "landing: --param wants NAME=VALUE, not \"%s\"", s);
	if (a->nparams == LZ_PARAMS_MAX)
		return cli_usage_error(cli, usage, "landing: more than %d --param", LZ_PARAMS_MAX);
	*eq = '\0';
	a->params[a->nparams].name = s;
	a->params[a->nparams].value = eq + 1;
	a->nparams++;
	return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "param", required_argument, NULL, OPT_PARAM },
		{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ "credentials", required_argument, NULL, OPT_CREDS },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ 0 },
	};
	int c, r;

	a->parallel = 8;
	a->retries = 8;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return 1;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_PARAM:
			if (add_param(cli, a, optarg))
				return -1;
			break;
		case OPT_ENDPOINT: a->endpoint = optarg; break;
		case OPT_CREDS: a->credentials = optarg; break;
		case OPT_JOURNAL: a->journal = optarg; break;
		case OPT_ALL: a->all = true; break;
		case OPT_PARALLEL:
			if (parse_int(optarg, 1, LZ_PARALLEL_MAX, &a->parallel) < 0) {
				cli_usage_error(cli, usage, "landing: --parallel wants 1-%d", LZ_PARALLEL_MAX);
				return -1;
			}
			break;
		case OPT_RETRIES:
			if (parse_int(optarg, 1, 100, &a->retries) < 0) {
				cli_usage_error(cli, usage, "landing: --retries wants 1-100");
				return -1;
			}
			break;
		default:
			cli_usage_error(cli, usage, "landing: %s", cli->bad_option);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_usage_error(cli, usage, "landing %s: give one template", a->verb);
		return -1;
	}
	a->template = argv[optind];
	return 0;
}

static int load(struct cli *cli, const struct args *a, struct lz_graph **g)
{
	struct cut_err err;
	struct diags d;
	int r, status = CUT_EXIT_OK;

	diags_init(&d);
	cut_err_clear(&err);
	r = lz_template_load(a->template, a->params, a->nparams, g, &d, &err);
	if (r < 0) {
		diags_free(&d);
		return cli_fail(cli, &err);
	}
	if (d.errors || strcmp(a->verb, "check") == 0) {
		status = d.errors ? CUT_EXIT_INPUT : CUT_EXIT_OK;
		if (cli->json && (d.errors || strcmp(a->verb, "check") == 0))
			cli_print_json(json_pack("{s:s,s:s*,s:b,s:i,s:i,s:o}", "template", a->template,
						 "zone", *g ? (*g)->zone : NULL, "ok", !d.errors,
						 "errors", (int)d.errors, "resources",
						 *g ? (int)(*g)->n : 0, "diagnostics",
						 cli_diags_json(&d)));
		if (!cli->json) {
			cli_print_diags(&d);
			if (!d.errors)
				printf("%s: OK (zone %s, %zu resources)\n", a->template, (*g)->zone,
				       (*g)->n);
			else
				fprintf(stderr, "%s: %zu error%s\n", a->template, d.errors,
					d.errors == 1 ? "" : "s");
		}
		if (d.errors || strcmp(a->verb, "check") == 0)
			status = status ? status : -1;
	}
	diags_free(&d);
	return status;
}

static char *journal_path_for(const struct args *a, const struct lz_graph *g)
{
	if (a->journal)
		return xstrdup(a->journal);
	return xasprintf("%s.%s.journal", a->template, g->zone);
}

static void summary_line(struct cli *cli, const char *what, const size_t c[4])
{
	if (!cli->json)
		printf("%s: %zu to create, %zu to update, %zu to delete, %zu unchanged\n", what,
		       c[LANDING_CREATES], c[LANDING_UPDATES], c[LANDING_DELETES],
		       c[LANDING_NOOPS]);
}

static void progress(void *cookie, const char *line)
{
	struct cli *cli = cookie;

	if (cli->tty && !cli->json)
		fprintf(stderr, "%s\n", line);
}

static int open_journal(struct cli *cli, const struct args *a, const struct lz_graph *g,
			struct journal **j, struct cut_err *err)
{
	char *path = journal_path_for(a, g);
	char *change = xasprintf("landing-%s", g->zone);
	int r = journal_open(path, JOURNAL_CREATE, change, j, err);

	if (r == 0 && journal_warning(*j))
		cli_warn(cli, "%s", journal_warning(*j));
	free(path);
	free(change);
	return r;
}

/* How often an apply reads the state again when the cloud changed under it. */
#define LANDING_REPLANS_MAX 2

/* With stale set: when the cloud changed under the apply (a 404 on an object
 * the plan relied on), says so through *stale instead of failing, so the
 * caller reads the state again and re-plans. */
static int run_apply(struct cli *cli, const struct args *a, const struct lz_graph *g,
		     struct landing_plan *p, const struct landing_opts *o, bool *stale)
{
	struct journal *j = NULL;
	struct cut_err err;
	size_t c[4];
	int r, status;

	cut_err_clear(&err);
	landing_plan_counts(p, c);
	r = open_journal(cli, a, g, &j, &err);
	if (r < 0)
		return cli_fail(cli, &err);
	r = landing_plan_apply(p, j, o, &err);
	journal_close(j);
	if (r == -ENOENT && stale) {
		cli_warn(cli, "the cloud changed under the apply (%s); reading its state again",
			 err.msg);
		*stale = true;
		return CUT_EXIT_OK;
	}
	if (cli->json) {
		json_t *doc = json_pack("{s:s,s:s,s:b,s:o}", "zone", g->zone, "command", a->verb,
					"ok", r == 0, "results", landing_plan_results(p));
		json_t *pj = landing_plan_json(p, false);
		json_object_set(doc, "summary", json_object_get(pj, "summary"));
		json_decref(pj);
		if (r < 0)
			json_object_set_new(doc, "error",
					    json_pack("{s:s,s:s}", "message", err.msg, "hint", err.hint));
		cli_print_json(doc);
	} else if (r == 0) {
		summary_line(cli, strcmp(a->verb, "destroy") == 0 ? "destroyed" : "applied", c);
	}
	if (r == 0)
		return CUT_EXIT_OK;
	status = cut_exit_code(r);
	fprintf(stderr, "%s: error: %s\n", cli->prog, err.msg);
	if (err.hint[0])
		fprintf(stderr, "  what to do: %s\n", err.hint);
	return status;
}

static int run(struct cli *cli, const struct args *a, const struct lz_graph *g)
{
	struct landing_opts o = { .parallel = (int)a->parallel, .retries = (int)a->retries,
				  .dry_run = cli->dry_run, .say = progress, .say_cookie = cli };
	char *endpoint = NULL, *token = NULL, *project = NULL;
	struct landing_plan *p = NULL;
	bool destroy = strcmp(a->verb, "destroy") == 0;
	struct cut_err err;
	size_t c[4];
	int r, status, passes = 0;
	bool stale;

	cut_err_clear(&err);
	r = landing_connect(a->endpoint, a->credentials, &endpoint, &token, &project, &err);
	if (r < 0)
		return cli_fail(cli, &err);
	o.conn.endpoint = endpoint;
	o.conn.token = token;
	o.conn.project_id = project;
	o.conn.credentials_file = a->credentials;
replan:
	r = landing_plan_make(g, &o, destroy, &p, &err);
	if (r < 0) {
		status = cli_fail(cli, &err);
		goto out;
	}
	landing_plan_counts(p, c);
	if (strcmp(a->verb, "plan") == 0 || cli->dry_run) {
		if (cli->json) {
			json_t *doc = landing_plan_json(p, a->all || strcmp(a->verb, "plan") == 0);
			json_object_set_new(doc, "command", json_string(a->verb));
			json_object_set_new(doc, "dry_run", json_boolean(cli->dry_run));
			cli_print_json(doc);
		} else {
			landing_plan_say(p, a->all, cli_say, cli);
			summary_line(cli, "plan", c);
		}
		status = CUT_EXIT_OK;
		goto out;
	}
	stale = false;
	status = run_apply(cli, a, g, p, &o, passes++ < LANDING_REPLANS_MAX ? &stale : NULL);
	if (stale) {
		landing_plan_free(p);
		p = NULL;
		goto replan;
	}
out:
	landing_plan_free(p);
	free(endpoint);
	free(project);
	landing_free_token(token);
	return status;
}

int cmd_landing(struct cli *cli, int argc, char **argv)
{
	static const char *const verbs[] = { "check", "plan", "apply", "destroy", NULL };
	struct args a = { 0 };
	struct lz_graph *g = NULL;
	size_t i;
	int r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CUT_EXIT_INPUT : CUT_EXIT_OK;
	}
	for (i = 0; verbs[i] && strcmp(verbs[i], argv[1]) != 0; i++)
		;
	if (!verbs[i])
		return cli_usage_error(cli, usage, "landing: unknown command \"%s\"", argv[1]);
	a.verb = verbs[i];
	r = parse_args(cli, argc - 1, argv + 1, &a);
	if (r)
		return r > 0 ? CUT_EXIT_OK : CUT_EXIT_INPUT;
	if (cli->dry_run && (strcmp(a.verb, "check") == 0 || strcmp(a.verb, "plan") == 0))
		cli->dry_run = false; /* they change nothing anyway */
	r = load(cli, &a, &g);
	if (r != CUT_EXIT_OK) {
		lz_graph_free(g);
		return r < 0 ? CUT_EXIT_OK : r;
	}
	r = run(cli, &a, g);
	lz_graph_free(g);
	return r;
}
