/* dnsctl/dns_plan.c — the plan's "dns" section (docs/dns.md).
 *
 *   "dns": {
 *     "primaries": [ { "name": "bind", "address": "192.0.2.53", "port": 53,
 *                      "key_file": "keys/cutover.key", "key_name": "cutover",
 *                      "timeout": "5s" } ],            or "unsigned": true
 *     "servers":   [ { "name": "ns2", "address": "192.0.2.54", "port": 53 } ],
 *     "zones":     [ { "name": "example.com", "primary": "bind",
 *                      "verify": ["ns2"], "verify_ns": true } ],
 *     "lowered_ttl": "60s",
 *     "records":   [ { "name": "www.example.com", "type": "A", "to_type": "CNAME",
 *                      "from": ["192.0.2.10"], "to": ["lb.example.net."],
 *                      "ttl": "60s", "restore_ttl": "1h", "gates": ["web"] } ]
 *   }
 *
 * Every error goes to the schema's diags with its path and position, and
 * checking goes on, so one run names every error of the section.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_internal.h"
#include "dnsctl.h"
#include "util.h"

#define DEFAULT_LOWERED_TTL_MS (60 * 1000)
#define DEFAULT_TIMEOUT_MS DNS_TIMEOUT_DEFAULT_MS

struct parse {
	struct schema *sc;
	struct dns_plan *p;
	const char *plan_path;
};

static char *sub(char *buf, size_t len, const char *parent, const char *key)
{
	json_path_key(buf, len, parent, key);
	return buf;
}

static char *idx(char *buf, size_t len, const char *parent, size_t i)
{
	json_path_index(buf, len, parent, i);
	return buf;
}

/* The array member key of sec, each element an object handed to fn with its
 * path; at most max elements. Returns the array's size (0 when absent/bad). */
typedef void (*element_fn)(struct parse *ps, const char *path, json_t *o);

static size_t each_object(struct parse *ps, const char *path, json_t *sec, const char *key,
			  int required, size_t max, const char *fix, element_fn fn)
{
	char ap[JSONFILE_PATH_MAX], ip[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(ps->sc, path, sec, key, JSON_ARRAY, required);
	size_t i, n = json_array_size(arr);

	if (!arr)
		return 0;
	sub(ap, sizeof(ap), path, key);
	if (n > max) {
		schema_error(ps->sc, ap, fix, "more than %zu entries", max);
		return 0;
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		idx(ip, sizeof(ip), ap, i);
		if (!json_is_object(o)) {
			schema_error(ps->sc, ip, NULL, "expected an object, found %s",
				     schema_type_name(json_typeof(o)));
			continue;
		}
		fn(ps, ip, o);
	}
	return n;
}

/* A name member: canonical into out; false (reported) when bad. */
static bool name_member(struct parse *ps, const char *path, json_t *obj, const char *key,
			char out[256])
{
	char kp[JSONFILE_PATH_MAX];
	const char *s, *why;

	if (!schema_string(ps->sc, path, obj, key, SCHEMA_REQUIRED, NULL, &s) || !s)
		return false;
	if (dns_name_canon(s, out, &why) < 0) {
		schema_error(ps->sc, sub(kp, sizeof(kp), path, key), "write a domain name such as "
			     "www.example.com", "\"%s\" is not a domain name: %s", s, why);
		return false;
	}
	return true;
}

static char *absolute(const char *plan_path, const char *file)
{
	char *rel = path_relative_to(plan_path, file), *abs, cwd[PATH_MAX];

	if (rel[0] == '/')
		return rel;
	abs = realpath(rel, NULL);
	if (!abs && getcwd(cwd, sizeof(cwd)))
		abs = xasprintf("%s/%s", cwd, rel);
	free(rel);
	return abs ? abs : xstrdup(file);
}

static bool check_address(struct parse *ps, const char *path, const char *addr)
{
	uint8_t bin[16];

	if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
		return true;
	schema_error(ps->sc, path, "give a numeric IPv4 or IPv6 address (no host names: cutover "
		     "does not depend on the DNS it changes)", "\"%s\" is not an IP address", addr);
	return false;
}

static const char *const primary_keys[] = { "name", "address", "port", "key_file", "key_name",
					    "unsigned", "timeout", NULL };
static const char *const server_keys[] = { "name", "address", "port", "timeout", NULL };

static void parse_key(struct parse *ps, const char *path, json_t *o, struct dns_server *s)
{
	char kp[JSONFILE_PATH_MAX];
	const char *kf = NULL, *kn = NULL;
	bool uns = false;

	schema_string(ps->sc, path, o, "key_file", SCHEMA_OPTIONAL, NULL, &kf);
	schema_string(ps->sc, path, o, "key_name", SCHEMA_OPTIONAL, NULL, &kn);
	schema_bool(ps->sc, path, o, "unsigned", SCHEMA_OPTIONAL, false, &uns);
	s->is_unsigned = uns;
	if (kf && uns)
		schema_error(ps->sc, sub(kp, sizeof(kp), path, "unsigned"), "remove one of them",
			     "a primary has either a key_file or \"unsigned\": true, not both");
	else if (!kf && !uns)
		schema_error(ps->sc, path, "add \"key_file\" (a tsig-keygen file, mode 600), or "
			     "\"unsigned\": true if the server really takes unsigned updates",
			     "a primary needs a TSIG key");
	if (kn && strlen(kn) >= 256)
		schema_error(ps->sc, sub(kp, sizeof(kp), path, "key_name"), NULL, "too long");
	s->key_file = kf ? absolute(ps->plan_path, kf) : NULL;
	s->key_path = kf ? xstrdup(sub(kp, sizeof(kp), path, "key_file")) : NULL;
	s->key_name = kn ? xstrdup(kn) : NULL;
}

static void parse_server(struct parse *ps, const char *path, json_t *o, bool primary)
{
	struct dns_server *s = &ps->p->servers[ps->p->nservers++];
	char kp[JSONFILE_PATH_MAX];
	const char *name = NULL, *addr = NULL;
	long long port = 53;
	int64_t tmo = DEFAULT_TIMEOUT_MS;

	memset(s, 0, sizeof(*s));
	s->primary = primary;
	schema_keys(ps->sc, path, o, primary ? primary_keys : server_keys);
	schema_string(ps->sc, path, o, "name", SCHEMA_REQUIRED, NULL, &name);
	if (schema_string(ps->sc, path, o, "address", SCHEMA_REQUIRED, NULL, &addr) && addr)
		check_address(ps, sub(kp, sizeof(kp), path, "address"), addr);
	schema_int(ps->sc, path, o, "port", SCHEMA_OPTIONAL, 1, 65535, 53, &port);
	schema_duration(ps->sc, path, o, "timeout", SCHEMA_OPTIONAL, 100, 600000, DEFAULT_TIMEOUT_MS,
			&tmo);
	s->name = xstrdup(name ? name : "");
	s->address = xstrdup(addr ? addr : "");
	s->port = (unsigned)port;
	s->timeout_ms = tmo;
	if (primary)
		parse_key(ps, path, o, s);
}

static size_t server_by_name(const struct dns_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nservers; i++)
		if (strcmp(p->servers[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

static void primary_element(struct parse *ps, const char *path, json_t *o);
static void server_element(struct parse *ps, const char *path, json_t *o);

static void parse_servers(struct parse *ps, const char *path, json_t *sec, const char *key,
			  bool primary)
{
	size_t room = DNS_SERVERS_MAX - ps->p->nservers;
	size_t n = each_object(ps, path, sec, key, primary ? SCHEMA_REQUIRED : SCHEMA_OPTIONAL,
			       room, NULL, primary ? primary_element : server_element);

	if (primary && n == 0 && json_is_array(json_object_get(sec, key)))
		schema_error(ps->sc, "dns.primaries", "list the zones' primary servers",
			     "no primary");
}

static void check_unique(struct parse *ps, const char *path)
{
	const char *name = ps->p->servers[ps->p->nservers - 1].name;

	if (name[0] && server_by_name(ps->p, name) < ps->p->nservers - 1)
		schema_error(ps->sc, path, "give every server its own name",
			     "server name \"%s\" is used twice", name);
}

static void primary_element(struct parse *ps, const char *path, json_t *o)
{
	parse_server(ps, path, o, true);
	check_unique(ps, path);
}

static void server_element(struct parse *ps, const char *path, json_t *o)
{
	parse_server(ps, path, o, false);
	check_unique(ps, path);
}

/* ---- zones ---- */

static const char *const zone_keys[] = { "name", "primary", "verify", "verify_ns", NULL };

static void parse_zone_verify(struct parse *ps, const char *path, json_t *o, struct dns_zone *z)
{
	char ap[JSONFILE_PATH_MAX], ip[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(ps->sc, path, o, "verify", JSON_ARRAY, SCHEMA_OPTIONAL);
	size_t i;

	if (!arr)
		return;
	sub(ap, sizeof(ap), path, "verify");
	z->verify = xcalloc(json_array_size(arr) + 1, sizeof(*z->verify));
	for (i = 0; i < json_array_size(arr) && i < DNS_SERVERS_MAX; i++) {
		const char *n = json_string_value(json_array_get(arr, i));
		size_t s = n ? server_by_name(ps->p, n) : (size_t)-1;
		idx(ip, sizeof(ip), ap, i);
		if (s == (size_t)-1)
			schema_error(ps->sc, ip, "use a name from dns.servers or dns.primaries",
				     "no server named \"%s\"", n ? n : "(not a string)");
		else
			z->verify[z->nverify++] = s;
	}
}

static void parse_zone(struct parse *ps, const char *path, json_t *o)
{
	struct dns_zone *z = &ps->p->zones[ps->p->nzones++];
	char name[256], kp[JSONFILE_PATH_MAX];
	const char *prim = NULL;
	bool vns = true;

	memset(z, 0, sizeof(*z));
	z->primary = (size_t)-1;
	schema_keys(ps->sc, path, o, zone_keys);
	z->name = xstrdup(name_member(ps, path, o, "name", name) ? name : "");
	if (schema_string(ps->sc, path, o, "primary", SCHEMA_REQUIRED, NULL, &prim) && prim) {
		z->primary = server_by_name(ps->p, prim);
		if (z->primary == (size_t)-1 || !ps->p->servers[z->primary].primary) {
			schema_error(ps->sc, sub(kp, sizeof(kp), path, "primary"),
				     "use a name from dns.primaries", "no primary named \"%s\"", prim);
			z->primary = (size_t)-1;
		}
	}
	schema_bool(ps->sc, path, o, "verify_ns", SCHEMA_OPTIONAL, true, &vns);
	z->verify_ns = vns;
	parse_zone_verify(ps, path, o, z);
}

static void zone_element(struct parse *ps, const char *path, json_t *o)
{
	size_t j;

	parse_zone(ps, path, o);
	for (j = 0; j + 1 < ps->p->nzones; j++)
		if (ps->p->zones[j].name[0] &&
		    strcmp(ps->p->zones[j].name, ps->p->zones[ps->p->nzones - 1].name) == 0)
			schema_error(ps->sc, path, "list each zone once", "zone %s is listed twice",
				     ps->p->zones[j].name);
}

static void parse_zones(struct parse *ps, const char *path, json_t *sec)
{
	json_t *arr = json_object_get(sec, "zones");

	ps->p->zones = xcalloc(json_array_size(arr) + 1, sizeof(*ps->p->zones));
	each_object(ps, path, sec, "zones", SCHEMA_REQUIRED, DNS_ZONES_MAX, NULL, zone_element);
}

/* ---- records ---- */

static const char *const record_keys[] = { "name", "type", "to_type", "from", "to", "ttl",
					   "restore_ttl", "gates", NULL };

static size_t zone_of(const struct dns_plan *p, const char *owner)
{
	size_t i, best = (size_t)-1, best_len = 0;

	for (i = 0; i < p->nzones; i++) {
		size_t l = strlen(p->zones[i].name);
		if (p->zones[i].name[0] && dns_name_in_zone(owner, p->zones[i].name) && l >= best_len) {
			best = i;
			best_len = l;
		}
	}
	return best;
}

static char **parse_data(struct parse *ps, const char *path, json_t *o, const char *key,
			 uint16_t type, const char *origin, size_t *ret_n)
{
	char ap[JSONFILE_PATH_MAX], ip[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(ps->sc, path, o, key, JSON_ARRAY, SCHEMA_REQUIRED);
	char **out;
	size_t i, n;

	*ret_n = 0;
	if (!arr)
		return NULL;
	sub(ap, sizeof(ap), path, key);
	n = json_array_size(arr);
	if (n > DNS_RDATA_MAX) {
		schema_error(ps->sc, ap, NULL, "more than %d entries", DNS_RDATA_MAX);
		return NULL;
	}
	if (type == DNS_T_CNAME && n > 1)
		schema_error(ps->sc, ap, "a name has at most one CNAME", "%zu CNAME targets", n);
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		const char *t = json_string_value(json_array_get(arr, i)), *why = "not a string";
		idx(ip, sizeof(ip), ap, i);
		if (!t || !type || dns_rdata_canon_text(type, t, origin, &out[*ret_n], &why) < 0) {
			if (type)
				schema_error(ps->sc, ip, "write the data as in a zone file",
					     "not valid %s data: %s", dns_type_name(type), why);
			continue;
		}
		(*ret_n)++;
	}
	return out;
}

static uint16_t parse_type(struct parse *ps, const char *path, json_t *o, const char *key,
			   int required, uint16_t dflt)
{
	char kp[JSONFILE_PATH_MAX];
	const char *t = NULL;
	uint16_t type;

	if (!schema_string(ps->sc, path, o, key, required, NULL, &t) || !t)
		return dflt;
	type = dns_type_by_name(t);
	if (!type)
		schema_error(ps->sc, sub(kp, sizeof(kp), path, key),
			     "use A, AAAA, CNAME, TXT, MX, SRV or PTR", "type \"%s\" is not one "
			     "cutover switches", t);
	return type;
}

static uint32_t ttl_member(struct parse *ps, const char *path, json_t *o, const char *key,
			   uint32_t dflt)
{
	int64_t ms = (int64_t)dflt * 1000;

	schema_duration(ps->sc, path, o, key, SCHEMA_OPTIONAL, 0, (int64_t)DNS_TTL_MAX * 1000, ms,
			&ms);
	return (uint32_t)(ms / 1000);
}

static void parse_gates(struct parse *ps, const char *path, json_t *o, struct dns_record *r)
{
	char ap[JSONFILE_PATH_MAX], ip[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(ps->sc, path, o, "gates", JSON_ARRAY, SCHEMA_OPTIONAL);
	size_t i;

	if (!arr)
		return;
	sub(ap, sizeof(ap), path, "gates");
	if (json_array_size(arr) > DNS_GATES_MAX) {
		schema_error(ps->sc, ap, NULL, "more than %d gates", DNS_GATES_MAX);
		return;
	}
	r->gates = xcalloc(json_array_size(arr) + 1, sizeof(*r->gates));
	for (i = 0; i < json_array_size(arr); i++) {
		const char *g = json_string_value(json_array_get(arr, i));
		if (!g) {
			schema_error(ps->sc, idx(ip, sizeof(ip), ap, i), "name a check of the health "
				     "section", "expected a string");
			continue;
		}
		r->gates[r->ngates++] = xstrdup(g);
	}
}

static void parse_record(struct parse *ps, const char *path, json_t *o)
{
	struct dns_record *r = &ps->p->records[ps->p->nrecords++];
	char name[256], kp[JSONFILE_PATH_MAX];
	const char *origin;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->zone = (size_t)-1;
	schema_keys(ps->sc, path, o, record_keys);
	r->owner = xstrdup(name_member(ps, path, o, "name", name) ? name : "");
	r->type = parse_type(ps, path, o, "type", SCHEMA_REQUIRED, 0);
	r->to_type = parse_type(ps, path, o, "to_type", SCHEMA_OPTIONAL, r->type);
	if (r->owner[0])
		r->zone = zone_of(ps->p, r->owner);
	/* names in the data without a trailing dot are relative to the zone */
	origin = r->zone != (size_t)-1 ? ps->p->zones[r->zone].name : NULL;
	r->from = parse_data(ps, path, o, "from", r->type, origin, &r->nfrom);
	r->to = parse_data(ps, path, o, "to", r->to_type, origin, &r->nto);
	r->ttl = ttl_member(ps, path, o, "ttl", ps->p->lowered_ttl);
	r->restore_ttl = ttl_member(ps, path, o, "restore_ttl", r->ttl);
	r->restore_ttl_set = json_object_get(o, "restore_ttl") != NULL;
	parse_gates(ps, path, o, r);
	if (!r->owner[0])
		return;
	if (r->zone == (size_t)-1)
		schema_error(ps->sc, sub(kp, sizeof(kp), path, "name"), "add its zone to dns.zones, "
			     "or fix the name", "%s is in no zone of dns.zones", r->owner);
	if (r->type && r->type == r->to_type && r->nfrom == 0 && r->nto == 0)
		schema_error(ps->sc, path, "give `from` or `to` some data", "nothing to switch");
}

static int rec_cmp(const void *a, const void *b)
{
	const struct dns_record *const *x = a, *const *y = b;
	int c = strcmp((*x)->owner, (*y)->owner);

	return c ? c : (int)(*x)->type - (int)(*y)->type;
}

/* The same owner and type twice would put two prerequisites on one RRset. */
static void check_duplicates(struct parse *ps)
{
	struct dns_record **v = xcalloc(ps->p->nrecords + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < ps->p->nrecords; i++)
		v[i] = &ps->p->records[i];
	qsort(v, ps->p->nrecords, sizeof(*v), rec_cmp);
	for (i = 1; i < ps->p->nrecords; i++)
		if (v[i]->owner[0] && v[i]->type && rec_cmp(&v[i - 1], &v[i]) == 0)
			schema_error(ps->sc, v[i]->path, "switch each RRset once",
				     "%s %s is already switched by %s", v[i]->owner,
				     dns_type_name(v[i]->type), v[i - 1]->path);
	free(v);
}

static void parse_records(struct parse *ps, const char *path, json_t *sec)
{
	json_t *arr = json_object_get(sec, "records");

	ps->p->records = xcalloc(json_array_size(arr) + 1, sizeof(*ps->p->records));
	if (each_object(ps, path, sec, "records", SCHEMA_REQUIRED, DNS_RECORDS_MAX,
			"split the change", parse_record))
		check_duplicates(ps);
}

static const char *const section_keys[] = { "primaries", "servers", "zones", "lowered_ttl",
					    "records", NULL };

int dns_plan_parse(struct schema *sc, json_t *section, const char *plan_path,
		   struct dns_plan **ret)
{
	struct parse ps = { .sc = sc, .plan_path = plan_path ? plan_path : "" };
	int64_t lowered = DEFAULT_LOWERED_TTL_MS;

	ps.p = xcalloc(1, sizeof(*ps.p));
	*ret = ps.p;
	if (!json_is_object(section)) {
		schema_error(sc, "dns", NULL, "expected an object, found %s",
			     schema_type_name(json_typeof(section)));
		return 0;
	}
	schema_keys(sc, "dns", section, section_keys);
	ps.p->servers = xcalloc(DNS_SERVERS_MAX + 1, sizeof(*ps.p->servers));
	parse_servers(&ps, "dns", section, "primaries", true);
	parse_servers(&ps, "dns", section, "servers", false);
	parse_zones(&ps, "dns", section);
	schema_duration(sc, "dns", section, "lowered_ttl", SCHEMA_OPTIONAL, 0,
			(int64_t)DNS_TTL_MAX * 1000, DEFAULT_LOWERED_TTL_MS, &lowered);
	ps.p->lowered_ttl = (uint32_t)(lowered / 1000);
	parse_records(&ps, "dns", section);
	return 0;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void dns_plan_free(struct dns_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nservers; i++) {
		free(p->servers[i].name);
		free(p->servers[i].address);
		free(p->servers[i].key_file);
		free(p->servers[i].key_path);
		free(p->servers[i].key_name);
	}
	free(p->servers);
	for (i = 0; i < p->nzones; i++) {
		free(p->zones[i].name);
		free(p->zones[i].verify);
	}
	free(p->zones);
	for (i = 0; i < p->nrecords; i++) {
		struct dns_record *r = &p->records[i];
		free(r->owner);
		free_strv(r->from, r->nfrom);
		free_strv(r->to, r->nto);
		free_strv(r->gates, r->ngates);
		free(r->path);
	}
	free(p->records);
	free(p);
}
