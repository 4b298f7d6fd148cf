/* landing/lz.h — the landing room's model, shared by its modules (not by
 * other rooms): resource types, the typed resource graph a template turns
 * into, and the key that gives every resource its identity.
 *
 * A resource is provider-neutral: a type and a JSON object of attributes
 * ("attrs") in which references to other resources are by name. Providers
 * translate attrs to their API's bodies and back, so plans compare like
 * with like.
 */
#ifndef CUTOVER_LANDING_LZ_H
#define CUTOVER_LANDING_LZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "error.h"

#define LZ_ZONE_MAX 40       /* zone ids name every resource and tag */
#define LZ_NAME_MAX 63       /* logical names in a template */
#define LZ_RESOURCES_MAX 2000
#define LZ_PARAMS_MAX 64
#define LZ_PARALLEL_MAX 32

enum lz_type {
	LZ_NETWORK,
	LZ_SUBNET,
	LZ_ROUTER,
	LZ_INTERFACE,
	LZ_ROUTE,
	LZ_SECGROUP,
	LZ_RULE,
	LZ_IKEPOLICY,
	LZ_IPSECPOLICY,
	LZ_EPGROUP,
	LZ_VPNSERVICE,
	LZ_CONNECTION,
	LZ_NTYPES
};

/* "network", "subnet", … (stable: they appear in journals and --json). */
const char *lz_type_name(enum lz_type t);
int lz_type_from_name(const char *name); /* -1 when unknown */

/* One attribute of a type: how plans compare and what refers to what. */
struct lz_field {
	const char *name;
	int ref;          /* the lz_type a name refers to, or -1 */
	bool ref_array;   /* an array of references (endpoint groups) */
	bool updatable;   /* in place; otherwise a change means replace */
	bool identity;    /* part of the key */
	bool secret_ref;  /* names a secret file: not compared, never read back */
};

/* The fields of a type, terminated by a { NULL } row. */
const struct lz_field *lz_fields(enum lz_type t);

/* The identity of a resource: "subnet:prod-web-a", "rule:prod-web/ingress/…".
 * Malloc'd. */
char *lz_key(enum lz_type t, const json_t *attrs);

struct lz_res {
	enum lz_type type;
	char *key;        /* owned */
	json_t *attrs;    /* owned reference */
	char *path;       /* owned: JSON path in the template, for messages; "" for actual-only */
};

/* The resources of a template, in an order where dependencies come first. */
struct lz_graph {
	char *zone;          /* owned: zone id, names the ownership tag "cutover:<zone>" */
	char *dir;           /* owned: the template's folder (secret files are relative to it) */
	struct lz_res *v;    /* owned */
	size_t n;
};

void lz_graph_free(struct lz_graph *g);

/* Adds a resource to g, taking ownership of attrs. Returns its index. */
size_t lz_graph_add(struct lz_graph *g, enum lz_type t, json_t *attrs, const char *path);
/* The index of the resource with this key, or -1. */
long lz_graph_find(const struct lz_graph *g, const char *key);

/* The keys a resource's attrs refer to (deps), appended to *keys (malloc'd
 * strings; the caller frees each and the array). Routes also depend on every
 * interface of their router (the next hop must be reachable). */
void lz_refs(enum lz_type t, const json_t *attrs, char ***keys, size_t *n);

/* Sorts an array of strings in place (sets compare as sets). */
void lz_sort_strings(json_t *arr);

/* The ownership marker: "cutover:<zone>" (tag and description). */
void lz_marker(const char *zone, char *buf, size_t len);

/* Whether a pre-shared key read from its file can be sent: UTF-8 text
 * without control characters (Neutron's psk is a JSON string). */
bool lz_psk_is_text(const unsigned char *data, size_t len);

/* Whether an id a cloud gave (an object's, a project's) may go into a URL
 * path or query as is: 1-64 letters, digits, '-', '_' or '.' (UUIDs). */
bool lz_id_ok(const char *id);

#endif
