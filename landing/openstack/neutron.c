/* landing/openstack/neutron.c — the OpenStack Neutron v2.0 provider.
 *
 * Ownership: every object cutover makes carries the description
 * "cutover:<zone>" from its first call (so an object made just before a
 * crash is still found), and the tag "cutover:<zone>" where the type takes
 * tags (Zed refuses tags in a create body: one more PUT). Lists filter on
 * the description, one call per type; router interfaces are read from the
 * ports list, routes from the routers'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neutron.h"
#include "secret.h"
#include "util.h"

struct ntype {
	const char *coll;   /* path under /v2.0 */
	const char *one;    /* singular JSON key */
	const char *many;   /* plural JSON key */
	bool tags;
};

static const struct ntype ntypes[LZ_NTYPES] = {
	[LZ_NETWORK] = { "networks", "network", "networks", true },
	[LZ_SUBNET] = { "subnets", "subnet", "subnets", true },
	[LZ_ROUTER] = { "routers", "router", "routers", true },
	[LZ_INTERFACE] = { "ports", "port", "ports", false },
	[LZ_ROUTE] = { "routers", "router", "routers", false },
	[LZ_SECGROUP] = { "security-groups", "security_group", "security_groups", true },
	[LZ_RULE] = { "security-group-rules", "security_group_rule", "security_group_rules", false },
	[LZ_IKEPOLICY] = { "vpn/ikepolicies", "ikepolicy", "ikepolicies", false },
	[LZ_IPSECPOLICY] = { "vpn/ipsecpolicies", "ipsecpolicy", "ipsecpolicies", false },
	[LZ_EPGROUP] = { "vpn/endpoint-groups", "endpoint_group", "endpoint_groups", false },
	[LZ_VPNSERVICE] = { "vpn/vpnservices", "vpnservice", "vpnservices", false },
	[LZ_CONNECTION] = { "vpn/ipsec-site-connections", "ipsec_site_connection",
			    "ipsec_site_connections", false },
};

/* ---------- answers ---------- */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

int neutron_error_message(long status, const char *body, size_t len, char *type, size_t tlen,
			  char *msg, size_t mlen)
{
	json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
	json_t *e = json_object_get(doc, "NeutronError");
	int shaped = json_is_object(e) ? 0 : -1;

	snprintf(type, tlen, "HTTP %ld", status);
	snprintf(msg, mlen, "%s", "(no message)");
	if (json_is_object(e)) {
		snprintf(type, tlen, "%s", str(e, "type"));
		snprintf(msg, mlen, "%s", str(e, "message"));
	} else if (json_is_string(e)) {
		snprintf(msg, mlen, "%s", json_string_value(e));
	} else if (body && len) {
		snprintf(msg, mlen, "%.*s", (int)(len > 200 ? 200 : len), body);
	}
	json_decref(doc);
	/* cut by snprintf, or raw bytes: made UTF-8, or --json and the journal
	 * (JSON strings) would drop the message */
	utf8_fix(type);
	utf8_fix(msg);
	return shaped;
}

static void add_raw(struct lz_obj *o, const char *field, const char *id)
{
	json_object_set_new(o->raw_ids, field, json_string(id));
}

static bool has_tag(const json_t *o, const char *marker)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, "tags"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), marker) == 0)
			return true;
	return false;
}

static json_t *strings_of(const json_t *arr)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			json_array_append(out, v);
	return out;
}

static void parse_routes(struct lz_state *st, const json_t *r)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r, "routes"), i, v) {
		struct lz_obj *o = lz_state_add(st, LZ_ROUTE, str(r, "id"),
						json_pack("{s:s,s:s}", "destination",
							  str(v, "destination"), "nexthop",
							  str(v, "nexthop")));
		add_raw(o, "router", str(r, "id"));
	}
}

static json_t *policy_attrs(const json_t *p, bool ike)
{
	json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:I}", "name", str(p, "name"), "encryption",
			      str(p, "encryption_algorithm"), "auth", str(p, "auth_algorithm"), "pfs",
			      str(p, "pfs"), "lifetime",
			      num(json_object_get(p, "lifetime"), "value"));

	if (ike)
		json_object_set_new(a, "ike_version", json_string(str(p, "ike_version")));
	return a;
}

static json_t *rule_attrs(const json_t *r)
{
	const char *proto = str(r, "protocol");

	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "direction", str(r, "direction"),
			 "ethertype", str(r, "ethertype"), "protocol", proto[0] ? proto : "any",
			 "port_min", num(r, "port_range_min"), "port_max", num(r, "port_range_max"),
			 "remote_ip", str(r, "remote_ip_prefix"));
}

/* A router interface's port, by its owner: a legacy router's, a
 * distributed (DVR) router's, or an HA router's (l3_ha, often the cloud's
 * default) — all three are the interfaces a template asks for. */
#define INTERFACE_OWNERS_QUERY                                                                    \
	"device_owner=network%3Arouter_interface"                                                 \
	"&device_owner=network%3Arouter_interface_distributed"                                    \
	"&device_owner=network%3Aha_router_replicated_interface"

static bool interface_owner(const char *owner)
{
	return strcmp(owner, "network:router_interface") == 0 ||
	       strcmp(owner, "network:router_interface_distributed") == 0 ||
	       strcmp(owner, "network:ha_router_replicated_interface") == 0;
}

/* An id the cloud gave: it goes into URL paths (lz_id_ok). */
static bool valid_id(const json_t *id)
{
	return lz_id_ok(json_string_value(id));
}

static void parse_one(enum lz_type t, const json_t *x, const char *marker, const char *project,
		      struct lz_state *st)
{
	struct lz_obj *o;
	json_t *egi;

	/* the filters were ignored: never take what is not ours */
	if (t != LZ_INTERFACE && strcmp(str(x, "description"), marker) != 0)
		return;
	if (project && strcmp(str(x, "project_id"), project) != 0 &&
	    strcmp(str(x, "tenant_id"), project) != 0)
		return;
	switch (t) {
	case LZ_NETWORK:
	case LZ_SECGROUP:
		o = lz_state_add(st, t, str(x, "id"), json_pack("{s:s}", "name", str(x, "name")));
		break;
	case LZ_SUBNET:
		o = lz_state_add(st, t, str(x, "id"),
				 json_pack("{s:s,s:s,s:s,s:o}", "name", str(x, "name"), "cidr",
					   str(x, "cidr"), "gateway", str(x, "gateway_ip"), "dns",
					   strings_of(json_object_get(x, "dns_nameservers"))));
		add_raw(o, "network", str(x, "network_id"));
		break;
	case LZ_ROUTER:
		egi = json_object_get(x, "external_gateway_info");
		o = lz_state_add(st, t, str(x, "id"),
				 json_pack("{s:s,s:s,s:b}", "name", str(x, "name"),
					   "external_network", "", "snat",
					   json_is_true(json_object_get(egi, "enable_snat"))));
		json_object_set_new(o->raw_ids, "external_network_id",
				    json_string(str(egi, "network_id")));
		parse_routes(st, x);
		o = &st->v[st->n - 1 - json_array_size(json_object_get(x, "routes"))];
		break;
	case LZ_INTERFACE:
		/* a router-interface port that no router holds is a leftover of a
		 * half-failed add, not an interface (see interface_fix_call) */
		if (!interface_owner(str(x, "device_owner")) || !str(x, "device_id")[0])
			return;
		o = lz_state_add(st, t, str(x, "device_id"), json_object());
		add_raw(o, "router", str(x, "device_id"));
		add_raw(o, "subnet",
			str(json_array_get(json_object_get(x, "fixed_ips"), 0), "subnet_id"));
		break;
	case LZ_RULE:
		o = lz_state_add(st, t, str(x, "id"), rule_attrs(x));
		add_raw(o, "group", str(x, "security_group_id"));
		add_raw(o, "remote_group", str(x, "remote_group_id"));
		break;
	case LZ_IKEPOLICY:
	case LZ_IPSECPOLICY:
		o = lz_state_add(st, t, str(x, "id"), policy_attrs(x, t == LZ_IKEPOLICY));
		break;
	case LZ_EPGROUP:
		o = lz_state_add(st, t, str(x, "id"),
				 json_pack("{s:s,s:s}", "name", str(x, "name"), "ep_type",
					   str(x, "type")));
		if (strcmp(str(x, "type"), "subnet") == 0)
			json_object_set_new(o->raw_ids, "endpoints",
					    strings_of(json_object_get(x, "endpoints")));
		else
			json_object_set_new(o->attrs, "endpoints",
					    strings_of(json_object_get(x, "endpoints")));
		lz_sort_strings(json_object_get(o->attrs, "endpoints"));
		break;
	case LZ_VPNSERVICE:
		o = lz_state_add(st, t, str(x, "id"), json_pack("{s:s}", "name", str(x, "name")));
		add_raw(o, "router", str(x, "router_id"));
		break;
	case LZ_CONNECTION:
		/* the answer carries the pre-shared key: never in attrs, only kept
		 * (wiped later) to tell whether the key file was rotated */
		o = lz_state_add(st, t, str(x, "id"),
				 json_pack("{s:s,s:s,s:s,s:I}", "name", str(x, "name"),
					   "peer_address", str(x, "peer_address"), "peer_id",
					   str(x, "peer_id"), "mtu", num(x, "mtu")));
		if (json_is_string(json_object_get(x, "psk")))
			(void)secret_buf_set(&o->secret, str(x, "psk"),
					     json_string_length(json_object_get(x, "psk")));
		add_raw(o, "vpnservice", str(x, "vpnservice_id"));
		add_raw(o, "ikepolicy", str(x, "ikepolicy_id"));
		add_raw(o, "ipsecpolicy", str(x, "ipsecpolicy_id"));
		add_raw(o, "local_group", str(x, "local_ep_group_id"));
		add_raw(o, "peer_group", str(x, "peer_ep_group_id"));
		break;
	default:
		return;
	}
	o->tagged = !ntypes[t].tags || has_tag(x, marker);
}

static int parse_list(enum lz_type t, const char *zone, const char *project, const char *body,
		      size_t len, struct lz_state *st, struct cut_err *err)
{
	char marker[LZ_ZONE_MAX + 16];
	json_t *doc, *arr, *x;
	size_t i;

	lz_marker(zone, marker, sizeof(marker));
	doc = json_loadb(body ? body : "", len, 0, NULL);
	arr = json_object_get(doc, ntypes[t].many);
	if (!json_is_array(arr)) {
		json_decref(doc);
		return cut_errf(err, CUT_EPEER, "check that the endpoint is a Neutron v2.0 API",
				"listing %s: the answer has no \"%s\" list", ntypes[t].coll,
				ntypes[t].many);
	}
	json_array_foreach(arr, i, x) {
		if (!json_is_object(x))
			continue;
		if (!valid_id(json_object_get(x, "id"))) {
			json_decref(doc);
			return cut_errf(err, CUT_EPEER, "check that the endpoint is a Neutron v2.0 API",
					"listing %s: object %zu has no valid id", ntypes[t].coll, i);
		}
		parse_one(t, x, marker, project, st);
	}
	json_decref(doc);
	return 0;
}

/* The zone's objects of a collection: by the marker, in the credentials'
 * project when it is known — with an admin's token Neutron lists every
 * project's, and another project may have a zone of the same name. */
static char *zone_query(const char *coll, const char *zone, const char *project)
{
	return xasprintf("/v2.0/%s?description=cutover%%3A%s%s%s", coll, zone,
			 project ? "&project_id=" : "", project ? project : "");
}

static bool list_call(enum lz_type t, const char *zone, const char *project,
		      struct lz_call *call)
{
	memset(call, 0, sizeof(*call));
	if (t == LZ_ROUTE)
		return false;
	call->method = "GET";
	if (t == LZ_INTERFACE)
		call->path = xasprintf("/v2.0/ports?%s%s%s", INTERFACE_OWNERS_QUERY,
				       project ? "&project_id=" : "", project ? project : "");
	else
		call->path = zone_query(ntypes[t].coll, zone, project);
	return true;
}

static void externals_call(struct lz_call *call)
{
	memset(call, 0, sizeof(*call));
	call->method = "GET";
	call->path = xstrdup("/v2.0/networks?router%3Aexternal=true&fields=id&fields=name");
}

/* Neutron's pagination (pagination_max_limit set): "<collection>_links":
 * [{"rel": "next", "href": "http://host:9696/v2.0/ports?limit=…&marker=…"}].
 * Only the path is taken: the host in href is the server's own idea of its
 * name, the endpoint is the one cutover was given. */
static char *next_page(const char *body, size_t len)
{
	json_t *doc = json_loadb(body ? body : "", len, 0, NULL), *links, *l;
	const char *key, *href, *path;
	char *ret = NULL;
	size_t i;

	json_object_foreach(doc, key, links) {
		if (strlen(key) < 7 || strcmp(key + strlen(key) - 6, "_links") != 0)
			continue;
		json_array_foreach(links, i, l) {
			href = str(l, "href");
			path = strstr(href, "/v2.0/");
			if (ret || strcmp(str(l, "rel"), "next") != 0 || !path)
				continue;
			if (strcspn(path, " \t\r\n\"<>\\") == strlen(path))
				ret = xstrdup(path);
		}
	}
	json_decref(doc);
	return ret;
}

static int parse_externals(const char *body, size_t len, struct lz_state *st, struct cut_err *err)
{
	json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
	json_t *arr = json_object_get(doc, "networks"), *x;
	size_t i;

	if (!json_is_array(arr)) {
		json_decref(doc);
		return cut_errf(err, CUT_EPEER, "check that the endpoint is a Neutron v2.0 API",
				"listing external networks: no \"networks\" in the answer");
	}
	if (!st->externals)
		st->externals = json_object();
	json_array_foreach(arr, i, x)
		json_object_set_new(st->externals, str(x, "name"), json_string(str(x, "id")));
	json_decref(doc);
	return 0;
}

/* ---------- operations ---------- */

static char *dump(json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	return s;
}

static int need_id(const struct lz_op *op, enum lz_type t, const char *name, const char **ret,
		   struct cut_err *err)
{
	*ret = lz_state_id(op->st, t, name);
	if (*ret)
		return 0;
	return cut_errf(err, CUT_EINTERNAL, "run plan again: it was made in this run",
			"%s %s: %s \"%s\" has no id yet", lz_type_name(op->type),
			str(op->attrs, "name"), lz_type_name(t), name);
}

static const char *ext_id(const struct lz_op *op)
{
	return json_string_value(json_object_get(op->st->externals,
						 str(op->attrs, "external_network")));
}

static json_t *router_gateway(const struct lz_op *op, struct cut_err *err, int *r)
{
	const char *ext = str(op->attrs, "external_network");
	const char *id;

	*r = 0;
	if (!ext[0])
		return json_null();
	id = ext_id(op);
	if (!id) {
		*r = cut_errf(err, CUT_EINPUT,
			      "create it, or pass --param external_network=NAME with an existing one",
			      "router %s: no external network named \"%s\" in the cloud",
			      str(op->attrs, "name"), ext);
		return NULL;
	}
	return json_pack("{s:s,s:b}", "network_id", id, "enable_snat",
			 json_is_true(json_object_get(op->attrs, "snat")));
}

static json_t *ids_of(const struct lz_op *op, const json_t *names, struct cut_err *err, int *r)
{
	json_t *out = json_array(), *v;
	const char *id;
	size_t i;

	json_array_foreach(names, i, v) {
		*r = need_id(op, LZ_SUBNET, json_string_value(v), &id, err);
		if (*r < 0) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, json_string(id));
	}
	return out;
}

static int read_psk(const struct lz_op *op, struct secret_buf *psk, struct cut_err *err)
{
	char *path = path_relative_to(op->dir ? op->dir : "", str(op->attrs, "psk_file"));
	int r;

	if (!str(op->attrs, "psk_file")[0]) {
		free(path);
		return cut_errf(err, CUT_EINPUT, "give the VPN's \"psk_file\" in the template",
				"VPN connection %s: no pre-shared key file", str(op->attrs, "name"));
	}
	r = secret_read_file(path, psk, err);
	if (r < 0)
		cut_err_prefix(err, "VPN connection %s: pre-shared key", str(op->attrs, "name"));
	free(path);
	return r;
}

static int set_psk(const struct lz_op *op, json_t *o, struct cut_err *err)
{
	struct secret_buf psk;
	int r = read_psk(op, &psk, err);

	if (r < 0)
		return r;
	if (!lz_psk_is_text(psk.data, psk.len)) {
		/* json_stringn would drop it: a rotation journaled done, the old key kept */
		secret_buf_free(&psk);
		return cut_errf(err, CUT_EINPUT, "write the key as one line of text, mode 0600",
				"VPN connection %s: pre-shared key file %s: not text (UTF-8, no "
				"control characters)", str(op->attrs, "name"), str(op->attrs, "psk_file"));
	}
	json_object_set_new(o, "psk", json_stringn((const char *)psk.data, psk.len));
	secret_buf_free(&psk);
	return 0;
}

static int connection_body(const struct lz_op *op, json_t *o, struct cut_err *err)
{
	static const struct { const char *field, *api; enum lz_type t; } refs[] = {
		{ "vpnservice", "vpnservice_id", LZ_VPNSERVICE },
		{ "ikepolicy", "ikepolicy_id", LZ_IKEPOLICY },
		{ "ipsecpolicy", "ipsecpolicy_id", LZ_IPSECPOLICY },
		{ "local_group", "local_ep_group_id", LZ_EPGROUP },
		{ "peer_group", "peer_ep_group_id", LZ_EPGROUP },
	};
	const char *id;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		r = need_id(op, refs[i].t, str(op->attrs, refs[i].field), &id, err);
		if (r < 0)
			return r;
		json_object_set_new(o, refs[i].api, json_string(id));
	}
	json_object_set_new(o, "peer_address", json_string(str(op->attrs, "peer_address")));
	json_object_set_new(o, "peer_id", json_string(str(op->attrs, "peer_id")));
	json_object_set_new(o, "mtu", json_integer(num(op->attrs, "mtu")));
	return set_psk(op, o, err);
}

static void policy_body(const struct lz_op *op, json_t *o)
{
	json_object_set_new(o, "encryption_algorithm", json_string(str(op->attrs, "encryption")));
	json_object_set_new(o, "auth_algorithm", json_string(str(op->attrs, "auth")));
	json_object_set_new(o, "pfs", json_string(str(op->attrs, "pfs")));
	json_object_set_new(o, "lifetime", json_pack("{s:s,s:I}", "units", "seconds", "value",
						     num(op->attrs, "lifetime")));
	if (op->type == LZ_IKEPOLICY)
		json_object_set_new(o, "ike_version", json_string(str(op->attrs, "ike_version")));
}

static int rule_body(const struct lz_op *op, json_t *o, struct cut_err *err)
{
	const char *gid, *rid, *proto = str(op->attrs, "protocol");
	int r = need_id(op, LZ_SECGROUP, str(op->attrs, "group"), &gid, err);

	if (r < 0)
		return r;
	json_object_set_new(o, "security_group_id", json_string(gid));
	json_object_set_new(o, "direction", json_string(str(op->attrs, "direction")));
	json_object_set_new(o, "ethertype", json_string(str(op->attrs, "ethertype")));
	json_object_set_new(o, "protocol", strcmp(proto, "any") ? json_string(proto) : json_null());
	if (num(op->attrs, "port_min")) {
		json_object_set_new(o, "port_range_min", json_integer(num(op->attrs, "port_min")));
		json_object_set_new(o, "port_range_max", json_integer(num(op->attrs, "port_max")));
	}
	if (str(op->attrs, "remote_ip")[0])
		json_object_set_new(o, "remote_ip_prefix", json_string(str(op->attrs, "remote_ip")));
	if (str(op->attrs, "remote_group")[0]) {
		r = need_id(op, LZ_SECGROUP, str(op->attrs, "remote_group"), &rid, err);
		if (r < 0)
			return r;
		json_object_set_new(o, "remote_group_id", json_string(rid));
	}
	return 0;
}

/* The object body of a create: {"name", "description", …type fields}. */
static int create_fields(const struct lz_op *op, json_t *o, struct cut_err *err)
{
	const char *id;
	json_t *v;
	int r = 0;

	switch (op->type) {
	case LZ_SUBNET:
		r = need_id(op, LZ_NETWORK, str(op->attrs, "network"), &id, err);
		if (r < 0)
			return r;
		json_object_set_new(o, "network_id", json_string(id));
		json_object_set_new(o, "cidr", json_string(str(op->attrs, "cidr")));
		json_object_set_new(o, "ip_version",
				    json_integer(strchr(str(op->attrs, "cidr"), ':') ? 6 : 4));
		json_object_set_new(o, "gateway_ip", json_string(str(op->attrs, "gateway")));
		json_object_set(o, "dns_nameservers", json_object_get(op->attrs, "dns"));
		return 0;
	case LZ_ROUTER:
		v = router_gateway(op, err, &r);
		if (v && !json_is_null(v))
			json_object_set_new(o, "external_gateway_info", v);
		json_decref(json_is_null(v) ? v : NULL);
		return r;
	case LZ_RULE:
		json_object_del(o, "name");
		return rule_body(op, o, err);
	case LZ_IKEPOLICY:
	case LZ_IPSECPOLICY:
		policy_body(op, o);
		return 0;
	case LZ_EPGROUP:
		json_object_set_new(o, "type", json_string(str(op->attrs, "ep_type")));
		if (strcmp(str(op->attrs, "ep_type"), "subnet") == 0)
			v = ids_of(op, json_object_get(op->attrs, "endpoints"), err, &r);
		else
			v = json_incref(json_object_get(op->attrs, "endpoints"));
		if (v)
			json_object_set_new(o, "endpoints", v);
		return r;
	case LZ_VPNSERVICE:
		r = need_id(op, LZ_ROUTER, str(op->attrs, "router"), &id, err);
		if (r == 0)
			json_object_set_new(o, "router_id", json_string(id));
		return r;
	case LZ_CONNECTION:
		return connection_body(op, o, err);
	default:
		return 0;
	}
}

static void set_path(struct lz_call *call, const char *method, char *path)
{
	call->method = method;
	call->path = path;
}

/* Interfaces and routes are actions on their router. */
static int router_action(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	bool add = op->verb == LZ_CREATE;
	const char *rid, *sid;
	json_t *body;
	int r = need_id(op, LZ_ROUTER, str(op->attrs, "router"), &rid, err);

	if (r < 0)
		return r;
	if (op->type == LZ_INTERFACE) {
		r = need_id(op, LZ_SUBNET, str(op->attrs, "subnet"), &sid, err);
		if (r < 0)
			return r;
		body = json_pack("{s:s}", "subnet_id", sid);
		set_path(call, "PUT",
			 xasprintf("/v2.0/routers/%s/%s_router_interface", rid, add ? "add" : "remove"));
	} else {
		body = json_pack("{s:{s:[{s:s,s:s}]}}", "router", "routes", "destination",
				 str(op->attrs, "destination"), "nexthop", str(op->attrs, "nexthop"));
		set_path(call, "PUT",
			 xasprintf("/v2.0/routers/%s/%s_extraroutes", rid, add ? "add" : "remove"));
	}
	call->body = dump(body);
	return 0;
}

static int create_call(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	const struct ntype *nt = &ntypes[op->type];
	char marker[LZ_ZONE_MAX + 16];
	json_t *o;
	int r;

	lz_marker(op->zone, marker, sizeof(marker));
	if (op->lookup) {
		/* an earlier try may have made it: look before making it again */
		set_path(call, "GET", zone_query(nt->coll, op->zone, op->project));
		return 0;
	}
	o = json_pack("{s:s,s:s}", "name", str(op->attrs, "name"), "description", marker);
	r = create_fields(op, o, err);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	set_path(call, "POST", xasprintf("/v2.0/%s", nt->coll));
	call->body = dump(json_pack("{s:o}", nt->one, o));
	return 0;
}

static int tag_call(struct lz_op *op, struct lz_call *call)
{
	char marker[LZ_ZONE_MAX + 16];

	lz_marker(op->zone, marker, sizeof(marker));
	/* PUT .../tags/TAG adds this one tag; PUT .../tags would replace the
	 * tags others set (billing, monitoring), unjournaled */
	set_path(call, "PUT", xasprintf("/v2.0/%s/%s/tags/%s", ntypes[op->type].coll, op->id,
					marker));
	return 0;
}

static int update_call(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	json_t *o = json_object(), *v;
	int r = 0;

	switch (op->type) {
	case LZ_SUBNET:
		json_object_set_new(o, "gateway_ip", json_string(str(op->attrs, "gateway")));
		json_object_set(o, "dns_nameservers", json_object_get(op->attrs, "dns"));
		break;
	case LZ_ROUTER:
		v = router_gateway(op, err, &r);
		if (v)
			json_object_set_new(o, "external_gateway_info", v);
		break;
	case LZ_IKEPOLICY:
	case LZ_IPSECPOLICY:
		policy_body(op, o);
		break;
	case LZ_CONNECTION:
		json_object_set_new(o, "peer_address", json_string(str(op->attrs, "peer_address")));
		json_object_set_new(o, "peer_id", json_string(str(op->attrs, "peer_id")));
		json_object_set_new(o, "mtu", json_integer(num(op->attrs, "mtu")));
		/* the key file's key (a rotation, or its undo from the saved
		 * old key); journals older than key rotation name no file */
		if (str(op->attrs, "psk_file")[0])
			r = set_psk(op, o, err);
		break;
	default:
		break;
	}
	if (r < 0) {
		json_decref(o);
		return r;
	}
	set_path(call, "PUT", xasprintf("/v2.0/%s/%s", ntypes[op->type].coll, op->id));
	call->body = dump(json_pack("{s:o}", ntypes[op->type].one, o));
	return 0;
}

/* An interface add that failed half-way on a server (SQLite's "database is
 * locked" after Neutron made the interface's port and before it recorded it
 * as the router's) leaves a port holding the subnet's gateway address: the
 * add's retry then gets 409 IpAddressAlreadyAllocated. Such a port belongs
 * to our router (or to none) and is owned as a router interface, so it is
 * freed and deleted (Neutron refuses to delete a router's port directly),
 * and the add is tried once more. A port of anything else is never touched. */
enum { FIX_NONE, FIX_FIND, FIX_RELEASE, FIX_DELETE, FIX_TRIED };
#define FREED_PORT_NAME "cutover-freed-interface"

static int interface_fix_call(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	const char *sid;
	int r;

	switch (op->fix) {
	case FIX_FIND:
		r = need_id(op, LZ_SUBNET, str(op->attrs, "subnet"), &sid, err);
		if (r < 0)
			return r;
		set_path(call, "GET", xasprintf("/v2.0/ports?fixed_ips=subnet_id%%3D%s", sid));
		return 0;
	case FIX_RELEASE:
		/* named, so a repair cut off before its delete finds it again */
		set_path(call, "PUT", xasprintf("/v2.0/ports/%s", op->fix_id));
		call->body = xstrdup("{\"port\":{\"device_owner\":\"\",\"device_id\":\"\","
				     "\"name\":\"" FREED_PORT_NAME "\"}}");
		return 0;
	default:
		set_path(call, "DELETE", xasprintf("/v2.0/ports/%s", op->fix_id));
		return 0;
	}
}

/* The port a half-failed add left: a router interface on the subnet that
 * belongs to this router or to none, or one an earlier repair freed and
 * did not get to delete (it named it so). */
static const char *leftover_port(const struct lz_op *op, const json_t *ports)
{
	const char *rid = lz_state_id(op->st, LZ_ROUTER, str(op->attrs, "router"));
	const json_t *x;
	size_t i;

	json_array_foreach(ports, i, x) {
		const char *dev = str(x, "device_id"), *owner = str(x, "device_owner");
		bool ours = interface_owner(owner) && (!dev[0] || (rid && strcmp(dev, rid) == 0));
		bool freed = !owner[0] && !dev[0] && strcmp(str(x, "name"), FREED_PORT_NAME) == 0;
		if ((ours || freed) && valid_id(json_object_get(x, "id")))
			return str(x, "id");
	}
	return NULL;
}

static int interface_fix_answer(struct lz_op *op, long status, const char *body, size_t len,
				struct cut_err *err)
{
	const char *port = NULL;
	json_t *doc;

	if (op->fix == FIX_FIND && status == 200) {
		doc = json_loadb(body ? body : "", len, 0, NULL);
		port = leftover_port(op, json_object_get(doc, "ports"));
		free(op->fix_id);
		op->fix_id = port && port[0] ? xstrdup(port) : NULL;
		json_decref(doc);
		op->fix = op->fix_id ? FIX_RELEASE : FIX_TRIED;
		if (!op->fix_id)
			return cut_errf(err, CUT_EPEER,
					"find what holds the address (openstack port list "
					"--fixed-ip subnet=SUBNET), remove it, and run again",
					"create interface %s to %s: Neutron answered 409 "
					"IpAddressAlreadyAllocated: the subnet's gateway address "
					"is held by a port that is not this router's",
					str(op->attrs, "router"), str(op->attrs, "subnet"));
		return LZ_OP_NEXT;
	}
	if (op->fix == FIX_RELEASE && status >= 200 && status < 300) {
		op->fix = FIX_DELETE;
		return LZ_OP_NEXT;
	}
	if (op->fix == FIX_DELETE && ((status >= 200 && status < 300) || status == 404)) {
		op->fix = FIX_TRIED; /* add again, once */
		return LZ_OP_NEXT;
	}
	return cut_errf(err, CUT_EPEER, "run again; if it persists, check the Neutron server's log",
			"create interface %s to %s: removing the port %s that a half-failed "
			"add left: Neutron answered %ld",
			str(op->attrs, "router"), str(op->attrs, "subnet"),
			op->fix_id ? op->fix_id : "(not found)", status);
}

static int build_call(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	bool tags = ntypes[op->type].tags;

	memset(call, 0, sizeof(*call));
	if (op->type == LZ_INTERFACE || op->type == LZ_ROUTE) {
		if (op->stage > 0 || op->verb == LZ_UPDATE)
			return LZ_OP_DONE;
		if (op->fix > FIX_NONE && op->fix < FIX_TRIED)
			return interface_fix_call(op, call, err);
		return router_action(op, call, err);
	}
	switch (op->verb) {
	case LZ_CREATE:
		if (op->stage == 0)
			return create_call(op, call, err);
		if (op->stage == 1 && tags)
			return tag_call(op, call);
		return LZ_OP_DONE;
	case LZ_UPDATE:
		if (op->stage == 0 && !op->tag_only)
			return update_call(op, call, err);
		if (op->stage <= 1 && tags) {
			op->stage = 1;
			return tag_call(op, call);
		}
		return LZ_OP_DONE;
	case LZ_DELETE:
		if (op->stage > 0)
			return LZ_OP_DONE;
		set_path(call, "DELETE", xasprintf("/v2.0/%s/%s", ntypes[op->type].coll, op->id));
		return 0;
	default:
		return LZ_OP_DONE;
	}
}

/* Router create and delete and interface add and remove take ~1 s of a
 * Neutron API worker each (L3 scheduling); the other calls 0.01-0.15 s.
 * Such a call goes on a new connection, which the server hands to a free
 * worker, rather than on a kept-alive one held by a worker already busy
 * (lz_http spaces new connections out). */
static int op_call(struct lz_op *op, struct lz_call *call, struct cut_err *err)
{
	int r = build_call(op, call, err);

	if (r == 0 && !op->lookup && (op->fix == FIX_NONE || op->fix == FIX_TRIED))
		call->own_connection = op->type == LZ_INTERFACE ||
				       (op->type == LZ_ROUTER && op->stage == 0 && op->verb != LZ_UPDATE);
	return r;
}

/* A router whose create failed after its row was made (setting the gateway
 * met a locked database) is deleted again by Neutron itself: one without
 * the gateway it was asked for is such a half-made one, never adopted. */
static bool complete(const struct lz_op *op, const struct lz_obj *o)
{
	if (op->type != LZ_ROUTER || !str(op->attrs, "external_network")[0])
		return true;
	return str(o->raw_ids, "external_network_id")[0] != '\0';
}

/* After a lookup: adopt the object if an earlier try made it. */
static int lookup_answer(struct lz_op *op, const char *body, size_t len, struct cut_err *err)
{
	struct lz_state tmp = { 0 };
	const char *name = str(op->attrs, "name");
	size_t i;
	int r;

	op->lookup = false;
	r = parse_list(op->type, op->zone, op->project, body, len, &tmp, err);
	for (i = 0; r == 0 && i < tmp.n; i++) {
		if (strcmp(str(tmp.v[i].attrs, "name"), name) != 0 || op->type == LZ_RULE)
			continue;
		if (!complete(op, &tmp.v[i])) {
			op->stray_seen = true;
			continue;
		}
		free(op->id);
		op->id = xstrdup(tmp.v[i].id);
		op->exists = true;
		op->stage++;
		break;
	}
	lz_state_clear(&tmp);
	return r < 0 ? r : LZ_OP_NEXT;
}

static const char *what_to_do(long status, const char *type)
{
	if (status == 409 && strstr(type, "InUse"))
		return "something outside this zone still uses it: remove that first, then run "
		       "again";
	if (status == 409 && strstr(type, "OverQuota"))
		return "raise the project's quota or make the zone smaller";
	if (status == 409)
		return "the cloud's state conflicts: run `cutover landing plan` to see it";
	if (status == 400 && strstr(type, "VPNStateInvalidToUpdate"))
		return "the VPN agent has not finished setting it up (PENDING_*): run again once "
		       "its status is ACTIVE or DOWN";
	if (status == 400)
		return "fix the value in the template (or the cloud's configuration) and run again";
	if (status == 401 || status == 403)
		return "check the credentials (OS_* variables or the credentials file)";
	if (status == 404)
		return "it is gone: run `cutover landing plan` again";
	return "run again; if it persists, check the Neutron server's log";
}

static bool gone_is_fine(const struct lz_op *op, long status, const char *type,
			 const char *msg)
{
	if (op->verb == LZ_DELETE && status == 404)
		return true;
	if (op->type == LZ_INTERFACE && op->verb == LZ_CREATE && status == 400 &&
	    strstr(msg, "already has a port on subnet"))
		return true;
	/* the same rule is there already: in effect. Not any 409: OverQuota is
	 * one too, and that rule is not in the cloud */
	if (op->type == LZ_RULE && op->verb == LZ_CREATE && status == 409 &&
	    strcmp(type, "SecurityGroupRuleExists") == 0)
		return true;
	return false;
}

/* A rule has no name: its key says what it opens (group/direction/...). */
static void rule_name(const json_t *attrs, char *buf, size_t size)
{
	char *key = lz_key(LZ_RULE, attrs);

	snprintf(buf, size, "%s", key + strlen(lz_type_name(LZ_RULE)) + 1);
	free(key);
}

/* How an error names the object: its name, or what it joins. */
static const char *op_name(const struct lz_op *op, char *buf, size_t size)
{
	const json_t *a = op->attrs;

	if (op->type == LZ_INTERFACE)
		snprintf(buf, size, "%s to %s", str(a, "router"), str(a, "subnet"));
	else if (op->type == LZ_ROUTE)
		snprintf(buf, size, "%s %s via %s", str(a, "router"), str(a, "destination"),
			 str(a, "nexthop"));
	else if (op->type == LZ_RULE)
		rule_name(a, buf, size);
	else
		snprintf(buf, size, "%s", str(a, "name"));
	return buf;
}

static int op_answer(struct lz_op *op, long status, const char *body, size_t len,
		     struct cut_err *err)
{
	char type[128], msg[1024], name[256];
	json_t *doc, *id;

	if (op->lookup && status == 200)
		return lookup_answer(op, body, len, err);
	if (op->fix > FIX_NONE && op->fix < FIX_TRIED)
		return interface_fix_answer(op, status, body, len, err);
	if (status >= 200 && status < 300) {
		if (op->verb == LZ_CREATE && op->stage == 0 && op->type != LZ_INTERFACE &&
		    op->type != LZ_ROUTE) {
			doc = json_loadb(body ? body : "", len, 0, NULL);
			id = json_object_get(json_object_get(doc, ntypes[op->type].one), "id");
			if (!valid_id(id)) {
				json_decref(doc);
				return cut_errf(err, CUT_EPEER, "check the Neutron server",
						"%s %s: the create answer has no id",
						lz_type_name(op->type), str(op->attrs, "name"));
			}
			free(op->id);
			op->id = xstrdup(json_string_value(id));
			op->exists = true;
			json_decref(doc);
		}
		op->stage++;
		return LZ_OP_NEXT;
	}
	neutron_error_message(status, body, len, type, sizeof(type), msg, sizeof(msg));
	if (gone_is_fine(op, status, type, msg)) {
		op->stage++;
		return LZ_OP_NEXT;
	}
	if (op->type == LZ_INTERFACE && op->verb == LZ_CREATE && status == 409 &&
	    strcmp(type, "IpAddressAlreadyAllocated") == 0 && op->fix == FIX_NONE) {
		op->fix = FIX_FIND;
		return LZ_OP_NEXT;
	}
	/* a 404 here means the state the plan was made from is stale (an object
	 * it relies on went away, e.g. one a killed run's request still changed):
	 * -ENOENT lets the caller read the state again and re-plan */
	return cut_errf(err, status == 404 ? -ENOENT : CUT_EPEER, what_to_do(status, type),
			"%s %s %s: Neutron answered %ld %s: %s", lz_verb_name(op->verb),
			lz_type_name(op->type), op_name(op, name, sizeof(name)), status, type,
			msg);
}

static bool retryable(long status, const char *body, size_t len)
{
	(void)len;
	if (status == 0 || status == 429 || status == 502 || status == 503 || status == 504)
		return true;
	if (status == 500)
		return true; /* includes SQLite's "database is locked", which Neutron does not retry */
	if (status == 409 && body && strstr(body, "StaleDataError"))
		return true;
	if (status == 400 && body && strstr(body, "VPNStateInvalidToUpdate"))
		return true; /* PENDING_*: the VPN agent has not finished with it yet */
	return false;
}

/* Measured on Neutron Zed: router create and router interfaces are 70-75% of
 * a zone's time (L3 scheduling); subnets ~0.1 s (IPAM); the rest is quick. */
static double cost(enum lz_verb v, enum lz_type t)
{
	if (t == LZ_INTERFACE || (t == LZ_ROUTER && v != LZ_UPDATE))
		return 0.7;
	if (t == LZ_SUBNET || t == LZ_VPNSERVICE)
		return 0.15;
	return 0.05;
}

/* A router's routes are changed one at a time (a few per zone: not worth
 * finding out how Neutron takes them side by side). Its interfaces are not
 * queued: two API workers add two of them side by side (Zed, PostgreSQL:
 * 0.9 s for two against 1.9 s one after the other) — they only looked
 * serial while kept-alive connections held every request on one worker
 * (lz_http: connections are renewed). */
static char *queue(enum lz_type t, const json_t *attrs)
{
	if (t != LZ_ROUTE)
		return NULL;
	return xasprintf("router:%s", str(attrs, "router"));
}

const struct lz_provider lz_openstack = {
	.name = "openstack",
	.list_call = list_call,
	.parse_list = parse_list,
	.next_page = next_page,
	.externals_call = externals_call,
	.parse_externals = parse_externals,
	.op_call = op_call,
	.op_answer = op_answer,
	.retryable = retryable,
	.cost = cost,
	.queue = queue,
};
