/* cli/cli.h — what every subcommand of the cutover binary shares.
 *
 * The CLI is the only room that prints or exits. A command returns an exit
 * status (enum cut_exit); errors are printed once, with their hint, by
 * cli_fail(). Human output goes to stdout, diagnostics to stderr; with
 * --json, stdout carries exactly one JSON document.
 */
#ifndef CUTOVER_CLI_H
#define CUTOVER_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "error.h"
#include "step.h"

struct cli {
	const char *prog;       /* "cutover" */
	bool json;              /* --json */
	bool dry_run;           /* --dry-run */
	bool tty;               /* stdout is a terminal */
	bool hung_up;           /* SIGHUP during a --watch: the terminal is gone; output
	                         * that fails (EIO, EPIPE) is not an error */
	struct step_registry reg; /* every step kind, for rollback */
	char bad_option[160];   /* why cli_getopt's last answer is not an option the
	                         * command takes: "unknown option --x", … */
};

/* A subcommand: argv[0] is its name. Returns an exit status. */
struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

/* Options every command accepts; commands add theirs after these. Ids of
 * the common ones are below 32 so they never clash with a command's letters. */
enum { OPT_HELP = 1, OPT_JSON, OPT_DRY_RUN };
#define CLI_COMMON_OPTIONS \
	{ "help", no_argument, NULL, OPT_HELP }, { "json", no_argument, NULL, OPT_JSON }, \
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN }

/* getopt_long over a command's options (opts ends with a zero entry): the
 * next option's value, -1 after the last, or '?' for an unknown option or
 * one missing its value. A value that starts with "--" counts as missing:
 * it is the next option (`--reason --dry-run` must not eat --dry-run).
 * cli->bad_option always says why the answer would not be an option of the
 * command, for its "unknown option" branch. */
int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *opts);

/* Handles a common option; returns 1 when c was one (help printed: 2). */
int cli_common_option(struct cli *cli, int c, const char *usage);

/* Prints err (human or JSON on stderr/stdout) and returns its exit status. */
int cli_fail(struct cli *cli, const struct cut_err *err);
/* The same on stderr only: for a command whose --json document already
 * carries the error (as "error", from cli_error_json). */
int cli_fail_stderr(struct cli *cli, const struct cut_err *err);
/* For usage errors: prints the message and the usage hint; returns 2. */
int cli_usage_error(struct cli *cli, const char *usage, const char *fmt, ...) CUT_PRINTF(3, 4);
/* Prints every diagnostic of d to stderr (human) — JSON callers use cli_diags_json. */
void cli_print_diags(const struct diags *d);
json_t *cli_diags_json(const struct diags *d);
/* {"code","message","hint","exit"} for an error, for --json documents. */
json_t *cli_error_json(const struct cut_err *err);
/* A JSON string of s, never NULL: text that is not UTF-8 (json_string
 * refuses it, and json_pack with it fails) keeps its valid characters, the
 * rest becomes '?'; NULL becomes "". */
json_t *cli_json_text(const char *s);
/* "applied", "not-tried", "unknown", "conflict", "failed" for a step result. */
const char *cli_step_result_name(int result);
/* The steps of a switch as a JSON array (kind, describe, result, journal_seq,
 * message), and the ones that did not apply printed to stderr (at most 20). */
json_t *cli_steps_json(const struct step *steps, size_t n);
void cli_print_failed_steps(const struct step *steps, size_t n);
/* Prints a JSON document on stdout and releases it. */
void cli_print_json(json_t *doc);
/* step_say_fn that prints a line to stdout (stderr under --json). */
void cli_say(void *cookie, const char *line);
/* Writes warnings (e.g. a torn journal tail) to stderr. */
void cli_warn(struct cli *cli, const char *fmt, ...) CUT_PRINTF(2, 3);

/* The commands (cli/cmd_*.c). */
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_dns(struct cli *cli, int argc, char **argv);
int cmd_route(struct cli *cli, int argc, char **argv);
int cmd_health(struct cli *cli, int argc, char **argv);
int cmd_landing(struct cli *cli, int argc, char **argv);
int cmd_rollback(struct cli *cli, int argc, char **argv);
int cmd_confirm(struct cli *cli, int argc, char **argv);
int cmd_journal(struct cli *cli, int argc, char **argv);

#endif
