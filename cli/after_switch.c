/* cli/after_switch.c — --watch and --confirm-within of `dns switch` and
 * `route switch` (after_switch.h). */
#include "after_switch.h"

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

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

/* Watch lines as they happen, also into a pipe (tee, a log). After SIGHUP
 * a write may fail (EIO, EPIPE): nobody reads it, the watch goes on. */
static void say_now(void *cookie, const char *line)
{
	cli_say(cookie, line);
	fflush(stdout);
}

/* ---- signals during --watch ---- */

/* SIGINT and SIGTERM stop the watch (the switch stays); SIGHUP (the SSH
 * session dropped) only says the terminal is gone. They are blocked and read
 * from a signalfd between probe rounds: nothing runs in a handler. A signal
 * ignored when cutover started (nohup, a script's background job) stays
 * ignored. */
struct watch_signals {
	struct cli *cli;
	int fd;                  /* -1: none */
	bool tty_out, tty_err;   /* stdout, stderr were terminals when the watch began */
};

static void watch_signals_start(struct watch_signals *ws, struct cli *cli)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction old;
	sigset_t set;
	size_t i;

	ws->cli = cli;
	ws->tty_out = isatty(STDOUT_FILENO);
	ws->tty_err = isatty(STDERR_FILENO);
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaddset(&set, sigs[i]);
	signal(SIGPIPE, SIG_IGN); /* a reader gone with the session (tee): EPIPE, not death */
	/* blocked for the rest of the command: a signal after the watch would
	 * only cut short the report of what happened */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	ws->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The terminal is gone: what went to it goes nowhere now (a file or a
 * pipe is kept: it may be a log; its write errors are ignored). */
static void hang_up(struct watch_signals *ws)
{
	int null;

	if (ws->cli->hung_up)
		return;
	ws->cli->hung_up = true;
	fflush(stdout);
	fflush(stderr);
	clearerr(stdout);
	clearerr(stderr);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return;
	if (ws->tty_out)
		dup2(null, STDOUT_FILENO);
	if (ws->tty_err)
		dup2(null, STDERR_FILENO);
	close(null);
}

/* night_watch_opts.signalled: SIGINT/SIGTERM win over SIGHUP. */
static int watch_signalled(void *cookie)
{
	struct watch_signals *ws = cookie;
	struct signalfd_siginfo si;
	int got = 0;

	while (ws->fd >= 0 && read(ws->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			hang_up(ws);
			if (!got)
				got = SIGHUP;
		} else {
			got = (int)si.ssi_signo;
		}
	}
	return got;
}

bool after_switch_asked(const struct night_after_opts *after)
{
	return after->watch_ms || after->confirm_within_ms;
}

void after_switch_say_provisional(struct cli *cli, const struct night_plan *np,
				  int64_t deadline_ms, bool failed)
{
	char when[32], left[32], line[4400];
	int64_t now = now_realtime_ms();

	if (cli->json || !deadline_ms)
		return;
	format_utc(deadline_ms, when, sizeof(when));
	format_duration(deadline_ms > now ? deadline_ms - now : 0, left, sizeof(left));
	snprintf(line, sizeof(line),
		 "provisional: %s rolls back by itself at %s (in %s) unless `cutover confirm "
		 "--journal %s` (from any terminal)",
		 failed ? "the watchdog armed before the first change" : "the switch", when, left,
		 np->plan->journal);
	if (failed)
		fprintf(stderr, "  %s\n", line);
	else
		say_now(cli, line);
}

int after_switch_run(struct cli *cli, const struct night_plan *np, const char *const *gates,
		     size_t n, const struct night_after_opts *after,
		     enum night_watch_outcome *outcome, struct cut_err *err)
{
	struct night_after_opts o = *after;
	struct watch_signals ws = { .fd = -1 };
	int r;

	if (!after_switch_asked(after))
		return 0;
	if (o.watch_ms) {
		watch_signals_start(&ws, cli);
		o.signalled = watch_signalled;
		o.signal_cookie = &ws;
	}
	o.confirm_within_ms = 0; /* armed by the switch itself, before its first change */
	o.reg = &cli->reg;
	o.live = cli->tty && !cli->json;
	o.say = cli->json ? NULL : say_now;
	o.say_cookie = cli;
	o.outcome = outcome;
	r = night_after_switch(np, gates, n, &o, err);
	if (ws.fd >= 0)
		close(ws.fd);
	return r;
}

int after_failed_switch(int r, struct cut_err *err, int after_r, const struct cut_err *after_err)
{
	char first[sizeof(err->msg)];

	if (after_r >= 0) /* the switch's error stands when the watch passed */
		return r;
	if (r == 0) {
		*err = *after_err;
		return after_r;
	}
	snprintf(first, sizeof(first), "%s", err->msg);
	*err = *after_err;
	cut_err_prefix(err, "the switch failed (%s), then", first);
	return after_r;
}

json_t *cli_watch_json(const struct night_after_opts *after, enum night_watch_outcome outcome)
{
	char d[32];

	if (!after->watch_ms)
		return json_null();
	format_duration(after->watch_ms, d, sizeof(d));
	return json_pack("{s:s,s:I,s:s}", "duration", d, "duration_ms",
			 (json_int_t)after->watch_ms, "result", night_watch_outcome_name(outcome));
}

json_t *cli_provisional_json(bool provisional, int64_t deadline_ms)
{
	char when[32];

	if (!provisional)
		return json_null();
	format_utc(deadline_ms, when, sizeof(when));
	return json_pack("{s:s,s:I}", "deadline", when, "deadline_ms", (json_int_t)deadline_ms);
}
