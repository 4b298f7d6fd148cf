/* tests/health/test_health_probe.c — probes against real local servers.
 *
 * One tests/health/server.py process serves every case on 127.0.0.1:
 * HTTP answering 200 / 503, a server that accepts and never answers, HTTPS
 * with a valid, an expired and a wrong-name certificate (made by
 * make-certs.sh), DNS answering and refusing, and a closed port.
 */
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "util.h"

#define P_OK "18001"
#define P_503 "18002"
#define P_HANG "18003"
#define P_CLOSED "18004"
#define P_TLS_VALID "18005"
#define P_TLS_EXPIRED "18006"
#define P_TLS_WRONG "18007"
#define P_DNS "18008"
#define P_DNS_NX "18009"
#define P_FLIP "18010"
#define P_FULL "18011"
#define P_SICK_THEN_OK "18012"
#define P_ONE_HTTP "18013"
#define P_ONE_TLS "18014"
#define P_DNS_MORE "18015"

/* 63 bytes: a two-byte character after it straddles the 64-byte cut of a reason */
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct world {
	char *dir;
	pid_t servers;
};

static pid_t servers_pid; /* for on_alarm */

/* A gate that never returns: stop the servers (they hold the test's output
 * open) and fail. */
static void on_alarm(int sig)
{
	static const char msg[] = "timed out: a gate never returned\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	servers_stop(servers_pid);
	_exit(1);
}

static int setup(void **state)
{
	struct world *w = xcalloc(1, sizeof(*w));
	char *specs[16];
	size_t n = 0, i;

	w->dir = scratch_new();
	if (!w->dir || certs_make(w->dir) < 0)
		return -1;
	specs[n++] = xstrdup("port=" P_OK ",body=service ok ECHOHOST");
	specs[n++] = xstrdup("port=" P_503 ",status=503,body=maintenance");
	specs[n++] = xstrdup("port=" P_HANG ",mode=hang");
	specs[n++] = xasprintf("port=" P_TLS_VALID ",cert=%s/valid.pem,key=%s/valid.key", w->dir, w->dir);
	specs[n++] = xasprintf("port=" P_TLS_EXPIRED ",cert=%s/expired.pem,key=%s/expired.key", w->dir,
			       w->dir);
	specs[n++] = xasprintf("port=" P_TLS_WRONG ",cert=%s/wrongname.pem,key=%s/wrongname.key", w->dir,
			       w->dir);
	specs[n++] = xstrdup("port=" P_DNS ",mode=dns,address=192.0.2.7");
	specs[n++] = xstrdup("port=" P_DNS_NX ",mode=dns,rcode=3");
	specs[n++] = xasprintf("port=" P_FLIP ",status_file=%s/flip", w->dir);
	specs[n++] = xstrdup("port=" P_FULL ",mode=full");
	specs[n++] = xstrdup("port=" P_SICK_THEN_OK ",statuses=503/200");
	specs[n++] = xstrdup("port=" P_ONE_HTTP ",mode=one");
	specs[n++] = xstrdup("port=" P_DNS_MORE ",mode=dns,address=192.0.2.107,"
			     "address6=2001:db8::10,cname=Target.Example.Test,"
			     "mx=10 mail.example.test");
	specs[n++] = xasprintf("port=" P_ONE_TLS ",mode=one,cert=%s/valid.pem,key=%s/valid.key",
			       w->dir, w->dir);
	specs[n] = NULL;
	{
		char *flip = xasprintf("%s/flip", w->dir);
		FILE *f = fopen(flip, "w");
		if (f) {
			fputs("200\n", f);
			fclose(f);
		}
		free(flip);
	}
	w->servers = servers_start(w->dir, (const char *const *)specs);
	servers_pid = w->servers;
	signal(SIGALRM, on_alarm);
	for (i = 0; i < n; i++)
		free(specs[i]);
	*state = w;
	return w->servers > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct world *w = *state;

	servers_stop(w->servers);
	scratch_remove(w->dir);
	free(w);
	return 0;
}

/* The plan text of one check; @CA@ becomes the test CA's path. */
static char *plan_text(const struct world *w, const char *check)
{
	const char *at = strstr(check, "@DIR@");

	if (!at)
		return xasprintf("{\"c\":%s}", check);
	return xasprintf("{\"c\":%.*s%s%s}", (int)(at - check), check, w->dir, at + 5);
}

struct row {
	const char *name;
	const char *check;   /* one check's JSON */
	bool ok;
	const char *reason;  /* a substring of the result's reason */
};

static const struct row rows[] = {
	{ "http 200 under the production host name",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_OK "\"],"
	  "\"body_contains\":\"host=www.example.test:" P_OK "\"}",
	  true, "HTTP 200" },
	{ "http body without the expected text",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_OK "\"],"
	  "\"body_contains\":\"database up\"}",
	  false, "body does not contain \"database up\"" },
	{ "http body_contains cut in the reason on a character boundary",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_OK "\"],"
	  "\"body_contains\":\"" A63 "\u00e9t\u00e9\"}",
	  false, "body does not contain \"" A63 "\"" },
	{ "http 503",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_503 "\"]}",
	  false, "HTTP 503" },
	{ "http 503 when 503 is expected",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"expect_status\":[503],"
	  "\"targets\":[\"127.0.0.1:" P_503 "\"]}",
	  true, "HTTP 503" },
	{ "http server that never answers",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"timeout\":\"300ms\","
	  "\"targets\":[\"127.0.0.1:" P_HANG "\"]}",
	  false, "no answer within 300 ms" },
	{ "http closed port",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_CLOSED "\"]}",
	  false, "connection refused" },
	{ "http server whose SYNs are dropped",
	  "{\"kind\":\"http\",\"host\":\"www.example.test\",\"timeout\":\"1s\","
	  "\"targets\":[\"127.0.0.1:" P_FULL "\"]}",
	  false, "connect timed out after 1 s" },
	{ "tcp server whose SYNs are dropped",
	  "{\"kind\":\"tcp\",\"timeout\":\"1s\",\"targets\":[\"127.0.0.1:" P_FULL "\"]}",
	  false, "connect timed out after 1 s" },
	{ "tcp open port", "{\"kind\":\"tcp\",\"targets\":[\"127.0.0.1:" P_HANG "\"]}", true, "connected" },
	{ "tcp closed port", "{\"kind\":\"tcp\",\"targets\":[\"127.0.0.1:" P_CLOSED "\"]}", false,
	  "connection refused" },
	{ "https valid certificate from the plan's CA",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"ca_file\":\"@DIR@/ca.pem\"},"
	  "\"targets\":[\"127.0.0.1:" P_TLS_VALID "\"]}",
	  true, "HTTP 200" },
	{ "https valid certificate, CA not trusted",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"ca_file\":\"@DIR@/other-ca.pem\"},"
	  "\"targets\":[\"127.0.0.1:" P_TLS_VALID "\"]}",
	  false, "certificate not trusted" },
	{ "https expired certificate",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"ca_file\":\"@DIR@/ca.pem\"},"
	  "\"targets\":[\"127.0.0.1:" P_TLS_EXPIRED "\"]}",
	  false, "certificate expired 2020-10-01" },
	{ "https expired certificate without verification",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"verify\":false},"
	  "\"targets\":[\"127.0.0.1:" P_TLS_EXPIRED "\"]}",
	  true, "HTTP 200" },
	{ "https certificate for another name",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"ca_file\":\"@DIR@/ca.pem\"},"
	  "\"targets\":[\"127.0.0.1:" P_TLS_WRONG "\"]}",
	  false, "certificate is for DNS:other.example.net, not www.example.test" },
	{ "https to a plain http server",
	  "{\"kind\":\"https\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_OK "\"]}",
	  false, "TLS" },
	{ "dns answer", "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_DNS "\"]}",
	  true, "NOERROR" },
	{ "dns answer with the expected address",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"body_contains\":\"192.0.2.7\","
	  "\"targets\":[\"127.0.0.1:" P_DNS "\"]}",
	  true, "NOERROR" },
	{ "dns answer with another address",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"body_contains\":\"192.0.2.99\","
	  "\"targets\":[\"127.0.0.1:" P_DNS "\"]}",
	  false, "no A record of www.example.test is \"192.0.2.99\" (the answer has 192.0.2.7)" },
	{ "dns A: the whole address, not a prefix of it",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"body_contains\":\"192.0.2.10\","
	  "\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  false, "no A record of www.example.test is \"192.0.2.10\" (the answer has 192.0.2.107)" },
	{ "dns A: the address named in the reason",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"body_contains\":\"192.0.2.107\","
	  "\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  true, "DNS NOERROR, A 192.0.2.107" },
	{ "dns AAAA written another way",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"AAAA\","
	  "\"body_contains\":\"2001:DB8:0::10\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  true, "DNS NOERROR, AAAA 2001:db8::10" },
	{ "dns AAAA: not a prefix",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"AAAA\","
	  "\"body_contains\":\"2001:db8::1\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  false, "no AAAA record of www.example.test is \"2001:db8::1\"" },
	{ "dns CNAME: any case, without the final dot",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"CNAME\","
	  "\"body_contains\":\"target.example.test\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  true, "DNS NOERROR, CNAME Target.Example.Test." },
	{ "dns CNAME: with the final dot",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"CNAME\","
	  "\"body_contains\":\"TARGET.example.test.\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  true, "CNAME Target.Example.Test." },
	{ "dns CNAME: a part of the name is not the name",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"CNAME\","
	  "\"body_contains\":\"example.test\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  false, "is \"example.test\" (the answer has Target.Example.Test.)" },
	{ "dns MX: every field",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"MX\","
	  "\"body_contains\":\"10 Mail.example.test\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  true, "DNS NOERROR, MX 10 mail.example.test." },
	{ "dns MX: the name alone is not the record",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"MX\","
	  "\"body_contains\":\"mail.example.test\",\"targets\":[\"127.0.0.1:" P_DNS_MORE "\"]}",
	  false, "(the answer has 10 mail.example.test.)" },
	{ "dns body_contains cut in the reason on a character boundary",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"body_contains\":\"" A63 "\u00e9\","
	  "\"targets\":[\"127.0.0.1:" P_DNS "\"]}",
	  false, "is \"" A63 "\" (the answer has 192.0.2.7)" },
	{ "dns AAAA not there",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"qtype\":\"AAAA\",\"targets\":[\"127.0.0.1:" P_DNS "\"]}",
	  false, "no AAAA record" },
	{ "dns NXDOMAIN",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"targets\":[\"127.0.0.1:" P_DNS_NX "\"]}",
	  false, "DNS NXDOMAIN" },
	{ "dns no server",
	  "{\"kind\":\"dns\",\"host\":\"www.example.test\",\"timeout\":\"300ms\","
	  "\"targets\":[\"127.0.0.1:" P_CLOSED "\"]}",
	  false, "" },
};

/* Parses one check and runs it once; fills *st (copied) and returns the count of probes. */
static void run_once(const struct world *w, const char *check, int flags, struct parsed *p,
		     struct health_monitor **m)
{
	char *text = plan_text(w, check);
	const struct health_check *c;
	struct cut_err err;

	assert_int_equal(parsed_load(p, "plan.json", text), 0);
	free(text);
	assert_int_equal(p->d.errors, 0);
	c = health_plan_get(p->plan, 0);
	assert_non_null(c);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_new(&c, 1, flags, m, &err), 0);
}

static void test_row(void **state)
{
	const struct row *row = ((const struct row *const *)*state)[1];
	struct world *w = ((struct world *const *)*state)[0];
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	json_t *utf8;
	int r;

	run_once(w, row->check, HEALTH_ONCE, &p, &m);
	cut_err_clear(&err);
	r = health_monitor_settle(m, &err);
	st = health_monitor_status(m, 0);
	if (!strstr(st->last.reason, row->reason) || st->last.ok != row->ok)
		print_error("  reason: %s\n", st->last.reason);
	utf8 = json_string(st->last.reason); /* NULL: not UTF-8 (a character cut in two) */
	assert_non_null(utf8);
	json_decref(utf8);
	assert_int_equal(st->probes, 1);
	assert_int_equal(st->last.ok, row->ok);
	assert_non_null(strstr(st->last.reason, row->reason));
	if (row->ok) {
		assert_int_equal(r, 0);
		assert_int_equal(st->state, HEALTH_HEALTHY);
	} else {
		assert_int_equal(r, CUT_EHEALTH);
		assert_int_equal(st->state, HEALTH_SICK);
		assert_non_null(strstr(err.msg, "c 127.0.0.1:"));
		assert_non_null(strstr(err.msg, row->reason));
	}
	health_monitor_free(m);
	parsed_free(&p);
}

/* Thresholds: healthy after 2 passes in a row. */
static void test_gate_healthy_after(void **state)
{
	struct world *w = *state;
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;

	run_once(w,
		 "{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		 "\"healthy_after\":2,\"targets\":[\"127.0.0.1:" P_OK "\",\"127.0.0.1:" P_FLIP "\"]}",
		 0, &p, &m);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_settle(m, &err), 0);
	assert_int_equal(health_monitor_count(m), 2);
	st = health_monitor_status(m, 0);
	assert_int_equal(st->state, HEALTH_HEALTHY);
	assert_int_equal(st->probes, 2);
	assert_int_equal(health_monitor_status(m, 1)->probes, 2);
	health_monitor_free(m);
	parsed_free(&p);
}

/* Thresholds: sick after 3 failures in a row; the gate names check, target, reason. */
static void test_gate_sick_after(void **state)
{
	struct world *w = *state;
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;

	run_once(w,
		 "{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		 "\"sick_after\":3,\"targets\":[\"127.0.0.1:" P_OK "\",\"127.0.0.1:" P_503 "\"]}",
		 0, &p, &m);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_settle(m, &err), CUT_EHEALTH);
	st = health_monitor_sick(m);
	assert_non_null(st);
	assert_string_equal(st->target->text, "127.0.0.1:" P_503);
	assert_int_equal(st->probes, 3);
	assert_int_equal(st->fails, 3);
	assert_string_equal(err.msg, "c 127.0.0.1:" P_503 ": HTTP 503 (expected 200)");
	assert_non_null(strstr(err.hint, "--skip-health"));
	health_monitor_free(m);
	parsed_free(&p);
}

static void write_flip(const struct world *w, const char *status)
{
	char *path = xasprintf("%s/flip", w->dir);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(status, f);
	fclose(f);
	free(path);
}

/* A watch starts healthy and turns sick only after sick_after failures. */
static void test_watch_turns_sick(void **state)
{
	struct world *w = *state;
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	unsigned fails_seen = 0;

	write_flip(w, "200\n");
	run_once(w,
		 "{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		 "\"sick_after\":2,\"targets\":[\"127.0.0.1:" P_FLIP "\"]}",
		 HEALTH_START_HEALTHY, &p, &m);
	cut_err_clear(&err);
	st = health_monitor_status(m, 0);
	while (st->probes < 2)
		assert_int_equal(health_monitor_run(m, 5000, &err), 0);
	assert_int_equal(st->state, HEALTH_HEALTHY);
	write_flip(w, "503\n");
	while (st->state == HEALTH_HEALTHY) {
		assert_int_equal(health_monitor_run(m, 5000, &err), 0);
		if (!st->last.ok)
			fails_seen++;
	}
	assert_int_equal(st->state, HEALTH_SICK);
	assert_int_equal(fails_seen, 2);
	assert_true(st->changed);
	assert_non_null(strstr(st->last_failure.reason, "HTTP 503"));
	write_flip(w, "200\n");
	health_monitor_free(m);
	parsed_free(&p);
}

/* Many checks in one loop: every target gets its own probe. */
static void test_many_targets_in_parallel(void **state)
{
	struct world *w = *state;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	char *check;
	size_t i;

	check = xstrdup("{\"kind\":\"https\",\"host\":\"www.example.test\",\"tls\":{\"ca_file\":\"@DIR@/ca.pem\"},"
			"\"targets\":[\"127.0.0.1:" P_TLS_VALID "\"");
	for (i = 0; i < 40; i++) {
		char *more = xasprintf("%s,\"127.0.0.1:" P_TLS_VALID "\"", check);
		free(check);
		check = more;
	}
	{
		char *more = xasprintf("%s]}", check);
		free(check);
		check = more;
	}
	run_once(w, check, HEALTH_ONCE, &p, &m);
	free(check);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_settle(m, &err), 0);
	assert_int_equal(health_monitor_count(m), 41);
	for (i = 0; i < 41; i++)
		assert_int_equal(health_monitor_status(m, i)->state, HEALTH_HEALTHY);
	health_monitor_free(m);
	parsed_free(&p);
}

/* "[\"ADDR\",\"ADDR\",…]": n copies of one target. */
static char *target_list(const char *addr, size_t n)
{
	char *s = xstrdup("["), *more;
	size_t i;

	for (i = 0; i < n; i++) {
		more = xasprintf("%s%s\"%s\"", s, i ? "," : "", addr);
		free(s);
		s = more;
	}
	more = xasprintf("%s]", s);
	free(s);
	return more;
}

/* Two checks on one monitor: "slow" (n_slow targets that accept and never
 * answer: each probe takes its whole timeout, longer than the interval),
 * listed first, then "fast" (n_fast targets answering 200). */
static void slow_fast(size_t n_slow, size_t n_fast, int flags, struct parsed *p,
		      struct health_monitor **m)
{
	char *slow = target_list("127.0.0.1:" P_HANG, n_slow);
	char *fast = target_list("127.0.0.1:" P_OK, n_fast);
	char *text = xasprintf(
		"{\"slow\":{\"kind\":\"http\",\"host\":\"www.example.test\",\"timeout\":\"200ms\","
		"\"interval\":\"50ms\",\"sick_after\":2,\"targets\":%s},"
		"\"fast\":{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		"\"healthy_after\":2,\"targets\":%s}}",
		slow, fast);
	const struct health_check *c[2];
	struct cut_err err;

	assert_int_equal(parsed_load(p, "plan.json", text), 0);
	free(text);
	free(slow);
	free(fast);
	assert_int_equal(p->d.errors, 0);
	c[0] = health_plan_find(p->plan, "slow");
	c[1] = health_plan_find(p->plan, "fast");
	assert_non_null(c[0]);
	assert_non_null(c[1]);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_new(c, 2, flags, m, &err), 0);
	assert_int_equal(health_monitor_count(*m), n_slow + n_fast);
}

static size_t count_unprobed(const struct health_monitor *m)
{
	size_t i, n = 0;

	for (i = 0; i < health_monitor_count(m); i++)
		n += health_monitor_status(m, i)->probes == 0;
	return n;
}

/* 50 slow targets fill every probe slot and are due again as soon as they
 * finish: the 10 after them still get their turn, so a watch does not keep
 * calling "healthy" a target it never probed. */
static void test_watch_probes_targets_past_50(void **state)
{
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	int64_t end = now_monotonic_ms() + 5000;
	size_t i;

	(void)state;
	slow_fast(50, 10, HEALTH_START_HEALTHY, &p, &m);
	cut_err_clear(&err);
	while (count_unprobed(m) && now_monotonic_ms() < end)
		assert_int_equal(health_monitor_run(m, 500, &err), 0);
	for (i = 0; i < health_monitor_count(m); i++) {
		const struct health_status *st = health_monitor_status(m, i);
		if (st->probes == 0)
			print_error("  never probed: %s %s (target %zu)\n", st->check->name,
				    st->target->text, i);
	}
	assert_int_equal(count_unprobed(m), 0);
	health_monitor_free(m);
	parsed_free(&p);
}

/* The same plan as a gate: it returns, with every target decided. */
static void test_gate_decides_targets_past_50(void **state)
{
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	size_t i;
	int r;

	(void)state;
	slow_fast(50, 10, 0, &p, &m);
	cut_err_clear(&err);
	alarm(60); /* a gate that never returns kills the test */
	r = health_monitor_settle(m, &err);
	alarm(0);
	assert_int_equal(r, CUT_EHEALTH);
	assert_string_equal(err.msg, "slow 127.0.0.1:" P_HANG ": no answer within 200 ms "
				     "(and 49 more targets sick)");
	for (i = 0; i < 50; i++) {
		st = health_monitor_status(m, i);
		assert_int_equal(st->state, HEALTH_SICK);
		assert_non_null(strstr(st->last_failure.reason, "no answer within 200 ms"));
	}
	for (i = 50; i < 60; i++) {
		st = health_monitor_status(m, i);
		assert_int_equal(st->state, HEALTH_HEALTHY);
		assert_true(st->probes >= 2);
	}
	health_monitor_free(m);
	parsed_free(&p);
}

/* A gate that has not decided a target in time counts it sick and says so. */
static void test_gate_deadline(void **state)
{
	struct world *w = *state;
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;

	run_once(w,
		 "{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"200ms\","
		 "\"healthy_after\":5,\"targets\":[\"127.0.0.1:" P_OK "\"]}",
		 0, &p, &m);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_settle_within(m, 300, &err), CUT_EHEALTH);
	st = health_monitor_status(m, 0);
	assert_int_equal(st->state, HEALTH_SICK);
	assert_true(st->probes >= 1 && st->probes < 5);
	assert_non_null(strstr(err.msg, "c 127.0.0.1:" P_OK ": not decided within 300 ms"));
	assert_non_null(strstr(st->last_failure.reason, "last: HTTP 200"));
	health_monitor_free(m);
	parsed_free(&p);
}

/* A gate's first decision is final: a target found sick is not probed again
 * while other targets are still undecided, so later passes cannot turn it
 * healthy and let the gate through. */
static void test_gate_sick_is_final(void **state)
{
	const struct health_check *c[2];
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;

	(void)state;
	assert_int_equal(parsed_load(&p, "plan.json",
		"{\"a\":{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		"\"sick_after\":1,\"healthy_after\":2,"
		"\"targets\":[\"127.0.0.1:" P_SICK_THEN_OK "\"]},"
		"\"b\":{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		"\"healthy_after\":6,\"targets\":[\"127.0.0.1:" P_OK "\"]}}"), 0);
	assert_int_equal(p.d.errors, 0);
	c[0] = health_plan_find(p.plan, "a");
	c[1] = health_plan_find(p.plan, "b");
	cut_err_clear(&err);
	assert_int_equal(health_monitor_new(c, 2, 0, &m, &err), 0);
	assert_int_equal(health_monitor_settle(m, &err), CUT_EHEALTH);
	assert_string_equal(err.msg, "a 127.0.0.1:" P_SICK_THEN_OK ": HTTP 503 (expected 200)");
	st = health_monitor_status(m, 0);
	assert_int_equal(st->state, HEALTH_SICK);
	assert_int_equal(st->probes, 1);
	st = health_monitor_status(m, 1);
	assert_int_equal(st->state, HEALTH_HEALTHY);
	assert_int_equal(st->probes, 6);
	health_monitor_free(m);
	parsed_free(&p);
}

/* Each probe connects (and shakes hands) afresh: a target that answers on
 * the connection it kept alive but refuses every new one is sick. */
static void gate_on_one_connection(const struct world *w, const char *check, const char *target)
{
	const struct health_status *st;
	struct health_monitor *m;
	struct cut_err err;
	struct parsed p;
	char *want;

	run_once(w, check, 0, &p, &m);
	cut_err_clear(&err);
	assert_int_equal(health_monitor_settle(m, &err), CUT_EHEALTH);
	st = health_monitor_status(m, 0);
	assert_int_equal(st->state, HEALTH_SICK);
	assert_int_equal(st->probes, 3); /* 1 pass, then 2 failures */
	want = xasprintf("c %s: connection refused", target);
	assert_string_equal(err.msg, want);
	free(want);
	health_monitor_free(m);
	parsed_free(&p);
}

static void test_gate_connects_afresh_http(void **state)
{
	gate_on_one_connection(*state,
		"{\"kind\":\"http\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		"\"targets\":[\"127.0.0.1:" P_ONE_HTTP "\"]}",
		"127.0.0.1:" P_ONE_HTTP);
}

static void test_gate_connects_afresh_https(void **state)
{
	gate_on_one_connection(*state,
		"{\"kind\":\"https\",\"host\":\"www.example.test\",\"interval\":\"50ms\","
		"\"tls\":{\"ca_file\":\"@DIR@/ca.pem\"},"
		"\"targets\":[\"127.0.0.1:" P_ONE_TLS "\"]}",
		"127.0.0.1:" P_ONE_TLS);
}

/* In a child: the state one https check against the valid certificate
 * settles in (ca_file: NULL for the system CAs). -1 when it cannot run. */
static int https_state(const struct world *w, const char *ca_file)
{
	const struct health_check *c;
	struct health_monitor *m = NULL;
	struct cut_err err;
	struct parsed p;
	char *tls = ca_file ? xasprintf(",\"tls\":{\"ca_file\":\"%s/%s\"}", w->dir, ca_file)
			    : xstrdup("");
	char *text = xasprintf("{\"c\":{\"kind\":\"https\",\"host\":\"www.example.test\"%s,"
			       "\"targets\":[\"127.0.0.1:" P_TLS_VALID "\"]}}", tls);
	int state = -1;

	cut_err_clear(&err);
	if (parsed_load(&p, "plan.json", text) == 0 && p.d.errors == 0 &&
	    (c = health_plan_get(p.plan, 0)) &&
	    health_monitor_new(&c, 1, HEALTH_ONCE, &m, &err) == 0) {
		state = health_monitor_settle(m, &err) == CUT_EHEALTH ? HEALTH_SICK
									   : HEALTH_HEALTHY;
		fprintf(stderr, "  ca_file %s: %s: %s\n", ca_file ? ca_file : "(none)",
			health_state_name(health_monitor_status(m, 0)->state),
			health_monitor_status(m, 0)->last.reason);
	}
	health_monitor_free(m);
	parsed_free(&p);
	free(text);
	free(tls);
	return state;
}

/* The child of test_ca_file_limits_trust: 0 as it should be, 1 the system
 * folder is not trusted (the mount did not take), 2 the ca_file did not
 * limit trust, 77 no mount namespace here. */
static int ca_file_child(const struct world *w)
{
	char *capath = xasprintf("%s/capath", w->dir);
	int r;

	r = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount(capath, "/etc/ssl/certs", NULL, MS_BIND, NULL) == 0;
	free(capath);
	if (!r)
		return 77;
	if (https_state(w, NULL) != HEALTH_HEALTHY)
		return 1;
	return https_state(w, "other-ca.pem") == HEALTH_SICK ? 0 : 2;
}

/* tls.ca_file is the only trust: a certificate the system CAs would accept
 * (here the test CA, in a folder mounted over /etc/ssl/certs in a mount
 * namespace of its own) but whose issuer is not in ca_file is sick. */
static void test_ca_file_limits_trust(void **state)
{
	const struct world *w = *state;
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ca_file_child(w));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace (not root?) */
	if (WEXITSTATUS(status) == 1)
		print_error("  the test CA in /etc/ssl/certs was not trusted: the test is void\n");
	if (WEXITSTATUS(status) == 2)
		print_error("  a certificate from a CA outside ca_file was trusted\n");
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	static struct world *world;
	static const void *pairs[ARRAY_SIZE(rows)][2];
	struct CMUnitTest tests[ARRAY_SIZE(rows) + 16];
	struct world *w;
	size_t i, n = 0;
	int r;

	if (setup((void **)&world) < 0) {
		fprintf(stderr, "cannot start the test servers (python3, openssl?)\n");
		return 1;
	}
	w = world;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		pairs[i][0] = w;
		pairs[i][1] = &rows[i];
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = rows[i].name;
		tests[n].test_func = test_row;
		tests[n++].initial_state = pairs[i];
	}
	tests[n++] = (struct CMUnitTest){ "gate: healthy after 2 passes", test_gate_healthy_after, NULL,
					  NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: sick after 3 failures", test_gate_sick_after, NULL, NULL,
					  w };
	tests[n++] = (struct CMUnitTest){ "watch: healthy turns sick after 2 failures",
					  test_watch_turns_sick, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "41 https targets on one loop", test_many_targets_in_parallel,
					  NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "watch: targets past the first 50 are probed",
					  test_watch_probes_targets_past_50, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: targets past the first 50 are decided",
					  test_gate_decides_targets_past_50, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: undecided at the deadline is sick",
					  test_gate_deadline, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: a target decided sick stays sick",
					  test_gate_sick_is_final, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: each http probe connects afresh",
					  test_gate_connects_afresh_http, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "gate: each https probe connects afresh",
					  test_gate_connects_afresh_https, NULL, NULL, w };
	tests[n++] = (struct CMUnitTest){ "https ca_file: the system CAs are not trusted too",
					  test_ca_file_limits_trust, NULL, NULL, w };
	r = _cmocka_run_group_tests("health_probe", tests, n, NULL, NULL);
	teardown((void **)&world);
	return r;
}
