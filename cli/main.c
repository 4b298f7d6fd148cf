/* cutover — the binary: a table of subcommands, nothing else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "night.h"
#include "util.h"

static const struct command commands[] = {
	{ "check", cmd_check, "validate a plan file without acting" },
	{ "dns", cmd_dns, "prelower TTLs, switch, verify DNS records" },
	{ "route", cmd_route, "plan and switch routes and addresses on gateway hosts" },
	{ "health", cmd_health, "run the plan's health checks" },
	{ "landing", cmd_landing, "check, plan, apply, destroy a landing zone" },
	{ "rollback", cmd_rollback, "undo everything a change's journal recorded" },
	{ "confirm", cmd_confirm, "confirm (or extend) a provisional switch" },
	{ "journal", cmd_journal, "show or verify a journal" },
};

static const char exit_codes[] =
	"Exit codes:\n"
	"  0  done\n"
	"  1  an operation failed (a server, API or the kernel refused); the journal\n"
	"     can roll back what was done\n"
	"  2  bad usage or bad input (plan, template, key file, damaged journal)\n"
	"  3  refused as unsafe without an explicit override (or the world is not\n"
	"     as the plan says)\n"
	"  4  a health gate failed\n";

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: cutover [--version] [--help] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEvery command takes --help; commands that change something take "
		     "--dry-run;\n--json prints one JSON document on stdout.\n\n%s", exit_codes);
}

/* Ends the process after a command: output flushed, and — unless this
 * build frees at exit (core/util.h) — without the libraries' exit handlers,
 * which would free what the kernel is about to take back anyway. Every
 * journal is synced and closed by then. */
static int finish(const struct cli *cli, int code)
{
	/* ferror: an earlier flush (cli_print_json's) may have failed already */
	int flushed = fflush(stdout);

	if (cli->hung_up) { /* nobody reads it: a failed write is not the command's failure */
		fflush(stderr);
		if (!CUT_FREE_AT_EXIT)
			_exit(code);
		return code;
	}
	if (flushed != 0 || ferror(stdout)) {
		fprintf(stderr, "cutover: cannot write the output: %s\n",
			flushed ? strerror(errno) : "an earlier write to stdout failed");
		if (code == CUT_EXIT_OK)
			code = CUT_EXIT_FAILED;
	}
	fflush(stderr);
	if (!CUT_FREE_AT_EXIT)
		_exit(code);
	return code;
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "cutover" };
	struct cut_err err;
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CUT_EXIT_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CUT_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("cutover %s\n", CUTOVER_VERSION);
		return CUT_EXIT_OK;
	}
	cli.tty = isatty(STDOUT_FILENO);
	step_registry_init(&cli.reg);
	cut_err_clear(&err);
	if (night_register_steps(&cli.reg, &err) < 0)
		return cli_fail(&cli, &err);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return finish(&cli, commands[i].run(&cli, argc - 1, argv + 1));
	fprintf(stderr, "cutover: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return CUT_EXIT_INPUT;
}
