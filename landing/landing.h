/* landing/landing.h — landing zones: template -> resource graph -> plan
 * against the cloud -> idempotent, parallel, journaled apply; destroy.
 *
 * The CLI (cli/cmd_landing.c) calls this room; it never prints. Progress
 * and plan lines go through a step_say_fn. docs/landing.md describes the
 * behaviour, docs/landing-format.md the template.
 *
 * Ownership: a landing_plan owns everything it holds; the graph passed to
 * landing_plan_make is borrowed and must outlive the plan.
 */
#ifndef CUTOVER_LANDING_H
#define CUTOVER_LANDING_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "journal.h"
#include "lz.h"
#include "step.h"
#include "template.h"

#define LANDING_STEP_KIND "landing.openstack"

/* Where the cloud is and how to talk to it. Strings are borrowed. */
struct landing_conn {
	const char *endpoint;         /* Neutron base URL, e.g. http://127.0.0.1:9696 */
	const char *token;            /* X-Auth-Token, or NULL for a noauth endpoint; never journaled */
	const char *credentials_file; /* recorded (the path only) so a rollback can log in */
	const char *project_id;       /* the token's project (Keystone), NULL for noauth:
				       * the zone is looked for in that project only */
};

struct landing_opts {
	struct landing_conn conn;
	int parallel;                /* requests at once, 1..LZ_PARALLEL_MAX */
	int retries;                 /* attempts per call for retryable answers */
	bool dry_run;
	step_say_fn say;             /* progress lines; may be NULL */
	void *say_cookie;
};

/* Resolves the connection from (in order) the given endpoint, a credentials
 * file (0600, OS_*=value lines), and the OS_* environment: OS_ENDPOINT with
 * OS_AUTH_TYPE=none (noauth), or Keystone v3 (OS_AUTH_URL with a password or
 * an application credential) for a token and the catalogue's network
 * endpoint. *ret_endpoint and *ret_token are malloc'd (token wiped by
 * landing_conn_free_token). */
int landing_connect(const char *endpoint, const char *credentials_file, char **ret_endpoint,
		    char **ret_token, char **ret_project, struct cut_err *err) CUT_MUST_CHECK;
void landing_free_token(char *token);

struct landing_plan;

/* Reads the zone's state (one list call per resource type) and compares it
 * with g. destroy=true plans the deletion of everything the zone owns. */
int landing_plan_make(const struct lz_graph *g, const struct landing_opts *o, bool destroy,
		      struct landing_plan **ret, struct cut_err *err) CUT_MUST_CHECK;
void landing_plan_free(struct landing_plan *p);

/* Counts of create / update / delete / no-op actions, indexed so. */
enum { LANDING_CREATES, LANDING_UPDATES, LANDING_DELETES, LANDING_NOOPS };
void landing_plan_counts(const struct landing_plan *p, size_t counts[4]);
/* {"zone", "actions": [{"action","type","name","key","reason"}], "summary"} */
json_t *landing_plan_json(const struct landing_plan *p, bool with_noop);
/* One line per action, for humans. */
void landing_plan_say(const struct landing_plan *p, bool with_noop, step_say_fn say, void *cookie);

/* Applies the plan: walks the graph with bounded parallelism, journals each
 * change with its inverse in j before making it, retries throttling and
 * 5xx answers with jittered backoff. 0 when everything is in effect;
 * CUT_EPEER / CUT_EPARTIAL with *err naming the first failure otherwise. */
int landing_plan_apply(struct landing_plan *p, struct journal *j, const struct landing_opts *o,
		       struct cut_err *err) CUT_MUST_CHECK;
/* After apply: actions done and failed, and the per-action result as JSON. */
json_t *landing_plan_results(const struct landing_plan *p);

/* Registers the step kind that undoes (and redoes) landing changes. */
int landing_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

#endif
