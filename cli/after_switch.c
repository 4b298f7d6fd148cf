/* cli/after_switch.c — --watch and --confirm-within of `dns switch` and
 * `route switch` (after_switch.h). */
#include "after_switch.h"

#include <getopt.h>
#include <stdio.h>

#include "util.h"

int after_switch_option(struct cli *cli, int c, const char *usage, const char *cmd,
			struct night_after_opts *after)
{
	int64_t *ms;

	if (c != OPT_WATCH && c != OPT_CONFIRM_WITHIN)
		return -1;
	ms = c == OPT_WATCH ? &after->watch_ms : &after->confirm_within_ms;
	if (parse_duration_ms(optarg, ms) == 0 && *ms >= 1000 && *ms <= WATCH_WINDOW_MAX_MS)
		return 0;
	return cli_usage_error(cli, usage,
			       "%s: %s \"%s\": give a duration such as 10m (1 s to 24 h)", cmd,
			       c == OPT_WATCH ? "--watch" : "--confirm-within", optarg);
}

bool after_switch_asked(const struct night_after_opts *after)
{
	return after->watch_ms || after->confirm_within_ms;
}

/* Watch lines as they happen, also into a pipe (tee, a log). */
static void say_now(void *cookie, const char *line)
{
	cli_say(cookie, line);
	fflush(stdout);
}

int after_switch_run(struct cli *cli, const struct night_plan *np, const char *const *gates,
		     size_t n, const struct night_after_opts *after, struct cut_err *err)
{
	struct night_after_opts o = *after;

	if (!after_switch_asked(after))
		return 0;
	o.reg = &cli->reg;
	o.live = cli->tty && !cli->json;
	o.say = cli->json ? NULL : say_now;
	o.say_cookie = cli;
	return night_after_switch(np, gates, n, &o, err);
}
