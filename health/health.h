/* health/health.h — health checks (HTTP, HTTPS, TCP, DNS) on one event loop.
 *
 * The plan's "health" section names checks; each probes the new target's
 * addresses under the production host name (Host header and TLS SNI carry
 * the real name while the connection goes to the target, as curl's
 * --connect-to does). Probes of every check and target run in parallel on
 * one libcurl multi handle (DNS probes are UDP sockets polled on the same
 * loop); no thread per check.
 *
 * Thresholds turn probes into a state per (check, target): `healthy_after`
 * passes in a row make it healthy, `sick_after` failures in a row make it
 * sick. A monitor runs that state machine; a gate runs it until every
 * target is decided, a watch window runs it for a duration.
 *
 * This room never prints: results and reasons ("HTTP 503", "certificate
 * expired 2026-10-01", "connect timed out after 2 s") are returned for the
 * caller to show.
 */
#ifndef CUTOVER_HEALTH_H
#define CUTOVER_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "schema.h"

#define HEALTH_CHECKS_MAX 256     /* checks in one plan */
#define HEALTH_TARGETS_MAX 64     /* targets of one check */
#define HEALTH_STATUSES_MAX 16    /* expected statuses of one check */
#define HEALTH_NAME_MAX 64        /* a check's name */
#define HEALTH_BODY_MAX (1u << 20) /* bytes of a body searched for body_contains */
#define HEALTH_REASON_MAX 256
#define HEALTH_TIMEOUT_MAX_MS (5 * 60 * 1000)
#define HEALTH_INTERVAL_MAX_MS (60 * 60 * 1000)
#define HEALTH_THRESHOLD_MAX 100

enum health_kind { HEALTH_HTTP, HEALTH_HTTPS, HEALTH_TCP, HEALTH_DNS };

const char *health_kind_name(enum health_kind k);

struct health_target {
	char *addr;   /* "198.51.100.10" or "2001:db8::1" (no brackets) */
	unsigned port;
	char *text;   /* "198.51.100.10:443", "[2001:db8::1]:443" */
};

/* One named check, as typed from the plan. Owned by its health_plan. */
struct health_check {
	char *name;
	enum health_kind kind;
	char *host;              /* production name (http/https: Host + SNI; dns: the name asked) */
	struct health_target *targets;
	size_t n_targets;
	char *path;              /* http/https: "/" by default */
	long expect_status[HEALTH_STATUSES_MAX]; /* http/https; dns: rcodes (0 = NOERROR) */
	size_t n_status;
	char *body_contains;     /* http/https: a substring of the body; dns: the whole data of
				  * one answer record (health_dns.c); NULL for none */
	bool tls_verify;         /* https: true unless tls.verify is false */
	char *ca_file;           /* https: resolved path, NULL for the system CAs */
	int qtype;               /* dns: the record type asked (ldns_rr_type) */
	int64_t timeout_ms, interval_ms;
	unsigned healthy_after, sick_after;
};

struct health_plan;

/* Checks and types the plan's "health" section:
 *     "health": { "www-https": { "kind": "https", "host": "www.example.com",
 *                                "targets": ["198.51.100.10:443"], … }, … }
 * Every input error goes to sc->d (all of them); returns 0 with *ret set
 * (the checks without errors are kept), or a negative code on a failure
 * that is not the input's. docs/health.md documents every key. */
int health_plan_parse(struct schema *sc, json_t *section, struct health_plan **ret)
	CUT_MUST_CHECK;
void health_plan_free(struct health_plan *p);

size_t health_plan_count(const struct health_plan *p);
/* The i-th check in plan order; owned by p. */
const struct health_check *health_plan_get(const struct health_plan *p, size_t i);
/* The check called name, or NULL. p may be NULL. */
const struct health_check *health_plan_find(const struct health_plan *p, const char *name);

/* ---- probing ---- */

enum health_state { HEALTH_UNKNOWN, HEALTH_HEALTHY, HEALTH_SICK };

const char *health_state_name(enum health_state s);

struct health_probe {
	bool ok;
	int64_t latency_ms;
	long status;                    /* HTTP status, DNS rcode; 0 when none */
	char reason[HEALTH_REASON_MAX]; /* why it failed; "HTTP 200" etc. when it passed */
};

/* The state of one (check, target). */
struct health_status {
	const struct health_check *check;   /* borrowed */
	const struct health_target *target; /* borrowed */
	enum health_state state;
	unsigned passes, fails;             /* in a row */
	unsigned probes;                    /* probes finished */
	bool changed;                       /* state changed during the last run */
	struct health_probe last;           /* the last finished probe */
	struct health_probe last_failure;   /* the last failed probe (reason of a sick state) */
};

struct health_monitor;

enum {
	HEALTH_ONCE = 1 << 0,          /* one probe each; its result decides (no thresholds) */
	HEALTH_START_HEALTHY = 1 << 1, /* a watch: start healthy, turn sick after sick_after fails */
};

/* A monitor over every target of checks[0..n) (the checks stay owned by
 * the caller and must outlive it). flags: HEALTH_*. */
int health_monitor_new(const struct health_check *const *checks, size_t n, int flags,
		       struct health_monitor **ret, struct cut_err *err) CUT_MUST_CHECK;
void health_monitor_free(struct health_monitor *m);

/* Runs the event loop for at most wait_ms: starts the probes that are due
 * (each target every interval), and returns as soon as one or more probes
 * finished (statuses updated) or wait_ms passed. 0 or a negative code when
 * the loop itself fails. */
int health_monitor_run(struct health_monitor *m, int64_t wait_ms, struct cut_err *err)
	CUT_MUST_CHECK;

/* Runs until every target is healthy or sick (a target that never settles
 * is sick after healthy_after + sick_after probes; in a gate, a monitor
 * made without flags, the first decision about a target is final and it
 * is not probed again), or until
 * health_monitor_deadline_ms() passed: a target still undecided then counts
 * as sick ("not decided within 25 s after 2 probes (last: …)"). 0 when all
 * are healthy, CUT_EHEALTH naming the first sick check, target and reason. */
int health_monitor_settle(struct health_monitor *m, struct cut_err *err) CUT_MUST_CHECK;
/* The same with another deadline (ms from now). */
int health_monitor_settle_within(struct health_monitor *m, int64_t within_ms, struct cut_err *err)
	CUT_MUST_CHECK;
/* The deadline health_monitor_settle gives: the slowest check's
 * (healthy_after + sick_after) x (interval + 2 x timeout) (ONCE: 2 x
 * timeout), times the rounds its targets need to share the 50 probe slots,
 * plus a second. */
int64_t health_monitor_deadline_ms(const struct health_monitor *m);

size_t health_monitor_count(const struct health_monitor *m);
const struct health_status *health_monitor_status(const struct health_monitor *m, size_t i);
/* The first sick status, or NULL. */
const struct health_status *health_monitor_sick(const struct health_monitor *m);
/* Every target healthy or sick. */
bool health_monitor_settled(const struct health_monitor *m);

/* "www-https 198.51.100.10:443: HTTP 503" for a status's last failure. */
void health_status_describe(const struct health_status *st, char *buf, size_t len);

#endif
