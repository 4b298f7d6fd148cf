/* cutover confirm --journal J [--extend DURATION] — ends (or prolongs) a
 * provisional switch made with --confirm-within. The hidden --watchdog runs
 * the detached watchdog itself (night_confirm_within starts it that way). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "night_watch.h"
#include "util.h"

static const char usage[] =
	"usage: cutover confirm --journal JOURNAL [--extend DURATION] [--json] [--dry-run]\n"
	"\n"
	"Confirms the provisional switch recorded in JOURNAL (made with --confirm-within),\n"
	"from any terminal: its watchdog then exits without rolling back. With --extend,\n"
	"moves the deadline to DURATION from now instead (e.g. --extend 10m), and starts\n"
	"a new watchdog if none is running. --dry-run shows the state and writes nothing.\n"
	"The journal records who confirmed or extended, where (user@host) and when.\n"
	"\n"
	"Exit codes: 0 confirmed or extended (or confirmed before); 2 bad usage, no such\n"
	"JOURNAL (or no permission), or no provisional switch in it; 3 too late: the\n"
	"watchdog already rolled back; 1 the journal could not be written (e.g. a\n"
	"rollback holds it right now).\n";

enum { OPT_JOURNAL = 32, OPT_EXTEND, OPT_WATCHDOG };

struct confirm_args {
	const char *journal;
	int64_t extend_ms;
	bool watchdog;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct confirm_args *a)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "extend", required_argument, NULL, OPT_EXTEND },
		{ "watchdog", no_argument, NULL, OPT_WATCHDOG },
		{ 0 },
	};
	int c, r;

	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == OPT_JOURNAL) {
			a->journal = optarg;
		} else if (c == OPT_EXTEND) {
			if (parse_duration_ms(optarg, &a->extend_ms) < 0 || a->extend_ms < 1000)
				return cli_usage_error(cli, usage,
						       "confirm: --extend \"%s\" is not a duration of 1 s or more",
						       optarg);
		} else if (c == OPT_WATCHDOG) {
			a->watchdog = true;
		} else {
			r = cli_common_option(cli, c, usage);
			if (r == 2)
				return CUT_EXIT_OK;
			if (r == 0)
				return cli_usage_error(cli, usage, "confirm: %s", cli->bad_option);
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, usage, "confirm: unexpected argument \"%s\"", argv[optind]);
	if (!a->journal)
		return cli_usage_error(cli, usage, "confirm: give --journal JOURNAL");
	return -1;
}

static void log_line(void *cookie, const char *line)
{
	(void)cookie;
	printf("%s\n", line);
	fflush(stdout);
}

static int run_watchdog(struct cli *cli, const char *journal)
{
	struct night_watchdog_opts o = { .reg = &cli->reg, .say = log_line };
	struct cut_err err;
	int r;

	cut_err_clear(&err);
	r = night_watchdog_run(journal, &o, &err);
	if (r == CUT_ELOCKED)
		return CUT_EXIT_OK; /* another watchdog acts for this change */
	return r < 0 ? cli_fail(cli, &err) : CUT_EXIT_OK;
}

static void show_active(const char *journal, const struct journal *j,
			const struct night_provisional *st, const char *when)
{
	size_t left;

	printf("%s: provisional until %s; watchdog %s; would confirm (dry run: nothing written)\n",
	       journal, when, night_watchdog_alive(journal) ? "running" : "NOT running");
	if (!st->unfinished)
		return;
	left = night_provisional_left(j, st);
	printf("  its switch did not finish: the process that armed it (by %s) ended before its "
	       "switch-end note; unless confirmed, the watchdog undoes only the %zu step%s that "
	       "switch journaled, nothing a later run did\n", st->who ? st->who : "?", left,
	       left == 1 ? "" : "s");
}

static int show_state(struct cli *cli, const char *journal)
{
	struct night_provisional st;
	struct journal *j = NULL;
	struct cut_err err;
	char when[32] = "";

	cut_err_clear(&err);
	if (journal_open(journal, JOURNAL_READONLY, NULL, &j, &err) < 0)
		return cli_fail(cli, &err);
	night_provisional_state(j, &st);
	if (st.found)
		format_utc(st.deadline_ms, when, sizeof(when));
	if (cli->json) {
		json_t *doc = json_pack("{s:s,s:b,s:b,s:s,s:s?,s:b,s:b}", "journal", journal,
					"provisional", st.active, "found", st.found, "deadline", when,
					"ended_by", st.ended_by, "watchdog",
					night_watchdog_alive(journal), "unfinished", st.unfinished);
		if (st.ended_by && strcmp(st.ended_by, NOTE_AUTO_ROLLBACK) == 0)
			json_object_set_new(doc, "auto_rollback",
					    json_pack("{s:s,s:I,s:s?,s:I}", "outcome",
						      st.auto_outcome == NIGHT_AUTO_OK ? "verified"
						      : st.auto_outcome == NIGHT_AUTO_FAILED ? "failed"
											 : "running",
						      "tries", (json_int_t)st.auto_tries, "error",
						      st.auto_error, "left",
						      (json_int_t)night_provisional_left(j, &st)));
		cli_print_json(doc);
	}
	else if (!st.found)
		printf("%s: no provisional switch\n", journal);
	else if (st.active)
		show_active(journal, j, &st, when);
	else if (night_confirm_state_error(j, journal, &st, &err) < 0)
		printf("%s: %s\n  what to do: %s\n", journal, err.msg, err.hint);
	else
		printf("%s: %s by %s at %s\n", journal, st.ended_by, st.who ? st.who : "?",
		       st.when ? st.when : "?");
	journal_close(j);
	return CUT_EXIT_OK;
}

static int confirm(struct cli *cli, const struct confirm_args *a)
{
	struct night_confirm_result res;
	struct cut_err err;
	const char *watchdog;
	char when[32] = "";

	cut_err_clear(&err);
	if (night_confirm(a->journal, a->extend_ms, &res, &err) < 0)
		return cli_fail(cli, &err);
	watchdog = res.watchdog_alive ? "running" : "none";
	if (res.extended && !res.watchdog_alive) {
		if (night_watchdog_start(a->journal, NULL, &err) < 0)
			return cli_fail(cli, &err);
		watchdog = "started";
	}
	if (res.extended)
		format_utc(res.deadline_ms, when, sizeof(when));
	if (cli->json) {
		cli_print_json(json_pack("{s:s,s:b,s:b,s:b,s:b,s:s,s:s}", "journal", a->journal,
					 "confirmed", !res.extended, "extended", res.extended, "already",
					 res.already, "late", res.late, "deadline", when, "watchdog",
					 watchdog));
	} else if (res.extended) {
		printf("%s: deadline moved to %s; watchdog %s\n", a->journal, when, watchdog);
	} else {
		printf("%s: %s\n", a->journal,
		       res.already ? "already confirmed; nothing written" : "confirmed: the switch is final");
		if (res.late)
			cli_warn(cli, "confirmed after the deadline (no rollback had happened yet)");
	}
	return CUT_EXIT_OK;
}

int cmd_confirm(struct cli *cli, int argc, char **argv)
{
	struct confirm_args a = { 0 };
	int r = parse_args(cli, argc, argv, &a);

	if (r >= 0)
		return r;
	if (a.watchdog)
		return run_watchdog(cli, a.journal);
	if (cli->dry_run)
		return show_state(cli, a.journal);
	return confirm(cli, &a);
}
