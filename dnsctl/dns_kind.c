/* dnsctl/dns_kind.c — the step kinds "dns.rrset" and "dns.ttl".
 *
 * One batch = one server and one zone (batch_key). Applying it:
 *   1. sends the changes in as few UPDATE messages as fit in 64 KiB, over one
 *      TCP connection, each signed, each sent exactly once;
 *   2. a message refused on its prerequisites (NXRRSET, YXRRSET, …) changed
 *      nothing: the RRsets are read back to tell, change by change, "already
 *      holds its target" (done), "still holds its source" (send again) and
 *      "holds something else" (a conflict: left alone unless ctx->force);
 *   3. forward, any conflict refuses the whole batch (nothing more is sent:
 *      a refused message ends the round, the messages after it wait for the
 *      read-back and are refused with it);
 *      in a rollback the others are restored and the conflicts reported;
 *   4. a change the server may drop while answering NOERROR (one that adds a
 *      CNAME or changes the type: a CNAME added beside other data is ignored,
 *      RFC 2136 §3.4.2.2, after the delete of the old RRset went through) is
 *      read back at once, all of the batch's in one pipelined batch of
 *      queries; one whose new RRset is not there fails, STEP_PARTIAL when
 *      the old RRset is gone, so that a rollback puts it back;
 *   5. after a rollback, the restored RRsets are verified on every server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns_internal.h"
#include "dnsctl.h"
#include "util.h"

#define ROUNDS_MAX 3
#define CONFLICTS_NAMED 5

struct batch {
	const struct step_ctx *ctx;
	struct step *const *steps;
	struct dns_change *ch;
	const struct dns_change **todo; /* changes still to send this round */
	size_t *todo_idx;
	bool *forced;                   /* per change: send without prerequisites */
	bool *todo_forced;              /* parallel to todo */
	bool *sent;                     /* per change: applied by a NOERROR answer */
	struct dns_change *alt;         /* per change, made when needed: the change
					 * sent from an empty name (ST_EMPTY) */
	size_t n, ntodo;
	bool inverse;
	struct dns_server_ref srv;
	struct tsig_key *key;
	struct dns_conn conn;
	bool connected;
	char peer[80];
	const char *zone;
};

/* ---- reading the RRsets back to explain a refusal ---- */

struct readback {
	struct batch *b;
	size_t *idx;           /* question -> change index */
	bool *is_to;           /* question asks the new type */
	struct dns_rdset *from_has, *to_has;
	int rcode_bad;
};

static int on_readback(void *cookie, size_t qi, const uint8_t *m, size_t len,
		       const struct dns_msg *h)
{
	struct readback *rb = cookie;
	const struct dns_change *c = &rb->b->ch[rb->idx[qi]];
	struct dns_rdset *dst = rb->is_to[qi] ? &rb->to_has[rb->idx[qi]] : &rb->from_has[rb->idx[qi]];
	uint32_t ttl;

	if (h->rcode != DNS_R_NOERROR && h->rcode != DNS_R_NXDOMAIN) {
		rb->rcode_bad = (int)h->rcode;
		return 0;
	}
	if (dns_msg_rrset(m, len, c->owner_wire, c->owner_len,
			  rb->is_to[qi] ? c->to_type : c->type, dst, &ttl) < 0)
		return CUT_EPEER;
	return 0;
}

static void readback_free(struct readback *rb, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		dns_rdset_free(&rb->from_has[i]);
		dns_rdset_free(&rb->to_has[i]);
	}
	free(rb->from_has);
	free(rb->to_has);
	free(rb->idx);
	free(rb->is_to);
}

static int readback_run(struct batch *b, const size_t *which, size_t nw, struct readback *rb,
			struct cut_err *err)
{
	struct dns_question *q = xcalloc(nw * 2 + 1, sizeof(*q));
	size_t i, nq = 0;
	int r;

	memset(rb, 0, sizeof(*rb));
	rb->b = b;
	rb->idx = xcalloc(nw * 2 + 1, sizeof(*rb->idx));
	rb->is_to = xcalloc(nw * 2 + 1, sizeof(*rb->is_to));
	rb->from_has = xcalloc(b->n, sizeof(*rb->from_has));
	rb->to_has = xcalloc(b->n, sizeof(*rb->to_has));
	for (i = 0; i < nw; i++) {
		const struct dns_change *c = &b->ch[which[i]];
		q[nq] = (struct dns_question){ c->owner_wire, c->owner_len, c->type };
		rb->idx[nq++] = which[i];
		if (c->to_type != c->type) {
			q[nq] = (struct dns_question){ c->owner_wire, c->owner_len, c->to_type };
			rb->is_to[nq] = true;
			rb->idx[nq++] = which[i];
		}
	}
	r = dns_query_many(&b->conn, q, nq, now_monotonic_ms() + b->srv.timeout_ms, on_readback,
			   rb, err);
	free(q);
	if (r == 0 && rb->rcode_bad)
		r = cut_errf(err, CUT_EPEER, "is this server authoritative for the zone?",
			     "%s: reading zone %s back: %s", b->peer, b->zone,
			     dns_rcode_name((unsigned)rb->rcode_bad));
	return r;
}

/* ST_EMPTY: undoing a change of type to or from CNAME, the name holds
 * neither type — what a switch (or a rollback) leaves when the server
 * deleted the old RRset and ignored the CNAME (RFC 2136 §3.4.2.2). */
enum state { ST_FROM, ST_TO, ST_OTHER, ST_EMPTY };

static bool holds_to(const struct dns_change *c, const struct dns_rdset *from_has,
		     const struct dns_rdset *to_has)
{
	if (c->type == c->to_type)
		return dns_rdset_equal(from_has, &c->to);
	return dns_rdset_equal(to_has, &c->to) && from_has->n == 0;
}

static bool holds_from(const struct dns_change *c, const struct dns_rdset *from_has,
		       const struct dns_rdset *to_has)
{
	return dns_rdset_equal(from_has, &c->from) && (c->type == c->to_type || to_has->n == 0);
}

static bool emptied_by_dropped_cname(const struct dns_change *c, bool inverse,
				     const struct dns_rdset *from_has,
				     const struct dns_rdset *to_has)
{
	return inverse && c->type != c->to_type &&
	       (c->type == DNS_T_CNAME || c->to_type == DNS_T_CNAME) && c->from.n && c->to.n &&
	       from_has->n == 0 && to_has->n == 0;
}

static enum state classify(const struct dns_change *c, bool inverse,
			   const struct dns_rdset *from_has, const struct dns_rdset *to_has)
{
	if (holds_from(c, from_has, to_has)) /* also when from == to (a TTL change): again */
		return ST_FROM;
	if (holds_to(c, from_has, to_has))
		return ST_TO;
	return emptied_by_dropped_cname(c, inverse, from_has, to_has) ? ST_EMPTY : ST_OTHER;
}

/* The change as sent to a name that holds neither type: prerequisites that
 * both are absent (nothing anyone made since is overwritten), no delete. */
static const struct dns_change *from_empty(struct batch *b, size_t k)
{
	if (!b->alt)
		b->alt = xcalloc(b->n, sizeof(*b->alt));
	b->alt[k] = b->ch[k];
	b->alt[k].from = (struct dns_rdset){ NULL, 0 };
	b->alt[k].from_text = NULL;
	return &b->alt[k];
}

static char *has_text(const struct dns_change *c, const struct dns_rdset *from_has,
		      const struct dns_rdset *to_has)
{
	char *a = dns_rdset_to_text(c->type, from_has), *b, *s;

	if (c->type == c->to_type || to_has->n == 0)
		return a;
	b = dns_rdset_to_text(c->to_type, to_has);
	s = from_has->n ? xasprintf("%s; %s %s", a, dns_type_name(c->to_type), b)
			: xasprintf("%s %s", dns_type_name(c->to_type), b);
	free(a);
	free(b);
	return s;
}

static void set_conflict(struct batch *b, size_t i, const struct dns_rdset *fh,
			 const struct dns_rdset *th)
{
	const struct dns_change *c = &b->ch[i];
	char *want = dns_rdset_to_text(c->type, &c->from), *has = has_text(c, fh, th);

	step_set_result(b->steps[i], CUT_ECONFLICT, "%s %s: expected %s, %s has %s", c->owner,
			dns_type_name(c->type), want, b->peer, has);
	free(want);
	free(has);
}

/* ---- sending ---- */

static uint16_t message_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)now_monotonic_ms();
	return id;
}

static int rcode_error(struct batch *b, const struct dns_msg *h, struct cut_err *err)
{
	const char *kn = b->key ? b->key->name : "(unsigned)";

	if (h->tsig_error == DNS_TSIG_BADKEY)
		return cut_errf(err, CUT_EPEER, "check key_name in the plan against the server's "
				"configuration", "%s zone %s: %s/BADKEY: the server does not know key "
				"\"%s\"", b->peer, b->zone, dns_rcode_name(h->rcode), kn);
	if (h->tsig_error == DNS_TSIG_BADSIG)
		return cut_errf(err, CUT_EPEER, "the key file's secret differs from the server's: "
				"check key_file", "%s zone %s: %s/BADSIG: wrong secret for key "
				"\"%s\"", b->peer, b->zone, dns_rcode_name(h->rcode), kn);
	if (h->tsig_error == DNS_TSIG_BADTIME)
		return cut_errf(err, CUT_EPEER, "check the clocks (NTP) here and on the server",
				"%s zone %s: %s/BADTIME: the clocks differ by more than 5 minutes",
				b->peer, b->zone, dns_rcode_name(h->rcode));
	switch (h->rcode) {
	case DNS_R_REFUSED:
		return cut_errf(err, CUT_EPEER, "allow the key to update the zone on the server, "
				"or point the plan at the zone's primary", "%s zone %s: REFUSED: "
				"key \"%s\" may not update the zone there", b->peer, b->zone, kn);
	case DNS_R_NOTAUTH:
		return cut_errf(err, CUT_EPEER, "check the zone name and that the server is the "
				"zone's primary", "%s zone %s: NOTAUTH: not authoritative for "
				"the zone", b->peer, b->zone);
	case DNS_R_NOTZONE:
		return cut_errf(err, CUT_EPEER, "check the record names against the zone",
				"%s zone %s: NOTZONE: a name is outside the zone", b->peer, b->zone);
	case DNS_R_SERVFAIL:
		return cut_errf(err, CUT_EPEER, "look at the server's log (a zone not loaded?)",
				"%s zone %s: SERVFAIL", b->peer, b->zone);
	}
	return cut_errf(err, CUT_EPEER, "the server may not support dynamic updates",
			"%s zone %s: %s", b->peer, b->zone, dns_rcode_name(h->rcode));
}

static bool prereq_failed(unsigned rcode)
{
	return rcode == DNS_R_NXRRSET || rcode == DNS_R_YXRRSET || rcode == DNS_R_NXDOMAIN ||
	       rcode == DNS_R_YXDOMAIN;
}

static void set_range(struct batch *b, size_t from, size_t n, int result, const char *msg)
{
	size_t i;

	for (i = from; i < from + n; i++)
		step_set_result(b->steps[b->todo_idx[i]], result, msg ? "%s" : NULL, msg);
}

/* Checks an answer; 0 done, 1 prerequisites failed, <0 error (err set). */
static int check_answer(struct batch *b, const uint8_t *m, size_t len, uint16_t id,
			const uint8_t *mac, size_t mac_len, struct cut_err *err)
{
	struct dns_msg h;
	int v;

	if (dns_msg_scan(m, len, &h) < 0 || !h.qr || h.id != id) {
		cut_errf(err, CUT_EPEER, "look at the server's log; the change may or may not be "
			 "in effect (a rollback undoes it)", "%s zone %s: a malformed answer to the "
			 "UPDATE", b->peer, b->zone);
		return STEP_UNKNOWN;
	}
	if (b->key && h.tsig_off && h.tsig_mac_len) {
		v = dns_tsig_verify(b->key, m, len, &h, mac, mac_len,
				    (uint64_t)(now_realtime_ms() / 1000));
		if (v < 0 && h.rcode == DNS_R_NOERROR) {
			cut_errf(err, CUT_EPEER, "check the key; the change may or may not be in "
				 "effect (a rollback undoes it)", "%s zone %s: the answer's TSIG "
				 "does not verify", b->peer, b->zone);
			return STEP_UNKNOWN;
		}
	} else if (b->key && h.rcode == DNS_R_NOERROR) {
		cut_errf(err, CUT_EPEER, "the change may or may not be in effect (a rollback undoes "
			 "it)", "%s zone %s: an unsigned answer to a signed UPDATE", b->peer, b->zone);
		return STEP_UNKNOWN;
	}
	if (h.rcode == DNS_R_NOERROR && !h.tsig_error)
		return 0;
	if (prereq_failed(h.rcode))
		return 1;
	return rcode_error(b, &h, err);
}

static int ensure_conn(struct batch *b, struct cut_err *err)
{
	if (b->connected)
		return 0;
	if (dns_conn_open(&b->conn, b->srv.t.address, b->srv.t.port,
			  now_monotonic_ms() + b->srv.timeout_ms, err) < 0)
		return err->code;
	b->connected = true;
	return 0;
}

/* One UPDATE message: todo[from..from+count), built and ready to sign. */
struct out_msg {
	uint8_t *msg;
	size_t len, cap, from, count;
	uint16_t id;
	uint8_t mac[64];
	size_t mac_len;
};

/* Builds the message for todo[from..) and has the caller make its steps'
 * intents durable (ctx->before_send) before it may leave. */
static int build_msg(struct batch *b, size_t from, struct out_msg *m, struct cut_err *err)
{
	struct step **ready;
	long fit;
	size_t k;
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->id = message_id();
	m->from = from;
	fit = dns_update_build(b->zone, b->todo + from, b->todo_forced + from, b->ntodo - from,
			       m->id, &m->msg, &m->len, &m->cap);
	if (fit < 0) {
		set_range(b, from, 1, CUT_ELIMIT, "too large for one DNS message");
		return cut_errf(err, CUT_ELIMIT, "split the RRset", "%s %s: the change does not "
				"fit in one 64 KiB message", b->todo[from]->owner,
				dns_type_name(b->todo[from]->type));
	}
	m->count = (size_t)fit;
	if (!b->ctx->before_send)
		return 0;
	ready = xcalloc(m->count + 1, sizeof(*ready));
	for (k = 0; k < m->count; k++)
		ready[k] = b->steps[b->todo_idx[from + k]];
	r = b->ctx->before_send(b->ctx->before_send_cookie, ready, m->count, err);
	free(ready);
	if (r < 0) {
		free(m->msg);
		m->msg = NULL;
	}
	return r;
}

/* Signs and sends m; STEP_UNKNOWN when part of it may have left. */
static int send_msg(struct batch *b, struct out_msg *m, struct cut_err *err)
{
	size_t mlen = m->len - 2;
	int r;

	if (b->key) {
		r = dns_tsig_sign(b->key, m->msg + 2, &mlen, m->cap - 2,
				  (uint64_t)(now_realtime_ms() / 1000), m->mac, &m->mac_len);
		if (r < 0)
			return cut_errf(err, CUT_EINPUT, "use hmac-sha256, -sha384 or -sha512",
					"key \"%s\": cannot sign with %s", b->key->name,
					b->key->algorithm);
		m->msg[0] = (uint8_t)(mlen >> 8);
		m->msg[1] = (uint8_t)mlen;
	}
	r = dns_conn_send(&b->conn, m->msg, mlen + 2, now_monotonic_ms() + b->srv.timeout_ms, err);
	return r < 0 ? STEP_UNKNOWN : 0;
}

/* Waits for m's answer: 0 done, 1 prerequisites failed, <0 or STEP_UNKNOWN. */
static int answer_of(struct batch *b, const struct out_msg *m, struct cut_err *err)
{
	const uint8_t *ans;
	size_t alen;
	int r = dns_conn_recv(&b->conn, now_monotonic_ms() + b->srv.timeout_ms, &ans, &alen, err);

	if (r < 0)
		return STEP_UNKNOWN;
	r = check_answer(b, ans, alen, m->id, m->mac, m->mac_len, err);
	dns_conn_recv_done(&b->conn, alen);
	return r;
}

/* Records what m's answer means for its changes; <0 stops the round. */
static int take_answer(struct batch *b, const struct out_msg *m, int r, size_t *unsure,
		       size_t *nunsure, struct cut_err *err)
{
	size_t k;

	if (r == 1) {
		for (k = 0; k < m->count; k++)
			unsure[(*nunsure)++] = b->todo_idx[m->from + k];
		return 0;
	}
	if (r == 0)
		for (k = 0; k < m->count; k++)
			b->sent[b->todo_idx[m->from + k]] = true;
	if (r == STEP_UNKNOWN) {
		set_range(b, m->from, m->count, STEP_UNKNOWN, err->msg);
		return err->code < 0 ? err->code : CUT_EPEER;
	}
	if (r < 0) {
		set_range(b, m->from, m->count, r == CUT_EINPUT ? CUT_EINPUT : CUT_EPEER, err->msg);
		return r;
	}
	set_range(b, m->from, m->count, 0, NULL);
	return 0;
}

/* The changes todo[from..) not sent because a message before them was
 * refused: read back with the refused ones, decided with them. */
static void add_unsent(struct batch *b, size_t from, size_t *unsure, size_t *nunsure)
{
	size_t k;

	for (k = from; k < b->ntodo; k++)
		unsure[(*nunsure)++] = b->todo_idx[k];
}

/* One round: sends todo in messages, collecting the refused ones in unsure.
 * While the server applies one message, the next is built and journaled, so
 * a switch of many messages costs the server's time, not the sum of both.
 * A message refused on its prerequisites ends the round: nothing after it is
 * sent (a conflict must refuse the whole batch), and its changes and all not
 * sent go to unsure, to be decided on what the server holds. */
static int send_round(struct batch *b, size_t *unsure, size_t *nunsure, struct cut_err *err)
{
	struct out_msg cur, next = { 0 };
	struct cut_err next_err;
	int r, rn = 0;
	bool refused;

	*nunsure = 0;
	cut_err_clear(&next_err);
	r = build_msg(b, 0, &cur, err);
	while (r == 0) {
		r = send_msg(b, &cur, err);
		if (r == 0 && cur.from + cur.count < b->ntodo)
			rn = build_msg(b, cur.from + cur.count, &next, &next_err);
		if (r == 0)
			r = answer_of(b, &cur, err);
		refused = r == 1;
		r = take_answer(b, &cur, r, unsure, nunsure, err);
		free(cur.msg);
		if (r == 0 && refused) {
			add_unsent(b, cur.from + cur.count, unsure, nunsure);
			break;
		}
		if (r == 0 && rn < 0) {
			*err = next_err; /* the next message's intents could not be journaled */
			r = rn;
		}
		if (r < 0 || cur.from + cur.count >= b->ntodo)
			break;
		cur = next;
		next.msg = NULL;
	}
	free(next.msg);
	return r;
}

/* ---- one batch ---- */

static int first_conflict_error(struct batch *b, size_t nconf, struct cut_err *err)
{
	char list[1400] = "";
	size_t i, named = 0, o = 0;

	for (i = 0; i < b->n && named < CONFLICTS_NAMED && o < sizeof(list); i++) {
		if (b->steps[i]->result != CUT_ECONFLICT || !b->steps[i]->message ||
		    strncmp(b->steps[i]->message, "not sent", 8) == 0)
			continue;
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", named ? "; " : "",
				      b->steps[i]->message);
		named++;
	}
	return cut_errf(err, CUT_ECONFLICT,
			b->inverse ? "check those records by hand; `cutover rollback --force` "
				     "overwrites them"
				   : "someone changed these records since the plan was written: "
				     "fix the plan's `from`, or the records",
			"%zu record%s not as expected: %s%s", nconf, nconf == 1 ? "" : "s", list,
			nconf > named ? "; …" : "");
}

/* Decides, from what the server holds, what to do with each refused change. */
static int sort_unsure(struct batch *b, const size_t *unsure, size_t nu, size_t *nconf,
		       struct cut_err *err)
{
	struct readback rb;
	size_t i;
	int r = readback_run(b, unsure, nu, &rb, err);

	if (r < 0) {
		readback_free(&rb, b->n);
		return r;
	}
	b->ntodo = 0;
	for (i = 0; i < nu; i++) {
		size_t k = unsure[i];
		enum state st = classify(&b->ch[k], b->inverse, &rb.from_has[k], &rb.to_has[k]);

		if (st == ST_TO) {
			step_set_result(b->steps[k], 0, "already in effect");
			continue;
		}
		if (st == ST_OTHER && !b->ctx->force) {
			set_conflict(b, k, &rb.from_has[k], &rb.to_has[k]);
			(*nconf)++;
			continue;
		}
		b->forced[k] = st == ST_OTHER;
		b->todo_forced[b->ntodo] = b->forced[k];
		b->todo[b->ntodo] = st == ST_EMPTY ? from_empty(b, k) : &b->ch[k];
		b->todo_idx[b->ntodo++] = k;
	}
	readback_free(&rb, b->n);
	return 0;
}

static void refuse_rest(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->ntodo; i++)
		step_set_result(b->steps[b->todo_idx[i]], CUT_ECONFLICT,
				"not sent: other records of zone %s are not as expected", b->zone);
	b->ntodo = 0;
}

static int run_rounds(struct batch *b, struct cut_err *err)
{
	size_t *unsure = xcalloc(b->n + 1, sizeof(*unsure)), nu, nconf = 0;
	int round, r = 0;

	for (round = 0; round < ROUNDS_MAX && b->ntodo && r == 0; round++) {
		r = send_round(b, unsure, &nu, err);
		if (r < 0 || nu == 0)
			break;
		r = sort_unsure(b, unsure, nu, &nconf, err);
		if (r == 0 && nconf && !b->inverse)
			refuse_rest(b);
	}
	if (r == 0 && b->ntodo && round == ROUNDS_MAX) {
		size_t i;
		for (i = 0; i < b->ntodo; i++)
			step_set_result(b->steps[b->todo_idx[i]], CUT_ECONFLICT,
					"changed again by someone else while cutover retried");
		nconf += b->ntodo;
	}
	free(unsure);
	if (r == 0 && nconf)
		r = first_conflict_error(b, nconf, err);
	return r;
}

/* ---- after NOERROR: is the new RRset there? ---- */

/* A change whose add the server may drop while it answers NOERROR: a CNAME
 * added to a name that holds other data is ignored (RFC 2136 §3.4.2.2),
 * after the delete of the old type went through. The switch's read of the
 * owner before it (dns_read_current) misses a type outside its list on a
 * server that answers ANY with one RRset (Knot, RFC 8482). */
static bool add_may_be_ignored(const struct dns_change *c)
{
	return c->to.n && (c->type != c->to_type || c->to_type == DNS_T_CNAME);
}

/* What else the owners of the changes the server ignored hold: the first
 * type in the answer to ANY that may not share a name with a CNAME. */
struct others {
	struct batch *b;
	const size_t *idx;     /* question -> change */
	uint16_t *type;        /* per change, 0 when the answer names none */
};

static int on_other(void *cookie, size_t qi, const uint8_t *m, size_t len,
		    const struct dns_msg *h)
{
	struct others *o = cookie;
	const struct dns_change *c = &o->b->ch[o->idx[qi]];
	struct dns_msg_rr rr;
	size_t off = 0, idx = 0;
	int k;

	while ((k = dns_msg_next_answer(m, len, h, &off, &idx, &rr)) > 0) {
		if (rr.class != DNS_C_IN || rr.owner_len != c->owner_len ||
		    memcmp(rr.owner, c->owner_wire, c->owner_len) != 0 || rr.type == DNS_T_CNAME ||
		    rr.type == DNS_T_RRSIG || rr.type == DNS_T_NSEC)
			continue;
		o->type[o->idx[qi]] = rr.type;
		return 0;
	}
	return k < 0 ? CUT_EPEER : 0;
}

/* Fills type[] for bad[0..nbad); a failure only loses the type's name. */
static void read_others(struct batch *b, const size_t *bad, size_t nbad, uint16_t *type)
{
	struct dns_question *q = xcalloc(nbad, sizeof(*q));
	struct others o = { b, bad, type };
	struct cut_err ignored;
	size_t i;

	for (i = 0; i < nbad; i++)
		q[i] = (struct dns_question){ b->ch[bad[i]].owner_wire, b->ch[bad[i]].owner_len,
					      DNS_T_ANY };
	cut_err_clear(&ignored);
	if (dns_query_many(&b->conn, q, nbad, now_monotonic_ms() + b->srv.timeout_ms, on_other,
			   &o, &ignored) < 0)
		memset(type, 0, b->n * sizeof(*type));
	free(q);
}

/* Sets the result of change k, whose new RRset is not there after NOERROR:
 * failed when the name is as it was (nothing changed), else STEP_PARTIAL
 * (the old RRset deleted: a rollback puts it back); undoing, failed. */
static void set_ignored(struct batch *b, size_t k, const struct dns_rdset *fh,
			const struct dns_rdset *th, uint16_t other)
{
	const struct dns_change *c = &b->ch[k];
	bool unchanged = holds_from(c, fh, th);
	int result = unchanged || b->inverse ? CUT_EVERIFY : STEP_PARTIAL;
	const struct dns_rdset *now = c->type == c->to_type ? fh : th;
	char ot[DNS_TYPE_TEXT_MAX] = "unknown", *has = has_text(c, fh, th);
	char *want = dns_rdset_to_text(c->to_type, &c->to), was[160];

	if (unchanged)
		snprintf(was, sizeof(was), "nothing was changed");
	else if (c->type != c->to_type && fh->n == 0)
		snprintf(was, sizeof(was), "the %s RRset was deleted: the name holds neither %s "
			 "nor %s now", dns_type_name(c->type), dns_type_name(c->type),
			 dns_type_name(c->to_type));
	else
		snprintf(was, sizeof(was), "the name is not as it was");
	if (other)
		dns_type_text(other, ot);
	if (c->to_type == DNS_T_CNAME && now->n == 0)
		step_set_result(b->steps[k], result, "%s %s -> CNAME: %s answered NOERROR, but "
				"the server ignored the CNAME: other data at the name (type %s); "
				"%s", c->owner, dns_type_name(c->type), b->peer, ot, was);
	else
		step_set_result(b->steps[k], result, "%s %s -> %s: %s answered NOERROR, but has "
				"%s, not %s; %s", c->owner, dns_type_name(c->type),
				dns_type_name(c->to_type), b->peer, has, want, was);
	free(has);
	free(want);
}

static int ignored_error(struct batch *b, const size_t *bad, size_t nbad, struct cut_err *err)
{
	char list[1400] = "";
	size_t i, o = 0;

	for (i = 0; i < nbad && i < CONFLICTS_NAMED && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? "; " : "",
				      b->steps[bad[i]]->message);
	return cut_errf(err, CUT_EVERIFY,
			b->inverse ? "delete or move the other data at those names (RFC 1034 "
				     "§3.6.2: a CNAME stands alone), then run the rollback again: "
				     "it undoes what is left"
				   : "run `cutover rollback` on this journal now: it puts the "
				     "old records back; then delete or move the other data at "
				     "those names (RFC 1034 §3.6.2: a CNAME stands alone) "
				     "before switching them",
			"%zu record%s not in effect although the server answered NOERROR: %s%s",
			nbad, nbad == 1 ? "" : "s", list, nbad > CONFLICTS_NAMED ? "; …" : "");
}

/* Reads back, in one pipelined batch, every change sent that may have been
 * ignored; r is the batch's result so far. A change not in effect fails
 * (see set_ignored), and its error replaces a conflict's: a name left
 * empty is the more urgent. */
static int check_added(struct batch *b, int r, struct cut_err *err)
{
	size_t *which = xcalloc(b->n + 1, sizeof(*which)), nw = 0, nbad = 0, i;
	uint16_t *other = NULL;
	struct cut_err cerr;
	struct readback rb;
	int c;

	for (i = 0; i < b->n; i++)
		if (b->sent[i] && b->steps[i]->result == 0 && add_may_be_ignored(&b->ch[i]))
			which[nw++] = i;
	if (nw == 0) {
		free(which);
		return r;
	}
	cut_err_clear(&cerr);
	c = readback_run(b, which, nw, &rb, &cerr);
	for (i = 0; i < nw && c == 0; i++)
		if (!holds_to(&b->ch[which[i]], &rb.from_has[which[i]], &rb.to_has[which[i]]))
			which[nbad++] = which[i];
	if (c == 0 && nbad) {
		other = xcalloc(b->n, sizeof(*other));
		read_others(b, which, nbad, other);
		for (i = 0; i < nbad; i++)
			set_ignored(b, which[i], &rb.from_has[which[i]], &rb.to_has[which[i]],
				    other[which[i]]);
		c = ignored_error(b, which, nbad, &cerr);
	}
	readback_free(&rb, b->n);
	free(other);
	free(which);
	if (c < 0 && (r == 0 || r == CUT_ECONFLICT)) {
		*err = cerr;
		return c;
	}
	return r;
}

static int load_key(struct batch *b, struct cut_err *err)
{
	int r;

	if (b->srv.is_unsigned)
		return 0;
	r = tsig_key_load(b->srv.key_file, b->srv.key_name, &b->key, err);
	return r < 0 ? r : dns_tsig_key_usable(b->key, b->srv.key_file, err);
}

static int decode_all(struct batch *b, struct cut_err *err)
{
	size_t i;
	int r;

	r = dns_server_decode(dns_step_payload(b->steps[0], b->inverse), &b->srv, err);
	if (r == 0)
		r = dns_server_check_signing(&b->srv, err);
	for (i = 0; i < b->n && r == 0; i++) {
		r = dns_step_decode(b->steps[i], b->inverse, &b->ch[i], err);
		if (r == 0 && strcmp(b->ch[i].zone, b->ch[0].zone) != 0)
			r = cut_errf(err, CUT_EINTERNAL, NULL, "one batch with two zones");
	}
	if (r < 0) {
		for (i = 0; i < b->n; i++)
			step_set_result(b->steps[i], r, "%s", err->msg);
		return r;
	}
	b->zone = b->ch[0].zone;
	dns_peer_name(b->peer, sizeof(b->peer), b->srv.t.address, b->srv.t.port);
	for (i = 0; i < b->n; i++) {
		b->todo[i] = &b->ch[i];
		b->todo_idx[i] = i;
	}
	b->ntodo = b->n;
	return 0;
}

static void batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		dns_change_clear(&b->ch[i]);
	free(b->ch);
	free(b->todo);
	free(b->todo_idx);
	free(b->forced);
	free(b->todo_forced);
	free(b->sent);
	free(b->alt);
	tsig_key_free(b->key);
	if (b->connected)
		dns_conn_close(&b->conn);
}

static int verify_after_rollback(struct batch *b, struct cut_err *err)
{
	const struct step **done = xcalloc(b->n + 1, sizeof(*done));
	struct dns_verify_report rep;
	json_int_t wait = json_integer_value(json_object_get(dns_step_payload(b->steps[0], true),
							     "verify_wait_ms"));
	size_t i, nd = 0;
	int r = 0;

	for (i = 0; i < b->n; i++)
		if (b->steps[i]->result == 0)
			done[nd++] = b->steps[i];
	if (nd)
		r = dns_verify(done, nd, true, wait > 0 ? wait : DNS_ROLLBACK_WAIT_MS, b->ctx->say,
			       b->ctx->say_cookie, &rep, err);
	if (nd)
		dns_verify_report_free(&rep);
	free(done);
	return r;
}

static void describe_batch(struct batch *b)
{
	dns_update_describe(b->peer, b->zone, b->todo, b->todo_forced, b->ntodo, b->ctx->say,
			    b->ctx->say_cookie);
}

int dns_kind_apply(const struct step_ctx *ctx, struct step *const *steps, size_t n, bool inverse,
		   struct cut_err *err)
{
	struct batch b = { .ctx = ctx, .steps = steps, .n = n, .inverse = inverse };
	int r;

	if (n == 0)
		return 0;
	b.ch = xcalloc(n, sizeof(*b.ch));
	b.todo = xcalloc(n, sizeof(*b.todo));
	b.todo_idx = xcalloc(n, sizeof(*b.todo_idx));
	b.forced = xcalloc(n, sizeof(*b.forced));
	b.todo_forced = xcalloc(n, sizeof(*b.todo_forced));
	b.sent = xcalloc(n, sizeof(*b.sent));
	r = decode_all(&b, err);
	if (r == 0 && ctx->dry_run) {
		describe_batch(&b);
		goto out;
	}
	if (r == 0)
		r = load_key(&b, err);
	if (r == 0)
		r = ensure_conn(&b, err);
	if (r < 0 && b.ntodo)
		set_range(&b, 0, b.ntodo, r, err->msg); /* nothing was sent */
	if (r == 0)
		r = run_rounds(&b, err);
	if (b.connected)
		r = check_added(&b, r, err);
	if (b.connected)
		dns_conn_close(&b.conn);
	b.connected = false;
	if ((r == 0 || r == CUT_ECONFLICT) && inverse) {
		struct cut_err verr;
		cut_err_clear(&verr);
		if (verify_after_rollback(&b, &verr) < 0 && r == 0) {
			*err = verr;
			r = verr.code;
		}
	}
out:
	batch_free(&b);
	return r;
}

static char *batch_key(const struct step *s, bool inverse)
{
	const json_t *payload = dns_step_payload(s, inverse);
	const json_t *srv = json_object_get(payload, "server");

	return xasprintf("%s#%lld|%s|%s|%s", json_string_value(json_object_get(srv, "address")) ?: "",
			 (long long)json_integer_value(json_object_get(srv, "port")),
			 json_string_value(json_object_get(payload, "zone")) ?: "",
			 json_string_value(json_object_get(srv, "key_file")) ?: "",
			 json_string_value(json_object_get(srv, "key_name")) ?: "");
}

const struct step_kind dns_rrset_kind = {
	.name = "dns.rrset",
	.apply = dns_kind_apply,
	.batch_key = batch_key,
	.batch_max = 0,
};

const struct step_kind dns_ttl_kind = {
	.name = "dns.ttl",
	.apply = dns_kind_apply,
	.batch_key = batch_key,
	.batch_max = 0,
};

int dns_register_steps(struct step_registry *reg)
{
	int r = step_registry_add(reg, &dns_rrset_kind);

	return r < 0 ? r : step_registry_add(reg, &dns_ttl_kind);
}
