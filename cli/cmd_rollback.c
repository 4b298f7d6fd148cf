#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollback.h"
#include "util.h"

static const char usage[] =
	"usage: cutover rollback --journal JOURNAL [--reason TEXT] [--force] [--dry-run] [--json]\n"
	"\n"
	"Puts back everything the change's journal recorded — DNS records, routes,\n"
	"addresses, cloud resources — newest first, applying the exact inverse of every\n"
	"step whose intent was recorded (done, or outcome unknown after a crash). Each\n"
	"undo is journaled in the same file, so an interrupted rollback resumes when run\n"
	"again, and a second rollback changes nothing. Works from any machine that has\n"
	"the journal and the key files it names.\n"
	"\n"
	"Where someone changed a record since cutover did, it is left alone and reported\n"
	"(exit 3) unless --force. --reason is recorded in the journal.\n"
	"\n"
	"Exit codes: 0 everything undone; 1 a step could not be undone (run again once the\n"
	"cause is fixed); 2 bad usage or damaged journal; 3 steps left alone (changed by\n"
	"someone else; --force to overwrite).\n";

static const char *result_word(int result)
{
	if (result == 0)
		return "undone";
	if (result == CUT_ECONFLICT)
		return "left alone";
	if (result == STEP_PENDING)
		return "would undo";
	if (result == STEP_UNKNOWN)
		return "unknown";
	return "FAILED";
}

/* The report; under --json one document, with "error" when err is set. */
static void print_report(struct cli *cli, const struct rollback_report *rep, const char *path,
			 const struct cut_err *err)
{
	size_t i;

	if (cli->json) {
		json_t *doc;
		json_t *items = json_array();
		for (i = 0; i < rep->n; i++) {
			const struct rollback_item *it = &rep->items[i];
			json_array_append_new(items, json_pack("{s:I,s:s?,s:s?,s:s,s:s?}", "step",
							       (json_int_t)it->step, "kind", it->kind,
							       "describe", it->describe, "result",
							       result_word(it->result), "message",
							       it->message));
		}
		doc = json_pack("{s:s,s:b,s:o,s:i,s:i,s:i,s:i}", "journal", path, "dry_run",
				cli->dry_run, "steps", items, "undone", (int)rep->undone,
				"left_alone", (int)rep->conflicts, "failed", (int)rep->failed,
				"not_attempted", (int)rep->skipped);
		if (doc && err)
			json_object_set_new(doc, "error", cli_error_json(err));
		cli_print_json(doc);
		return;
	}
	for (i = 0; i < rep->n; i++) {
		const struct rollback_item *it = &rep->items[i];
		printf("%-10s %s%s%s\n", result_word(it->result), it->describe ?: it->kind ?: "?",
		       it->message ? " — " : "", it->message ?: "");
	}
	if (cli->dry_run)
		printf("dry run: %zu step%s would be undone; nothing was changed\n", rep->n,
		       rep->n == 1 ? "" : "s");
	else if (rep->n == 0)
		printf("nothing to undo: the journal's steps are all undone\n");
	else
		printf("%zu undone, %zu left alone, %zu failed, %zu not attempted\n", rep->undone,
		       rep->conflicts, rep->failed, rep->skipped);
}

/* The journal's note that a rollback starts: by whom, why, with --force or not. */
static int note_start(struct journal *j, const char *reason, bool force, struct cut_err *err)
{
	json_t *body = json_pack("{s:s,s:s?,s:b}", "event", "rollback", "text", reason, "force",
				 force);
	int r = journal_append(j, JOURNAL_NOTE, body, NULL);

	json_decref(body);
	if (r < 0)
		return cut_errf(err, r, NULL, "journal %s: %s", journal_path(j), cut_strerror(r));
	return 0; /* durable with the first undo intents (one fsync, not two), or at close */
}

/* The rollback of the open journal j; returns the exit code. */
static int roll_back(struct cli *cli, struct journal *j, struct step_ctx *ctx,
		     struct rollback_ahead *ahead, const char *path, const char *reason)
{
	struct rollback_report rep;
	struct cut_err err;
	int r;

	cut_err_clear(&err);
	if (journal_warning(j))
		cli_warn(cli, "%s", journal_warning(j));
	if (journal_count(j) == 0) {
		/* a crash while the journal was being created: nothing was done */
		if (cli->json)
			cli_print_json(json_pack("{s:s,s:o,s:i}", "journal", path, "steps", json_array(),
						 "undone", 0));
		else
			printf("nothing to undo: the journal holds no record\n");
		return CUT_EXIT_OK;
	}
	if (!cli->dry_run) {
		r = note_start(j, reason, ctx->force, &err);
		if (r < 0)
			return cli_fail(cli, &err);
	}
	r = rollback_run_ahead(j, &cli->reg, ctx, ahead, &rep, &err);
	print_report(cli, &rep, path, r < 0 ? &err : NULL);
	if (CUT_FREE_AT_EXIT)
		rollback_report_free(&rep);
	if (r < 0)
		return cli_fail_stderr(cli, &err);
	return CUT_EXIT_OK;
}

int cmd_rollback(struct cli *cli, int argc, char **argv)
{
	enum { OPT_JOURNAL = 100, OPT_FORCE, OPT_REASON };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ 0 },
	};
	struct step_ctx ctx = { .say = cli_say, .say_cookie = cli };
	const char *path = NULL, *reason = NULL;
	struct rollback_ahead *ahead;
	struct journal *j;
	struct cut_err err;
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return CUT_EXIT_OK;
		if (r == 1)
			continue;
		if (c == OPT_JOURNAL)
			path = optarg;
		else if (c == OPT_FORCE)
			ctx.force = true;
		else if (c == OPT_REASON)
			reason = optarg;
		else
			return cli_usage_error(cli, usage, "rollback: %s", cli->bad_option);
	}
	if (!path || optind != argc)
		return cli_usage_error(cli, usage, "rollback: give --journal JOURNAL (and nothing else)");
	ctx.dry_run = cli->dry_run;
	cut_err_clear(&err);
	ahead = rollback_ahead_new(&cli->reg); /* kinds start reading while the journal is read */
	r = journal_open_watched(path, cli->dry_run ? JOURNAL_READONLY : 0, NULL,
				 rollback_ahead_watch(ahead), &j, &err);
	if (r < 0) {
		rollback_ahead_free(ahead);
		return cli_fail(cli, &err);
	}
	r = roll_back(cli, j, &ctx, ahead, path, reason);
	rollback_ahead_free(ahead);
	journal_close(j);
	return r;
}
