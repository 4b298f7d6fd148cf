/* netplan/np.h — inside the netplan room: kernel routes and addresses as
 * values, the raw netlink wire format (parse and build), one host's kernel
 * state, and the conversions to and from journal payloads.
 *
 * Not a public header: night/ and cli/ use netplan.h only. The tests and the
 * fuzzers include it to reach the parsers.
 */
#ifndef CUTOVER_NETPLAN_NP_H
#define CUTOVER_NETPLAN_NP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "step.h"

struct netplan_diff;

#define NP_IFNAMSIZ 16
#define NP_NETNS_MAX 64
#define NP_EXTRA_MAX 4096        /* passthrough attributes of one route, bytes */
#define NP_STATE_ROUTES_MAX 2000000 /* routes read from one host */
#define NP_STATE_ADDRS_MAX 200000
#define NP_STATE_LINKS_MAX 100000
#define NP_ADDRSTR 64            /* "ffff:…:ffff/128" fits */
#define NP_ROUTESTR 512
#define NP_ROUTE_TEXT_MAX (1024 + 2 * NP_EXTRA_MAX) /* a route's payload text */

/* Fields a comparison looks at (route.care / addr.care); key fields always. */
enum {
	NP_C_GW = 1 << 0,
	NP_C_DEV = 1 << 1,
	NP_C_PREFSRC = 1 << 2,
	NP_C_PROTO = 1 << 3,
	NP_C_SCOPE = 1 << 4,
	NP_C_TYPE = 1 << 5,
	NP_C_FLAGS = 1 << 6,
	NP_C_EXTRA = 1 << 7,
	NP_C_LABEL = 1 << 8,
	NP_C_BCAST = 1 << 9,
	NP_C_PEER = 1 << 10,
	NP_C_ALL = 0x7ff,
};

#define NP_RT_FLAGS_KEPT 0x4u    /* RTNH_F_ONLINK: the only route flag a request sets */
#define NP_RTNH_F_KERNEL 0x79u   /* DEAD, OFFLOAD, LINKDOWN, UNRESOLVED, TRAP: next hop flags
                                  * the kernel reports and sets itself, refuses in a request */
#define NP_IFA_FLAGS_KEPT 0x712u /* NODAD, HOMEADDRESS, MANAGETEMPADDR, NOPREFIXROUTE,
                                  * MCAUTOJOIN: the address flags a request sets */

/* A route as the kernel holds it. Key: family, table, dst/len, src/len, tos,
 * metric. oif is an ifindex of the host it was read on (0: none; UINT32_MAX:
 * a device name that does not exist there). */
struct np_route {
	uint8_t family, dst_len, src_len, tos, protocol, scope, type;
	bool has_gw, has_prefsrc;
	bool via_nh;       /* extra holds RTA_NH_ID: the route uses a nexthop object, and
	                    * gw and oif are that object's (as the kernel reports them,
	                    * nexthop_compat_mode=1), never sent (np_route_tidy) */
	uint32_t flags, table, metric, oif, care;
	uint8_t dst[16], src[16], gw[16], prefsrc[16];
	uint8_t *extra;    /* owned: passthrough rtattrs (metrics, multipath, pref, …),
	                    * sorted by type; NULL when none */
	size_t extra_len;
};

/* An address. Key: family, local, prefixlen, ifindex. */
struct np_addr {
	uint8_t family, prefixlen, scope, proto;
	bool has_peer, has_bcast, has_label, has_proto;
	bool secondary;    /* IPv4: the kernel holds it as a secondary (IFA_F_SECONDARY)
	                    * of the primary address of its subnet on its device; never
	                    * sent or compared, journaled so a rollback re-adds primaries
	                    * first */
	uint32_t flags, ifindex, care;
	uint8_t local[16], peer[16], bcast[16];
	char label[NP_IFNAMSIZ];
};

struct np_link {
	uint32_t ifindex;
	bool up;                  /* IFF_UP: the kernel takes no next hop through a
	                           * device that is down */
	bool promote_secondaries; /* net.ipv4.conf.DEV.promote_secondaries (IFLA_INET_CONF):
	                           * removing a primary IPv4 address promotes one of its
	                           * secondaries instead of deleting them all */
	char name[NP_IFNAMSIZ];
};

/* ---- np_wire.c: the netlink wire format (no I/O; fuzzed) ---- */

/* Calls fn for each message in buf (a datagram from the kernel), checking
 * every length. fn returns 0 to go on, >0 to stop, <0 for an error. Returns
 * the first non-zero value of fn, -EBADMSG for a malformed buffer, or 0. */
struct nlmsghdr;
typedef int (*np_msg_fn)(void *cookie, const struct nlmsghdr *h);
int np_wire_walk(const void *buf, size_t len, np_msg_fn fn, void *cookie) CUT_MUST_CHECK;

/* RTM_NEWROUTE → *r (r->extra allocated). 0, 1 for a route to skip (a cached
 * clone), or -EBADMSG. */
int np_wire_route(const struct nlmsghdr *h, struct np_route *r) CUT_MUST_CHECK;
/* Makes r->extra what a request may carry back, as every reader of a route
 * (the kernel's dump, a journal's text or object) leaves it: the kernel's
 * own next hop flags (NP_RTNH_F_KERNEL) cleared in RTA_MULTIPATH; with
 * RTA_NH_ID (r->via_nh set) the next hop attributes the kernel reports
 * beside it (RTA_MULTIPATH, RTA_VIA, RTA_FLOW, RTA_ENCAP*) dropped: a request
 * with both is refused ("Nexthop specification and nexthop id are mutually
 * exclusive"). Damaged attributes are left as they are (the kernel judges). */
void np_route_tidy(struct np_route *r);
/* The nexthop object id of a route with via_nh, else 0. */
uint32_t np_route_nh_id(const struct np_route *r);
/* The device every next hop of r goes out through (its own, or each member
 * of its RTA_MULTIPATH alike), or 0: none, several, or a nexthop object. */
uint32_t np_route_one_dev(const struct np_route *r);
/* The devices r's next hops go out through: its own, then each member's of
 * its RTA_MULTIPATH, into devs (at most max); none for a nexthop object.
 * Returns how many. */
size_t np_route_devs(const struct np_route *r, uint32_t *devs, size_t max);
/* RTM_NEWADDR → *a. 0 or -EBADMSG. */
int np_wire_addr(const struct nlmsghdr *h, struct np_addr *a) CUT_MUST_CHECK;
/* RTM_NEWLINK → *l (up from IFF_UP; its IPv4 promote_secondaries from
 * IFLA_AF_SPEC, false when the device has no IPv4 settings). 0 or -EBADMSG. */
int np_wire_link(const struct nlmsghdr *h, struct np_link *l) CUT_MUST_CHECK;
/* NLMSG_ERROR → *error (0 for an ACK, else -errno) and the extended-ACK
 * text (empty when none) into msg. 0 or -EBADMSG. */
int np_wire_error(const struct nlmsghdr *h, int *error, char *msg, size_t len) CUT_MUST_CHECK;

enum np_req { NP_REQ_ADD, NP_REQ_REPLACE, NP_REQ_DEL };

/* Builds one request at buf (cap bytes). Returns its length, or 0 when it
 * does not fit. */
size_t np_wire_route_req(void *buf, size_t cap, enum np_req op, uint32_t seq,
			 const struct np_route *r);
size_t np_wire_addr_req(void *buf, size_t cap, enum np_req op, uint32_t seq,
			const struct np_addr *a);
/* A dump request (RTM_GETROUTE/GETADDR/GETLINK) for family. */
size_t np_wire_dump_req(void *buf, size_t cap, uint16_t type, uint8_t family, uint32_t seq);

/* ---- np_value.c: values, comparison, text, JSON payloads ---- */

void np_route_free(struct np_route *r);       /* frees r->extra; NULL-safe */
int np_route_copy(struct np_route *dst, const struct np_route *src);
int np_route_key_cmp(const struct np_route *a, const struct np_route *b);
/* Does have satisfy every field want cares about? (keys not compared) */
bool np_route_match(const struct np_route *want, const struct np_route *have);
int np_addr_key_cmp(const struct np_addr *a, const struct np_addr *b);
bool np_addr_match(const struct np_addr *want, const struct np_addr *have);

/* "10.0.0.0/8" / "2001:db8::/32"; returns buf. */
const char *np_prefix_str(uint8_t family, const uint8_t *a, uint8_t len, char *buf, size_t n);
/* Parses "10.0.0.0/8", "10.1.2.3" (host prefix), "2001:db8::/32". The host
 * bits of a route destination must be zero when strict. 0 or -EINVAL. */
int np_prefix_parse(const char *s, bool strict, uint8_t *family, uint8_t *a, uint8_t *len)
	CUT_MUST_CHECK;
int np_ip_parse(const char *s, uint8_t *family, uint8_t *a) CUT_MUST_CHECK;

/* Names a device by ifindex for text and payloads. */
typedef const char *(*np_ifname_fn)(void *cookie, uint32_t ifindex);
typedef uint32_t (*np_ifindex_fn)(void *cookie, const char *name); /* UINT32_MAX: none */

/* "10.0.0.0/8 via 192.0.2.1 dev veth0 table 100 proto static metric 10". */
void np_route_str(const struct np_route *r, np_ifname_fn name, void *cookie, char *buf,
		  size_t n);
void np_addr_str(const struct np_addr *a, np_ifname_fn name, void *cookie, char *buf, size_t n);
/* A route by its key, as changes are named: "route 10.0.3.0/24 table main metric 0". */
void np_route_key_str(const struct np_route *r, char *buf, size_t n);

/* Payload JSON of a route (a text: destination, then keyword-value pairs,
 * see netplan.h) or address (an object), every field it cares about. */
json_t *np_route_json(const struct np_route *r, np_ifname_fn name, void *cookie);
json_t *np_addr_json(const struct np_addr *a, np_ifname_fn name, void *cookie);
/* The payload text of a route into buf (see netplan.h). Returns its length,
 * or 0 when it did not fit (NP_ROUTE_TEXT_MAX + 1 always fits). */
size_t np_route_text(const struct np_route *r, np_ifname_fn name, void *cookie, char *buf,
		     size_t n);
/* Back from a payload text. 0 or CUT_EINPUT (msg says why). */
int np_route_parse(const char *s, np_ifindex_fn index, void *cookie, struct np_route *r,
		   char *msg, size_t n) CUT_MUST_CHECK;
/* Back from a payload, resolving device names; a route also from the object
 * of journals written before the text. 0 or CUT_EINPUT (msg says why). */
int np_route_from_json(const json_t *v, np_ifindex_fn index, void *cookie, struct np_route *r,
		       char *msg, size_t n) CUT_MUST_CHECK;
int np_addr_from_json(const json_t *v, np_ifindex_fn index, void *cookie, struct np_addr *a,
		      char *msg, size_t n) CUT_MUST_CHECK;

const char *np_rtype_name(uint8_t type);   /* "unicast", "blackhole", … or NULL */
int np_rtype_parse(const char *s);         /* -1 when unknown */
int np_proto_parse(const char *s);         /* names or 0..255; -1 when unknown */
int np_scope_parse(const char *s);
int np_table_parse(const char *s, uint32_t *ret) CUT_MUST_CHECK;
void np_table_str(uint32_t table, char *buf, size_t n);

/* ---- np_state.c: one host's kernel state over one netlink socket ---- */

struct np_conn;
struct np_state {
	struct np_link *links;   /* sorted by ifindex */
	size_t nlinks;
	struct np_link *by_name; /* the same, sorted by name (device names resolved per route) */
	struct np_route *routes; /* sorted by key */
	size_t nroutes;
	struct np_addr *addrs;   /* sorted by key */
	size_t naddrs;
};

/* A name `ip netns` can have: [A-Za-z0-9._-], at most NP_NETNS_MAX, not . or .. */
bool np_netns_name_ok(const char *s);
/* The same host: both NULL (this host) or the same netns name. */
bool np_same_netns(const char *a, const char *b);

/* Opens a NETLINK_ROUTE socket in the named namespace (NULL: this one),
 * with extended ACKs and buffers sized for a window of requests. */
int np_conn_open(const char *netns, struct np_conn **ret, struct cut_err *err) CUT_MUST_CHECK;
void np_conn_close(struct np_conn *c);
const char *np_conn_host(const struct np_conn *c); /* "netns X" or "this host" */
const char *np_conn_netns(const struct np_conn *c); /* X, or NULL for this host */

enum { NP_READ_ROUTES = 1, NP_READ_ADDRS = 2 };
/* Reads links and, as asked, routes (IPv4 and IPv6, every table) and addresses. */
int np_state_read(struct np_conn *c, int what, struct np_state *st, struct cut_err *err)
	CUT_MUST_CHECK;
void np_state_free(struct np_state *st);
/* Where key's routes start, or would be: the first route not below key. */
size_t np_state_route_place(const struct np_state *st, const struct np_route *key);
/* Routes with the same key as r: [*first, *first + count). */
size_t np_state_routes_at(const struct np_state *st, const struct np_route *key, size_t *first);
/* The same, looking first beside *near (where the last look found its key;
 * start at 0), and moving it: looks in key order, forward or backward,
 * cost a compare or four instead of a binary search. */
size_t np_state_routes_near(const struct np_state *st, const struct np_route *key, size_t *near,
			    size_t *first);
/* Sorts routes by key (np_route_key_cmp), cheaply when most are in order. */
void np_routes_sort(struct np_route *r, size_t n);
const struct np_addr *np_state_addr_at(const struct np_state *st, const struct np_addr *key);
const struct np_link *np_state_link(const struct np_state *st, uint32_t ifindex); /* or NULL */
const char *np_state_ifname(void *st, uint32_t ifindex);  /* np_ifname_fn */
uint32_t np_state_ifindex(void *st, const char *name);    /* np_ifindex_fn */

/* np_sender.c: a thread sending ops [0, ready) over c as the caller moves
 * ready up (np_sender_offer: false once the sender stopped); ops must not
 * move meanwhile. np_sender_finish waits for it and returns np_ops_send's
 * outcome (its error into *err). */
struct np_sender;
struct np_op;
int np_sender_start(const struct step_ctx *ctx, struct np_conn *c, struct np_op *ops,
		    const struct np_state *st, struct np_sender **ret,
		    struct cut_err *err) CUT_MUST_CHECK;
bool np_sender_offer(struct np_sender *s, size_t ready);
int np_sender_finish(struct np_sender *s, struct cut_err *err);

/* np_prefetch.c: the state read ahead for the host in netns (NULL: this
 * host), moved into *st; false when there is none (then read it). */
struct netplan_prefetch;
bool np_prefetched(struct netplan_prefetch *pf, const char *netns, struct np_state *st);
/* Is netns among the hosts pf reads (read or not yet)? Does not wait. */
bool np_prefetch_has(const struct netplan_prefetch *pf, const char *netns);
/* Reads one host's state ahead (a rollback's first host); NULL for a netns
 * that is no valid name. Free with netplan_prefetch_free(). */
struct netplan_prefetch *np_prefetch_one(const char *netns);

/* One request of a batch and what became of it. */
struct np_req_item {
	enum np_req op;
	bool is_addr;
	const struct np_route *route;
	const struct np_addr *addr;
	int error;        /* out: 0 applied, -errno refused, 1 not sent */
	char *message;    /* out, owned: the kernel's extended-ACK text, or NULL */
};

/* Sends the requests in windows of many requests per sendmsg; the kernel
 * answers each one that fails and the last of each window (its ACK), matched
 * by sequence number, so every request's outcome is known. Stops after the
 * first window in which the kernel refused one. Returns 0, or the first
 * refusal (-errno) with *err naming it, or an I/O error. One connection may
 * send several batches, one after the other. CUTOVER_NETPLAN_CRASH_WINDOW=N
 * in the environment SIGKILLs the process after the connection sent its
 * N-th window (tests). */
int np_conn_send(struct np_conn *c, struct np_req_item *items, size_t n, struct cut_err *err)
	CUT_MUST_CHECK;

/* ---- np_step.c: payloads, and one batch of changes to one host ---- */

/* The apply payload {"netns": netns (absent when NULL), "before": …|null,
 * "after": …|null} and its inverse (before and after swapped) of one
 * address. The caller owns both references. */
void np_addr_payloads(const char *netns, const struct np_addr *before,
		      const struct np_addr *after, const struct np_state *st, json_t **apply,
		      json_t **inverse);

/* The table of a "routes" step being built: one line per route change,
 *     PATH <tab> BEFORE <tab> AFTER <newline>
 * (BEFORE, AFTER: payload texts, "-" for none). The step's inverse payload,
 * {"inverse_of": "apply"}, names it: the same lines, last first, BEFORE and
 * AFTER swapped (written once, the journal stays half the size). */
struct np_table_text {
	char *text;             /* owned */
	size_t len, cap, lines;
};

#define NP_TABLE_LINES_MAX 1024       /* route changes per "routes" step */
#define NP_TABLE_BYTES_MAX (256 << 10) /* and their text, about */

void np_table_add(struct np_table_text *t, const char *path, const char *before,
		  const char *after);
/* The payloads of the step, and t emptied for the next. 0, or CUT_EINPUT
 * when the text is not UTF-8 (a device name). */
int np_table_payloads(struct np_table_text *t, const char *netns, json_t **apply,
		      json_t **inverse) CUT_MUST_CHECK;
void np_table_free(struct np_table_text *t);

/* Which of its routes an op's request sends: no third copy of a route in
 * each of 10,000 ops (a tenth of a rollback's page faults). */
enum np_send_as {
	NP_SEND_AFTER,   /* ra */
	NP_SEND_BEFORE,  /* rb */
	NP_SEND_KEY,     /* only rb's key: a --force delete of a route not as it was */
};

/* One route or address change of a batch (one step, or one line of a
 * "routes" step) and what became of it. */
struct np_op {
	size_t step;             /* its step: an index into the batch's steps; SIZE_MAX
	                          * while the switch has not made it yet */
	size_t item;             /* its netplan_item (the forward switch), or SIZE_MAX */
	const char *path;        /* in the plan, for messages; NULL when unknown */
	bool is_addr, has_before, has_after;
	bool send;               /* to be sent as req: a route as send_as says, an
				  * address as asend */
	enum np_req req;
	enum np_send_as send_as;
	union {                  /* an op is a route's or an address's: ~40 % less
				  * memory for the 10,000s of ops of a switch */
		struct {         /* !is_addr */
			struct np_route rb, ra;  /* before, after */
		};
		struct {         /* is_addr */
			struct np_addr ab, aa;   /* before, after */
			struct np_addr asend;
		};
	};
	int result;              /* STEP_PENDING, 0, CUT_ECONFLICT, STEP_UNKNOWN, <0 */
	char *message;           /* owned */
};

void np_op_clear(struct np_op *o);

/* One host's part of a diff: its kernel state as read and its ops, in the
 * order to send; steps are made from the ops as the switch goes. */
struct np_batch {
	char *netns;             /* owned; NULL: this host */
	char *host;              /* owned: "netns gw1" */
	struct np_state st;      /* owned: device names for payloads and listings */
	size_t first_op, nops;   /* its ops in netplan_diff.ops */
	size_t next_op;          /* the first op not in a step yet */
};

/* Makes the next step of b from its ops not in a step yet (np_diff.c): an
 * address's own "addr" step, or a "routes" table of the route changes that
 * follow (at most NP_TABLE_LINES_MAX). Sets those ops' step and *ret_step.
 * Returns 0, 1 when every op of b is in a step, or CUT_EINPUT (a device name
 * that is not UTF-8: the journal cannot hold it). */
int np_batch_next_step(struct netplan_diff *d, struct np_batch *b, struct np_table_text *t,
		       size_t *ret_step) CUT_MUST_CHECK;

/* Ops read back from journaled payloads (device names resolved in st). */
struct np_decoder {
	struct np_op *ops;
	size_t n, cap;
	char **texts;          /* copies of "routes" tables: the ops' paths point in */
	size_t ntexts;
	struct np_state *st;
};

/* Appends one op per line of the "routes" apply payload p, for steps[step]:
 * with reverse, the lines last first and before/after swapped (the step's
 * inverse). 0, or CUT_EINPUT with msg saying what is wrong (ops made so far
 * stay). Fuzzed. */
int np_decode_table(struct np_decoder *d, size_t step, const json_t *p, bool reverse, char *msg,
		    size_t n) CUT_MUST_CHECK;
void np_decoder_free(struct np_decoder *d);
/* Decides each pending op against st: in effect already (result 0), to be
 * sent (send), or a conflict (left alone; with ctx->force sent anyway). */
void np_ops_classify(const struct step_ctx *ctx, struct np_op *ops, size_t n,
		     const struct np_state *st);
/* Sends the ops marked send (a dry run says them through ctx->say instead)
 * and sets their results; undo: they undo a switch (a refusal's message says
 * to run the rollback again, else the switch). Returns 0 or the first
 * refusal (see np_conn_send). */
int np_ops_send(const struct step_ctx *ctx, struct np_conn *c, struct np_op *ops, size_t n,
		const struct np_state *st, bool undo, struct cut_err *err) CUT_MUST_CHECK;
/* Sets each step's result from its ops (steps[op.step]). */
void np_ops_settle(struct np_op *ops, size_t n, struct step *const *steps, size_t nsteps,
		   bool inverse);
/* The batch's error from its ops' results: the first failure, named; else
 * sent_r; else the first conflict. inverse: a rollback's (its hint says to
 * run it again, not to roll back). */
int np_ops_error(const struct np_op *ops, size_t n, struct step *const *steps, int sent_r,
		 const char *host, bool inverse, struct cut_err *err);

#endif
