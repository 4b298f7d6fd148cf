#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollback.h"
#include "util.h"

static const char usage[] =
	"usage: cutover journal show [--json] JOURNAL\n"
	"       cutover journal verify [--json] JOURNAL\n"
	"\n"
	"show    lists every record: who did what, when, and what a rollback would undo.\n"
	"        A damaged journal is shown up to the damage.\n"
	"verify  checks every frame and checksum without changing the file. A torn last\n"
	"        record (a crash mid-write) is reported as a warning; it is cut off the\n"
	"        next time a command opens the journal to write. Damage in the middle is\n"
	"        an error naming its offset (exit 2).\n"
	"\n"
	"Neither takes the journal's lock: both work while a switch is running.\n"
	"Exit codes: 0 ok; 1 cannot read; 2 bad usage or damaged journal.\n";

static const char *record_text(const struct journal_record *r, char *buf, size_t len)
{
	const char *describe = json_string_value(json_object_get(r->body, "describe"));
	const char *error = json_string_value(json_object_get(r->body, "error"));
	const char *partial = json_string_value(json_object_get(r->body, "partial"));
	const char *text = json_string_value(json_object_get(r->body, "text"));
	const char *event = json_string_value(json_object_get(r->body, "event"));

	switch (r->phase) {
	case JOURNAL_HEADER:
		snprintf(buf, len, "change %s",
			 json_string_value(json_object_get(r->body, "change")) ?: "?");
		break;
	case JOURNAL_INTENT:
		snprintf(buf, len, "%s: %s", r->kind ?: "?", describe ?: "");
		break;
	case JOURNAL_NOTE:
		snprintf(buf, len, "%s%s%s", event ?: "note", text ? ": " : "", text ?: "");
		break;
	default:
		if (partial) /* a done step of which only some changes went through */
			snprintf(buf, len, "step %llu, partly: %s", (unsigned long long)r->step,
				 partial);
		else
			snprintf(buf, len, "step %llu%s%s", (unsigned long long)r->step,
				 error ? ": " : "", error ?: "");
		break;
	}
	return buf;
}

static void show_human(const struct journal *j, const struct rollback_report *pending)
{
	const struct journal_record *head = journal_get(j, 0);
	char text[1024];
	size_t i;

	printf("journal %s\nchange  %s\ncreated %s by %s\n\n", journal_path(j), journal_change(j),
	       json_string_value(json_object_get(head->body, "time")) ?: "?",
	       json_string_value(json_object_get(head->body, "by")) ?: "?");
	for (i = 1; i < journal_count(j); i++) {
		const struct journal_record *r = journal_get(j, i);
		printf("%5llu  %s  %-13s %s  %s\n", (unsigned long long)r->seq,
		       json_string_value(json_object_get(r->frame, "time")) ?: "?",
		       journal_phase_name(r->phase),
		       json_string_value(json_object_get(r->frame, "by")) ?: "?",
		       record_text(r, text, sizeof(text)));
	}
	printf("\n%zu step%s a rollback would undo\n", pending->n, pending->n == 1 ? "" : "s");
}

static json_t *show_json(const struct journal *j, const struct rollback_report *pending)
{
	json_t *records = json_array(), *undo = json_array();
	size_t i;

	const json_t *last = NULL;

	for (i = 0; i < journal_count(j); i++) { /* each record as written, groups once */
		const struct journal_record *r = journal_get(j, i);
		if (r->frame != last)
			json_array_append(records, (json_t *)r->frame);
		last = r->frame;
	}
	for (i = 0; i < pending->n; i++)
		json_array_append_new(undo, json_integer((json_int_t)pending->items[i].step));
	return json_pack("{s:s,s:s,s:o,s:o,s:s?}", "journal", journal_path(j), "change",
			 journal_change(j), "records", records, "pending_undo", undo, "warning",
			 journal_warning(j));
}

static int journal_cmd(struct cli *cli, const char *verb, const char *path)
{
	bool show = strcmp(verb, "show") == 0;
	struct rollback_report pending;
	struct journal *j;
	struct cut_err err;
	int r;

	cut_err_clear(&err);
	r = journal_open(path, JOURNAL_READONLY | (show ? JOURNAL_SALVAGE : 0), NULL, &j, &err);
	if (r < 0)
		return cli_fail(cli, &err);
	if (journal_warning(j))
		cli_warn(cli, "%s", journal_warning(j));
	r = rollback_pending(j, &pending);
	if (r < 0) {
		journal_close(j);
		cut_errf(&err, r, NULL, "%s: %s", path, cut_strerror(r));
		return cli_fail(cli, &err);
	}
	if (show && cli->json)
		cli_print_json(show_json(j, &pending));
	else if (show)
		show_human(j, &pending);
	else if (cli->json)
		cli_print_json(json_pack("{s:s,s:b,s:s,s:i,s:i,s:s?}", "journal", path, "ok", 1,
					 "change", journal_change(j), "records",
					 (int)journal_count(j), "pending_undo", (int)pending.n,
					 "warning", journal_warning(j)));
	else
		printf("%s: OK (change %s, %zu records, %zu step%s a rollback would undo)\n", path,
		       journal_change(j), journal_count(j), pending.n, pending.n == 1 ? "" : "s");
	rollback_report_free(&pending);
	journal_close(j);
	return CUT_EXIT_OK;
}

int cmd_journal(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
	const char *verb;
	int c, r;

	if (argc < 2)
		return cli_usage_error(cli, usage, "journal: say show or verify");
	verb = argv[1];
	if (strcmp(verb, "--help") == 0) {
		fputs(usage, stdout);
		return CUT_EXIT_OK;
	}
	if (strcmp(verb, "show") != 0 && strcmp(verb, "verify") != 0)
		return cli_usage_error(cli, usage, "journal: unknown action \"%s\"", verb);
	argc--;
	argv++;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		r = cli_common_option(cli, c, usage);
		if (r == 2)
			return CUT_EXIT_OK;
		if (r == 0 || c == OPT_DRY_RUN)
			return cli_usage_error(cli, usage, "journal %s: %s", verb, cli->bad_option);
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, usage, "journal %s: give one journal file", verb);
	return journal_cmd(cli, verb, argv[optind]);
}
