/* netplan/np_plan_text.c — a route change read straight from the plan's text.
 *
 * The plan's reader leaves each host's "routes" array as plain JSON text
 * (core/json_plain.h); this is the quick way through one entry of it, with
 * no jansson value made. It takes only entries that are right: at the first
 * thing it does not take — an unknown member, a value of another type, a
 * value that does not parse, a route it would refuse — it says no, and
 * netplan_plan.c reads that entry as jansson values with route_change(),
 * which reports every error. So what the user sees never depends on the way
 * an entry went, and the tests and the fuzz target check that both ways
 * make the same changes.
 */
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "np_plan.h"
#include "util.h"

#define TEXT_MAX 64 /* the longest string taken here: addresses and names */

enum { R_DST, R_TABLE, R_METRIC, R_FROM, R_TO, R_COMMENT, R_N };
static const char *const route_names[] = {
	"destination", "table", "metric", "from", "to", "comment", NULL,
};

enum { S_VIA, S_DEV, S_METRIC, S_TYPE, S_PROTO, S_SCOPE, S_SRC, S_ONLINK, S_N };
static const char *const side_names[] = {
	"via", "dev", "metric", "type", "protocol", "scope", "src", "onlink", NULL,
};

/* The members of object v into slots by name (absent: len 0). False when v
 * is no object or has a member not in names. */
static bool members(struct json_plain v, const char *const names[], struct json_plain *slots)
{
	struct json_plain key, val;
	size_t pos = 0, k;

	if (json_plain_type(v) != JSON_OBJECT)
		return false;
	while (json_plain_next(v, &pos, &key, &val)) {
		for (k = 0; names[k] && !json_plain_is(key, names[k]); k++)
			;
		if (!names[k])
			return false;
		slots[k] = val;
	}
	return true;
}

static bool present(struct json_plain v)
{
	return v.len != 0;
}

/* A string of 1 to TEXT_MAX - 1 bytes into buf[TEXT_MAX]. */
static bool text_of(struct json_plain v, char *buf)
{
	return json_plain_string(v, buf, TEXT_MAX) && buf[0];
}

static bool u32_of(struct json_plain v, long long min, uint32_t *ret)
{
	long long x;

	if (!json_plain_integer(v, &x) || x < min || x > UINT32_MAX)
		return false;
	*ret = (uint32_t)x;
	return true;
}

static bool ip_of(struct json_plain v, uint8_t family, uint8_t *a)
{
	char buf[TEXT_MAX];
	uint8_t f;

	return text_of(v, buf) && np_ip_parse(buf, &f, a) == 0 && f == family;
}

static bool named_of(struct json_plain v, int (*parse)(const char *), uint8_t *ret)
{
	char buf[TEXT_MAX];
	int x;

	if (!text_of(v, buf) || (x = parse(buf)) < 0)
		return false;
	*ret = (uint8_t)x;
	return true;
}

static bool table_of(struct json_plain v, uint32_t *ret)
{
	char buf[TEXT_MAX];

	if (json_plain_type(v) == JSON_INTEGER)
		return u32_of(v, 1, ret);
	return text_of(v, buf) && np_table_parse(buf, ret) == 0;
}

/* As route_side() and, for `to`, check_to() in netplan_plan.c. */
static bool side_of(struct json_plain v, bool is_to, struct np_route *r, char dev[NP_IFNAMSIZ])
{
	struct json_plain f[S_N] = { { NULL, 0 } };
	char name[TEXT_MAX];

	if (!members(v, side_names, f))
		return false;
	r->care = 0;
	if (present(f[S_VIA])) {
		if (!ip_of(f[S_VIA], r->family, r->gw))
			return false;
		r->has_gw = true;
		r->care |= NP_C_GW;
	}
	if (present(f[S_DEV])) {
		if (!text_of(f[S_DEV], name) || !np_dev_name_ok(name))
			return false;
		memcpy(dev, name, strlen(name) + 1); /* np_dev_name_ok: it fits */
		r->care |= NP_C_DEV;
	}
	if (present(f[S_METRIC]) && !u32_of(f[S_METRIC], 0, &r->metric))
		return false;
	r->type = RTN_UNICAST;
	if (present(f[S_TYPE])) {
		if (!named_of(f[S_TYPE], np_rtype_parse, &r->type))
			return false;
		r->care |= NP_C_TYPE;
	}
	r->protocol = RTPROT_STATIC;
	if (present(f[S_PROTO])) {
		if (!named_of(f[S_PROTO], np_proto_parse, &r->protocol))
			return false;
		r->care |= NP_C_PROTO;
	}
	if (present(f[S_SCOPE])) {
		if (!named_of(f[S_SCOPE], np_scope_parse, &r->scope) || !np_scope_ok(r))
			return false;
		r->care |= NP_C_SCOPE;
	} else {
		r->scope = np_default_scope(r);
	}
	if (present(f[S_SRC])) {
		if (!ip_of(f[S_SRC], r->family, r->prefsrc))
			return false;
		r->has_prefsrc = true;
		r->care |= NP_C_PREFSRC;
	}
	if (present(f[S_ONLINK])) {
		json_type t = json_plain_type(f[S_ONLINK]);
		if (t != JSON_TRUE && t != JSON_FALSE)
			return false;
		r->flags = t == JSON_TRUE ? NP_RT_FLAGS_KEPT : 0;
		r->care |= NP_C_FLAGS;
	}
	if (!is_to)
		return true;
	r->care = NP_C_GW | NP_C_PREFSRC | NP_C_PROTO | NP_C_SCOPE | NP_C_TYPE | NP_C_FLAGS;
	if (dev[0])
		r->care |= NP_C_DEV;
	return np_to_route_ok(r, dev[0] != '\0');
}

bool np_route_change_plain(struct json_plain v, struct np_route_change *c)
{
	struct json_plain f[R_N] = { { NULL, 0 } };
	char dst[TEXT_MAX];

	/* Written whole before `c->to = c->from` reads it: a read of a page
	 * calloc has not touched maps the zero page, and the write after it
	 * faults again, flushing the TLB of every CPU the process runs on
	 * (~20 us each on a VM, 2.5 ms for 10,000 routes). */
	memset(c, 0, sizeof(*c));
	if (!members(v, route_names, f) || !text_of(f[R_DST], dst) ||
	    np_prefix_parse(dst, true, &c->from.family, c->from.dst, &c->from.dst_len) < 0)
		goto no;
	c->from.table = RT_TABLE_MAIN;
	if (present(f[R_TABLE]) && !table_of(f[R_TABLE], &c->from.table))
		goto no;
	c->from.metric = c->from.family == AF_INET6 ? 1024 : 0;
	if (present(f[R_METRIC]) && !u32_of(f[R_METRIC], 0, &c->from.metric))
		goto no;
	c->to = c->from;
	c->has_from = present(f[R_FROM]);
	c->has_to = present(f[R_TO]);
	if (!c->has_from && !c->has_to)
		goto no;
	if (c->has_from && !side_of(f[R_FROM], false, &c->from, c->from_dev))
		goto no;
	if (c->has_to && (!side_of(f[R_TO], true, &c->to, c->to_dev) || !np_to_metric_ok(&c->to)))
		goto no;
	return true;
no:
	memset(c, 0, sizeof(*c));
	return false;
}
