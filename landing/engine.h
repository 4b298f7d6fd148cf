/* landing/engine.h — the landing room's inside: actions and the runner that
 * sends their calls, in parallel, with retries. Shared by plan.c (apply,
 * destroy) and steps.c (rollback). */
#ifndef CUTOVER_LANDING_ENGINE_H
#define CUTOVER_LANDING_ENGINE_H

#include "http.h"
#include "landing.h"
#include "provider.h"

enum lz_astate { LZ_WAIT, LZ_RUN, LZ_DONE, LZ_FAILED, LZ_SKIPPED };

struct lz_action {
	enum lz_verb verb;
	enum lz_type type;
	char *key;          /* owned */
	json_t *want;       /* owned ref: create/update target */
	json_t *have;       /* owned ref: current attrs (update, delete) */
	char *id;           /* owned: cloud id where known */
	char *reason;       /* owned */
	bool tag_only;
	bool replace;       /* half of a delete+create */
	bool duplicate;     /* deletes a second object of one name: its inverse
			     * deletes again (a rollback never brings a stray back) */
	size_t *deps;       /* owned: indices of actions that must finish first */
	size_t ndeps;
	enum lz_astate state;
	int result;
	char *message;      /* owned: why it failed */
	struct secret_buf old_secret; /* a key rotation: the cloud's key before,
				       * saved at apply to the file have's
				       * secret_ref names (the inverse's key) */
	/* running */
	struct lz_op op;
	struct lz_req req;
	int attempts;       /* failed tries of the current call (a lookup in
			     * between does not reset it) */
	bool maybe_sent;    /* a changing call got no answer, or a proxy's
			     * 502/503/504: the cloud may have made the change,
			     * so a failure is journaled as unknown */
	int64_t retry_at;   /* monotonic ms; 0 when not waiting to retry */
	size_t step;        /* index in the runner's steps, SIZE_MAX when none */
	bool released;      /* made (id known): dependents may start while the
			     * action's last stages (the ownership tag) still run */
	char *queue;        /* owned: the provider's queue key ("" none), once asked */
	double prio;        /* expected seconds from its start to the end of the
			     * longest chain of dependents: higher starts first */
};

/* A connection to one zone of one cloud. */
struct lz_client {
	const struct lz_provider *prov;
	struct lz_http *http;
	char *endpoint;
	char *zone;
	char *project;       /* the credentials' project: lists are limited to it */
	char *dir;
	char *credentials_file;
	struct lz_state st;
	int retries;
	uint64_t rng;
	step_say_fn say;
	void *say_cookie;
	size_t lost_creates; /* creates retried while the first try's outcome was
			      * unknown (no answer, a proxy's 5xx), or whose lookup
			      * saw a half-made object: the cloud may hold a stray
			      * second copy */
};

int lz_client_open(struct lz_client *c, const struct landing_conn *conn, const char *zone,
		   const char *dir, int retries, struct cut_err *err) CUT_MUST_CHECK;
void lz_client_close(struct lz_client *c);

/* Reads the zone's state into c->st: one list per type, in parallel. */
int lz_read_state(struct lz_client *c, int parallel, struct cut_err *err) CUT_MUST_CHECK;

/* Hooks around the run: before actions start (intents) and after each ends. */
struct lz_hooks {
	int (*start)(void *cookie, struct lz_action *const *acts, size_t n, struct cut_err *err);
	int (*end)(void *cookie, struct lz_action *a, struct cut_err *err);
	void *cookie;
};

/* Runs actions (dependencies first) with at most `parallel` in flight.
 * Returns 0 when all are done, else the first failure (err set). */
int lz_run(struct lz_client *c, struct lz_action *acts, size_t n, int parallel,
	   const struct lz_hooks *hooks, struct cut_err *err) CUT_MUST_CHECK;

void lz_action_clear(struct lz_action *a);

/* The journal payload of an action and of its inverse. */
json_t *lz_action_payload(const struct lz_client *c, const struct lz_action *a, bool inverse);

#endif
