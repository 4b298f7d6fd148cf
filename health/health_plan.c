/* health/health_plan.c — the plan's "health" section: named checks. */
#include "health.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define HOST_MAX 253
#define PATH_MAX_LEN 2048
#define BODY_CONTAINS_MAX 1024

struct health_plan {
	struct health_check *checks;
	size_t n;
};

static const char *const kind_names[] = { "http", "https", "tcp", "dns", NULL };

const char *health_kind_name(enum health_kind k)
{
	if ((size_t)k < ARRAY_SIZE(kind_names) - 1)
		return kind_names[k];
	return "unknown";
}

static const char *const check_keys[] = {
	"kind", "host", "targets", "path", "expect_status", "body_contains", "tls",
	"timeout", "interval", "healthy_after", "sick_after", "qtype", NULL,
};

static const char *const tls_keys[] = { "verify", "ca_file", NULL };

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HEALTH_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static bool host_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HOST_MAX || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

static bool path_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > PATH_MAX_LEN || s[0] != '/')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static unsigned default_port(enum health_kind k)
{
	switch (k) {
	case HEALTH_HTTP:
		return 80;
	case HEALTH_HTTPS:
		return 443;
	case HEALTH_DNS:
		return 53;
	case HEALTH_TCP:
		break;
	}
	return 0;
}

/* Splits "198.51.100.10:443", "[2001:db8::1]:443" or a bare address into
 * address and port (dflt when absent; 0 means a port is required). */
static int split_target(const char *s, unsigned dflt, char *addr, size_t alen, unsigned *port)
{
	const char *colon = NULL, *end;
	unsigned char bin[16];
	long long p = dflt;
	size_t n;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] != '\0')
			return -EINVAL;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= alen)
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return -EINVAL;
	if (colon && parse_int(colon + 1, 1, 65535, &p) < 0)
		return -ERANGE;
	if (p == 0)
		return -ENOENT;
	*port = (unsigned)p;
	return 0;
}

static void parse_targets(struct schema *sc, const char *path, json_t *obj,
			  struct health_check *c)
{
	char kpath[JSONFILE_PATH_MAX], ipath[JSONFILE_PATH_MAX], addr[64];
	json_t *arr = schema_member(sc, path, obj, "targets", JSON_ARRAY, SCHEMA_REQUIRED);
	size_t i;
	json_t *v;

	if (!arr)
		return;
	json_path_key(kpath, sizeof(kpath), path, "targets");
	if (json_array_size(arr) == 0 || json_array_size(arr) > HEALTH_TARGETS_MAX) {
		schema_error(sc, kpath, "list from 1 to 64 addresses such as \"198.51.100.10:443\"",
			     "%zu targets", json_array_size(arr));
		return;
	}
	c->targets = xcalloc(json_array_size(arr), sizeof(*c->targets));
	json_array_foreach(arr, i, v) {
		struct health_target *t = &c->targets[c->n_targets];
		unsigned port = 0;
		int r;

		json_path_index(ipath, sizeof(ipath), kpath, i);
		if (!json_is_string(v)) {
			schema_error(sc, ipath, "write the address as a string, e.g. \"198.51.100.10:443\"",
				     "a target must be a string, not %s", schema_type_name(json_typeof(v)));
			continue;
		}
		r = split_target(json_string_value(v), default_port(c->kind), addr, sizeof(addr), &port);
		if (r == -ENOENT) {
			schema_error(sc, ipath, "add the port, e.g. \"198.51.100.10:5432\"",
				     "a tcp target needs a port");
			continue;
		}
		if (r < 0) {
			schema_error(sc, ipath,
				     "write an IP address and port: \"198.51.100.10:443\" or \"[2001:db8::1]:443\"",
				     "\"%s\" is not an IP address with an optional port",
				     json_string_value(v));
			continue;
		}
		t->addr = xstrdup(addr);
		t->port = port;
		t->text = strchr(addr, ':') ? xasprintf("[%s]:%u", addr, port)
					    : xasprintf("%s:%u", addr, port);
		c->n_targets++;
	}
}

static void parse_statuses(struct schema *sc, const char *path, json_t *obj,
			   struct health_check *c)
{
	char kpath[JSONFILE_PATH_MAX], ipath[JSONFILE_PATH_MAX];
	json_t *arr = schema_member(sc, path, obj, "expect_status", JSON_ARRAY, SCHEMA_OPTIONAL);
	size_t i;
	json_t *v;

	c->expect_status[0] = 200;
	c->n_status = 1;
	if (!arr)
		return;
	json_path_key(kpath, sizeof(kpath), path, "expect_status");
	if (c->kind != HEALTH_HTTP && c->kind != HEALTH_HTTPS)
		schema_error(sc, kpath, "remove it: only http and https checks have a status",
			     "expect_status does not apply to a %s check", health_kind_name(c->kind));
	if (json_array_size(arr) == 0 || json_array_size(arr) > HEALTH_STATUSES_MAX) {
		schema_error(sc, kpath, "list from 1 to 16 statuses, e.g. [200, 204]",
			     "%zu statuses", json_array_size(arr));
		return;
	}
	c->n_status = 0;
	json_array_foreach(arr, i, v) {
		json_path_index(ipath, sizeof(ipath), kpath, i);
		if (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 599) {
			schema_error(sc, ipath, "use an HTTP status from 100 to 599",
				     "not an HTTP status");
			continue;
		}
		c->expect_status[c->n_status++] = (long)json_integer_value(v);
	}
}

static void parse_tls(struct schema *sc, const char *path, json_t *obj, struct health_check *c)
{
	char kpath[JSONFILE_PATH_MAX];
	json_t *tls = schema_member(sc, path, obj, "tls", JSON_OBJECT, SCHEMA_OPTIONAL);
	const char *ca = NULL;

	c->tls_verify = true;
	if (!tls)
		return;
	json_path_key(kpath, sizeof(kpath), path, "tls");
	if (c->kind != HEALTH_HTTPS)
		schema_error(sc, kpath, "remove it, or make the check \"kind\": \"https\"",
			     "tls applies only to https checks");
	schema_keys(sc, kpath, tls, tls_keys);
	schema_bool(sc, kpath, tls, "verify", SCHEMA_OPTIONAL, true, &c->tls_verify);
	if (!schema_string(sc, kpath, tls, "ca_file", SCHEMA_OPTIONAL, NULL, &ca) || !ca)
		return;
	c->ca_file = sc->jf && sc->jf->name ? path_relative_to(sc->jf->name, ca) : xstrdup(ca);
	if (access(c->ca_file, R_OK) < 0) {
		char cpath[JSONFILE_PATH_MAX];
		json_path_key(cpath, sizeof(cpath), kpath, "ca_file");
		schema_error(sc, cpath, "give the PEM file of the CA that signed the target's certificate "
			     "(relative paths start at the plan's folder)",
			     "cannot read %s", c->ca_file);
	}
}

static void parse_dns(struct schema *sc, const char *path, json_t *obj, struct health_check *c)
{
	const char *qtype = NULL;
	char kpath[JSONFILE_PATH_MAX];

	c->qtype = LDNS_RR_TYPE_A;
	if (!schema_string(sc, path, obj, "qtype", SCHEMA_OPTIONAL, NULL, &qtype) || !qtype)
		return;
	json_path_key(kpath, sizeof(kpath), path, "qtype");
	if (c->kind != HEALTH_DNS) {
		schema_error(sc, kpath, "remove it: only dns checks ask a record type",
			     "qtype does not apply to a %s check", health_kind_name(c->kind));
		return;
	}
	c->qtype = (int)ldns_get_rr_type_by_name(qtype);
	if (c->qtype == 0 || strlen(qtype) > 16)
		schema_error(sc, kpath, "use a record type such as \"A\", \"AAAA\", \"CNAME\", \"TXT\"",
			     "\"%s\" is not a DNS record type", qtype);
}

static void parse_strings(struct schema *sc, const char *path, json_t *obj,
			  struct health_check *c)
{
	char kpath[JSONFILE_PATH_MAX];
	const char *s = NULL;
	bool needs_host = c->kind != HEALTH_TCP;

	json_path_key(kpath, sizeof(kpath), path, "host");
	if (schema_string(sc, path, obj, "host", needs_host ? SCHEMA_REQUIRED : SCHEMA_OPTIONAL,
			  NULL, &s) && s) {
		if (host_ok(s))
			c->host = xstrdup(s);
		else
			schema_error(sc, kpath, "write the production host name, e.g. \"www.example.com\"",
				     "\"%s\" is not a host name", s);
	}
	s = NULL;
	json_path_key(kpath, sizeof(kpath), path, "path");
	if (schema_string(sc, path, obj, "path", SCHEMA_OPTIONAL, NULL, &s) && s) {
		if (c->kind != HEALTH_HTTP && c->kind != HEALTH_HTTPS)
			schema_error(sc, kpath, "remove it: only http and https checks have a path",
				     "path does not apply to a %s check", health_kind_name(c->kind));
		else if (!path_ok(s))
			schema_error(sc, kpath, "start it with '/', without spaces, e.g. \"/healthz\"",
				     "not a URL path");
		else
			c->path = xstrdup(s);
	}
	if (!c->path)
		c->path = xstrdup("/");
	s = NULL;
	json_path_key(kpath, sizeof(kpath), path, "body_contains");
	if (schema_string(sc, path, obj, "body_contains", SCHEMA_OPTIONAL, NULL, &s) && s) {
		if (c->kind == HEALTH_TCP)
			schema_error(sc, kpath, "remove it: a tcp check reads nothing",
				     "body_contains does not apply to a tcp check");
		else if (strlen(s) == 0 || strlen(s) > BODY_CONTAINS_MAX)
			schema_error(sc, kpath, "give from 1 to 1024 characters", "empty or too long");
		else
			c->body_contains = xstrdup(s);
	}
}

static void parse_timing(struct schema *sc, const char *path, json_t *obj,
			 struct health_check *c)
{
	long long v;

	schema_duration(sc, path, obj, "timeout", SCHEMA_OPTIONAL, 50, HEALTH_TIMEOUT_MAX_MS, 2000,
			&c->timeout_ms);
	schema_duration(sc, path, obj, "interval", SCHEMA_OPTIONAL, 50, HEALTH_INTERVAL_MAX_MS, 2000,
			&c->interval_ms);
	schema_int(sc, path, obj, "healthy_after", SCHEMA_OPTIONAL, 1, HEALTH_THRESHOLD_MAX, 3, &v);
	c->healthy_after = (unsigned)v;
	schema_int(sc, path, obj, "sick_after", SCHEMA_OPTIONAL, 1, HEALTH_THRESHOLD_MAX, 2, &v);
	c->sick_after = (unsigned)v;
}

static void check_clear(struct health_check *c)
{
	size_t i;

	for (i = 0; i < c->n_targets; i++) {
		free(c->targets[i].addr);
		free(c->targets[i].text);
	}
	free(c->targets);
	free(c->name);
	free(c->host);
	free(c->path);
	free(c->body_contains);
	free(c->ca_file);
	memset(c, 0, sizeof(*c));
}

/* Types one check; false (and c cleared) when it had errors. */
static bool parse_check(struct schema *sc, const char *path, const char *name, json_t *obj,
			struct health_check *c)
{
	size_t errors = sc->d->errors;
	int kind = HEALTH_HTTP;

	memset(c, 0, sizeof(*c));
	if (!name_ok(name))
		schema_error(sc, path, "use letters, digits, '.', '_' or '-' (at most 64)",
			     "\"%.*s\" is not a valid check name", (int)utf8_cut(name, 80), name);
	if (!json_is_object(obj)) {
		schema_error(sc, path, "write the check as an object { \"kind\": \"https\", … }",
			     "a check must be an object, not %s", schema_type_name(json_typeof(obj)));
		return false;
	}
	schema_keys(sc, path, obj, check_keys);
	schema_enum(sc, path, obj, "kind", SCHEMA_REQUIRED, kind_names, HEALTH_HTTP, &kind);
	c->kind = (enum health_kind)kind;
	c->name = xstrdup(name);
	parse_strings(sc, path, obj, c);
	parse_targets(sc, path, obj, c);
	parse_statuses(sc, path, obj, c);
	parse_tls(sc, path, obj, c);
	parse_dns(sc, path, obj, c);
	parse_timing(sc, path, obj, c);
	if (c->kind == HEALTH_DNS || c->kind == HEALTH_TCP)
		c->n_status = 0;
	if (sc->d->errors == errors)
		return true;
	check_clear(c);
	return false;
}

int health_plan_parse(struct schema *sc, json_t *section, struct health_plan **ret)
{
	struct health_plan *p = xcalloc(1, sizeof(*p));
	const char *name;
	json_t *v;

	*ret = NULL;
	if (!json_is_object(section)) {
		schema_error(sc, "health", "write the section as an object of named checks",
			     "\"health\" must be an object");
		*ret = p;
		return 0;
	}
	if (json_object_size(section) > HEALTH_CHECKS_MAX) {
		schema_error(sc, "health", "split the plan: at most 256 checks",
			     "%zu checks", json_object_size(section));
		*ret = p;
		return 0;
	}
	p->checks = xcalloc(json_object_size(section) + 1, sizeof(*p->checks));
	json_object_foreach(section, name, v) {
		char path[JSONFILE_PATH_MAX];

		json_path_key(path, sizeof(path), "health", name);
		if (parse_check(sc, path, name, v, &p->checks[p->n]))
			p->n++;
	}
	*ret = p;
	return 0;
}

void health_plan_free(struct health_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		check_clear(&p->checks[i]);
	free(p->checks);
	free(p);
}

size_t health_plan_count(const struct health_plan *p)
{
	return p ? p->n : 0;
}

const struct health_check *health_plan_get(const struct health_plan *p, size_t i)
{
	return p && i < p->n ? &p->checks[i] : NULL;
}

const struct health_check *health_plan_find(const struct health_plan *p, const char *name)
{
	size_t i;

	for (i = 0; p && name && i < p->n; i++)
		if (strcmp(p->checks[i].name, name) == 0)
			return &p->checks[i];
	return NULL;
}
