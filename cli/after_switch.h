/* cli/after_switch.h — `--watch DURATION` and `--confirm-within DURATION`,
 * shared by `dns switch` and `route switch`: the two options, their lines of
 * --help, and the call of night_after_switch() (night/night_watch.h) after a
 * successful switch, with the CLI's registry and output. */
#ifndef CUTOVER_CLI_AFTER_SWITCH_H
#define CUTOVER_CLI_AFTER_SWITCH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "night.h"
#include "night_watch.h"

/* Option ids, above any command's own (those start at 64). */
enum { OPT_WATCH = 96, OPT_CONFIRM_WITHIN };

#define AFTER_SWITCH_OPTIONS \
	{ "watch", required_argument, NULL, OPT_WATCH }, \
	{ "confirm-within", required_argument, NULL, OPT_CONFIRM_WITHIN }

/* Their lines of --help, for the usage text of a command. */
#define AFTER_SWITCH_HELP \
	"  --watch DURATION  after the switch, keep probing its health gates for\n" \
	"                    DURATION; if one turns sick, roll back by itself. Exit 1\n" \
	"                    for every outcome but \"the window passed\": rolled back,\n" \
	"                    a rollback that met a conflict (named), the switch rolled\n" \
	"                    back meanwhile by the watchdog or by hand. Refused (exit 2,\n" \
	"                    nothing changed) when what is switched names no gates.\n" \
	"                    SIGINT/SIGTERM stop the watch: the switch stays, exit 1,\n" \
	"                    `cutover rollback --journal J` undoes it; SIGHUP (session\n" \
	"                    gone) does not: the watch goes on, rollback and all\n" \
	"  --confirm-within DURATION\n" \
	"                    the switch stays provisional: armed before its first change,\n" \
	"                    a detached watchdog rolls back this switch's steps (only\n" \
	"                    them, also after a failure halfway) after DURATION unless\n" \
	"                    `cutover confirm --journal J` (from any terminal; --extend\n" \
	"                    moves the deadline). A failed rollback is retried for an\n" \
	"                    hour; `cutover confirm --dry-run` tells its outcome\n"

/* Handles getopt's c when it is one of the two options (cmd names the
 * command in messages: "dns", "route"). Returns -1 when c is neither, 0
 * when handled, or the exit status of a usage error (printed). */
int after_switch_option(struct cli *cli, int c, const char *usage, const char *cmd,
			struct night_after_opts *after);

/* Was --watch or --confirm-within given? */
bool after_switch_asked(const struct night_after_opts *after);

/* The line saying the switch is provisional until deadline_ms (nothing
 * when 0 or under --json): on stdout after a switch that went through, on
 * stderr (with the error) when it failed after changing things. */
void after_switch_say_provisional(struct cli *cli, const struct night_plan *np,
				  int64_t deadline_ms, bool failed);

/* After a successful switch journaled in np's journal (closed by now):
 * night_after_switch() with the given gates (borrowed), the CLI's step
 * registry, and progress lines on stdout unless --json. 0 when neither
 * option was given or all went well. *outcome (may be NULL) says how the
 * watch ended. */
int after_switch_run(struct cli *cli, const struct night_plan *np, const char *const *gates,
		     size_t n, const struct night_after_opts *after,
		     enum night_watch_outcome *outcome, struct cut_err *err) CUT_MUST_CHECK;

/* After a switch returned r (err) and its --watch after_r (after_err):
 * the status and error to report. The watch's error wins when it failed
 * (it rolled back), naming the switch's failure too. */
int after_failed_switch(int r, struct cut_err *err, int after_r, const struct cut_err *after_err);

/* The --json "watch" member: null without --watch, else {duration,
 * duration_ms, result} (result: night_watch_outcome_name). */
json_t *cli_watch_json(const struct night_after_opts *after, enum night_watch_outcome outcome);

/* The --json "provisional" member: null, or {deadline, deadline_ms}. */
json_t *cli_provisional_json(bool provisional, int64_t deadline_ms);

#endif
