/* dnsctl/dns_verify.c — reading back from every server, in parallel.
 *
 * One thread and one TCP connection per server; on it, every question of
 * every zone that server carries is pipelined (a window in flight). A server
 * passes when each zone's SOA serial has reached the primary's and each
 * record answers its target RRset (and nothing of its old type when the type
 * changed). A server that lags is asked again until the deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_internal.h"
#include "dnsctl.h"
#include "util.h"

#define RETRY_PAUSE_MS 100
#define SAY_EVERY_MS 1000
#define WHY_MAX 480
#define THREADS_MAX 64

struct vzone {
	const char *name;
	uint8_t wire[DNS_NAME_WIRE_MAX];
	size_t wire_len;
	struct dns_target primary;
	int64_t timeout_ms;
	uint32_t serial;            /* the primary's */
	bool verify_ns;
	struct dns_change **recs;
	size_t nrecs;
};

struct vserver {
	struct dns_target t;
	char peer[80];
	size_t *zones;              /* indexes into vctx.zones */
	size_t nzones;
	int64_t timeout_ms;
	/* written by the worker under mu */
	pthread_mutex_t mu;
	bool ok, finished;
	char why[WHY_MAX];
	char why_zone[256];
	size_t checks;
	struct vctx *v;             /* set when the workers start */
};

struct vctx {
	/* the workers count themselves done under mu and signal done_cv */
	pthread_mutex_t mu;
	pthread_cond_t done_cv;
	size_t ndone;
	struct dns_change *ch;
	size_t nch;
	struct vzone *zones;
	size_t nzones;
	struct vserver *servers;
	size_t nservers;
	int64_t deadline;
};

/* ---- grouping payloads into zones and servers ---- */

static size_t find_zone(struct vctx *v, const char *zone, const struct dns_target *primary)
{
	size_t i;

	for (i = 0; i < v->nzones; i++)
		if (strcmp(v->zones[i].name, zone) == 0 && v->zones[i].primary.port == primary->port &&
		    strcmp(v->zones[i].primary.address, primary->address) == 0)
			return i;
	return (size_t)-1;
}

static size_t add_server(struct vctx *v, const struct dns_target *t, int64_t timeout_ms)
{
	size_t i;
	struct vserver *s;

	for (i = 0; i < v->nservers; i++)
		if (v->servers[i].t.port == t->port && strcmp(v->servers[i].t.address, t->address) == 0)
			return i;
	v->servers = xrealloc(v->servers, (v->nservers + 1) * sizeof(*v->servers));
	s = &v->servers[v->nservers];
	memset(s, 0, sizeof(*s));
	s->t = *t;
	s->timeout_ms = timeout_ms;
	dns_peer_name(s->peer, sizeof(s->peer), t->address, t->port);
	pthread_mutex_init(&s->mu, NULL);
	return v->nservers++;
}

static void server_add_zone(struct vserver *s, size_t z)
{
	size_t i;

	for (i = 0; i < s->nzones; i++)
		if (s->zones[i] == z)
			return;
	s->zones = xrealloc(s->zones, (s->nzones + 1) * sizeof(*s->zones));
	s->zones[s->nzones++] = z;
}

static int target_decode(const json_t *o, struct dns_target *t)
{
	const char *a = json_string_value(json_object_get(o, "address"));
	json_int_t p = json_integer_value(json_object_get(o, "port"));

	if (!a || strlen(a) >= sizeof(t->address) || p < 1 || p > 65535)
		return -EINVAL;
	snprintf(t->address, sizeof(t->address), "%s", a);
	t->port = (unsigned)p;
	return 0;
}

static int add_verify_servers(struct vctx *v, size_t z, const json_t *payload,
			      struct cut_err *err)
{
	const json_t *arr = json_object_get(payload, "verify");
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		struct dns_target t;
		if (target_decode(json_array_get(arr, i), &t) < 0)
			return cut_errf(err, CUT_EINPUT, NULL, "step payload: verify[%zu] is not "
					"{address, port}", i);
		size_t si = add_server(v, &t, v->zones[z].timeout_ms);
		server_add_zone(&v->servers[si], z);
	}
	return 0;
}

static size_t new_zone(struct vctx *v, const struct dns_change *c, const struct dns_server_ref *s)
{
	struct vzone *z;
	const char *why;

	v->zones = xrealloc(v->zones, (v->nzones + 1) * sizeof(*v->zones));
	z = &v->zones[v->nzones];
	memset(z, 0, sizeof(*z));
	z->name = c->zone;
	if (dns_name_to_wire(c->zone, z->wire, &z->wire_len, &why) < 0)
		z->wire_len = 0;
	z->primary = s->t;
	z->timeout_ms = s->timeout_ms;
	z->verify_ns = json_is_true(json_object_get(c->payload, "verify_ns"));
	return v->nzones++;
}

static int group(struct vctx *v, const struct step *const *steps, size_t n, bool inverse,
		 struct cut_err *err)
{
	size_t i;
	int r = 0;

	v->ch = xcalloc(n + 1, sizeof(*v->ch));
	for (i = 0; i < n && r == 0; i++) {
		const json_t *shared = dns_step_payload(steps[i], inverse);
		struct dns_server_ref s;
		size_t z;

		r = dns_server_decode(shared, &s, err);
		if (r == 0)
			r = dns_step_decode(steps[i], inverse, &v->ch[i], err);
		if (r < 0)
			break;
		v->nch++; /* owned by v from here */
		z = find_zone(v, v->ch[i].zone, &s.t);
		if (z == (size_t)-1) {
			size_t si;
			z = new_zone(v, &v->ch[i], &s);
			si = add_server(v, &s.t, s.timeout_ms);
			server_add_zone(&v->servers[si], z);
			r = add_verify_servers(v, z, shared, err);
		}
		v->zones[z].recs = xrealloc(v->zones[z].recs,
					    (v->zones[z].nrecs + 1) * sizeof(*v->zones[z].recs));
		v->zones[z].recs[v->zones[z].nrecs++] = &v->ch[i];
	}
	return r;
}

/* ---- what the primary says: SOA serial, NS addresses ---- */

struct primary_read {
	struct vzone *z;
	uint32_t serial;
	bool have_serial;
	struct dns_rdset ns;
	int rcode;
};

static int on_primary(void *cookie, size_t qi, const uint8_t *m, size_t len,
		      const struct dns_msg *h)
{
	struct primary_read *pr = cookie;
	struct dns_rdset set;
	uint32_t ttl;

	if (h->rcode != DNS_R_NOERROR || !h->aa) {
		pr->rcode = h->rcode ? (int)h->rcode : -1;
		return 0;
	}
	if (dns_msg_rrset(m, len, pr->z->wire, pr->z->wire_len, qi == 0 ? DNS_T_SOA : DNS_T_NS,
			  qi == 0 ? &set : &pr->ns, &ttl) < 0)
		return CUT_EPEER;
	if (qi == 0) {
		if (set.n == 1 && set.v[0].len >= 20) {
			const uint8_t *p = set.v[0].data + set.v[0].len - 20;
			pr->serial = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			pr->have_serial = true;
		}
		dns_rdset_free(&set);
	}
	return 0;
}

struct addr_read {
	struct vctx *v;
	size_t z;
	int64_t timeout_ms;
};

static int on_ns_addr(void *cookie, size_t qi, const uint8_t *m, size_t len,
		      const struct dns_msg *h)
{
	struct addr_read *ar = cookie;
	struct dns_msg_rr rr;
	size_t off = 0, idx = 0;
	int r;

	(void)qi;
	if (h->rcode != DNS_R_NOERROR)
		return 0;
	while ((r = dns_msg_next_answer(m, len, h, &off, &idx, &rr)) > 0) {
		struct dns_target t = { .port = 53 };
		char *txt;
		size_t si;

		if ((rr.type != DNS_T_A || rr.rdlen != 4) && (rr.type != DNS_T_AAAA || rr.rdlen != 16))
			continue;
		txt = dns_rdata_to_text(rr.type, m + rr.rdata_off, rr.rdlen);
		snprintf(t.address, sizeof(t.address), "%s", txt);
		free(txt);
		si = add_server(ar->v, &t, ar->timeout_ms);
		server_add_zone(&ar->v->servers[si], ar->z);
	}
	return r < 0 ? CUT_EPEER : 0;
}

static int resolve_ns(struct vctx *v, size_t zi, struct dns_conn *c, const struct dns_rdset *ns,
		      step_say_fn say, void *cookie, struct cut_err *err)
{
	struct dns_question *q = xcalloc(ns->n * 2 + 1, sizeof(*q));
	struct addr_read ar = { v, zi, v->zones[zi].timeout_ms };
	size_t i, nq = 0;
	char line[600];
	int r;

	for (i = 0; i < ns->n; i++) {
		char *name = dns_rdata_to_text(DNS_T_NS, ns->v[i].data, ns->v[i].len);
		if (!dns_name_in_zone(name, v->zones[zi].name)) {
			snprintf(line, sizeof(line), "verify: NS %s of %s is outside the zone: not "
				 "checked (list it under dns.servers)", name, v->zones[zi].name);
			if (say)
				say(cookie, line);
		} else {
			q[nq++] = (struct dns_question){ ns->v[i].data, ns->v[i].len, DNS_T_A };
			q[nq++] = (struct dns_question){ ns->v[i].data, ns->v[i].len, DNS_T_AAAA };
		}
		free(name);
	}
	r = nq ? dns_query_many(c, q, nq, now_monotonic_ms() + v->zones[zi].timeout_ms, on_ns_addr,
				&ar, err)
	       : 0;
	free(q);
	return r;
}

static int read_primary(struct vctx *v, size_t zi, step_say_fn say, void *cookie,
			struct cut_err *err)
{
	struct vzone *z = &v->zones[zi];
	struct primary_read pr = { .z = z };
	struct dns_question q[2] = { { z->wire, z->wire_len, DNS_T_SOA },
				     { z->wire, z->wire_len, DNS_T_NS } };
	struct dns_conn c;
	int r;

	r = dns_conn_open(&c, z->primary.address, z->primary.port,
			  now_monotonic_ms() + z->timeout_ms, err);
	if (r < 0)
		return r;
	r = dns_query_many(&c, q, z->verify_ns ? 2 : 1, now_monotonic_ms() + z->timeout_ms,
			   on_primary, &pr, err);
	if (r == 0 && (!pr.have_serial || pr.rcode))
		r = cut_errf(err, CUT_EPEER, "check the zone name and that the primary serves it",
			     "%s#%u: not authoritative for zone %s (%s)", z->primary.address,
			     z->primary.port, z->name,
			     pr.rcode > 0 ? dns_rcode_name((unsigned)pr.rcode) : "no SOA");
	if (r == 0 && z->verify_ns)
		r = resolve_ns(v, zi, &c, &pr.ns, say, cookie, err);
	z->serial = pr.serial;
	dns_rdset_free(&pr.ns);
	dns_conn_close(&c);
	return r;
}

/* ---- one server's worker ---- */

struct qref {
	size_t zone;
	struct dns_change *c;     /* NULL for the zone's SOA */
	bool old_type;            /* asks the type the record had before */
};

struct check {
	struct vctx *v;
	struct vserver *s;
	struct qref *refs;
	bool bad;
	char why[WHY_MAX];
	char why_zone[256];
};

static void fail_check(struct check *k, const char *zone, const char *fmt, ...) CUT_PRINTF(3, 4);
static void fail_check(struct check *k, const char *zone, const char *fmt, ...)
{
	va_list ap;

	if (k->bad)
		return;
	k->bad = true;
	snprintf(k->why_zone, sizeof(k->why_zone), "%s", zone);
	va_start(ap, fmt);
	vsnprintf(k->why, sizeof(k->why), fmt, ap);
	va_end(ap);
}

static void check_soa(struct check *k, const struct vzone *z, const uint8_t *m, size_t len)
{
	struct dns_rdset set;
	uint32_t ttl, serial;

	if (dns_msg_rrset(m, len, z->wire, z->wire_len, DNS_T_SOA, &set, &ttl) < 0 || set.n != 1 ||
	    set.v[0].len < 20) {
		fail_check(k, z->name, "no SOA for zone %s", z->name);
		dns_rdset_free(&set);
		return;
	}
	serial = (uint32_t)set.v[0].data[set.v[0].len - 20] << 24 |
		 (uint32_t)set.v[0].data[set.v[0].len - 19] << 16 |
		 (uint32_t)set.v[0].data[set.v[0].len - 18] << 8 | set.v[0].data[set.v[0].len - 17];
	dns_rdset_free(&set);
	if ((int32_t)(serial - z->serial) < 0)
		fail_check(k, z->name, "zone %s: serial %u, the primary has %u", z->name, serial,
			   z->serial);
}

static void check_record(struct check *k, const struct qref *q, const uint8_t *m, size_t len)
{
	const struct dns_change *c = q->c;
	uint16_t type = q->old_type ? c->type : c->to_type;
	struct dns_rdset has;
	uint32_t ttl;
	char *want, *got;

	if (dns_msg_rrset(m, len, c->owner_wire, c->owner_len, type, &has, &ttl) < 0) {
		fail_check(k, c->zone, "%s %s: a malformed answer", c->owner, dns_type_name(type));
		return;
	}
	if (q->old_type ? has.n == 0 : dns_rdset_equal(&has, &c->to)) {
		dns_rdset_free(&has);
		return;
	}
	want = q->old_type ? xstrdup("nothing") : dns_rdset_to_text(type, &c->to);
	got = dns_rdset_to_text(type, &has);
	fail_check(k, c->zone, "%s %s: expected %s, %s has %s", c->owner, dns_type_name(type), want,
		   k->s->peer, got);
	free(want);
	free(got);
	dns_rdset_free(&has);
}

static int on_check(void *cookie, size_t qi, const uint8_t *m, size_t len, const struct dns_msg *h)
{
	struct check *k = cookie;
	const struct qref *q = &k->refs[qi];
	const struct vzone *z = &k->v->zones[q->zone];

	if ((h->rcode != DNS_R_NOERROR && h->rcode != DNS_R_NXDOMAIN) || !h->aa) {
		fail_check(k, z->name, "not authoritative for zone %s (%s%s)", z->name,
			   dns_rcode_name(h->rcode), h->aa ? "" : ", no AA bit");
		return 0;
	}
	if (!q->c)
		check_soa(k, z, m, len);
	else
		check_record(k, q, m, len);
	return 0;
}

static size_t build_questions(struct vctx *v, struct vserver *s, struct dns_question **ret_q,
			      struct qref **ret_refs)
{
	size_t i, j, n = 0, cap = 0;
	struct dns_question *q = NULL;
	struct qref *refs = NULL;

	for (i = 0; i < s->nzones; i++)
		cap += 1 + 2 * v->zones[s->zones[i]].nrecs;
	q = xcalloc(cap + 1, sizeof(*q));
	refs = xcalloc(cap + 1, sizeof(*refs));
	for (i = 0; i < s->nzones; i++) {
		struct vzone *z = &v->zones[s->zones[i]];
		refs[n] = (struct qref){ s->zones[i], NULL, false };
		q[n++] = (struct dns_question){ z->wire, z->wire_len, DNS_T_SOA };
		for (j = 0; j < z->nrecs; j++) {
			struct dns_change *c = z->recs[j];
			refs[n] = (struct qref){ s->zones[i], c, false };
			q[n++] = (struct dns_question){ c->owner_wire, c->owner_len, c->to_type };
			if (c->type != c->to_type) {
				refs[n] = (struct qref){ s->zones[i], c, true };
				q[n++] = (struct dns_question){ c->owner_wire, c->owner_len, c->type };
			}
		}
	}
	*ret_q = q;
	*ret_refs = refs;
	return n;
}

static void set_status(struct vserver *s, bool ok, bool finished, const char *zone,
		       const char *why, size_t checks)
{
	pthread_mutex_lock(&s->mu);
	s->ok = ok;
	s->finished = finished;
	s->checks = checks;
	snprintf(s->why_zone, sizeof(s->why_zone), "%s", zone);
	snprintf(s->why, sizeof(s->why), "%s", why);
	pthread_mutex_unlock(&s->mu);
}

static void pause_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* One pass over a server; true when everything matched. */
static bool check_once(struct check *k, struct dns_conn *c, bool *connected,
		       const struct dns_question *q, size_t nq)
{
	struct cut_err err;
	int64_t deadline = now_monotonic_ms() + k->s->timeout_ms;

	if (deadline > k->v->deadline && k->v->deadline > now_monotonic_ms() + 200)
		deadline = k->v->deadline;
	cut_err_clear(&err);
	k->bad = false;
	if (!*connected) {
		if (dns_conn_open(c, k->s->t.address, k->s->t.port, deadline, &err) < 0) {
			fail_check(k, k->v->zones[k->s->zones[0]].name, "%s", err.msg);
			return false;
		}
		*connected = true;
	}
	if (dns_query_many(c, q, nq, deadline, on_check, k, &err) < 0) {
		dns_conn_close(c);
		*connected = false;
		k->bad = false;
		fail_check(k, k->v->zones[k->s->zones[0]].name, "%s", err.msg);
	}
	return !k->bad;
}

static void *worker(void *arg)
{
	struct vserver *s = arg;
	struct check k = { .v = s->v, .s = s };
	struct dns_question *q;
	struct dns_conn c = { .fd = -1 };
	bool connected = false, ok = false;
	size_t nq = build_questions(s->v, s, &q, &k.refs);

	for (;;) {
		ok = check_once(&k, &c, &connected, q, nq);
		if (ok || now_monotonic_ms() + RETRY_PAUSE_MS >= s->v->deadline)
			break;
		set_status(s, false, false, k.why_zone, k.why, nq);
		pause_ms(RETRY_PAUSE_MS);
	}
	set_status(s, ok, true, ok ? "" : k.why_zone, ok ? "" : k.why, nq);
	pthread_mutex_lock(&s->v->mu);
	s->v->ndone++;
	pthread_cond_signal(&s->v->done_cv);
	pthread_mutex_unlock(&s->v->mu);
	if (connected)
		dns_conn_close(&c);
	free(q);
	free(k.refs);
	return NULL;
}

static void say_lagging(struct vctx *v, step_say_fn say, void *cookie)
{
	char line[WHY_MAX + 200];
	size_t i;

	for (i = 0; i < v->nservers; i++) {
		struct vserver *s = &v->servers[i];
		pthread_mutex_lock(&s->mu);
		if (!s->ok && !s->finished && s->why[0]) {
			snprintf(line, sizeof(line), "verify: waiting for %s: %s", s->peer, s->why);
			say(cookie, line);
		}
		pthread_mutex_unlock(&s->mu);
	}
}

/* Waits until started workers are done; says who lags every SAY_EVERY_MS. */
static void wait_workers(struct vctx *v, size_t started, step_say_fn say, void *cookie)
{
	int64_t next_say = now_monotonic_ms() + SAY_EVERY_MS;
	struct timespec until;

	pthread_mutex_lock(&v->mu);
	while (v->ndone < started) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SAY_EVERY_MS / 1000;
		until.tv_nsec += (SAY_EVERY_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&v->done_cv, &v->mu, &until);
		if (v->ndone < started && say && now_monotonic_ms() >= next_say) {
			pthread_mutex_unlock(&v->mu);
			say_lagging(v, say, cookie);
			next_say += SAY_EVERY_MS;
			pthread_mutex_lock(&v->mu);
		}
	}
	pthread_mutex_unlock(&v->mu);
}

static int run_workers(struct vctx *v, step_say_fn say, void *cookie, struct cut_err *err)
{
	pthread_t *th = xcalloc(v->nservers + 1, sizeof(*th));
	size_t i, started = 0;
	int r = 0;

	for (i = 0; i < v->nservers; i++) {
		v->servers[i].v = v;
		if (pthread_create(&th[i], NULL, worker, &v->servers[i]) != 0) {
			r = cut_errf(err, -EAGAIN, NULL, "cannot start a thread to verify %s",
				     v->servers[i].peer);
			break;
		}
		started++;
	}
	wait_workers(v, started, say, cookie);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return r;
}

static void add_lag(struct dns_verify_report *rep, const struct vserver *s)
{
	struct dns_lag *l;

	rep->lag = xrealloc(rep->lag, (rep->nlag + 1) * sizeof(*rep->lag));
	l = &rep->lag[rep->nlag++];
	l->server = xstrdup(s->peer);
	l->zone = xstrdup(s->why_zone);
	l->why = xstrdup(s->why);
}

static int report(struct vctx *v, struct dns_verify_report *rep, struct cut_err *err)
{
	size_t i;

	for (i = 0; i < v->nservers; i++) {
		rep->records += v->servers[i].checks;
		if (!v->servers[i].ok)
			add_lag(rep, &v->servers[i]);
	}
	rep->servers = v->nservers;
	if (!rep->nlag)
		return 0;
	return cut_errf(err, CUT_EVERIFY, "wait longer (--wait), or look at the lagging servers' "
			"transfers and logs", "%zu of %zu servers do not answer the change yet: %s: "
			"%s%s", rep->nlag, rep->servers, rep->lag[0].server, rep->lag[0].why,
			rep->nlag > 1 ? "; …" : "");
}

static void vctx_free(struct vctx *v)
{
	size_t i;

	for (i = 0; i < v->nch; i++)
		dns_change_clear(&v->ch[i]);
	free(v->ch);
	for (i = 0; i < v->nzones; i++)
		free(v->zones[i].recs);
	free(v->zones);
	for (i = 0; i < v->nservers; i++) {
		free(v->servers[i].zones);
		pthread_mutex_destroy(&v->servers[i].mu);
	}
	free(v->servers);
	pthread_cond_destroy(&v->done_cv);
	pthread_mutex_destroy(&v->mu);
}

int dns_verify(const struct step *const *steps, size_t n, bool inverse, int64_t wait_ms,
	       step_say_fn say, void *say_cookie, struct dns_verify_report *rep,
	       struct cut_err *err)
{
	struct vctx v = { 0 };
	int64_t start = now_monotonic_ms();
	pthread_condattr_t ca;
	size_t i;
	int r;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_init(&v.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v.done_cv, &ca);
	pthread_condattr_destroy(&ca);
	r = group(&v, steps, n, inverse, err);
	for (i = 0; i < v.nzones && r == 0; i++)
		r = read_primary(&v, i, say, say_cookie, err);
	if (r == 0 && v.nservers > THREADS_MAX)
		r = cut_errf(err, CUT_ELIMIT, "list fewer servers", "more than %d servers to verify",
			     THREADS_MAX);
	v.deadline = now_monotonic_ms() + (wait_ms > 0 ? wait_ms : 0);
	if (r == 0)
		r = run_workers(&v, say, say_cookie, err);
	if (r == 0)
		r = report(&v, rep, err);
	rep->elapsed_ms = now_monotonic_ms() - start;
	vctx_free(&v);
	return r;
}

void dns_verify_report_free(struct dns_verify_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nlag; i++) {
		free(rep->lag[i].server);
		free(rep->lag[i].zone);
		free(rep->lag[i].why);
	}
	free(rep->lag);
	memset(rep, 0, sizeof(*rep));
}
