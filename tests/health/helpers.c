/* tests/health/helpers.c — see helpers.h. */
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char *source_root(void)
{
	const char *s = getenv("SOURCE_ROOT");

	return s ? s : ".";
}

char *scratch_new(void)
{
	char tmpl[] = "/tmp/cutover-health-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? xstrdup(d) : NULL;
}

void scratch_remove(char *dir)
{
	char *cmd;

	if (!dir)
		return;
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(dir);
}

int certs_make(const char *dir)
{
	char *cmd = xasprintf("bash '%s/tests/health/make-certs.sh' '%s'", source_root(), dir);
	int r = system(cmd);

	free(cmd);
	return r == 0 ? 0 : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

pid_t servers_start(const char *dir, const char *const specs[])
{
	char *ready = xasprintf("%s/ready.%ld", dir, (long)random());
	char *script = xasprintf("%s/tests/health/server.py", source_root());
	const char *argv[64];
	size_t n = 0, i;
	struct stat st;
	pid_t pid;

	argv[n++] = "/usr/bin/python3";
	argv[n++] = script;
	argv[n++] = ready;
	for (i = 0; specs[i] && n < 62; i++)
		argv[n++] = specs[i];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 200 && stat(ready, &st) < 0; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		sleep_ms(50);
	}
	if (pid > 0 && stat(ready, &st) < 0) {
		servers_stop(pid);
		pid = -1;
	}
	unlink(ready);
	free(ready);
	free(script);
	return pid;
}

void servers_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int parsed_load(struct parsed *p, const char *name, const char *json)
{
	struct schema sc;
	int r;

	memset(p, 0, sizeof(*p));
	diags_init(&p->d);
	p->jf = jsonfile_parse(name, json, strlen(json), &p->d);
	sc.jf = p->jf;
	sc.d = &p->d;
	if (!p->jf || !p->jf->root)
		return -1;
	r = health_plan_parse(&sc, p->jf->root, &p->plan);
	return r;
}

void parsed_free(struct parsed *p)
{
	health_plan_free(p->plan);
	jsonfile_free(p->jf);
	diags_free(&p->d);
	memset(p, 0, sizeof(*p));
}
