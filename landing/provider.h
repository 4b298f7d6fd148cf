/* landing/provider.h — what a cloud must offer the landing engine.
 *
 * A provider turns the engine's provider-neutral operations into API calls
 * and API answers back into neutral objects (landing/lz.h). It never sends
 * anything itself: it builds calls, the engine sends them (in parallel, with
 * retries) and hands back the answers. So AWS or another cloud plugs in by
 * filling one table:
 *
 *   list      the call that reads every object of a type that carries the
 *             zone's ownership marker (one call per type), and its parser
 *   create / read-back / update / delete
 *             as stages of an operation: op_call builds stage N's call,
 *             op_answer takes its answer (an id, "already there", an error)
 *
 * Objects are matched by key (lz_key), never by cloud id: ids are learnt
 * from lists and creations and kept in the engine's id table.
 */
#ifndef CUTOVER_LANDING_PROVIDER_H
#define CUTOVER_LANDING_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "lz.h"
#include "secret.h"

enum lz_verb { LZ_CREATE, LZ_UPDATE, LZ_DELETE, LZ_NOOP };
const char *lz_verb_name(enum lz_verb v);

/* An object as the cloud has it, in neutral form. */
struct lz_obj {
	enum lz_type type;
	char *id;        /* the cloud's id (routes and interfaces: the router's) */
	char *key;       /* lz_key of attrs, set once refs are resolved */
	json_t *attrs;   /* refs as names once resolved */
	json_t *raw_ids; /* {field: id} of references, before resolving */
	bool tagged;     /* carries the ownership tag (where the type takes tags) */
	bool foreign;    /* refers to something outside the zone */
	bool duplicate;  /* a second object of this name (a create whose answer was
			  * lost, made again): renamed "NAME~ID8" so it plans as a
			  * leftover and its dependents go with it */
	struct secret_buf secret; /* the key the cloud holds (a VPN's pre-shared key),
				   * to tell a rotated key file: memory only, wiped */
};

/* Whether the key file the attrs name (their secret_ref field, relative to
 * dir) holds the key the cloud has for o. *same is true when the cloud does
 * not show its key or the type has none. Errors: the file (mode, missing). */
int lz_secret_same(const char *dir, enum lz_type t, const json_t *attrs, const struct lz_obj *o,
		   bool *same, struct cut_err *err) CUT_MUST_CHECK;
/* The secret_ref field of type t, or NULL. */
const char *lz_secret_field(enum lz_type t);

struct lz_state {
	struct lz_obj *v;
	size_t n;
	json_t *externals; /* {name: id} of external networks */
};

void lz_state_clear(struct lz_state *st);
/* Resolves raw ids into names and computes keys (after all lists are in). */
void lz_state_resolve(struct lz_state *st);
/* The object with this key, or NULL. */
struct lz_obj *lz_state_find(const struct lz_state *st, const char *key);
/* The id of the named object of type t ("" names nothing), or NULL. */
const char *lz_state_id(const struct lz_state *st, enum lz_type t, const char *name);
/* Adds an object, taking attrs; returns it. */
struct lz_obj *lz_state_add(struct lz_state *st, enum lz_type t, const char *id, json_t *attrs);

/* A call a provider wants sent. */
struct lz_call {
	const char *method; /* static */
	char *path;         /* owned: appended to the endpoint */
	char *body;         /* owned: may be NULL; wiped when freed */
	bool own_connection; /* a long call (it keeps a server worker busy for
			      * about a second): sent on a new connection */
};

/* One operation on one object, run as stages. */
struct lz_op {
	enum lz_verb verb;
	enum lz_type type;
	json_t *attrs;        /* borrowed: what to create/update to, or what to delete */
	json_t *from;         /* borrowed: update only, the current values */
	char *id;             /* owned: the object's id (known, or learnt at create) */
	int stage;
	bool lookup;          /* the next call is a lookup (after an unknown outcome) */
	bool tag_only;        /* update only the ownership tag */
	int fix;              /* provider's own: a repair under way within the stage
			       * (e.g. freeing what a half-failed earlier call left) */
	char *fix_id;         /* owned: the object that repair works on */
	bool stray_seen;      /* set by op_answer when a lookup found an object of
			       * this name it could not adopt (a half-made router):
			       * the apply looks for strays at its end */
	bool exists;          /* set by op_answer once a create's object exists and its id
			       * is known: what depends on it need not wait for later
			       * stages (tags are no dependency of anything) */
	const struct lz_state *st; /* ids of everything else */
	const char *zone;
	const char *project;  /* the credentials' project, or NULL (noauth) */
	const char *dir;      /* where psk files are relative to */
};

enum { LZ_OP_NEXT = 0, LZ_OP_DONE = 1 };

struct lz_provider {
	const char *name;
	/* Builds the list call of type t for zone in project (NULL: whatever the
	 * credentials see); false when the type is read from another type's
	 * list (routes come with routers). */
	bool (*list_call)(enum lz_type t, const char *zone, const char *project,
			  struct lz_call *call);
	/* Parses a list answer into st (raw ids), skipping objects of other
	 * zones or projects; CUT_EPEER on a malformed answer. */
	int (*parse_list)(enum lz_type t, const char *zone, const char *project, const char *body,
			  size_t len, struct lz_state *st, struct cut_err *err);
	/* The path of a list answer's next page (the cloud paginates lists
	 * when its operator set a page size), or NULL on the last page. */
	char *(*next_page)(const char *body, size_t len);
	/* The call that finds external networks by name. */
	void (*externals_call)(struct lz_call *call);
	int (*parse_externals)(const char *body, size_t len, struct lz_state *st,
			       struct cut_err *err);
	/* Builds the call of op's current stage; LZ_OP_DONE when there is none
	 * left. Negative: cannot build (a reference has no id, a key file). */
	int (*op_call)(struct lz_op *op, struct lz_call *call, struct cut_err *err);
	/* Takes the answer of op's current stage: LZ_OP_NEXT (go on to the next
	 * stage), LZ_OP_DONE, or a negative code with err set (the API's message,
	 * the object, what to do). */
	int (*op_answer)(struct lz_op *op, long status, const char *body, size_t len,
			 struct cut_err *err);
	/* True when an answer means "try again later" (throttling, 5xx, a
	 * locked database). */
	bool (*retryable)(long status, const char *body, size_t len);
	/* The expected seconds of an operation (its calls, server side), so the
	 * engine starts the longest chains first. */
	double (*cost)(enum lz_verb v, enum lz_type t);
	/* Operations that must not run side by side (a router's routes): the
	 * same malloc'd key for those sent one at a time, NULL for the rest.
	 * May be NULL. */
	char *(*queue)(enum lz_type t, const json_t *attrs);
};

extern const struct lz_provider lz_openstack;

void lz_call_clear(struct lz_call *c);

#endif
