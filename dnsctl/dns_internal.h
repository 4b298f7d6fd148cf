/* dnsctl/dns_internal.h — what the files of dnsctl share; not for other rooms
 * (the tests and the fuzzers use it too).
 */
#ifndef CUTOVER_DNS_INTERNAL_H
#define CUTOVER_DNS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "secret.h"
#include "step.h"

#define DNS_NAME_WIRE_MAX 255
#define DNS_MSG_MAX 65535
#define DNS_TSIG_RESERVE 400   /* room kept for the TSIG RR in a message */
#define DNS_RDATA_MAX_WIRE 64  /* entries of one RRset in a payload */

enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47, DNS_T_TSIG = 250, DNS_T_ANY = 255,
	DNS_C_IN = 1, DNS_C_NONE = 254, DNS_C_ANY = 255,
	DNS_OP_UPDATE = 5,
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2, DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5, DNS_R_YXDOMAIN = 6, DNS_R_YXRRSET = 7,
	DNS_R_NXRRSET = 8, DNS_R_NOTAUTH = 9, DNS_R_NOTZONE = 10,
	DNS_TSIG_BADSIG = 16, DNS_TSIG_BADKEY = 17, DNS_TSIG_BADTIME = 18,
};

/* ---- names and types (dns_name.c) ---- */

/* Text name ("www.example.com" or with the dot) to lower-case wire form.
 * Plain labels only (no escapes). 0 or -EINVAL with *why set. */
int dns_name_to_wire(const char *text, uint8_t out[DNS_NAME_WIRE_MAX], size_t *ret_len,
		     const char **why);
/* Lower case with a trailing dot, into out (256 bytes). 0 or -EINVAL. */
int dns_name_canon(const char *text, char out[256], const char **why);
/* Is name equal to zone or below it (both canonical text)? */
bool dns_name_in_zone(const char *name, const char *zone);
/* Type by name ("A", "aaaa") among the types cutover switches; 0 if none. */
uint16_t dns_type_by_name(const char *name);
const char *dns_type_name(uint16_t type);
/* The type's name, or its RFC 3597 form ("TYPE65280") for a type cutover
 * does not name: for messages about what a server holds. */
#define DNS_TYPE_TEXT_MAX 16
void dns_type_text(uint16_t type, char out[DNS_TYPE_TEXT_MAX]);
const char *dns_rcode_name(unsigned rcode);

/* ---- RDATA (dns_rdata.c) ---- */

struct dns_rd {
	uint16_t len;
	uint8_t *data;
};

/* An RRset's data in canonical wire form, sorted; what compares. */
struct dns_rdset {
	struct dns_rd *v;
	size_t n;
};

/* Presentation data of type to canonical wire RDATA (out holds 65535). 0 or
 * -EINVAL with a reason in why (static text). */
int dns_rdata_from_text(uint16_t type, const char *text, uint8_t *out, size_t *ret_len,
			const char **why);
/* Canonical presentation text of presentation data (so "192.0.2.010" and
 * "LB.Example.NET." compare as the server will answer). Names in the data
 * without a trailing dot are relative to origin (the record's zone, as in a
 * zone file; NULL: the root). Caller frees. */
int dns_rdata_canon_text(uint16_t type, const char *text, const char *origin, char **ret,
			 const char **why);
/* Builds a set from presentation texts; sorted. */
int dns_rdset_from_texts(uint16_t type, const char *const *texts, size_t n,
			 struct dns_rdset *ret, const char **why);
int dns_rdset_from_json(uint16_t type, const json_t *arr, struct dns_rdset *ret,
			const char **why);
void dns_rdset_add(struct dns_rdset *s, const uint8_t *data, size_t len);
void dns_rdset_sort(struct dns_rdset *s);
bool dns_rdset_equal(const struct dns_rdset *a, const struct dns_rdset *b);
void dns_rdset_free(struct dns_rdset *s);

/* ---- messages (dns_msg.c): a bounds-checked walk over server answers ---- */

struct dns_msg {
	uint16_t id, flags, qd, an, ns, ar;
	unsigned rcode, opcode;
	bool tc, aa, qr;
	size_t tsig_off;     /* offset of a final TSIG RR, 0 if none */
	/* the TSIG RR when there is one */
	uint8_t tsig_name[DNS_NAME_WIRE_MAX];
	size_t tsig_name_len;
	uint8_t tsig_alg[DNS_NAME_WIRE_MAX];
	size_t tsig_alg_len;
	uint64_t tsig_time;
	uint16_t tsig_fudge, tsig_orig_id, tsig_error, tsig_other_len;
	const uint8_t *tsig_mac, *tsig_other;
	uint16_t tsig_mac_len;
};

/* Reads a (possibly compressed) name at *off into out (lower case wire);
 * advances *off past it. 0 or -EBADMSG. */
int dns_msg_name(const uint8_t *m, size_t len, size_t *off, uint8_t out[DNS_NAME_WIRE_MAX],
		 size_t *ret_len);
/* Checks every section's bounds and finds a TSIG RR. 0 or -EBADMSG. */
int dns_msg_scan(const uint8_t *m, size_t len, struct dns_msg *ret);

/* An answer RR: owner name, type, class, ttl, rdata as sent (names in rdata
 * may be compressed: use dns_msg_rdata_canon). */
struct dns_msg_rr {
	uint8_t owner[DNS_NAME_WIRE_MAX];
	size_t owner_len;
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata_off;
	uint16_t rdlen;
};
/* Iterates the answer section: call with *off = 0 first; 1 while there is an
 * RR, 0 at the end, -EBADMSG. */
int dns_msg_next_answer(const uint8_t *m, size_t len, const struct dns_msg *hdr, size_t *off,
			size_t *idx, struct dns_msg_rr *rr);
/* The canonical (uncompressed, lower-case names) wire RDATA of rr into out
 * (65535 bytes). 0 or -EBADMSG. */
int dns_msg_rdata_canon(const uint8_t *m, size_t len, const struct dns_msg_rr *rr, uint8_t *out,
			size_t *ret_len);
/* The RRset (owner, type) of an answer message as a set; with ret_ttl. */
int dns_msg_rrset(const uint8_t *m, size_t len, const uint8_t *owner, size_t owner_len,
		  uint16_t type, struct dns_rdset *ret, uint32_t *ret_ttl);
/* Presentation text of canonical wire RDATA, for messages. Caller frees. */
char *dns_rdata_to_text(uint16_t type, const uint8_t *data, size_t len);
char *dns_rdset_to_text(uint16_t type, const struct dns_rdset *s);

/* ---- TSIG (dns_tsig.c), HMAC with OpenSSL ---- */

/* Appends a TSIG RR to the message in buf (len bytes used, cap bytes room):
 * *len grows; mac/mac_len (64 bytes room) keep the request MAC for checking
 * the answer. now is seconds since the epoch. 0, -EINVAL (algorithm),
 * -ENOSPC. */
/* 0 when k can sign as dns_tsig_sign will (a known algorithm, a name that is
 * a domain name), else -EINVAL with why (static text). */
int dns_tsig_check_key(const struct tsig_key *k, const char **why);
/* The same as an error naming the key file and the key (CUT_EINPUT). */
int dns_tsig_key_usable(const struct tsig_key *k, const char *key_file, struct cut_err *err)
	CUT_MUST_CHECK;
int dns_tsig_sign(const struct tsig_key *k, uint8_t *buf, size_t *len, size_t cap, uint64_t now,
		  uint8_t *mac, size_t *mac_len);
/* Checks the answer's TSIG against the request MAC. 0, -EBADMSG (no TSIG,
 * or it does not verify), -ETIME (time outside the fudge). */
int dns_tsig_verify(const struct tsig_key *k, const uint8_t *m, size_t len,
		    const struct dns_msg *hdr, const uint8_t *req_mac, size_t req_mac_len,
		    uint64_t now);

/* ---- TCP (dns_net.c): one connection, 2-byte framing, deadlines ---- */

struct dns_conn {
	int fd;
	char peer[80];     /* "127.0.0.1#15301" */
	uint8_t *in;       /* received bytes not yet returned */
	size_t in_len, in_cap;
};

/* "ADDR#PORT" for messages. */
void dns_peer_name(char *buf, size_t len, const char *address, unsigned port);
int dns_conn_open(struct dns_conn *c, const char *address, unsigned port, int64_t deadline,
		  struct cut_err *err) CUT_MUST_CHECK;
void dns_conn_close(struct dns_conn *c);
/* Sends buf (already framed) completely before the monotonic deadline. */
int dns_conn_send(struct dns_conn *c, const uint8_t *buf, size_t len, int64_t deadline,
		  struct cut_err *err) CUT_MUST_CHECK;
/* Receives one message (framing removed); *ret points into c's buffer and
 * stays valid until the next call. CUT_ETIMEOUT, -ECONNRESET (closed). */
int dns_conn_recv(struct dns_conn *c, int64_t deadline, const uint8_t **ret, size_t *ret_len,
		  struct cut_err *err) CUT_MUST_CHECK;
/* Drops the message (of len bytes) dns_conn_recv returned. */
void dns_conn_recv_done(struct dns_conn *c, size_t len);

/* Pipelined queries: writes every query (window in flight), hands each
 * answer to cb with the index of its question. */
struct dns_question {
	const uint8_t *name;  /* wire */
	size_t name_len;
	uint16_t type;
};
typedef int (*dns_answer_fn)(void *cookie, size_t idx, const uint8_t *m, size_t len,
			     const struct dns_msg *hdr);
int dns_query_many(struct dns_conn *c, const struct dns_question *q, size_t n, int64_t deadline,
		   dns_answer_fn cb, void *cookie, struct cut_err *err) CUT_MUST_CHECK;

/* ---- payloads (dns_payload.c) ---- */

struct dns_target {
	char address[64];
	unsigned port;
};

struct dns_change {
	const json_t *payload;
	const char *zone, *owner;   /* canonical text, borrowed from payload */
	uint8_t owner_wire[DNS_NAME_WIRE_MAX];
	size_t owner_len;
	uint16_t type, to_type;
	uint32_t ttl;
	struct dns_rdset from, to;
	const json_t *from_text, *to_text;
};

/* Decodes a payload; 0 or CUT_EINPUT with *err naming the key. */
int dns_change_decode(const json_t *payload, struct dns_change *c, struct cut_err *err)
	CUT_MUST_CHECK;
/* Decodes a step's change for one direction: its apply payload, or with
 * inverse its inverse — which names the apply payload ({"inverse_of":
 * "apply", "ttl": N}: the same change reversed) or, in journals written
 * before that, is a payload in full. */
int dns_step_decode(const struct step *s, bool inverse, struct dns_change *c,
		    struct cut_err *err) CUT_MUST_CHECK;
/* The payload holding what the step's changes share (server, zone, verify
 * options): the apply payload, unless the inverse is one in full. */
const json_t *dns_step_payload(const struct step *s, bool inverse);
void dns_change_clear(struct dns_change *c);

struct dns_server_ref {
	struct dns_target t;
	const char *key_file, *key_name;
	bool is_unsigned;
	int64_t timeout_ms;
};
/* The server of a payload: where it is, its key file and name if any. A
 * verify only queries, so it needs no key; what sends an UPDATE checks with
 * dns_server_check_signing that the payload says how to sign (a key file, or
 * "unsigned" as recorded by --allow-unsigned). */
int dns_server_decode(const json_t *payload, struct dns_server_ref *s, struct cut_err *err)
	CUT_MUST_CHECK;
int dns_server_check_signing(const struct dns_server_ref *s, struct cut_err *err) CUT_MUST_CHECK;

/* ---- the UPDATE (dns_update.c) ---- */

/* Builds the wire UPDATE for changes[0..n) of one zone (prerequisites for
 * every change unless forced[i]). Returns the number of changes that fit in
 * DNS_MSG_MAX minus the TSIG reserve (>= 1), or -E2BIG when one does not fit.
 * *ret is malloc'd, 2 bytes of room in front for the TCP length. */
long dns_update_build(const char *zone, const struct dns_change *const *changes,
		      const bool *forced, size_t n, uint16_t id, uint8_t **ret, size_t *ret_len,
		      size_t *ret_cap);
/* nsupdate-like listing of the same changes, one line at a time. */
void dns_update_describe(const char *server, const char *zone,
			 const struct dns_change *const *changes, const bool *forced, size_t n,
			 step_say_fn say, void *cookie);

/* The apply of both kinds (dns_kind.c). */
int dns_kind_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		   struct cut_err *err);

#endif
