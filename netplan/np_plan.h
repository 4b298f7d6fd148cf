/* netplan/np_plan.h — the parsed "routes" section, inside netplan/. */
#ifndef CUTOVER_NETPLAN_NP_PLAN_H
#define CUTOVER_NETPLAN_NP_PLAN_H

#include "netplan.h"
#include "np.h"

/* A route change. key holds family, dst, table (metric: from's). from is a
 * subset to match (care = the fields the plan names); to is the route to
 * write. Device names are resolved per host, when the kernel is read. */
struct np_route_change {
	char *path;
	struct np_route from, to;
	bool has_from, has_to;
	char from_dev[NP_IFNAMSIZ], to_dev[NP_IFNAMSIZ]; /* "" when not named: in place,
							  * not 20,000 mallocs */
};

/* An address change: add to to_dev, remove from from_dev, or move. */
struct np_addr_change {
	char *path;
	struct np_addr addr;     /* family, local, prefixlen */
	char *from_dev, *to_dev; /* owned; at least one */
};

struct np_host {
	char *path;
	char *name;   /* for messages: the name given, else the netns, else "local" */
	char *netns;  /* NULL: this host */
	struct np_route_change *routes;
	size_t nroutes;
	struct np_addr_change *addrs;
	size_t naddrs;
};

struct netplan_plan {
	struct np_host *hosts;
	size_t nhosts;
	char **gates;
	size_t ngates;
};

/* The checks both ways of reading a route change share (netplan_plan.c). */
bool np_dev_name_ok(const char *s);          /* 1-15 bytes, no '/', ':' or blank */
uint8_t np_default_scope(const struct np_route *r); /* when the plan names none */
bool np_to_route_ok(const struct np_route *r, bool has_dev); /* a `to` cutover writes */
/* What the kernel would keep otherwise than asked, so a rollback could not
 * find it: an IPv6 route's scope (always global) and, for a route written,
 * its metric 0 (written as 1024). */
bool np_scope_ok(const struct np_route *r);
bool np_to_metric_ok(const struct np_route *r);

/* A route change from its plain JSON text, the quick way (np_plan_text.c):
 * true with *c filled (but c->path), or false with *c left zeroed for
 * anything it does not take — route_change() then reads it and says why. */
bool np_route_change_plain(struct json_plain v, struct np_route_change *c);

#endif
