/* dnsctl/dnsctl.h — DNS: the plan's "dns" section, RFC 2136 UPDATE with
 * prerequisites, TSIG (signed with OpenSSL, every algorithm BIND knows),
 * pipelined queries over TCP, verification on every server.
 *
 * The room turns the plan into steps of two kinds, both registered by
 * dns_register_steps():
 *   "dns.rrset"  switch one RRset from its `from` data to its `to` data
 *                (a change of type included: A -> CNAME);
 *   "dns.ttl"    rewrite one RRset with the same data and another TTL
 *                (prelower; its inverse puts the old TTL back).
 * A step's apply payload (its inverse names it and adds a TTL) holds
 * everything a rollback on another machine needs with only the journal and
 * the key file: server address/port, key FILE and key NAME
 * (never key material), zone, owner, types, both RRsets, TTL, the servers to
 * verify. docs/dns.md documents the section and the payload.
 *
 * Nothing here prints or exits: lines for the terminal go through a
 * step_say_fn, errors through struct cut_err.
 */
#ifndef CUTOVER_DNSCTL_H
#define CUTOVER_DNSCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "schema.h"
#include "step.h"

/* Limits on what a plan may ask for. */
#define DNS_SERVERS_MAX 64
#define DNS_ZONES_MAX 256
#define DNS_RECORDS_MAX 100000
#define DNS_RDATA_MAX 64      /* entries of one from/to RRset */
#define DNS_GATES_MAX 16
#define DNS_TTL_MAX 2147483647u
#define DNS_WAIT_MAX_MS (3600 * 1000)
#define DNS_TIMEOUT_DEFAULT_MS 5000    /* per message, when the plan gives none */
#define DNS_ROLLBACK_WAIT_MS 30000     /* what a rollback's verify waits by default */

/* A server: a primary (takes UPDATEs) or one more to verify. */
struct dns_server {
	char *name;          /* the plan's name for it */
	char *address;       /* numeric IPv4 or IPv6 */
	unsigned port;
	char *key_file;      /* absolute path, or NULL when unsigned */
	char *key_path;      /* where the plan names it ("dns.primaries[0].key_file") */
	char *key_name;      /* NULL: the only/first key of the file */
	bool is_unsigned;    /* the plan said "unsigned": true */
	bool primary;
	int64_t timeout_ms;
};

struct dns_zone {
	char *name;          /* lower case, trailing dot */
	size_t primary;      /* index into servers */
	size_t *verify;      /* indexes into servers (beside the primary) */
	size_t nverify;
	bool verify_ns;      /* also the zone's NS RRset, on port 53 */
};

struct dns_record {
	char *owner;         /* lower case, trailing dot */
	uint16_t type;       /* type of `from` */
	uint16_t to_type;    /* type of `to` (== type unless it changes) */
	char **from;         /* presentation data, canonical; nfrom may be 0 (creation) */
	size_t nfrom;
	char **to;           /* nto may be 0 (deletion) */
	size_t nto;
	uint32_t ttl;        /* TTL of `to` */
	uint32_t restore_ttl;/* TTL `from` gets back on rollback, when restore_ttl_set */
	bool restore_ttl_set;/* the plan gave restore_ttl; else the TTL the primary held */
	char **gates;        /* health check names */
	size_t ngates;
	size_t zone;         /* index into zones */
	char *path;          /* JSON path, "dns.records[3]", for messages */
};

struct dns_plan {
	struct dns_server *servers;
	size_t nservers;
	struct dns_zone *zones;
	size_t nzones;
	struct dns_record *records;
	size_t nrecords;
	uint32_t lowered_ttl;
};

/* Checks and types the plan's "dns" section. Input errors go to sc->d (all
 * of them); returns 0 with *ret set unless a resource failed. plan_path
 * resolves relative key file names. The caller frees *ret. */
int dns_plan_parse(struct schema *sc, json_t *section, const char *plan_path,
		   struct dns_plan **ret) CUT_MUST_CHECK;
void dns_plan_free(struct dns_plan *p);

/* For `cutover check`: reads each signed primary's key file as a command
 * that sends would (mode, format, key name, algorithm); every problem is an
 * error at the plan's key_file. The commands check again when they load it. */
void dns_plan_check_key_files(const struct dns_plan *p, struct schema *sc);

/* "A", "AAAA", "CNAME", … for a type number. */
const char *dns_type_name(uint16_t type);

/* Registers the DNS step kinds ("dns.rrset", "dns.ttl"). */
int dns_register_steps(struct step_registry *reg) CUT_MUST_CHECK;

extern const struct step_kind dns_rrset_kind;
extern const struct step_kind dns_ttl_kind;

/* Safety before anything is journaled: every key file of a primary that
 * records use loads (mode check, parse); an unsigned primary is refused with
 * CUT_EUNSAFE unless allow_unsigned. */
int dns_plan_check_keys(const struct dns_plan *p, bool allow_unsigned,
			struct cut_err *err) CUT_MUST_CHECK;

/* Options the steps carry into their payloads. */
struct dns_step_opts {
	bool allow_unsigned;   /* recorded, so a rollback may send unsigned too */
	int64_t verify_wait_ms;/* how long a rollback waits for servers to follow */
};

struct dns_current;

/* The dns.rrset steps of a switch, ordered by zone (one batch per zone).
 * cur (from dns_read_current, read before the switch; NULL when nothing is
 * sent, as for verify) gives each inverse the TTL the primary held, unless
 * the plan gave restore_ttl. The caller owns the array and step_clear()s
 * each step. */
int dns_switch_steps(const struct dns_plan *p, const struct dns_current *cur,
		     const struct dns_step_opts *o, struct step **ret, size_t *ret_n,
		     struct cut_err *err) CUT_MUST_CHECK;

/* What the primary holds now for each record's `from` RRset. */
struct dns_current {
	bool matches;        /* data equal to `from` */
	uint32_t ttl;        /* its TTL (0 when empty) */
	char *has;           /* what it holds, "192.0.2.1, 192.0.2.2" or "nothing" */
	uint16_t beside;     /* a record that becomes a CNAME: a type its owner also
			      * holds (not the one replaced), 0 when none */
};

/* Reads from each zone's primary (pipelined, one connection per primary)
 * what the owner of a record that becomes a CNAME holds (ANY) and, with
 * from_rrsets, every record's `from` RRset and its zone's SOA. *ret has
 * p->nrecords entries; *ret_negttl gets, per zone, the negative-caching TTL
 * (min of SOA TTL and SOA minimum) or 0. Free with dns_current_free. */
int dns_read_current(const struct dns_plan *p, bool from_rrsets, struct dns_current **ret,
		     uint32_t **ret_negttl, struct cut_err *err) CUT_MUST_CHECK;
void dns_current_free(struct dns_current *c, size_t n);

/* Refuses (CUT_EUNSAFE, naming the record, the server and the other type) a
 * switch to CNAME whose owner also holds other data: the server would apply
 * the delete and silently drop the CNAME. cur is from dns_read_current. */
int dns_refuse_cname_clash(const struct dns_plan *p, const struct dns_current *cur,
			   struct cut_err *err) CUT_MUST_CHECK;

/* Refuses (CUT_EUNSAFE, naming the first record, its TTL and the server) a
 * switch while any `from` RRset the primary holds has a TTL above the
 * lowered TTL: a record added or a TTL raised since the prelower. */
int dns_refuse_high_ttl(const struct dns_plan *p, const struct dns_current *cur,
			struct cut_err *err) CUT_MUST_CHECK;

/* The dns.ttl steps of a prelower from what was read: one per record whose
 * `from` is not empty and whose TTL is above the lowered TTL. */
int dns_prelower_steps(const struct dns_plan *p, const struct dns_current *cur,
		       const struct dns_step_opts *o, struct step **ret, size_t *ret_n,
		       struct cut_err *err) CUT_MUST_CHECK;

/* Verification: on every server of each zone (the primary, the plan's
 * servers, with verify_ns the NS RRset's addresses), in parallel, one
 * pipelined TCP connection per server: the SOA serial has reached the
 * primary's and every step's owner answers its `to` RRset (and no longer
 * its old type when the type changed) — for a rollback's steps (inverse)
 * their inverse. Retries until wait_ms has passed. steps are dns.rrset or
 * dns.ttl steps. */
struct dns_lag {
	char *server;        /* "127.0.0.1#15302" */
	char *zone;
	char *why;           /* "serial 2026 < 2027", "www.example.com. A: expected …, has …" */
};

struct dns_verify_report {
	size_t servers;      /* servers checked */
	size_t records;      /* record checks per server, added up */
	struct dns_lag *lag; /* servers still behind when time ran out */
	size_t nlag;
	int64_t elapsed_ms;
};

int dns_verify(const struct step *const *steps, size_t n, bool inverse, int64_t wait_ms,
	       step_say_fn say, void *say_cookie, struct dns_verify_report *rep,
	       struct cut_err *err) CUT_MUST_CHECK;
void dns_verify_report_free(struct dns_verify_report *rep);

#endif
