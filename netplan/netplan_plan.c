/* netplan/netplan_plan.c — the plan's "routes" section.
 *
 *     "routes": {
 *       "gates": ["web-ok"],
 *       "hosts": [ { "name": "gw1", "netns": "gw1",
 *                    "routes": [ { "destination": "10.20.0.0/16", "table": "main",
 *                                  "metric": 100,
 *                                  "from": { "via": "192.0.2.1", "dev": "eth0" },
 *                                  "to":   { "via": "198.51.100.1", "dev": "eth1" } } ],
 *                    "addresses": [ { "address": "10.1.2.3/32", "from": "eth0",
 *                                     "to": "eth1" } ] } ] }
 *
 * Every error is reported with its place and the checks go on.
 */
#include "np_plan.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static void free_host(struct np_host *h)
{
	size_t i;

	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	for (i = 0; i < h->naddrs; i++) {
		free(h->addrs[i].path);
		free(h->addrs[i].from_dev);
		free(h->addrs[i].to_dev);
	}
	free(h->routes);
	free(h->addrs);
	free(h->path);
	free(h->name);
	free(h->netns);
}

void netplan_plan_free(struct netplan_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nhosts; i++)
		free_host(&p->hosts[i]);
	for (i = 0; i < p->ngates; i++)
		free(p->gates[i]);
	free(p->hosts);
	free(p->gates);
	free(p);
}

size_t netplan_gates(const struct netplan_plan *p, const char *const **ret)
{
	*ret = p ? (const char *const *)p->gates : NULL;
	return p ? p->ngates : 0;
}

size_t netplan_hosts(const struct netplan_plan *p)
{
	return p ? p->nhosts : 0;
}

/* Fast paths for the checks made for each of 100,000s of routes: the
 * schema_* functions format the JSON path of every value they look at; these
 * look first and call them only when a value is missing, of the wrong type or
 * not allowed, so every error is still reported by schema_* as before. */
static bool keys_ok(struct schema *sc, const char *path, json_t *v, const char *const allowed[])
{
	const char *key;
	json_t *val;
	size_t i;

	if (!json_is_object(v))
		return schema_keys(sc, path, v, allowed);
	json_object_foreach(v, key, val) {
		for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
			;
		if (!allowed[i])
			return schema_keys(sc, path, v, allowed);
	}
	return true;
}

static json_t *member(struct schema *sc, const char *path, json_t *obj, const char *key,
		      json_type want)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_typeof(v) == want)
		return v;
	return schema_member(sc, path, obj, key, want, SCHEMA_OPTIONAL);
}

static bool string_value(struct schema *sc, const char *path, json_t *obj, const char *key,
			 int required, const char **ret)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v) && json_string_length(v)) {
		*ret = json_string_value(v);
		return true;
	}
	if (!v && !required) {
		*ret = NULL;
		return true;
	}
	return schema_string(sc, path, obj, key, required, NULL, ret);
}

bool np_dev_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] == '/' || s[i] == ' ' || s[i] == ':' || (unsigned char)s[i] < 0x21)
			return false;
	return i > 0 && i < NP_IFNAMSIZ;
}

static const char *dev_value(struct schema *sc, const char *path, json_t *obj, const char *key)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *s = NULL;

	if (!string_value(sc, path, obj, key, SCHEMA_OPTIONAL, &s) || !s)
		return NULL;
	if (!np_dev_name_ok(s)) {
		json_path_key(kpath, sizeof(kpath), path, key);
		schema_error(sc, kpath, "give an interface name as `ip link` shows it (at most 15 "
			     "characters)", "\"%s\" is not a device name", s);
		return NULL;
	}
	return s;
}

static bool ip_value(struct schema *sc, const char *path, json_t *obj, const char *key,
		     uint8_t family, uint8_t *a)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *s = NULL;
	uint8_t f;

	if (!string_value(sc, path, obj, key, SCHEMA_OPTIONAL, &s) || !s)
		return false;
	if (np_ip_parse(s, &f, a) == 0 && f == family)
		return true;
	json_path_key(kpath, sizeof(kpath), path, key); /* only for an error: 10,000s of routes */
	if (np_ip_parse(s, &f, a) < 0) {
		schema_error(sc, kpath, "write an IPv4 or IPv6 address such as 192.0.2.1",
			     "\"%s\" is not an IP address", s);
		return false;
	}
	if (f != family) {
		schema_error(sc, kpath, "use an address of the destination's family",
			     "\"%s\" is IPv%d but the destination is IPv%d", s, f == AF_INET ? 4 : 6,
			     family == AF_INET ? 4 : 6);
		return false;
	}
	return true;
}

/* A name or number of a table of names (protocol, scope). */
static bool named_value(struct schema *sc, const char *path, json_t *obj, const char *key,
			int (*parse)(const char *), const char *fix, int *ret)
{
	char kpath[JSONFILE_PATH_MAX], num[24];
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v)
		return false;
	if (json_is_string(v) && (*ret = parse(json_string_value(v))) >= 0)
		return true; /* the usual case: no path or number to format */
	json_path_key(kpath, sizeof(kpath), path, key);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
	} else {
		schema_error(sc, kpath, fix, "expected a name or a number");
		return false;
	}
	*ret = parse(s);
	if (*ret < 0) {
		schema_error(sc, kpath, fix, "\"%s\" is not known here", s);
		return false;
	}
	return true;
}

static bool u32_value(struct schema *sc, const char *path, json_t *obj, const char *key,
		      uint32_t dflt, uint32_t *ret)
{
	json_t *j = json_object_get(obj, key);
	long long v;
	bool ok;

	if (!j || (json_is_integer(j) && json_integer_value(j) >= 0 &&
		   json_integer_value(j) <= UINT32_MAX)) {
		*ret = j ? (uint32_t)json_integer_value(j) : dflt;
		return true;
	}
	ok = schema_int(sc, path, obj, key, SCHEMA_OPTIONAL, 0, UINT32_MAX, dflt, &v);

	*ret = (uint32_t)v;
	return ok;
}

static bool table_value(struct schema *sc, const char *path, json_t *obj, uint32_t *ret)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *v = json_object_get(obj, "table");

	*ret = RT_TABLE_MAIN;
	if (!v)
		return true;
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= UINT32_MAX) {
		*ret = (uint32_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && np_table_parse(json_string_value(v), ret) == 0)
		return true;
	json_path_key(kpath, sizeof(kpath), path, "table");
	schema_error(sc, kpath, "use \"main\", \"local\", \"default\" or a number from 1 to 4294967295",
		     "not a routing table");
	return false;
}

static const char *const side_keys[] = {
	"via", "dev", "metric", "type", "protocol", "scope", "src", "onlink", NULL,
};

uint8_t np_default_scope(const struct np_route *r)
{
	return (r->family == AF_INET && !r->has_gw && r->type == RTN_UNICAST) ? RT_SCOPE_LINK
									       : RT_SCOPE_UNIVERSE;
}

/* `from` or `to` of a route: fields into r, r->care naming those given. */
static void route_side(struct schema *sc, const char *path, json_t *side, bool is_to,
		       struct np_route *r, char dev[NP_IFNAMSIZ])
{
	const char *s = NULL;
	int v;
	bool b;

	keys_ok(sc, path, side, side_keys);
	r->care = 0;
	if (ip_value(sc, path, side, "via", r->family, r->gw)) {
		r->has_gw = true;
		r->care |= NP_C_GW;
	}
	if ((s = dev_value(sc, path, side, "dev"))) {
		memcpy(dev, s, strlen(s) + 1); /* dev_value: shorter than NP_IFNAMSIZ */
		r->care |= NP_C_DEV;
	}
	if (json_object_get(side, "metric"))
		u32_value(sc, path, side, "metric", r->metric, &r->metric);
	r->type = RTN_UNICAST;
	if (named_value(sc, path, side, "type", np_rtype_parse,
			"use unicast, blackhole, unreachable, prohibit or throw", &v)) {
		r->type = (uint8_t)v;
		r->care |= NP_C_TYPE;
	}
	r->protocol = RTPROT_STATIC;
	if (named_value(sc, path, side, "protocol", np_proto_parse,
			"use a name from /etc/iproute2/rt_protos (static, boot, bgp, …) or 0-255", &v)) {
		r->protocol = (uint8_t)v;
		r->care |= NP_C_PROTO;
	}
	if (named_value(sc, path, side, "scope", np_scope_parse,
			"use global, link, host or 0-255", &v)) {
		r->scope = (uint8_t)v;
		r->care |= NP_C_SCOPE;
		if (!np_scope_ok(r)) {
			char kpath[JSONFILE_PATH_MAX];
			json_path_key(kpath, sizeof(kpath), path, "scope");
			schema_error(sc, kpath, "remove \"scope\"", "an IPv6 route has no scope: "
				     "the kernel keeps every one as global");
		}
	} else {
		r->scope = np_default_scope(r);
	}
	if (ip_value(sc, path, side, "src", r->family, r->prefsrc)) {
		r->has_prefsrc = true;
		r->care |= NP_C_PREFSRC;
	}
	if (json_object_get(side, "onlink") &&
	    schema_bool(sc, path, side, "onlink", SCHEMA_OPTIONAL, false, &b)) {
		r->flags = b ? NP_RT_FLAGS_KEPT : 0;
		r->care |= NP_C_FLAGS;
	}
	if (is_to) {
		/* the route written is the whole route: compare all of it */
		r->care = NP_C_GW | NP_C_PREFSRC | NP_C_PROTO | NP_C_SCOPE | NP_C_TYPE | NP_C_FLAGS;
		if (dev[0])
			r->care |= NP_C_DEV; /* else the kernel picks the device */
	}
}

/* A gateway or device on a route of a type that has none (the kernel
 * refuses one on blackhole, unreachable, prohibit and throw routes alike). */
static bool gateway_refused(const struct np_route *r, bool has_dev)
{
	return r->type != RTN_UNICAST && (r->has_gw || has_dev);
}

/* Types the kernel makes itself. */
static bool type_refused(uint8_t type)
{
	return type == RTN_LOCAL || type == RTN_BROADCAST || type == RTN_MULTICAST ||
	       type == RTN_ANYCAST || type == RTN_NAT;
}

bool np_scope_ok(const struct np_route *r)
{
	return r->family != AF_INET6 || r->scope == RT_SCOPE_UNIVERSE;
}

bool np_to_metric_ok(const struct np_route *r)
{
	return r->family != AF_INET6 || r->metric != 0;
}

bool np_to_route_ok(const struct np_route *r, bool has_dev)
{
	return !(r->type == RTN_UNICAST && !r->has_gw && !has_dev) &&
	       !gateway_refused(r, has_dev) && !type_refused(r->type);
}

static void check_to(struct schema *sc, const char *path, json_t *side, const struct np_route *r,
		     const char *dev)
{
	const char *t = json_string_value(json_object_get(side, "type"));

	if (json_object_get(side, "type") && (!t || np_rtype_parse(t) < 0))
		return; /* reported already */
	/* a "via" or "dev" given but wrong is reported already */
	if (r->type == RTN_UNICAST && !json_object_get(side, "via") && !json_object_get(side, "dev"))
		schema_error(sc, path, "give \"via\", \"dev\" or both, or a \"type\" such as "
			     "\"blackhole\"", "a unicast route needs a gateway or a device");
	if (gateway_refused(r, dev[0] != '\0'))
		schema_error(sc, path, "remove \"via\" and \"dev\"",
			     "a %s route has no gateway or device", np_rtype_name(r->type));
	if (type_refused(r->type))
		schema_error(sc, path, "use unicast, blackhole, unreachable, prohibit or throw",
			     "cutover does not write %s routes", np_rtype_name(r->type));
}

static const char *const route_keys[] = {
	"destination", "table", "metric", "from", "to", "comment", NULL,
};

static bool route_change(struct schema *sc, const char *path, json_t *v,
			 struct np_route_change *c)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *dst = NULL;
	json_t *from, *to;
	uint32_t metric;

	if (!keys_ok(sc, path, v, route_keys) && !json_is_object(v))
		return false;
	if (!string_value(sc, path, v, "destination", SCHEMA_REQUIRED, &dst) || !dst)
		return false;
	if (np_prefix_parse(dst, true, &c->from.family, c->from.dst, &c->from.dst_len) < 0) {
		json_path_key(kpath, sizeof(kpath), path, "destination");
		schema_error(sc, kpath, "write a prefix such as 10.20.0.0/16 or 2001:db8::/48, host "
			     "bits zero", "\"%s\" is not a route destination", dst);
		return false;
	}
	table_value(sc, path, v, &c->from.table);
	u32_value(sc, path, v, "metric", c->from.family == AF_INET6 ? 1024 : 0, &metric);
	c->from.metric = metric;
	c->to = c->from;
	from = member(sc, path, v, "from", JSON_OBJECT);
	to = member(sc, path, v, "to", JSON_OBJECT);
	c->has_from = from != NULL;
	c->has_to = to != NULL;
	if (!from && !to && !json_object_get(v, "from") && !json_object_get(v, "to"))
		schema_error(sc, path, "give \"from\" (the route now), \"to\" (the route wanted) or "
			     "both", "a route change needs \"from\" or \"to\"");
	json_path_key(kpath, sizeof(kpath), path, "from");
	if (from)
		route_side(sc, kpath, from, false, &c->from, c->from_dev);
	json_path_key(kpath, sizeof(kpath), path, "to");
	if (to) {
		route_side(sc, kpath, to, true, &c->to, c->to_dev);
		check_to(sc, kpath, to, &c->to, c->to_dev);
	}
	if (to && !np_to_metric_ok(&c->to)) { /* to.metric, else the change's */
		char mpath[JSONFILE_PATH_MAX];
		json_path_key(mpath, sizeof(mpath), json_object_get(to, "metric") ? kpath : path,
			      "metric");
		schema_error(sc, mpath, "write 1024 (the kernel's default) or another metric from "
			     "1", "the kernel writes an IPv6 route given metric 0 at metric 1024");
	}
	c->path = xstrdup(path);
	return true;
}

static const char *const addr_keys[] = { "address", "from", "to", "comment", NULL };

static bool addr_change(struct schema *sc, const char *path, json_t *v, struct np_addr_change *c)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *s = NULL, *from, *to;

	if (!keys_ok(sc, path, v, addr_keys) && !json_is_object(v))
		return false;
	if (!string_value(sc, path, v, "address", SCHEMA_REQUIRED, &s) || !s)
		return false;
	json_path_key(kpath, sizeof(kpath), path, "address");
	if (np_prefix_parse(s, false, &c->addr.family, c->addr.local, &c->addr.prefixlen) < 0) {
		schema_error(sc, kpath, "write an address with its prefix length, such as "
			     "10.1.2.3/32", "\"%s\" is not an address", s);
		return false;
	}
	if (!strchr(s, '/'))
		schema_error(sc, kpath, "write the prefix length too, such as 10.1.2.3/32",
			     "\"%s\" has no prefix length", s);
	from = dev_value(sc, path, v, "from");
	to = dev_value(sc, path, v, "to");
	if (!json_object_get(v, "from") && !json_object_get(v, "to"))
		schema_error(sc, path, "give \"from\" (remove from that device), \"to\" (add to "
			     "it) or both (move)", "an address change needs \"from\" or \"to\"");
	if (from && to && strcmp(from, to) == 0)
		schema_error(sc, path, "name two different devices", "\"from\" and \"to\" are the "
			     "same device");
	c->from_dev = from ? xstrdup(from) : NULL;
	c->to_dev = to ? xstrdup(to) : NULL;
	c->path = xstrdup(path);
	return true;
}

/* Two changes of one host on the same route or address are refused. */
struct keyref {
	const struct np_route *key; /* in the host's changes: 16 bytes to sort, not 120 */
	const char *path;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = np_route_key_cmp(x->key, y->key);

	return c ? c : strcmp(x->path, y->path) < 0 ? -1 : 1;
}

/* Plans are mostly written in key order (generated from a routing table):
 * then there is nothing to sort. */
static bool in_order(const struct keyref *k, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp_keyref(&k[i - 1], &k[i]) > 0)
			return false;
	return true;
}

/* The keys a change touches: `from`'s, and `to`'s when it is another (a
 * move to another metric) or there is no `from` (an add). */
static void check_duplicates(struct schema *sc, const struct np_host *h)
{
	struct keyref *k = xcalloc(2 * h->nroutes + 1, sizeof(*k));
	size_t n = 0, i;
	char what[NP_ROUTESTR];

	for (i = 0; i < h->nroutes; i++) {
		const struct np_route_change *c = &h->routes[i];
		if (c->has_from) {
			k[n].key = &c->from;
			k[n++].path = c->path;
		}
		if (c->has_to && (!c->has_from || c->to.metric != c->from.metric)) {
			k[n].key = &c->to;
			k[n++].path = c->path;
		}
	}
	if (!in_order(k, n))
		qsort(k, n, sizeof(*k), cmp_keyref);
	for (i = 1; i < n; i++) {
		if (np_route_key_cmp(k[i - 1].key, k[i].key) != 0 ||
		    strcmp(k[i - 1].path, k[i].path) == 0)
			continue;
		np_route_key_str(k[i].key, what, sizeof(what));
		schema_error(sc, k[i].path, "merge the two changes into one",
			     "%s is also changed by %s", what, k[i - 1].path);
	}
	free(k);
}

/* An entry of a "routes" array the plan's reader left as text: the quick
 * way (np_plan_text.c), else as jansson values with every error reported. */
static bool route_change_text(struct schema *sc, const char *path, struct json_plain elem,
			      struct np_route_change *c)
{
	json_t *v;
	bool ok;

	if (np_route_change_plain(elem, c)) {
		c->path = xstrdup(path);
		return true;
	}
	v = json_plain_value(elem);
	ok = route_change(sc, path, v, c);
	json_decref(v);
	return ok;
}

static void host_list(struct schema *sc, const char *path, json_t *v, const char *key,
		      struct np_host *h)
{
	char kpath[JSONFILE_PATH_MAX], ipath[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(sc, path, v, key, JSON_ARRAY, SCHEMA_OPTIONAL);
	size_t i, n = arr ? json_array_size(arr) : 0, pos = 0;
	bool routes = strcmp(key, "routes") == 0;
	struct json_plain text, elem;
	bool as_text = routes && jsonfile_deferred(sc->jf, arr, &text, &n);

	json_path_key(kpath, sizeof(kpath), path, key);
	if (routes)
		h->routes = xcalloc(n + 1, sizeof(*h->routes));
	else
		h->addrs = xcalloc(n + 1, sizeof(*h->addrs));
	for (i = 0; i < n; i++) {
		struct np_route_change *c = routes ? &h->routes[h->nroutes] : NULL;
		json_path_index(ipath, sizeof(ipath), kpath, i);
		if (as_text && json_plain_next(text, &pos, NULL, &elem) &&
		    route_change_text(sc, ipath, elem, c))
			h->nroutes++;
		else if (routes && !as_text && route_change(sc, ipath, json_array_get(arr, i), c))
			h->nroutes++;
		else if (!routes && addr_change(sc, ipath, json_array_get(arr, i), &h->addrs[h->naddrs]))
			h->naddrs++;
	}
}

static const char *const host_keys[] = { "name", "netns", "routes", "addresses", NULL };

/* The entries of v's array key (0 when it is none), as text or not. */
static size_t list_len(const struct schema *sc, const json_t *v, const char *key)
{
	const json_t *arr = json_object_get(v, key);
	struct json_plain text;
	size_t n;

	if (jsonfile_deferred(sc->jf, arr, &text, &n))
		return n;
	return json_array_size(arr);
}

/* At most NETPLAN_CHANGES_MAX changes per host, routes and addresses
 * together: checked before either is read. */
static bool host_size_ok(struct schema *sc, const char *path, const json_t *v)
{
	size_t nr = list_len(sc, v, "routes"), na = list_len(sc, v, "addresses");

	if (nr <= NETPLAN_CHANGES_MAX && na <= NETPLAN_CHANGES_MAX - nr)
		return true;
	schema_error(sc, path, "split the host's changes into several plans",
		     "%zu route and %zu address changes: at most %d per host, both together", nr,
		     na, NETPLAN_CHANGES_MAX);
	return false;
}

static void host(struct schema *sc, const char *path, json_t *v, struct np_host *h)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *name = NULL, *netns = NULL;

	h->path = xstrdup(path);
	schema_keys(sc, path, v, host_keys);
	schema_string(sc, path, v, "name", SCHEMA_OPTIONAL, NULL, &name);
	if (schema_string(sc, path, v, "netns", SCHEMA_OPTIONAL, NULL, &netns) && netns &&
	    !np_netns_name_ok(netns)) {
		json_path_key(kpath, sizeof(kpath), path, "netns");
		schema_error(sc, kpath, "use the name `ip netns list` shows (letters, digits, '.', "
			     "'_', '-')", "\"%s\" is not a network namespace name", netns);
		netns = NULL;
	}
	h->netns = netns ? xstrdup(netns) : NULL;
	h->name = xstrdup(name ? name : netns ? netns : "local");
	if (host_size_ok(sc, path, v)) {
		host_list(sc, path, v, "routes", h);
		host_list(sc, path, v, "addresses", h);
	}
	if (!json_object_get(v, "routes") && !json_object_get(v, "addresses") && json_is_object(v))
		schema_error(sc, path, "add \"routes\" or \"addresses\"", "a host with no changes");
	check_duplicates(sc, h);
}

static void gates(struct schema *sc, json_t *section, struct netplan_plan *p)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(sc, "routes", section, "gates", JSON_ARRAY, SCHEMA_OPTIONAL);
	size_t i, n = arr ? json_array_size(arr) : 0;

	if (n > NETPLAN_GATES_MAX) {
		schema_error(sc, "routes.gates", NULL, "%zu gates: at most %d", n, NETPLAN_GATES_MAX);
		return;
	}
	p->gates = xcalloc(n + 1, sizeof(*p->gates));
	for (i = 0; i < n; i++) {
		json_t *g = json_array_get(arr, i);
		json_path_index(kpath, sizeof(kpath), "routes.gates", i);
		if (!json_is_string(g) || !json_string_length(g)) {
			schema_error(sc, kpath, "name a check of the plan's \"health\" section",
				     "expected a health check name");
			continue;
		}
		p->gates[p->ngates++] = xstrdup(json_string_value(g));
	}
}

static void same_hosts(struct schema *sc, const struct netplan_plan *p)
{
	size_t i, j;

	for (i = 0; i < p->nhosts; i++)
		for (j = 0; j < i; j++)
			if ((!p->hosts[i].netns && !p->hosts[j].netns) ||
			    (p->hosts[i].netns && p->hosts[j].netns &&
			     strcmp(p->hosts[i].netns, p->hosts[j].netns) == 0))
				schema_error(sc, p->hosts[i].path, "merge the two host entries",
					     "the same host as %s", p->hosts[j].path);
}

static const char *const section_keys[] = { "hosts", "gates", NULL };

const char *const netplan_text_arrays[] = { "routes.hosts[*].routes", NULL };

int netplan_plan_parse(struct schema *sc, json_t *section, struct netplan_plan **ret)
{
	char ipath[JSONFILE_PATH_MAX];
	struct netplan_plan *p = xcalloc(1, sizeof(*p));
	json_t *hosts;
	size_t i, n;

	*ret = p;
	if (!schema_keys(sc, "routes", section, section_keys) && !json_is_object(section))
		return 0;
	gates(sc, section, p);
	hosts = schema_member(sc, "routes", section, "hosts", JSON_ARRAY, SCHEMA_REQUIRED);
	n = hosts ? json_array_size(hosts) : 0;
	if (n > NETPLAN_HOSTS_MAX) {
		schema_error(sc, "routes.hosts", "split the plan", "%zu hosts: at most %d", n,
			     NETPLAN_HOSTS_MAX);
		return 0;
	}
	p->hosts = xcalloc(n + 1, sizeof(*p->hosts));
	for (i = 0; i < n; i++) {
		json_path_index(ipath, sizeof(ipath), "routes.hosts", i);
		host(sc, ipath, json_array_get(hosts, i), &p->hosts[p->nhosts++]);
	}
	same_hosts(sc, p);
	return 0;
}
