/* landing/template.c — reading, checking and expanding a landing-zone template.
 *
 * Three passes over one document: substitute parameters, read every section
 * into small typed tables (reporting every error with its place), then
 * check what spans sections (overlaps, references, exposure) and build the
 * resource graph. docs/landing-format.md is the reference.
 */
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "jsonfile.h"
#include "schema.h"
#include "secret.h"
#include "util.h"

#define VPCS_MAX 32
#define SUBNETS_MAX 256
#define ROUTERS_MAX 16
#define GROUPS_MAX 128
#define RULES_MAX 1024
#define DC_PREFIXES_MAX 64
#define SUBST_MAX 4096

struct t_subnet {
	const char *name, *tier, *path;
	struct cidr cidr, gateway;
	bool ok;
	size_t vpc;
	json_t *dns;
};

struct t_vpc {
	const char *name, *path;
	struct cidr cidr;
	bool ok;
};

struct t_group {
	const char *name, *tier, *path;
	bool allow_public_admin;
};

struct t_router {
	const char *name, *path, *external;
	bool snat;
	json_t *obj;
};

struct tpl {
	struct schema sc;
	const char *zone;
	char *dir;
	struct t_vpc vpcs[VPCS_MAX];
	size_t nvpcs;
	struct t_subnet subnets[SUBNETS_MAX];
	size_t nsubnets;
	struct t_group groups[GROUPS_MAX];
	size_t ngroups;
	struct t_router routers[ROUTERS_MAX];
	size_t nrouters;
	struct cidr dc[DC_PREFIXES_MAX];
	const char *dc_path[DC_PREFIXES_MAX];
	size_t ndc;
	struct lz_graph *g;
	char **pool;  /* strings that live as long as the tables (paths) */
	size_t npool;
};

/* A copy of s that lives until the template is done. */
static const char *keep(struct tpl *t, const char *s)
{
	t->pool = xrealloc(t->pool, (t->npool + 1) * sizeof(*t->pool));
	t->pool[t->npool] = xstrdup(s);
	return t->pool[t->npool++];
}

static const char *item_path(struct tpl *t, const char *parent, const char *key, size_t i)
{
	char path[JSONFILE_PATH_MAX];

	json_path_key(path, sizeof(path), parent, key);
	json_path_index(path, sizeof(path), path, i);
	return keep(t, path);
}

static const char name_fix[] = "use 1-63 letters, digits, '-', '_' or '.'";

/* ---------- parameters ---------- */

static json_t *param_value(json_t *params, const char *name)
{
	return json_object_get(json_object_get(params, name), "value");
}

static void report(struct schema *sc, const char *path, const char *fix, const char *msg)
{
	schema_error(sc, path, fix, "%s", msg);
}

/* Interpolates "${name}" in s; a string standing for a whole list parameter
 * returns that list. NULL after an error (reported). */
static json_t *subst_string(struct schema *sc, json_t *params, const char *path, const char *s)
{
	char out[SUBST_MAX];
	size_t o = 0;

	if (strncmp(s, "${", 2) == 0 && strchr(s, '}') && strchr(s, '}')[1] == '\0') {
		char name[LZ_NAME_MAX + 1];
		size_t n = (size_t)(strchr(s, '}') - s - 2);
		json_t *v;
		snprintf(name, sizeof(name), "%.*s", (int)n, s + 2);
		v = param_value(params, name);
		if (v && json_is_array(v))
			return json_deep_copy(v);
	}
	while (*s) {
		const char *end;
		char name[LZ_NAME_MAX + 1];
		json_t *v;

		if (strncmp(s, "${", 2) != 0) {
			if (o + 1 >= sizeof(out))
				goto too_long;
			out[o++] = *s++;
			continue;
		}
		end = strchr(s, '}');
		if (!end || (size_t)(end - s - 2) > LZ_NAME_MAX) {
			report(sc, path, "write ${name} with a declared parameter", "unclosed \"${\"");
			return NULL;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(end - s - 2), s + 2);
		v = param_value(params, name);
		if (!v) {
			schema_error(sc, path, "declare it under \"parameters\" or fix the name",
				     "unknown parameter \"%s\"", name);
			return NULL;
		}
		if (!json_is_string(v)) {
			schema_error(sc, path, "use a list parameter as a whole value: \"${name}\"",
				     "list parameter \"%s\" inside a string", name);
			return NULL;
		}
		if (o + strlen(json_string_value(v)) >= sizeof(out))
			goto too_long;
		memcpy(out + o, json_string_value(v), strlen(json_string_value(v)));
		o += strlen(json_string_value(v));
		s = end + 1;
	}
	return json_stringn(out, o);
too_long:
	report(sc, path, "shorten it", "longer than 4096 bytes after substitution");
	return NULL;
}

static void subst_tree(struct schema *sc, json_t *params, const char *path, json_t *v)
{
	char sub[JSONFILE_PATH_MAX];
	const char *key;
	json_t *val;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, val) {
			json_path_key(sub, sizeof(sub), path, key);
			if (json_is_string(val)) {
				json_t *nv = subst_string(sc, params, sub, json_string_value(val));
				if (nv)
					json_object_set_new(v, key, nv);
			} else {
				subst_tree(sc, params, sub, val);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, val) {
			json_path_index(sub, sizeof(sub), path, i);
			if (json_is_string(val)) {
				json_t *nv = subst_string(sc, params, sub, json_string_value(val));
				if (nv)
					json_array_set_new(v, i, nv);
			} else {
				subst_tree(sc, params, sub, val);
			}
		}
	}
}

static json_t *split_list(const char *s)
{
	json_t *arr = json_array();
	const char *p = s;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		p += n + (c ? 1 : 0);
	}
	return arr;
}

/* Reads "parameters" into {name: {"value": v}} with the overrides applied. */
static json_t *read_params(struct schema *sc, json_t *root, const struct lz_param *over,
			   size_t nover)
{
	static const char *const keys[] = { "default", "description", NULL };
	json_t *decl = schema_member(sc, "", root, "parameters", JSON_OBJECT, SCHEMA_OPTIONAL);
	json_t *out = json_object();
	char path[JSONFILE_PATH_MAX];
	const char *name;
	json_t *p;
	size_t i;

	json_object_foreach(decl, name, p) {
		json_t *dflt;
		json_path_key(path, sizeof(path), "parameters", name);
		if (!schema_keys(sc, path, p, keys))
			continue;
		dflt = json_object_get(p, "default");
		if (dflt && !json_is_string(dflt) && !json_is_array(dflt)) {
			schema_error(sc, path, "give a string or a list of strings",
				     "parameter \"%s\": default must be a string or a list", name);
			continue;
		}
		json_object_set_new(out, name, dflt ? json_pack("{s:O}", "value", dflt) : json_object());
	}
	for (i = 0; i < nover; i++) {
		json_t *slot = json_object_get(out, over[i].name);
		if (!slot) {
			schema_error(sc, "parameters", "declare it in the template or drop --param",
				     "--param %s: the template has no such parameter", over[i].name);
			continue;
		}
		if (json_is_array(json_object_get(slot, "value")))
			json_object_set_new(slot, "value", split_list(over[i].value));
		else
			json_object_set_new(slot, "value", json_string(over[i].value));
	}
	json_object_foreach(out, name, p) {
		if (!json_object_get(p, "value")) {
			json_path_key(path, sizeof(path), "parameters", name);
			schema_error(sc, path, "give it with --param NAME=VALUE or add a \"default\"",
				     "parameter \"%s\" has no value", name);
		}
	}
	return out;
}

/* ---------- small readers ---------- */

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > LZ_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static const char *read_name(struct tpl *t, const char *path, json_t *obj)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *name = NULL;

	if (!schema_string(&t->sc, path, obj, "name", SCHEMA_REQUIRED, NULL, &name) || !name)
		return NULL;
	if (!name_ok(name)) {
		json_path_key(kpath, sizeof(kpath), path, "name");
		schema_error(&t->sc, kpath, name_fix, "\"%s\" is not a valid name", name);
		return NULL;
	}
	return name;
}

/* A prefix from "cidr" (optionally carved by "newbits"/"netnum"), or carved
 * from parent when "cidr" is absent. */
static bool read_cidr(struct tpl *t, const char *path, json_t *obj, const struct cidr *parent,
		      struct cidr *ret)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *s = NULL;
	long long newbits = 0, netnum = 0;
	struct cidr base;
	int r;

	json_path_key(kpath, sizeof(kpath), path, "cidr");
	if (!schema_string(&t->sc, path, obj, "cidr", parent ? SCHEMA_OPTIONAL : SCHEMA_REQUIRED,
			   NULL, &s))
		return false;
	if (!schema_int(&t->sc, path, obj, "newbits", SCHEMA_OPTIONAL, 0, 64, 0, &newbits) ||
	    !schema_int(&t->sc, path, obj, "netnum", SCHEMA_OPTIONAL, 0, 1LL << 40, 0, &netnum))
		return false;
	if (s) {
		r = cidr_parse(s, false, &base);
		if (r == -EDOM) {
			schema_error(&t->sc, kpath, "clear the host bits (10.1.0.0/16, not 10.1.0.1/16)",
				     "\"%s\" has host bits set past the prefix length", s);
			return false;
		}
		if (r < 0) {
			schema_error(&t->sc, kpath, "write a prefix such as 10.20.0.0/16 or 2001:db8::/48",
				     "\"%s\" is not a valid CIDR", s);
			return false;
		}
	} else if (!parent) {
		return false;
	} else {
		if (!json_object_get(obj, "newbits")) {
			schema_error(&t->sc, path, "give \"cidr\", or \"newbits\" and \"netnum\"",
				     "no prefix: neither \"cidr\" nor \"newbits\"");
			return false;
		}
		base = *parent;
	}
	if (newbits == 0 && netnum == 0) {
		*ret = base;
		return true;
	}
	if (cidr_subnet(&base, (unsigned)newbits, (uint64_t)netnum, ret) < 0) {
		schema_error(&t->sc, path, "lower \"netnum\" or \"newbits\"",
			     "newbits %lld / netnum %lld do not fit in the prefix", newbits, netnum);
		return false;
	}
	return true;
}

static bool find_subnet(const struct tpl *t, const char *name, size_t *ret)
{
	size_t i;

	for (i = 0; i < t->nsubnets; i++)
		if (t->subnets[i].name && strcmp(t->subnets[i].name, name) == 0) {
			*ret = i;
			return true;
		}
	return false;
}

static const struct t_group *find_group(const struct tpl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ngroups; i++)
		if (t->groups[i].name && strcmp(t->groups[i].name, name) == 0)
			return &t->groups[i];
	return NULL;
}

static const struct t_router *find_router(const struct tpl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nrouters; i++)
		if (t->routers[i].name && strcmp(t->routers[i].name, name) == 0)
			return &t->routers[i];
	return NULL;
}

/* The Neutron-side name: "<zone>-<name>". */
static json_t *full_name(const struct tpl *t, const char *name)
{
	char buf[LZ_ZONE_MAX + LZ_NAME_MAX + 2];

	snprintf(buf, sizeof(buf), "%s-%s", t->zone, name);
	return json_string(buf);
}

static void unknown_ref(struct tpl *t, const char *path, const char *what, const char *name)
{
	schema_error(&t->sc, path, "declare it, or fix the name", "no %s named \"%s\"", what, name);
}

static void overlap_error(struct tpl *t, const char *path, const struct cidr *a,
			  const char *what, const struct cidr *b, const char *fix)
{
	char as[CIDR_STR_MAX], bs[CIDR_STR_MAX];

	cidr_format(a, as, sizeof(as));
	cidr_format(b, bs, sizeof(bs));
	schema_error(&t->sc, path, fix, "%s overlaps %s %s", as, what, bs);
}

/* ---------- sections ---------- */

static void read_datacentre(struct tpl *t, json_t *root)
{
	static const char *const keys[] = { "prefixes", "description", NULL };
	json_t *dc = schema_member(&t->sc, "", root, "datacentre", JSON_OBJECT, SCHEMA_OPTIONAL);
	char path[JSONFILE_PATH_MAX];
	json_t *arr, *v;
	size_t i;

	if (!dc || !schema_keys(&t->sc, "datacentre", dc, keys))
		return;
	arr = schema_member(&t->sc, "datacentre", dc, "prefixes", JSON_ARRAY, SCHEMA_REQUIRED);
	json_array_foreach(arr, i, v) {
		json_path_index(path, sizeof(path), "datacentre.prefixes", i);
		if (t->ndc == DC_PREFIXES_MAX) {
			schema_error(&t->sc, path, "merge prefixes", "more than %d prefixes",
				     DC_PREFIXES_MAX);
			return;
		}
		if (!json_is_string(v) || cidr_parse(json_string_value(v), false, &t->dc[t->ndc]) < 0) {
			schema_error(&t->sc, path, "write a prefix such as 192.168.0.0/16",
				     "not a valid CIDR");
			continue;
		}
		t->dc_path[t->ndc++] = "datacentre.prefixes";
	}
}

static void read_gateway(struct tpl *t, const char *path, json_t *obj, struct t_subnet *s)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *gw = json_object_get(obj, "gateway");
	char buf[CIDR_STR_MAX];
	int r = 0;

	json_path_key(kpath, sizeof(kpath), path, "gateway");
	if (!gw)
		r = cidr_host(&s->cidr, 1, &s->gateway);
	else if (json_is_integer(gw) && json_integer_value(gw) >= 0)
		r = cidr_host(&s->cidr, (uint64_t)json_integer_value(gw), &s->gateway);
	else if (json_is_string(gw))
		r = cidr_parse_addr(json_string_value(gw), &s->gateway) < 0 ? -EINVAL : 0;
	else
		r = -EINVAL;
	if (r < 0) {
		schema_error(&t->sc, kpath, "give an address inside the subnet, or a host number",
			     "not a valid gateway");
		s->ok = false;
		return;
	}
	cidr_format(&s->cidr, buf, sizeof(buf));
	if (!cidr_contains(&s->cidr, &s->gateway) ||
	    cidr_is_network_or_broadcast(&s->cidr, &s->gateway)) {
		schema_error(&t->sc, kpath, "pick a host address inside the subnet (e.g. its first)",
			     "gateway is not a usable address of %s", buf);
		s->ok = false;
	}
}

/* "dns": name servers by address (Neutron takes no host name), of the
 * subnet's family, each once — what Neutron refuses otherwise. */
static void read_dns(struct tpl *t, const char *path, json_t *obj, struct t_subnet *s)
{
	char kpath[JSONFILE_PATH_MAX], buf[CIDR_STR_MAX];
	struct cidr a, b;
	json_t *v;
	size_t i, j;

	s->dns = schema_member(&t->sc, path, obj, "dns", JSON_ARRAY, SCHEMA_OPTIONAL);
	json_array_foreach(s->dns, i, v) {
		json_path_key(kpath, sizeof(kpath), path, "dns");
		json_path_index(kpath, sizeof(kpath), kpath, i);
		if (!json_is_string(v)) {
			schema_error(&t->sc, kpath, "list name servers by address: \"192.0.2.53\"",
				     "%s is not an IP address", schema_type_name(json_typeof(v)));
			continue;
		}
		if (cidr_parse_addr(json_string_value(v), &a) < 0) {
			schema_error(&t->sc, kpath, "list name servers by address: \"192.0.2.53\"",
				     "\"%s\" is not an IP address", json_string_value(v));
			continue;
		}
		if (s->ok && a.family != s->cidr.family) {
			cidr_format(&s->cidr, buf, sizeof(buf));
			schema_error(&t->sc, kpath, "give name servers of the subnet's family",
				     "name server %s is IPv%d but subnet %s is IPv%d",
				     json_string_value(v), a.family, buf, s->cidr.family);
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_is_string(json_array_get(s->dns, j)) &&
			    cidr_parse_addr(json_string_value(json_array_get(s->dns, j)), &b) == 0 &&
			    cidr_contains(&a, &b)) {
				schema_error(&t->sc, kpath, "list it once",
					     "name server %s is listed twice", json_string_value(v));
				break;
			}
	}
}

static void read_subnet(struct tpl *t, const char *path, json_t *obj, size_t vpc)
{
	static const char *const keys[] = { "name", "cidr", "newbits", "netnum", "tier", "zone",
					    "gateway", "dns", "description", NULL };
	static const char *const tiers[] = { "access", "app", "data", "mgmt", NULL };
	struct t_subnet *s;
	char kpath[JSONFILE_PATH_MAX];
	size_t dup;
	int tier = 0;

	if (t->nsubnets == SUBNETS_MAX) {
		schema_error(&t->sc, path, "split the zone", "more than %d subnets", SUBNETS_MAX);
		return;
	}
	s = &t->subnets[t->nsubnets];
	memset(s, 0, sizeof(*s));
	s->path = path;
	s->vpc = vpc;
	schema_keys(&t->sc, path, obj, keys);
	s->name = read_name(t, path, obj);
	if (s->name && find_subnet(t, s->name, &dup)) {
		json_path_key(kpath, sizeof(kpath), path, "name");
		schema_error(&t->sc, kpath, "give every subnet its own name",
			     "subnet \"%s\" is declared twice", s->name);
		s->name = NULL;
	}
	if (schema_enum(&t->sc, path, obj, "tier", SCHEMA_REQUIRED, tiers, 0, &tier))
		s->tier = tiers[tier];
	s->ok = read_cidr(t, path, obj, t->vpcs[vpc].ok ? &t->vpcs[vpc].cidr : NULL, &s->cidr);
	read_dns(t, path, obj, s);
	if (s->ok)
		read_gateway(t, path, obj, s);
	t->nsubnets++;
}

static void read_vpc(struct tpl *t, const char *path, json_t *obj)
{
	static const char *const keys[] = { "name", "cidr", "newbits", "netnum", "subnets",
					    "description", NULL };
	struct t_vpc *v = &t->vpcs[t->nvpcs];
	json_t *subnets, *s;
	size_t i, idx = t->nvpcs++;

	memset(v, 0, sizeof(*v));
	v->path = path;
	schema_keys(&t->sc, path, obj, keys);
	v->name = read_name(t, path, obj);
	for (i = 0; v->name && i < idx; i++)
		if (t->vpcs[i].name && strcmp(t->vpcs[i].name, v->name) == 0) {
			schema_error(&t->sc, path, "give every VPC its own name",
				     "VPC \"%s\" is declared twice", v->name);
			v->name = NULL;
		}
	v->ok = read_cidr(t, path, obj, NULL, &v->cidr);
	subnets = schema_member(&t->sc, path, obj, "subnets", JSON_ARRAY, SCHEMA_REQUIRED);
	if (subnets && json_array_size(subnets) == 0)
		schema_error(&t->sc, path, "add at least one subnet", "a VPC without subnets");
	json_array_foreach(subnets, i, s)
		read_subnet(t, item_path(t, path, "subnets", i), s, idx);
}

static void read_vpcs(struct tpl *t, json_t *root)
{
	json_t *arr = schema_member(&t->sc, "", root, "vpcs", JSON_ARRAY, SCHEMA_REQUIRED);
	json_t *v;
	size_t i;

	if (arr && json_array_size(arr) == 0)
		schema_error(&t->sc, "vpcs", "declare at least one VPC", "no VPC");
	json_array_foreach(arr, i, v) {
		if (t->nvpcs == VPCS_MAX) {
			schema_error(&t->sc, "vpcs", "split the zone", "more than %d VPCs", VPCS_MAX);
			return;
		}
		read_vpc(t, item_path(t, "", "vpcs", i), v);
	}
}

/* ---------- security groups ---------- */

static const int admin_ports[] = {
	22,    /* ssh */     23,    /* telnet */   135,   /* msrpc */    445,   /* smb */
	1433,  /* mssql */   1521,  /* oracle */   2375,  /* docker */   2379,  /* etcd */
	3306,  /* mysql */   3389,  /* rdp */      5432,  /* postgres */ 5900,  /* vnc */
	5984,  /* couchdb */ 6379,  /* redis */    6443,  /* k8s api */  9200,  /* elastic */
	11211, /* memcached */ 27017, /* mongodb */
};

bool lz_is_admin_port(int port_min, int port_max, int *ret_port)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admin_ports); i++)
		if (admin_ports[i] >= port_min && admin_ports[i] <= port_max) {
			if (ret_port)
				*ret_port = admin_ports[i];
			return true;
		}
	return false;
}

static bool read_ports(struct tpl *t, const char *path, json_t *rule, int *lo, int *hi)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *p = json_object_get(rule, "ports");
	long long a, b;
	char buf[32];
	const char *dash;

	*lo = 0;
	*hi = 0;
	if (!p)
		return true;
	json_path_key(kpath, sizeof(kpath), path, "ports");
	if (json_is_integer(p)) {
		a = b = json_integer_value(p);
	} else if (json_is_string(p)) {
		dash = strchr(json_string_value(p), '-');
		snprintf(buf, sizeof(buf), "%.*s",
			 (int)(dash ? (size_t)(dash - json_string_value(p)) : strlen(json_string_value(p))),
			 json_string_value(p));
		if (parse_int(buf, 1, 65535, &a) < 0 || parse_int(dash ? dash + 1 : buf, 1, 65535, &b) < 0)
			a = b = -1;
	} else {
		a = b = -1;
	}
	if (a < 1 || b > 65535 || a > b) {
		schema_error(&t->sc, kpath, "write a port (443) or a range (\"8000-8080\"), 1-65535",
			     "not a valid port or range");
		return false;
	}
	*lo = (int)a;
	*hi = (int)b;
	return true;
}

/* Ingress from the internet: no remote (any address), or a remote prefix
 * holding any public address — 0.0.0.0/1 and 128.0.0.0/1 are the internet
 * as much as 0.0.0.0/0 (cidr_has_public). */
static bool public_ingress(const char *dir, const struct cidr *remote, bool has_remote,
			   const char *rgroup)
{
	if (strcmp(dir, "ingress") != 0 || rgroup)
		return false;
	return !has_remote || cidr_has_public(remote);
}

static void check_exposure(struct tpl *t, const char *path, const struct t_group *g,
			   const char *proto, int lo, int hi, bool allow, const char *remote_s)
{
	char from[CIDR_STR_MAX + 32];
	int port = 0;

	if (remote_s)
		snprintf(from, sizeof(from), "\"%s\" holds public addresses", remote_s);
	else
		snprintf(from, sizeof(from), "no \"remote\": any address");
	if (g->tier && strcmp(g->tier, "data") == 0) {
		schema_error(&t->sc, path,
			     "let only the app tier in (\"remote_group\"), or private or VPN "
			     "prefixes",
			     "security group \"%s\" is data tier: it must not be reachable from "
			     "the internet (%s)", g->name, from);
		return;
	}
	if (allow || g->allow_public_admin)
		return;
	if (strcmp(proto, "any") == 0 || ((strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0) &&
					  (lo == 0 ? lz_is_admin_port(1, 65535, &port)
						   : lz_is_admin_port(lo, hi, &port)))) {
		if (!port)
			lz_is_admin_port(1, 65535, &port);
		schema_error(&t->sc, path,
			     "narrow \"remote\" to a private or VPN network (10.0.0.0/8, "
			     "172.16.0.0/12, 192.168.0.0/16, fc00::/7, ...), or mark the rule "
			     "\"allow_public_admin\": true",
			     "administrative port %d open to the internet (%s)", port, from);
	}
}

static json_t *rule_attrs(struct tpl *t, const struct t_group *g, const char *dir,
			  const char *proto, int lo, int hi, const struct cidr *remote,
			  bool has_remote, const char *rgroup)
{
	char rbuf[CIDR_STR_MAX] = "";
	json_t *gname = full_name(t, g->name);
	json_t *a;

	if (has_remote)
		cidr_format(remote, rbuf, sizeof(rbuf));
	a = json_pack("{s:o,s:s,s:s,s:s,s:i,s:i,s:s}", "group", gname, "direction", dir,
		      "ethertype", has_remote && remote->family == 6 ? "IPv6" : "IPv4", "protocol",
		      proto, "port_min", lo, "port_max", hi, "remote_ip", rbuf);
	json_object_set_new(a, "remote_group", rgroup ? full_name(t, rgroup) : json_string(""));
	return a;
}

static void add_rule(struct tpl *t, const char *path, json_t *attrs)
{
	char *key = lz_key(LZ_RULE, attrs);

	if (lz_graph_find(t->g, key) >= 0) {
		schema_error(&t->sc, path, "remove one of them", "the same rule twice in a group");
		json_decref(attrs);
	} else {
		lz_graph_add(t->g, LZ_RULE, attrs, path);
	}
	free(key);
}

static void read_rule(struct tpl *t, const char *path, json_t *rule, const struct t_group *g)
{
	static const char *const keys[] = { "direction", "protocol", "ports", "remote",
					    "remote_group", "allow_public_admin", "description",
					    NULL };
	static const char *const dirs[] = { "ingress", "egress", NULL };
	static const char *const protos[] = { "tcp", "udp", "icmp", "any", NULL };
	const char *remote_s = NULL, *rgroup = NULL;
	struct cidr remote = { 0 };
	bool allow = false, ok;
	int dir = 0, proto = 0, lo, hi;
	char kpath[JSONFILE_PATH_MAX];

	if (!schema_keys(&t->sc, path, rule, keys))
		return;
	ok = schema_enum(&t->sc, path, rule, "direction", SCHEMA_OPTIONAL, dirs, 0, &dir);
	ok &= schema_enum(&t->sc, path, rule, "protocol", SCHEMA_OPTIONAL, protos, 0, &proto);
	ok &= read_ports(t, path, rule, &lo, &hi);
	ok &= schema_bool(&t->sc, path, rule, "allow_public_admin", SCHEMA_OPTIONAL, false, &allow);
	ok &= schema_string(&t->sc, path, rule, "remote", SCHEMA_OPTIONAL, NULL, &remote_s);
	ok &= schema_string(&t->sc, path, rule, "remote_group", SCHEMA_OPTIONAL, NULL, &rgroup);
	if (remote_s && cidr_parse(remote_s, false, &remote) < 0) {
		json_path_key(kpath, sizeof(kpath), path, "remote");
		schema_error(&t->sc, kpath, "write a prefix such as 10.0.0.0/8 or 0.0.0.0/0",
			     "\"%s\" is not a valid CIDR", remote_s);
		ok = false;
	}
	if (remote_s && rgroup) {
		schema_error(&t->sc, path, "keep one of them", "both \"remote\" and \"remote_group\"");
		ok = false;
	}
	if (rgroup && !find_group(t, rgroup)) {
		json_path_key(kpath, sizeof(kpath), path, "remote_group");
		unknown_ref(t, kpath, "security group", rgroup);
		ok = false;
	}
	if (!ok || !g->name)
		return;
	if (public_ingress(dirs[dir], &remote, remote_s != NULL, rgroup))
		check_exposure(t, path, g, protos[proto], lo, hi, allow, remote_s);
	add_rule(t, path, rule_attrs(t, g, dirs[dir], protos[proto], lo, hi, &remote,
				     remote_s != NULL, rgroup));
}

static void read_group_head(struct tpl *t, const char *path, json_t *obj, struct t_group *g)
{
	static const char *const keys[] = { "name", "tier", "allow_public_admin", "rules",
					    "description", NULL };
	static const char *const tiers[] = { "access", "app", "data", "mgmt", NULL };
	int tier = -1;

	memset(g, 0, sizeof(*g));
	g->path = path;
	schema_keys(&t->sc, path, obj, keys);
	g->name = read_name(t, path, obj);
	if (g->name && find_group(t, g->name)) {
		schema_error(&t->sc, path, "give every security group its own name",
			     "security group \"%s\" is declared twice", g->name);
		g->name = NULL;
	}
	if (json_object_get(obj, "tier") &&
	    schema_enum(&t->sc, path, obj, "tier", SCHEMA_OPTIONAL, tiers, 0, &tier))
		g->tier = tiers[tier];
	schema_bool(&t->sc, path, obj, "allow_public_admin", SCHEMA_OPTIONAL, false,
		    &g->allow_public_admin);
}

static void read_groups(struct tpl *t, json_t *root)
{
	json_t *arr = schema_member(&t->sc, "", root, "security_groups", JSON_ARRAY,
				    SCHEMA_OPTIONAL);
	json_t *v, *rules, *rule;
	size_t i, j;

	/* names first, so rules may refer to groups declared after them */
	json_array_foreach(arr, i, v) {
		if (t->ngroups == GROUPS_MAX) {
			schema_error(&t->sc, "security_groups", "split the zone",
				     "more than %d security groups", GROUPS_MAX);
			return;
		}
		read_group_head(t, item_path(t, "", "security_groups", i), v, &t->groups[t->ngroups]);
		t->ngroups++;
		if (t->groups[t->ngroups - 1].name)
			lz_graph_add(t->g, LZ_SECGROUP,
				     json_pack("{s:o}", "name",
					       full_name(t, t->groups[t->ngroups - 1].name)),
				     t->groups[t->ngroups - 1].path);
	}
	json_array_foreach(arr, i, v) {
		rules = schema_member(&t->sc, t->groups[i].path, v, "rules", JSON_ARRAY,
				      SCHEMA_OPTIONAL);
		if (json_array_size(rules) > RULES_MAX) {
			schema_error(&t->sc, t->groups[i].path, "split the group",
				     "more than %d rules", RULES_MAX);
			continue;
		}
		json_array_foreach(rules, j, rule)
			read_rule(t, item_path(t, t->groups[i].path, "rules", j), rule, &t->groups[i]);
	}
}

/* ---------- routers ---------- */

static bool router_has_subnet(json_t *router, const char *subnet)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(router, "interfaces"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), subnet) == 0)
			return true;
	return false;
}

/* The i-th interface of r names a subnet already listed before it on r, or
 * attached to an earlier router: Neutron gives a subnet's gateway address
 * to one router interface only, so the second add would fail in apply. */
static bool interface_taken(struct tpl *t, const struct t_router *r, json_t *ifs, size_t i,
			    const char *subnet, const char *path)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (json_is_string(json_array_get(ifs, j)) &&
		    strcmp(json_string_value(json_array_get(ifs, j)), subnet) == 0) {
			schema_error(&t->sc, path, "list each subnet once",
				     "subnet \"%s\" is listed twice on router \"%s\"", subnet, r->name);
			return true;
		}
	for (j = 0; j < t->nrouters; j++)
		if (&t->routers[j] != r && t->routers[j].name &&
		    router_has_subnet(t->routers[j].obj, subnet)) {
			schema_error(&t->sc, path,
				     "attach it to one router only: its gateway address is that "
				     "router's interface",
				     "subnet \"%s\" is already attached to router \"%s\"", subnet,
				     t->routers[j].name);
			return true;
		}
	return false;
}

static void read_route(struct tpl *t, const char *path, json_t *obj, const struct t_router *r)
{
	static const char *const keys[] = { "destination", "nexthop", "description", NULL };
	const char *dst = NULL, *hop = NULL;
	struct cidr d, h;
	char dbuf[CIDR_STR_MAX], kpath[JSONFILE_PATH_MAX];
	size_t i;
	bool reachable = false;

	if (!schema_keys(&t->sc, path, obj, keys) ||
	    !schema_string(&t->sc, path, obj, "destination", SCHEMA_REQUIRED, NULL, &dst) ||
	    !schema_string(&t->sc, path, obj, "nexthop", SCHEMA_REQUIRED, NULL, &hop) || !dst || !hop)
		return;
	if (cidr_parse(dst, false, &d) < 0) {
		json_path_key(kpath, sizeof(kpath), path, "destination");
		schema_error(&t->sc, kpath, "write a prefix such as 192.168.0.0/16",
			     "\"%s\" is not a valid CIDR", dst);
		return;
	}
	json_path_key(kpath, sizeof(kpath), path, "nexthop");
	if (cidr_parse_addr(hop, &h) < 0) {
		schema_error(&t->sc, kpath, "write an address", "\"%s\" is not an address", hop);
		return;
	}
	if (h.family != d.family) {
		cidr_format(&d, dbuf, sizeof(dbuf));
		schema_error(&t->sc, kpath, "give a next hop of the destination's family",
			     "next hop %s is IPv%d but destination %s is IPv%d", hop, h.family, dbuf,
			     d.family);
		return;
	}
	for (i = 0; i < t->nsubnets; i++)
		if (t->subnets[i].ok && t->subnets[i].name &&
		    router_has_subnet(r->obj, t->subnets[i].name) &&
		    cidr_contains(&t->subnets[i].cidr, &h))
			reachable = true;
	if (!reachable) {
		schema_error(&t->sc, kpath, "use an address in a subnet attached to this router",
			     "next hop %s is not on any of router \"%s\"'s subnets", hop, r->name);
		return;
	}
	cidr_format(&d, dbuf, sizeof(dbuf));
	lz_graph_add(t->g, LZ_ROUTE,
		     json_pack("{s:o,s:s,s:s}", "router", full_name(t, r->name), "destination", dbuf,
			       "nexthop", hop),
		     path);
}

static void read_router(struct tpl *t, const char *path, json_t *obj, struct t_router *r)
{
	static const char *const keys[] = { "name", "external_network", "snat", "interfaces",
					    "routes", "description", NULL };
	json_t *ifs, *routes, *v;
	size_t i, si;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->obj = obj;
	schema_keys(&t->sc, path, obj, keys);
	r->name = read_name(t, path, obj);
	if (r->name && find_router(t, r->name)) {
		schema_error(&t->sc, path, "give every router its own name",
			     "router \"%s\" is declared twice", r->name);
		r->name = NULL;
	}
	schema_string(&t->sc, path, obj, "external_network", SCHEMA_OPTIONAL, NULL, &r->external);
	schema_bool(&t->sc, path, obj, "snat", SCHEMA_OPTIONAL, true, &r->snat);
	if (!r->name)
		return;
	lz_graph_add(t->g, LZ_ROUTER,
		     json_pack("{s:o,s:s,s:b}", "name", full_name(t, r->name), "external_network",
			       r->external ? r->external : "", "snat", r->external ? r->snat : 0),
		     path);
	ifs = schema_member(&t->sc, path, obj, "interfaces", JSON_ARRAY, SCHEMA_OPTIONAL);
	json_array_foreach(ifs, i, v) {
		const char *ip = item_path(t, path, "interfaces", i);
		if (!json_is_string(v) || !find_subnet(t, json_string_value(v), &si)) {
			unknown_ref(t, ip, "subnet", json_is_string(v) ? json_string_value(v) : "?");
			continue;
		}
		if (interface_taken(t, r, ifs, i, json_string_value(v), ip))
			continue;
		lz_graph_add(t->g, LZ_INTERFACE,
			     json_pack("{s:o,s:o}", "router", full_name(t, r->name), "subnet",
				       full_name(t, json_string_value(v))),
			     ip);
	}
	routes = schema_member(&t->sc, path, obj, "routes", JSON_ARRAY, SCHEMA_OPTIONAL);
	json_array_foreach(routes, i, v)
		read_route(t, item_path(t, path, "routes", i), v, r);
}

static void read_routers(struct tpl *t, json_t *root)
{
	json_t *arr = schema_member(&t->sc, "", root, "routers", JSON_ARRAY, SCHEMA_OPTIONAL);
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (t->nrouters == ROUTERS_MAX) {
			schema_error(&t->sc, "routers", "split the zone", "more than %d routers",
				     ROUTERS_MAX);
			return;
		}
		read_router(t, item_path(t, "", "routers", i), v, &t->routers[t->nrouters]);
		t->nrouters++;
	}
}

/* ---------- VPN ---------- */

static json_t *read_policy(struct tpl *t, const char *path, json_t *vpn, const char *key,
			   bool ike)
{
	static const char *const keys[] = { "version", "encryption", "auth", "pfs", "lifetime",
					    NULL };
	static const char *const versions[] = { "v1", "v2", NULL };
	static const char *const encs[] = { "aes-128", "aes-192", "aes-256", "3des", NULL };
	static const char *const auths[] = { "sha1", "sha256", "sha384", "sha512", NULL };
	static const char *const pfss[] = { "group5", "group2", "group14", "group15", "group16",
					    "group19", "group20", "group21", NULL };
	char ppath[JSONFILE_PATH_MAX];
	json_t *obj = schema_member(&t->sc, path, vpn, key, JSON_OBJECT, SCHEMA_OPTIONAL);
	json_t *empty = json_object();
	int ver = 1, enc = 2, auth = 1, pfs = 2;
	long long life = 3600;

	json_path_key(ppath, sizeof(ppath), path, key);
	if (!obj)
		obj = empty;
	else if (!schema_keys(&t->sc, ppath, obj, keys))
		obj = empty;
	if (!ike && json_object_get(obj, "version"))
		schema_error(&t->sc, ppath, "remove it (IPsec policies have no IKE version)",
			     "\"version\" belongs in \"ike\"");
	schema_enum(&t->sc, ppath, obj, "version", SCHEMA_OPTIONAL, versions, 1, &ver);
	schema_enum(&t->sc, ppath, obj, "encryption", SCHEMA_OPTIONAL, encs, 2, &enc);
	schema_enum(&t->sc, ppath, obj, "auth", SCHEMA_OPTIONAL, auths, 1, &auth);
	schema_enum(&t->sc, ppath, obj, "pfs", SCHEMA_OPTIONAL, pfss, 2, &pfs);
	schema_int(&t->sc, ppath, obj, "lifetime", SCHEMA_OPTIONAL, 60, 86400, 3600, &life);
	json_decref(empty);
	if (ike)
		return json_pack("{s:s,s:s,s:s,s:s,s:I}", "ike_version", versions[ver], "encryption",
				 encs[enc], "auth", auths[auth], "pfs", pfss[pfs], "lifetime",
				 (json_int_t)life);
	return json_pack("{s:s,s:s,s:s,s:I}", "encryption", encs[enc], "auth", auths[auth], "pfs",
			 pfss[pfs], "lifetime", (json_int_t)life);
}

static json_t *read_local_subnets(struct tpl *t, const char *path, json_t *vpn,
				  const struct t_router *r)
{
	json_t *arr = schema_member(&t->sc, path, vpn, "local_subnets", JSON_ARRAY, SCHEMA_REQUIRED);
	json_t *out = json_array(), *v;
	size_t i, si;

	json_array_foreach(arr, i, v) {
		const char *ip = item_path(t, path, "local_subnets", i);
		const char *name = json_is_string(v) ? json_string_value(v) : "?";
		if (!find_subnet(t, name, &si)) {
			unknown_ref(t, ip, "subnet", name);
			continue;
		}
		if (r && !router_has_subnet(r->obj, name))
			schema_error(&t->sc, ip, "add it to the router's \"interfaces\"",
				     "subnet \"%s\" is not attached to router \"%s\"", name, r->name);
		json_array_append_new(out, full_name(t, name));
	}
	if (arr && json_array_size(out) == 0)
		schema_error(&t->sc, path, "list the subnets the data centre reaches",
			     "no local subnet");
	return out;
}

/* A peer prefix is the data centre's: traffic to it goes into the tunnel,
 * so it must not take in the zone's own range (checked like the data
 * centre's prefixes; a subnet of a VPC whose prefix is broken on its own). */
static void check_peer_against_zone(struct tpl *t, const char *path, const struct cidr *c)
{
	static const char fix[] = "list only the data centre's prefixes: the zone's own range "
				  "must not be sent into the tunnel";
	char what[LZ_NAME_MAX + 16];
	size_t k;

	for (k = 0; k < t->nvpcs; k++) {
		if (!t->vpcs[k].ok || !cidr_overlaps(c, &t->vpcs[k].cidr))
			continue;
		snprintf(what, sizeof(what), "VPC \"%s\"", t->vpcs[k].name ? t->vpcs[k].name : "?");
		overlap_error(t, path, c, what, &t->vpcs[k].cidr, fix);
	}
	for (k = 0; k < t->nsubnets; k++) {
		if (!t->subnets[k].ok || t->vpcs[t->subnets[k].vpc].ok ||
		    !cidr_overlaps(c, &t->subnets[k].cidr))
			continue;
		snprintf(what, sizeof(what), "subnet \"%s\"",
			 t->subnets[k].name ? t->subnets[k].name : "?");
		overlap_error(t, path, c, what, &t->subnets[k].cidr, fix);
	}
}

static json_t *read_peer_cidrs(struct tpl *t, const char *path, json_t *vpn)
{
	json_t *arr = schema_member(&t->sc, path, vpn, "peer_cidrs", JSON_ARRAY, SCHEMA_OPTIONAL);
	char buf[CIDR_STR_MAX];
	json_t *out = json_array(), *v;
	struct cidr c;
	size_t i;

	if (!arr) {
		for (i = 0; i < t->ndc; i++) {
			cidr_format(&t->dc[i], buf, sizeof(buf));
			json_array_append_new(out, json_string(buf));
		}
		if (!t->ndc)
			schema_error(&t->sc, path, "add \"peer_cidrs\" or \"datacentre\": { \"prefixes\" }",
				     "the VPN reaches no prefix of the data centre");
		return out;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || cidr_parse(json_string_value(v), false, &c) < 0) {
			schema_error(&t->sc, item_path(t, path, "peer_cidrs", i),
				     "write a prefix such as 192.168.0.0/16", "not a valid CIDR");
			continue;
		}
		check_peer_against_zone(t, item_path(t, path, "peer_cidrs", i), &c);
		cidr_format(&c, buf, sizeof(buf));
		json_array_append_new(out, json_string(buf));
	}
	return out;
}

/* The key file exists, is 0600, can be read and holds a key: apply would
 * otherwise build the whole zone and fail at the VPN connection. The key
 * is read to be measured, wiped, and never put into a message. */
static void check_psk_file(struct tpl *t, const char *path, const char *file)
{
	struct secret_buf key = { 0 };
	struct cut_err err;
	char *full = path_relative_to(t->dir, file);
	char kpath[JSONFILE_PATH_MAX];
	char *write_fix = xasprintf("write the VPN's pre-shared key into it, mode 0600: "
				    "`(umask 077; head -c 24 /dev/urandom | base64 >'%s')`", full);
	int r;

	cut_err_clear(&err);
	json_path_key(kpath, sizeof(kpath), path, "psk_file");
	/* the mode check stats first: a folder or a FIFO is refused, never opened */
	r = secret_check_mode(full, &err);
	if (r == -ENOENT)
		schema_error(&t->sc, kpath, write_fix, "%s: no such key file", full);
	else if (r == 0)
		r = secret_read_file(full, &key, &err);
	if (r == 0 && key.len == 0)
		schema_error(&t->sc, kpath, write_fix, "%s: the key file is empty", full);
	else if (r == 0 && !lz_psk_is_text(key.data, key.len))
		schema_error(&t->sc, kpath, write_fix,
			     "%s: the key is not text (UTF-8, no control characters)", full);
	else if (r < 0 && r != -ENOENT)
		schema_error(&t->sc, kpath, err.hint[0] ? err.hint : "check the file and its permissions",
			     "%s", err.msg);
	secret_buf_free(&key);
	free(write_fix);
	free(full);
}

bool lz_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

bool lz_psk_is_text(const unsigned char *data, size_t len)
{
	json_t *s;
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] == 0x7f)
			return false;
	s = json_stringn((const char *)data, len); /* NULL unless valid UTF-8 */
	if (!s)
		return false;
	json_decref(s);
	return len > 0;
}

static void add_vpn(struct tpl *t, const char *name, json_t *ike, json_t *ipsec, json_t *local,
		    json_t *peer, const char *path, json_t *conn)
{
	char buf[LZ_NAME_MAX + 16];
	json_t *n;

#define VPN_NAME(suffix) (snprintf(buf, sizeof(buf), "%s-%s", name, suffix), full_name(t, buf))
	json_object_set_new(ike, "name", VPN_NAME("ike"));
	json_object_set_new(ipsec, "name", VPN_NAME("ipsec"));
	lz_graph_add(t->g, LZ_IKEPOLICY, ike, path);
	lz_graph_add(t->g, LZ_IPSECPOLICY, ipsec, path);
	lz_sort_strings(local);
	lz_sort_strings(peer);
	lz_graph_add(t->g, LZ_EPGROUP,
		     json_pack("{s:o,s:s,s:o}", "name", VPN_NAME("local"), "ep_type", "subnet",
			       "endpoints", local),
		     path);
	lz_graph_add(t->g, LZ_EPGROUP,
		     json_pack("{s:o,s:s,s:o}", "name", VPN_NAME("peer"), "ep_type", "cidr",
			       "endpoints", peer),
		     path);
	json_object_set_new(conn, "vpnservice", VPN_NAME("service"));
	json_object_set_new(conn, "ikepolicy", VPN_NAME("ike"));
	json_object_set_new(conn, "ipsecpolicy", VPN_NAME("ipsec"));
	json_object_set_new(conn, "local_group", VPN_NAME("local"));
	json_object_set_new(conn, "peer_group", VPN_NAME("peer"));
	n = VPN_NAME("service");
	lz_graph_add(t->g, LZ_VPNSERVICE,
		     json_pack("{s:o,s:O}", "name", n, "router", json_object_get(conn, "router")),
		     path);
	json_object_del(conn, "router");
	json_object_set_new(conn, "name", VPN_NAME("connection"));
#undef VPN_NAME
	lz_graph_add(t->g, LZ_CONNECTION, conn, path);
}

static void read_vpn(struct tpl *t, json_t *root)
{
	static const char *const keys[] = { "name", "router", "peer_address", "peer_id",
					    "psk_file", "local_subnets", "peer_cidrs", "ike",
					    "ipsec", "mtu", "description", NULL };
	json_t *vpn = schema_member(&t->sc, "", root, "vpn", JSON_OBJECT, SCHEMA_OPTIONAL);
	const char *name = "vpn", *router = NULL, *peer = NULL, *peer_id = NULL, *psk = NULL;
	const struct t_router *r = NULL;
	json_t *ike, *ipsec, *local, *cidrs;
	struct cidr pa;
	long long mtu = 1500;
	bool ok;

	if (!vpn || !schema_keys(&t->sc, "vpn", vpn, keys))
		return;
	if (json_object_get(vpn, "name") && !(name = read_name(t, "vpn", vpn)))
		return;
	ok = schema_string(&t->sc, "vpn", vpn, "router", SCHEMA_REQUIRED, NULL, &router);
	ok &= schema_string(&t->sc, "vpn", vpn, "peer_address", SCHEMA_REQUIRED, NULL, &peer);
	ok &= schema_string(&t->sc, "vpn", vpn, "peer_id", SCHEMA_OPTIONAL, NULL, &peer_id);
	ok &= schema_string(&t->sc, "vpn", vpn, "psk_file", SCHEMA_REQUIRED, NULL, &psk);
	ok &= schema_int(&t->sc, "vpn", vpn, "mtu", SCHEMA_OPTIONAL, 68, 9000, 1500, &mtu);
	if (router && !(r = find_router(t, router))) {
		unknown_ref(t, "vpn.router", "router", router);
		ok = false;
	} else if (r && !r->external) {
		schema_error(&t->sc, "vpn.router", "give the router an \"external_network\"",
			     "router \"%s\" has no external gateway for the VPN", router);
		ok = false;
	}
	if (peer && cidr_parse_addr(peer, &pa) < 0) {
		schema_error(&t->sc, "vpn.peer_address", "write the data centre's VPN address",
			     "\"%s\" is not an address", peer);
		ok = false;
	}
	if (psk)
		check_psk_file(t, "vpn", psk);
	ike = read_policy(t, "vpn", vpn, "ike", true);
	ipsec = read_policy(t, "vpn", vpn, "ipsec", false);
	local = read_local_subnets(t, "vpn", vpn, r);
	cidrs = read_peer_cidrs(t, "vpn", vpn);
	if (!ok || !r) {
		json_decref(ike);
		json_decref(ipsec);
		json_decref(local);
		json_decref(cidrs);
		return;
	}
	add_vpn(t, name, ike, ipsec, local, cidrs, "vpn",
		json_pack("{s:o,s:s,s:s,s:I,s:s}", "router", full_name(t, router), "peer_address",
			  peer, "peer_id", peer_id ? peer_id : peer, "mtu", (json_int_t)mtu,
			  "psk_file", psk));
}

/* ---------- cross-section checks ---------- */

static void check_against_dc(struct tpl *t, const char *path, const struct cidr *c)
{
	size_t k;

	for (k = 0; k < t->ndc; k++)
		if (cidr_overlaps(c, &t->dc[k]))
			overlap_error(t, path, c, "the data centre's prefix", &t->dc[k],
				      "pick a range the data centre does not use (it stays "
				      "reachable over the VPN)");
}

static void check_overlaps(struct tpl *t)
{
	size_t i, j;
	char path[JSONFILE_PATH_MAX];

	for (i = 0; i < t->nvpcs; i++) {
		if (!t->vpcs[i].ok)
			continue;
		json_path_key(path, sizeof(path), t->vpcs[i].path, "cidr");
		for (j = 0; j < i; j++)
			if (t->vpcs[j].ok && cidr_overlaps(&t->vpcs[i].cidr, &t->vpcs[j].cidr))
				overlap_error(t, path, &t->vpcs[i].cidr, "VPC", &t->vpcs[j].cidr,
					      "give every VPC its own range");
		check_against_dc(t, path, &t->vpcs[i].cidr);
	}
	for (i = 0; i < t->nsubnets; i++) {
		const struct t_subnet *s = &t->subnets[i];
		const struct t_vpc *v = &t->vpcs[s->vpc];
		if (!s->ok)
			continue;
		json_path_key(path, sizeof(path), s->path, "cidr");
		if (v->ok && !cidr_contains(&v->cidr, &s->cidr)) {
			char vs[CIDR_STR_MAX], ss[CIDR_STR_MAX];
			cidr_format(&v->cidr, vs, sizeof(vs));
			cidr_format(&s->cidr, ss, sizeof(ss));
			schema_error(&t->sc, path, "pick a range inside the VPC's",
				     "subnet %s is not inside its VPC %s", ss, vs);
		}
		for (j = 0; j < i; j++)
			if (t->subnets[j].ok && cidr_overlaps(&s->cidr, &t->subnets[j].cidr))
				overlap_error(t, path, &s->cidr, "subnet", &t->subnets[j].cidr,
					      "give every subnet its own range");
		if (!v->ok)
			check_against_dc(t, path, &s->cidr);
	}
}

static void add_networks(struct tpl *t)
{
	char buf[CIDR_STR_MAX], gw[CIDR_STR_MAX];
	size_t i;

	for (i = 0; i < t->nvpcs; i++)
		if (t->vpcs[i].name)
			lz_graph_add(t->g, LZ_NETWORK,
				     json_pack("{s:o}", "name", full_name(t, t->vpcs[i].name)),
				     t->vpcs[i].path);
	for (i = 0; i < t->nsubnets; i++) {
		const struct t_subnet *s = &t->subnets[i];
		if (!s->ok || !s->name || !t->vpcs[s->vpc].name)
			continue;
		cidr_format(&s->cidr, buf, sizeof(buf));
		cidr_format(&s->gateway, gw, sizeof(gw));
		*strchr(gw, '/') = '\0';
		lz_graph_add(t->g, LZ_SUBNET,
			     json_pack("{s:o,s:o,s:s,s:s,s:o}", "name", full_name(t, s->name),
				       "network", full_name(t, t->vpcs[s->vpc].name), "cidr", buf,
				       "gateway", gw, "dns", s->dns ? json_incref(s->dns) : json_array()),
			     s->path);
	}
}

/* ---------- top level ---------- */

static bool read_zone(struct tpl *t, json_t *root)
{
	if (!schema_string(&t->sc, "", root, "name", SCHEMA_REQUIRED, NULL, &t->zone) || !t->zone)
		return false;
	if (!name_ok(t->zone) || strlen(t->zone) > LZ_ZONE_MAX) {
		schema_error(&t->sc, "name", "use 1-40 letters, digits, '-', '_' or '.'",
			     "\"%s\" is not a valid zone name", t->zone);
		return false;
	}
	return true;
}

static void read_sections(struct tpl *t, json_t *root)
{
	static const char *const keys[] = { "name", "description", "parameters", "datacentre",
					    "vpcs", "routers", "security_groups", "vpn", NULL };

	schema_keys(&t->sc, "", root, keys);
	if (!read_zone(t, root))
		t->zone = "invalid";
	read_datacentre(t, root);
	read_vpcs(t, root);
	check_overlaps(t);
	read_routers(t, root);
	read_groups(t, root);
	read_vpn(t, root);
	add_networks(t);
}

static void tpl_free(struct tpl *t)
{
	size_t i;

	for (i = 0; i < t->npool; i++)
		free(t->pool[i]);
	free(t->pool);
}

/* The template's folder, absolute with a trailing '/', so key files named in
 * journals resolve from wherever a rollback runs. */
static char *dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');
	char *dir = slash ? xstrndup(name, (size_t)(slash - name + 1)) : xstrdup(".");
	char *abs = realpath(dir, NULL);
	char *out;

	if (!abs)
		return dir;
	out = xasprintf("%s/", abs);
	free(abs);
	free(dir);
	return out;
}

static struct lz_graph *build(struct jsonfile *jf, const char *dir,
			      const struct lz_param *params, size_t nparams, struct diags *d,
			      size_t before)
{
	struct tpl t = { .sc = { .jf = jf, .d = d } };
	json_t *values, *root;
	struct lz_graph *g;

	if (d->errors != before)
		return NULL; /* syntax errors: the meaning of a broken file is guesswork */
	if (!jf->root || !json_is_object(jf->root)) {
		if (d->errors == before)
			schema_error(&t.sc, "", "write a JSON object { … }", "a template is an object");
		return NULL;
	}
	root = json_deep_copy(jf->root);
	values = read_params(&t.sc, root, params, nparams);
	json_object_del(root, "parameters");
	subst_tree(&t.sc, values, "", root);
	json_object_set(root, "parameters", json_object_get(jf->root, "parameters"));
	g = xcalloc(1, sizeof(*g));
	t.g = g;
	t.dir = (char *)dir;
	if (d->errors == before)
		read_sections(&t, root);
	g->zone = xstrdup(t.zone ? t.zone : "");
	g->dir = xstrdup(dir);
	tpl_free(&t);
	json_decref(values);
	json_decref(root);
	if (d->errors != before || g->n > LZ_RESOURCES_MAX) {
		if (d->errors == before)
			schema_error(&t.sc, "", "split the zone", "more than %d resources",
				     LZ_RESOURCES_MAX);
		lz_graph_free(g);
		return NULL;
	}
	return g;
}

struct lz_graph *lz_template_parse(const char *name, const char *dir, const char *text,
				   size_t len, const struct lz_param *params, size_t nparams,
				   struct diags *d)
{
	size_t before = d->errors;
	struct jsonfile *jf = jsonfile_parse(name, text, len, d);
	struct lz_graph *g = NULL;

	if (jf)
		g = build(jf, dir ? dir : "", params, nparams, d, before);
	jsonfile_free(jf);
	return g;
}

int lz_template_load(const char *path, const struct lz_param *params, size_t nparams,
		     struct lz_graph **ret, struct diags *d, struct cut_err *err)
{
	struct jsonfile *jf = NULL;
	size_t before = d->errors;
	char *dir;
	int r;

	*ret = NULL;
	r = jsonfile_load(path, &jf, d, err);
	if (r < 0)
		return r;
	dir = dir_of(path);
	*ret = build(jf, dir, params, nparams, d, before);
	free(dir);
	jsonfile_free(jf);
	return 0;
}
