/* health/health_monitor.c — the event loop and the threshold state machine.
 *
 * One libcurl multi handle carries every http/https/tcp probe; dns probes
 * are UDP sockets handed to curl_multi_poll as extra descriptors. Each
 * (check, target) has at most one probe in flight and starts the next one
 * interval after the last one started. When more probes are due than slots
 * are free, the target that has waited longest (oldest next_due) goes
 * first, so a target whose probes take longer than its interval cannot keep
 * a slot from the targets behind it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health_int.h"
#include "lazycurl.h"
#include "util.h"

#define POLL_FDS_MAX 1024  /* dns probes polled at once; more wait their turn */
#define TARGETS_TOTAL_MAX 4096
#define IN_FLIGHT_MAX 50   /* probes at once; the rest start as these finish */
#define SETTLE_SLACK_MS 1000 /* added to a gate's deadline: the loop wakes at least every second */

struct entry {
	struct health_status st;
	struct probe pr;
	bool in_flight;
	int64_t next_due; /* monotonic ms */
};

struct health_monitor {
	CURLM *multi;       /* NULL when every check is a dns check: libcurl is not loaded */
	struct entry *e;
	size_t n;
	int flags;
	size_t finished; /* probes finished during the current run */
	size_t in_flight;
	struct entry **due; /* scratch for start_due: n entries */
};

static const char *const state_names[] = { "unknown", "healthy", "sick" };

const char *health_state_name(enum health_state s)
{
	return (size_t)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

/* The libcurl multi handle, for http, https and tcp probes. */
static int start_curl(struct health_monitor *m, struct cut_err *err)
{
	m->multi = curl_multi_init();
	if (m->multi) {
		curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
		return 0;
	}
	if (lazycurl_error()[0])
		return cut_errf(err, CUT_EMISSING,
				"install libcurl4 (apt-get install libcurl4): http, https and tcp "
				"checks need it; dns checks do not",
				"cannot start the http, https and tcp checks: %s",
				lazycurl_error());
	return cut_errf(err, -ENOMEM, NULL, "cannot start the health check loop");
}

int health_monitor_new(const struct health_check *const *checks, size_t n, int flags,
		       struct health_monitor **ret, struct cut_err *err)
{
	struct health_monitor *m;
	size_t i, j, total = 0, curl_checks = 0;
	int r;

	*ret = NULL;
	for (i = 0; i < n; i++) {
		total += checks[i]->n_targets;
		curl_checks += checks[i]->kind != HEALTH_DNS;
	}
	if (total > TARGETS_TOTAL_MAX)
		return cut_errf(err, CUT_ELIMIT, "gate on fewer checks at once",
				"%zu targets to probe at once (at most %d)", total, TARGETS_TOTAL_MAX);
	m = xcalloc(1, sizeof(*m));
	r = curl_checks ? start_curl(m, err) : 0;
	if (r < 0) {
		free(m);
		return r;
	}
	m->flags = flags;
	m->e = xcalloc(total + 1, sizeof(*m->e));
	m->due = xcalloc(total + 1, sizeof(*m->due));
	for (i = 0; i < n; i++) {
		for (j = 0; j < checks[i]->n_targets; j++) {
			struct entry *e = &m->e[m->n++];
			e->st.check = checks[i];
			e->st.target = &checks[i]->targets[j];
			e->st.state = (flags & HEALTH_START_HEALTHY) ? HEALTH_HEALTHY : HEALTH_UNKNOWN;
			e->pr.check = checks[i];
			e->pr.target = &checks[i]->targets[j];
			e->pr.fd = -1;
		}
	}
	*ret = m;
	return 0;
}

static void probe_stop(struct health_monitor *m, struct entry *e)
{
	if (e->pr.easy)
		curl_multi_remove_handle(m->multi, e->pr.easy);
	curl_probe_clear(&e->pr);
	dns_probe_clear(&e->pr);
	e->in_flight = false;
}

void health_monitor_free(struct health_monitor *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		probe_stop(m, &m->e[i]);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	free(m->e);
	free(m->due);
	free(m);
}

size_t health_monitor_count(const struct health_monitor *m)
{
	return m->n;
}

const struct health_status *health_monitor_status(const struct health_monitor *m, size_t i)
{
	return i < m->n ? &m->e[i].st : NULL;
}

const struct health_status *health_monitor_sick(const struct health_monitor *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].st.state == HEALTH_SICK)
			return &m->e[i].st;
	return NULL;
}

static bool decided(const struct health_monitor *m, const struct entry *e)
{
	return e->st.state != HEALTH_UNKNOWN && (!(m->flags & HEALTH_ONCE) || e->st.probes > 0);
}

bool health_monitor_settled(const struct health_monitor *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!decided(m, &m->e[i]))
			return false;
	return true;
}

void health_status_describe(const struct health_status *st, char *buf, size_t len)
{
	const struct health_probe *p = st->state == HEALTH_SICK || !st->last.ok ? &st->last_failure
									       : &st->last;

	snprintf(buf, len, "%s %s: %s", st->check->name, st->target->text,
		 p->reason[0] ? p->reason : "not probed yet");
	if (len)
		utf8_fix(buf); /* a character cut where buf ended */
}

/* ---- the state machine ---- */

static void set_state(struct health_status *st, enum health_state s)
{
	if (st->state != s)
		st->changed = true;
	st->state = s;
}

/* A gate (neither ONCE nor START_HEALTHY) decides each target once. */
static bool gate_mode(const struct health_monitor *m)
{
	return !(m->flags & (HEALTH_ONCE | HEALTH_START_HEALTHY));
}

static void update_state(const struct health_monitor *m, struct health_status *st, bool ok)
{
	const struct health_check *c = st->check;

	if (m->flags & HEALTH_ONCE)
		set_state(st, ok ? HEALTH_HEALTHY : HEALTH_SICK);
	else if (st->passes >= c->healthy_after)
		set_state(st, HEALTH_HEALTHY);
	else if (st->fails >= c->sick_after)
		set_state(st, HEALTH_SICK);
	else if (st->state == HEALTH_UNKNOWN && st->probes >= c->healthy_after + c->sick_after)
		set_state(st, HEALTH_SICK); /* never settles: flapping */
}

static void finish(struct health_monitor *m, struct entry *e, const struct health_probe *res)
{
	struct health_status *st = &e->st;
	int64_t now = now_monotonic_ms();
	bool final = gate_mode(m) && st->state != HEALTH_UNKNOWN;

	st->last = *res;
	/* reasons go to JSON: a character cut by snprintf or bytes a server
	 * sent must not make them invalid UTF-8 */
	utf8_fix(st->last.reason);
	st->probes++;
	if (res->ok) {
		st->passes++;
		st->fails = 0;
	} else {
		st->last_failure = st->last;
		st->fails++;
		st->passes = 0;
	}
	if (!final)
		update_state(m, st, res->ok);
	probe_stop(m, e);
	m->in_flight--;
	/* ONCE probes once; a gate stops probing a target once decided: its
	 * first decision is final (a sick target must not pass later) */
	if ((m->flags & HEALTH_ONCE) || (gate_mode(m) && st->state != HEALTH_UNKNOWN))
		e->next_due = INT64_MAX;
	else if (e->pr.start_ms + st->check->interval_ms < now)
		e->next_due = now;
	else
		e->next_due = e->pr.start_ms + st->check->interval_ms;
	m->finished++;
}

static void fail_now(struct health_monitor *m, struct entry *e, const char *reason)
{
	struct health_probe res;

	memset(&res, 0, sizeof(res));
	snprintf(res.reason, sizeof(res.reason), "%s", reason);
	finish(m, e, &res);
}

/* ---- starting probes ---- */

static void probe_start(struct health_monitor *m, struct entry *e, int64_t now)
{
	char reason[HEALTH_REASON_MAX];

	e->pr.start_ms = now;
	e->pr.deadline_ms = now + e->st.check->timeout_ms;
	e->in_flight = true;
	m->in_flight++;
	if (e->st.check->kind == HEALTH_DNS) {
		if (dns_probe_send(&e->pr, reason, sizeof(reason)) < 0)
			fail_now(m, e, reason);
		return;
	}
	if (curl_probe_setup(&e->pr, e, false, reason, sizeof(reason)) < 0 ||
	    curl_multi_add_handle(m->multi, e->pr.easy) != CURLM_OK)
		fail_now(m, e, reason);
}

/* Oldest next_due first; plan order among equals. */
static int due_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	if (x->next_due != y->next_due)
		return x->next_due < y->next_due ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Gives the free slots to the due targets that have waited longest: a
 * target due again the moment its slow probe finished goes behind those
 * that were due before it. */
static void start_due(struct health_monitor *m, int64_t now)
{
	size_t i, n = 0;

	if (m->in_flight >= IN_FLIGHT_MAX)
		return;
	for (i = 0; i < m->n; i++)
		if (!m->e[i].in_flight && m->e[i].next_due <= now)
			m->due[n++] = &m->e[i];
	if (n > IN_FLIGHT_MAX - m->in_flight)
		qsort(m->due, n, sizeof(*m->due), due_cmp);
	for (i = 0; i < n && m->in_flight < IN_FLIGHT_MAX; i++)
		probe_start(m, m->due[i], now);
}

/* A failed TLS verification: a second connection reads the certificate. */
static void start_diagnosis(struct health_monitor *m, struct entry *e, const struct health_probe *res)
{
	char reason[HEALTH_REASON_MAX];
	char verify_error[CURL_ERROR_SIZE];

	memcpy(verify_error, e->pr.verify_error, sizeof(verify_error));
	curl_multi_remove_handle(m->multi, e->pr.easy);
	curl_probe_clear(&e->pr);
	memcpy(e->pr.verify_error, verify_error, sizeof(verify_error));
	e->st.last.latency_ms = res->latency_ms;
	if (curl_probe_setup(&e->pr, e, true, reason, sizeof(reason)) < 0 ||
	    curl_multi_add_handle(m->multi, e->pr.easy) != CURLM_OK)
		finish(m, e, res);
}

static void curl_done(struct health_monitor *m, CURL *easy, CURLcode rc)
{
	struct entry *e = NULL;
	struct health_probe res;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&e);
	if (!e)
		return;
	memset(&res, 0, sizeof(res));
	if (e->pr.diagnosis) {
		int64_t latency = e->st.last.latency_ms;
		curl_probe_diagnosis(&e->pr, rc, &res);
		res.latency_ms = latency;
		finish(m, e, &res);
		return;
	}
	if (curl_probe_result(&e->pr, rc, &res) == 1) {
		start_diagnosis(m, e, &res);
		return;
	}
	finish(m, e, &res);
}

static void read_curl(struct health_monitor *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			curl_done(m, msg->easy_handle, msg->data.result);
}

/* ---- dns probes on the same loop ---- */

static size_t dns_fds(struct health_monitor *m, struct curl_waitfd *fds, struct entry **owners)
{
	size_t i, n = 0;

	for (i = 0; i < m->n && n < POLL_FDS_MAX; i++) {
		if (!m->e[i].in_flight || m->e[i].pr.fd < 0)
			continue;
		fds[n].fd = m->e[i].pr.fd;
		fds[n].events = CURL_WAIT_POLLIN;
		fds[n].revents = 0;
		owners[n++] = &m->e[i];
	}
	return n;
}

static void read_dns(struct health_monitor *m, struct curl_waitfd *fds, struct entry **owners,
		     size_t n, int64_t now)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct entry *e = owners[i];
		struct health_probe res;

		if (!e->in_flight)
			continue;
		memset(&res, 0, sizeof(res));
		if (fds[i].revents && dns_probe_receive(&e->pr, &res) == 1) {
			res.latency_ms = now - e->pr.start_ms;
			finish(m, e, &res);
		} else if (now >= e->pr.deadline_ms) {
			char d[32];
			format_duration(e->st.check->timeout_ms, d, sizeof(d));
			snprintf(res.reason, sizeof(res.reason), "no DNS answer within %s", d);
			res.latency_ms = now - e->pr.start_ms;
			finish(m, e, &res);
		}
	}
}

/* How long the loop may sleep: until the next probe is due, a dns probe
 * times out, or end. */
static int64_t sleep_ms(const struct health_monitor *m, int64_t now, int64_t end)
{
	int64_t t = end;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct entry *e = &m->e[i];
		if (!e->in_flight && m->in_flight < IN_FLIGHT_MAX && e->next_due < t)
			t = e->next_due;
		if (e->in_flight && e->pr.fd >= 0 && e->pr.deadline_ms < t)
			t = e->pr.deadline_ms;
	}
	t -= now;
	return t < 0 ? 0 : t;
}

/* Without libcurl (dns checks only): poll(2) on the dns sockets. */
static int poll_dns(struct curl_waitfd *fds, size_t n, int wait, struct cut_err *err)
{
	struct pollfd *p = xcalloc(n + 1, sizeof(*p));
	size_t i;
	int r, e;

	for (i = 0; i < n; i++) {
		p[i].fd = fds[i].fd;
		p[i].events = POLLIN;
	}
	r = poll(p, n, wait);
	e = errno;
	for (i = 0; r > 0 && i < n; i++)
		fds[i].revents = p[i].revents ? CURL_WAIT_POLLIN : 0;
	free(p);
	if (r < 0 && e != EINTR)
		return cut_errf(err, -e, NULL, "health check loop: poll: %s", strerror(e));
	return 0;
}

/* Waits on libcurl's sockets and the dns ones, then moves the transfers on. */
static int poll_curl(struct health_monitor *m, struct curl_waitfd *fds, size_t n, int wait,
		     struct cut_err *err)
{
	int running = 0;
	CURLMcode mc;

	mc = curl_multi_poll(m->multi, fds, (unsigned)n, wait, NULL);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(m->multi, &running);
	if (mc != CURLM_OK)
		return cut_errf(err, CUT_EINTERNAL, NULL, "health check loop: %s",
				curl_multi_strerror(mc));
	read_curl(m);
	return 0;
}

static int loop_once(struct health_monitor *m, int64_t end, struct cut_err *err)
{
	struct curl_waitfd *fds = xcalloc(POLL_FDS_MAX, sizeof(*fds));
	struct entry **owners = xcalloc(POLL_FDS_MAX, sizeof(*owners));
	int64_t wait = sleep_ms(m, now_monotonic_ms(), end);
	size_t nfds = dns_fds(m, fds, owners);
	int r;

	if (wait > 1000)
		wait = 1000;
	if (m->multi)
		r = poll_curl(m, fds, nfds, (int)wait, err);
	else
		r = poll_dns(fds, nfds, (int)wait, err);
	if (r == 0)
		read_dns(m, fds, owners, nfds, now_monotonic_ms());
	free(fds);
	free(owners);
	return r;
}

int health_monitor_run(struct health_monitor *m, int64_t wait_ms, struct cut_err *err)
{
	int64_t end = now_monotonic_ms() + (wait_ms < 0 ? 0 : wait_ms);
	size_t i;
	int r;

	m->finished = 0;
	for (i = 0; i < m->n; i++)
		m->e[i].st.changed = false;
	for (;;) {
		start_due(m, now_monotonic_ms());
		if (m->finished)
			return 0;
		r = loop_once(m, end, err);
		if (r < 0)
			return r;
		if (m->finished || now_monotonic_ms() >= end)
			return 0;
	}
}

static size_t count_sick(const struct health_monitor *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		n += m->e[i].st.state == HEALTH_SICK;
	return n;
}

/* The longest a gate can take to decide every target: the slowest check's
 * healthy_after + sick_after probes, each up to interval + 2 timeouts (a
 * failed TLS verification reads the certificate on a second connection),
 * once more for every further IN_FLIGHT_MAX targets sharing the slots. */
int64_t health_monitor_deadline_ms(const struct health_monitor *m)
{
	int64_t worst = 0, one;
	size_t i, rounds = (m->n + IN_FLIGHT_MAX - 1) / IN_FLIGHT_MAX;

	for (i = 0; i < m->n; i++) {
		const struct health_check *c = m->e[i].st.check;
		if (m->flags & HEALTH_ONCE)
			one = 2 * c->timeout_ms;
		else
			one = (int64_t)(c->healthy_after + c->sick_after) *
			      (c->interval_ms + 2 * c->timeout_ms);
		if (one > worst)
			worst = one;
	}
	return worst * (int64_t)(rounds ? rounds : 1) + SETTLE_SLACK_MS;
}

/* The deadline passed: every target not yet decided counts as sick. */
static void give_up(struct health_monitor *m, int64_t within_ms)
{
	char d[32];
	size_t i;

	format_duration(within_ms, d, sizeof(d));
	for (i = 0; i < m->n; i++) {
		struct entry *e = &m->e[i];
		struct health_status *st = &e->st;
		if (decided(m, e))
			continue;
		if (e->in_flight) {
			probe_stop(m, e);
			m->in_flight--;
		}
		memset(&st->last_failure, 0, sizeof(st->last_failure));
		if (st->probes == 0)
			snprintf(st->last_failure.reason, sizeof(st->last_failure.reason),
				 "not probed within %s (%zu targets share %d probes at a time)", d,
				 m->n, IN_FLIGHT_MAX);
		else
			snprintf(st->last_failure.reason, sizeof(st->last_failure.reason),
				 "not decided within %s after %u probe%s (last: %.*s)", d,
				 st->probes, st->probes == 1 ? "" : "s",
				 (int)utf8_cut(st->last.reason, 160),
				 st->last.reason);
		st->last_failure.latency_ms = st->last.latency_ms;
		set_state(st, HEALTH_SICK);
		e->next_due = INT64_MAX;
	}
}

int health_monitor_settle(struct health_monitor *m, struct cut_err *err)
{
	return health_monitor_settle_within(m, health_monitor_deadline_ms(m), err);
}

int health_monitor_settle_within(struct health_monitor *m, int64_t within_ms, struct cut_err *err)
{
	const struct health_status *sick;
	char what[HEALTH_REASON_MAX + 160];
	int64_t end = now_monotonic_ms() + within_ms, now;
	size_t n;
	int r;

	while (!health_monitor_settled(m)) {
		now = now_monotonic_ms();
		if (now >= end) {
			give_up(m, within_ms);
			break;
		}
		r = health_monitor_run(m, end - now < 60000 ? end - now : 60000, err);
		if (r < 0)
			return r;
	}
	sick = health_monitor_sick(m);
	if (!sick)
		return 0;
	health_status_describe(sick, what, sizeof(what));
	n = count_sick(m);
	if (n > 1)
		return cut_errf(err, CUT_EHEALTH,
				"fix the target, or switch anyway with --skip-health",
				"%s (and %zu more target%s sick)", what, n - 1, n == 2 ? "" : "s");
	return cut_errf(err, CUT_EHEALTH, "fix the target, or switch anyway with --skip-health", "%s",
			what);
}
