#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "step.h"
#include "util.h"

int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *opts)
{
	size_t size = sizeof(cli->bad_option);
	int li = -1, c;

	opterr = 0;
	c = getopt_long(argc, argv, ":", opts, &li);
	if (c == ':') {
		snprintf(cli->bad_option, size, "%s needs a value", argv[optind - 1]);
		return '?';
	}
	if (c == '?') {
		snprintf(cli->bad_option, size, "unknown option %s", argv[optind - 1]);
		return '?';
	}
	if (c == -1 || li < 0) /* the commands have long options only */
		return c;
	if (opts[li].has_arg == required_argument && optarg && strncmp(optarg, "--", 2) == 0) {
		snprintf(cli->bad_option, size, "--%s needs a value (got the option %s)",
			 opts[li].name, optarg);
		return '?';
	}
	snprintf(cli->bad_option, size, "--%s does not apply here", opts[li].name);
	return c;
}

int cli_common_option(struct cli *cli, int c, const char *usage)
{
	switch (c) {
	case OPT_HELP:
		fputs(usage, stdout);
		return 2;
	case OPT_JSON:
		cli->json = true;
		return 1;
	case OPT_DRY_RUN:
		cli->dry_run = true;
		return 1;
	}
	return 0;
}

json_t *cli_json_text(const char *s)
{
	json_t *j;
	char *copy;

	j = json_string(s ? s : "");
	if (j)
		return j;
	copy = xstrdup(s);
	utf8_fix(copy);
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("(not UTF-8)");
}

/* Every member is set on its own: a message that is not UTF-8 made
 * json_pack fail, and the whole error went missing from the document. */
json_t *cli_error_json(const struct cut_err *err)
{
	int code = err->code ? err->code : CUT_EINTERNAL;
	json_t *o = json_object();

	json_object_set_new(o, "code", cli_json_text(cut_strerror(code)));
	json_object_set_new(o, "message", cli_json_text(err->msg));
	json_object_set_new(o, "hint", cli_json_text(err->hint));
	json_object_set_new(o, "exit", json_integer(cut_exit_code(code)));
	return o;
}

const char *cli_step_result_name(int result)
{
	if (result == 0)
		return "applied";
	if (result == STEP_PENDING)
		return "not-tried";
	if (result == STEP_UNKNOWN)
		return "unknown";
	if (result == STEP_PARTIAL)
		return "partial";
	if (result == CUT_ECONFLICT)
		return "conflict";
	return "failed";
}

json_t *cli_steps_json(const struct step *steps, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct step *s = &steps[i];
		json_t *o = json_pack("{s:s,s:s,s:s}", "kind", s->kind, "describe", s->describe,
				      "result", cli_step_result_name(s->result));
		if (s->id)
			json_object_set_new(o, "journal_seq", json_integer((json_int_t)s->id));
		if (s->message) /* also for applied steps: "already in effect" */
			json_object_set_new(o, "message", json_string(s->message));
		json_array_append_new(arr, o);
	}
	return arr;
}

void cli_print_failed_steps(const struct step *steps, size_t n)
{
	size_t i, shown = 0, failed = 0;

	for (i = 0; i < n; i++) {
		const struct step *s = &steps[i];
		if (s->result == 0 || s->result == STEP_PENDING)
			continue;
		if (shown < 20) {
			fprintf(stderr, "  %s: %s: %s\n", cli_step_result_name(s->result), s->describe,
				s->message ? s->message : "");
			shown++;
		}
		failed++;
	}
	if (failed > shown)
		fprintf(stderr, "  … and %zu more (see --json or `cutover journal show`)\n",
			failed - shown);
}

int cli_fail_stderr(struct cli *cli, const struct cut_err *err)
{
	fprintf(stderr, "%s: error: %s\n", cli->prog, err->msg[0] ? err->msg : cut_strerror(err->code));
	if (err->hint[0])
		fprintf(stderr, "  what to do: %s\n", err->hint);
	return cut_exit_code(err->code ? err->code : CUT_EINTERNAL);
}

int cli_fail(struct cli *cli, const struct cut_err *err)
{
	if (cli->json)
		cli_print_json(json_pack("{s:o}", "error", cli_error_json(err)));
	return cli_fail_stderr(cli, err);
}

int cli_usage_error(struct cli *cli, const char *usage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", cli->prog, msg);
	if (usage)
		fprintf(stderr, "%s", usage);
	return CUT_EXIT_INPUT;
}

void cli_print_diags(const struct diags *d)
{
	char line[2048];
	size_t i;

	for (i = 0; i < d->n; i++) {
		diag_format(&d->v[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (d->dropped)
		fprintf(stderr, "… and %zu more\n", d->dropped);
}

json_t *cli_diags_json(const struct diags *d)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		json_array_append_new(arr, json_pack("{s:s,s:o,s:i,s:i,s:o,s:o,s:o}", "severity",
						     g->warning ? "warning" : "error",
						     "file", cli_json_text(g->file),
						     "line", g->line, "column", g->col,
						     "path", cli_json_text(g->path),
						     "message", cli_json_text(g->msg),
						     "fix", cli_json_text(g->fix)));
	}
	return arr;
}

void cli_print_json(json_t *doc)
{
	if (!doc)
		return;
	/* a failed write sets stdout's error flag: finish() in main.c makes
	 * that exit 1 */
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(doc);
}

void cli_say(void *cookie, const char *line)
{
	struct cli *cli = cookie;

	fprintf(cli && cli->json ? stderr : stdout, "%s\n", line);
}

void cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
