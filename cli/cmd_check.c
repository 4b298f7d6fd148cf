#include <stdio.h>

#include "cli.h"
#include "night.h"

static const char usage[] =
	"usage: cutover check [--json] PLAN\n"
	"\n"
	"Validates a plan file without acting: prints \"PLAN: OK\", or every error as\n"
	"FILE:LINE:COL: PATH: what is wrong; what to do. Also reads the DNS primaries'\n"
	"key files (missing, readable by others, not a key, unknown key name or\n"
	"algorithm). Exit 0 when valid, 2 if not.\n";

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	struct night_plan *np = NULL;
	struct cut_err err;
	struct diags d;
	int c, r, status;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return CUT_EXIT_OK;
		if (r == 0)
			return cli_usage_error(cli, usage, "check: %s", cli->bad_option);
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, usage, "check: give one plan file");
	diags_init(&d);
	cut_err_clear(&err);
	r = night_plan_load(argv[optind], &np, &d, &err);
	if (r < 0) {
		diags_free(&d);
		return cli_fail(cli, &err);
	}
	night_plan_check_files(np, &d);
	status = d.errors ? CUT_EXIT_INPUT : CUT_EXIT_OK;
	if (cli->json) {
		cli_print_json(json_pack("{s:s,s:b,s:i,s:o}", "plan", argv[optind], "ok", !d.errors,
					 "errors", (int)d.errors, "diagnostics", cli_diags_json(&d)));
	} else {
		cli_print_diags(&d);
		if (!d.errors)
			printf("%s: OK\n", argv[optind]);
		else
			fprintf(stderr, "%s: %zu error%s\n", argv[optind], d.errors,
				d.errors == 1 ? "" : "s");
	}
	night_plan_free(np);
	diags_free(&d);
	return status;
}
