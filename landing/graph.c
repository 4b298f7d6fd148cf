/* landing/graph.c — resource types, their fields, keys and references. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lz.h"
#include "util.h"

static const char *const type_names[LZ_NTYPES] = {
	[LZ_NETWORK] = "network",         [LZ_SUBNET] = "subnet",
	[LZ_ROUTER] = "router",           [LZ_INTERFACE] = "interface",
	[LZ_ROUTE] = "route",             [LZ_SECGROUP] = "security_group",
	[LZ_RULE] = "rule",               [LZ_IKEPOLICY] = "ike_policy",
	[LZ_IPSECPOLICY] = "ipsec_policy", [LZ_EPGROUP] = "endpoint_group",
	[LZ_VPNSERVICE] = "vpn_service",  [LZ_CONNECTION] = "vpn_connection",
};

const char *lz_type_name(enum lz_type t)
{
	return (unsigned)t < LZ_NTYPES ? type_names[t] : "?";
}

int lz_type_from_name(const char *name)
{
	int t;

	for (t = 0; t < LZ_NTYPES; t++)
		if (name && strcmp(type_names[t], name) == 0)
			return t;
	return -1;
}

#define NAMED { "name", -1, false, false, true, false }

static const struct lz_field f_network[] = { NAMED, { 0 } };
static const struct lz_field f_subnet[] = {
	NAMED,
	{ "network", LZ_NETWORK, false, false, false, false },
	{ "cidr", -1, false, false, false, false },
	{ "gateway", -1, false, true, false, false },
	{ "dns", -1, false, true, false, false },
	{ 0 },
};
static const struct lz_field f_router[] = {
	NAMED,
	{ "external_network", -1, false, true, false, false },
	{ "snat", -1, false, true, false, false },
	{ 0 },
};
static const struct lz_field f_interface[] = {
	{ "router", LZ_ROUTER, false, false, true, false },
	{ "subnet", LZ_SUBNET, false, false, true, false },
	{ 0 },
};
static const struct lz_field f_route[] = {
	{ "router", LZ_ROUTER, false, false, true, false },
	{ "destination", -1, false, false, true, false },
	{ "nexthop", -1, false, false, true, false },
	{ 0 },
};
static const struct lz_field f_secgroup[] = { NAMED, { 0 } };
static const struct lz_field f_rule[] = {
	{ "group", LZ_SECGROUP, false, false, true, false },
	{ "direction", -1, false, false, true, false },
	{ "ethertype", -1, false, false, true, false },
	{ "protocol", -1, false, false, true, false },
	{ "port_min", -1, false, false, true, false },
	{ "port_max", -1, false, false, true, false },
	{ "remote_ip", -1, false, false, true, false },
	{ "remote_group", LZ_SECGROUP, false, false, true, false },
	{ 0 },
};
static const struct lz_field f_policy[] = {
	NAMED,
	{ "encryption", -1, false, true, false, false },
	{ "auth", -1, false, true, false, false },
	{ "pfs", -1, false, true, false, false },
	{ "lifetime", -1, false, true, false, false },
	{ 0 },
};
static const struct lz_field f_ikepolicy[] = {
	NAMED,
	{ "ike_version", -1, false, true, false, false },
	{ "encryption", -1, false, true, false, false },
	{ "auth", -1, false, true, false, false },
	{ "pfs", -1, false, true, false, false },
	{ "lifetime", -1, false, true, false, false },
	{ 0 },
};
static const struct lz_field f_epgroup_subnets[] = {
	NAMED,
	{ "ep_type", -1, false, false, false, false },
	{ "endpoints", LZ_SUBNET, true, false, false, false },
	{ 0 },
};
static const struct lz_field f_vpnservice[] = {
	NAMED,
	{ "router", LZ_ROUTER, false, false, false, false },
	{ 0 },
};
static const struct lz_field f_connection[] = {
	NAMED,
	{ "vpnservice", LZ_VPNSERVICE, false, false, false, false },
	{ "ikepolicy", LZ_IKEPOLICY, false, false, false, false },
	{ "ipsecpolicy", LZ_IPSECPOLICY, false, false, false, false },
	{ "local_group", LZ_EPGROUP, false, false, false, false },
	{ "peer_group", LZ_EPGROUP, false, false, false, false },
	{ "peer_address", -1, false, true, false, false },
	{ "peer_id", -1, false, true, false, false },
	{ "mtu", -1, false, true, false, false },
	{ "psk_file", -1, false, false, false, true },
	{ 0 },
};

const struct lz_field *lz_fields(enum lz_type t)
{
	switch (t) {
	case LZ_NETWORK: return f_network;
	case LZ_SUBNET: return f_subnet;
	case LZ_ROUTER: return f_router;
	case LZ_INTERFACE: return f_interface;
	case LZ_ROUTE: return f_route;
	case LZ_SECGROUP: return f_secgroup;
	case LZ_RULE: return f_rule;
	case LZ_IKEPOLICY: return f_ikepolicy;
	case LZ_IPSECPOLICY: return f_policy;
	/* cidr endpoint groups hold prefixes, not names: refs are skipped for them */
	case LZ_EPGROUP: return f_epgroup_subnets;
	case LZ_VPNSERVICE: return f_vpnservice;
	case LZ_CONNECTION: return f_connection;
	case LZ_NTYPES: break;
	}
	return f_network;
}

static void append_value(char *buf, size_t len, const json_t *v)
{
	size_t used = strlen(buf);

	if (json_is_string(v))
		snprintf(buf + used, len - used, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf + used, len - used, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf + used, len - used, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf + used, len - used, "-");
}

char *lz_key(enum lz_type t, const json_t *attrs)
{
	const struct lz_field *f;
	char buf[1024];
	bool first = true;

	snprintf(buf, sizeof(buf), "%s:", lz_type_name(t));
	for (f = lz_fields(t); f->name; f++) {
		if (!f->identity)
			continue;
		if (!first)
			strncat(buf, "/", sizeof(buf) - strlen(buf) - 1);
		first = false;
		append_value(buf, sizeof(buf), json_object_get(attrs, f->name));
	}
	return xstrdup(buf);
}

static void add_ref(char ***keys, size_t *n, int type, const json_t *name)
{
	if (!json_is_string(name) || !json_string_value(name)[0])
		return;
	*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
	(*keys)[(*n)++] = xasprintf("%s:%s", lz_type_name(type), json_string_value(name));
}

void lz_refs(enum lz_type t, const json_t *attrs, char ***keys, size_t *n)
{
	const struct lz_field *f;
	size_t i;

	for (f = lz_fields(t); f->name; f++) {
		const json_t *v = json_object_get(attrs, f->name);
		if (f->ref < 0)
			continue;
		if (!f->ref_array) {
			add_ref(keys, n, f->ref, v);
			continue;
		}
		if (t == LZ_EPGROUP &&
		    strcmp(json_string_value(json_object_get(attrs, "ep_type")) ?: "", "subnet") != 0)
			continue;
		for (i = 0; i < json_array_size(v); i++)
			add_ref(keys, n, f->ref, json_array_get(v, i));
	}
}

void lz_graph_free(struct lz_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->v[i].key);
		free(g->v[i].path);
		json_decref(g->v[i].attrs);
	}
	free(g->v);
	free(g->zone);
	free(g->dir);
	free(g);
}

size_t lz_graph_add(struct lz_graph *g, enum lz_type t, json_t *attrs, const char *path)
{
	struct lz_res *r;

	g->v = xrealloc(g->v, (g->n + 1) * sizeof(*g->v));
	r = &g->v[g->n];
	r->type = t;
	r->attrs = attrs;
	r->key = lz_key(t, attrs);
	r->path = xstrdup(path ? path : "");
	return g->n++;
}

long lz_graph_find(const struct lz_graph *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i].key, key) == 0)
			return (long)i;
	return -1;
}

void lz_marker(const char *zone, char *buf, size_t len)
{
	snprintf(buf, len, "cutover:%s", zone);
}
