/* landing/run.c — reading a zone and running actions: the calls of many
 * actions in flight at once on one libcurl multi handle, retries with
 * jittered exponential backoff, dependents after their dependencies. */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "util.h"

#define BACKOFF_BASE_MS 200
#define BACKOFF_MAX_MS 5000
/* Attempts when nothing listens at the endpoint (or its name does not
 * resolve): a wrong region or URL, not a busy cloud. Two more tries cover a
 * server restarting; a dozen list calls retrying 8 times each waited ~3 min. */
#define UNREACHABLE_ATTEMPTS 3

int lz_client_open(struct lz_client *c, const struct landing_conn *conn, const char *zone,
		   const char *dir, int retries, struct cut_err *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (!conn->endpoint || strncmp(conn->endpoint, "http", 4) != 0)
		return cut_errf(err, CUT_EUSAGE,
				"give --endpoint URL, OS_ENDPOINT, or OS_AUTH_URL with credentials",
				"no cloud endpoint");
	r = lz_http_new(conn->token, &c->http, err);
	if (r < 0)
		return r;
	c->prov = &lz_openstack;
	c->endpoint = xstrdup(conn->endpoint);
	while (c->endpoint[0] && c->endpoint[strlen(c->endpoint) - 1] == '/')
		c->endpoint[strlen(c->endpoint) - 1] = '\0';
	c->zone = xstrdup(zone);
	c->project = conn->project_id ? xstrdup(conn->project_id) : NULL;
	c->dir = xstrdup(dir ? dir : "");
	c->credentials_file = conn->credentials_file ? xstrdup(conn->credentials_file) : NULL;
	c->retries = retries > 0 ? retries : 8;
	c->rng = (uint64_t)now_monotonic_ms() * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
	return 0;
}

void lz_client_close(struct lz_client *c)
{
	lz_http_free(c->http);
	free(c->endpoint);
	free(c->zone);
	free(c->project);
	free(c->dir);
	free(c->credentials_file);
	lz_state_clear(&c->st);
	memset(c, 0, sizeof(*c));
}

static uint64_t next_rand(struct lz_client *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

/* Full jitter: a random wait in [d/2, d) with d doubling per attempt. */
static int64_t backoff_ms(struct lz_client *c, int attempt)
{
	int64_t d = BACKOFF_BASE_MS << (attempt > 6 ? 6 : attempt);

	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	return d / 2 + (int64_t)(next_rand(c) % (uint64_t)(d / 2 + 1));
}

/* Whether a call that got q's answer may be tried again after `attempts`. */
static bool may_retry(const struct lz_client *c, const struct lz_req *q, int attempts)
{
	bool unreachable = q->status == 0 && (q->curl_code == CURLE_COULDNT_CONNECT ||
					      q->curl_code == CURLE_COULDNT_RESOLVE_HOST);

	if (!c->prov->retryable(q->status, q->answer, q->answer_len))
		return false;
	return attempts < (unreachable && c->retries > UNREACHABLE_ATTEMPTS ? UNREACHABLE_ATTEMPTS
									 : c->retries);
}

static void say(const struct lz_client *c, const char *fmt, ...) CUT_PRINTF(2, 3);
static void say(const struct lz_client *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!c->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->say(c->say_cookie, line);
}

static void fill_req(const struct lz_client *c, struct lz_req *req, struct lz_call *call)
{
	lz_req_clear(req);
	req->method = call->method;
	req->url = xasprintf("%s%s", c->endpoint, call->path);
	req->own_connection = call->own_connection;
	if (call->body) {
		req->body = call->body;
		req->body_len = strlen(call->body);
		call->body = NULL;
	}
	lz_call_clear(call);
}

/* ---------- reading state ---------- */

struct list_job {
	int type; /* an lz_type, or -1 for external networks */
	struct lz_req req;
	int attempts;
	int pages;
};

#define LIST_PAGES_MAX 10000

static int parse_job(struct lz_client *c, struct list_job *jb, struct cut_err *err)
{
	if (jb->type < 0)
		return c->prov->parse_externals(jb->req.answer, jb->req.answer_len, &c->st, err);
	return c->prov->parse_list((enum lz_type)jb->type, c->zone, c->project, jb->req.answer,
				   jb->req.answer_len, &c->st, err);
}

static int job_failed(struct lz_client *c, struct list_job *jb, struct cut_err *err)
{
	if (jb->req.status == 0)
		return cut_errf(err, CUT_EPEER, "check that Neutron runs and the endpoint is right",
				"%s: %s", c->endpoint, jb->req.curl_msg);
	return cut_errf(err, CUT_EPEER, "check the endpoint and the credentials",
			"%s %s: HTTP %ld: %.200s", jb->req.method, jb->req.url, jb->req.status,
			jb->req.answer ? jb->req.answer : "");
}

/* Sends the request for the next page of a list the cloud paginated;
 * true when one is under way. */
static bool next_page(struct lz_client *c, struct list_job *jb, struct cut_err *err, int *r)
{
	struct lz_call call = { .method = "GET" };

	call.path = c->prov->next_page(jb->req.answer, jb->req.answer_len);
	if (!call.path)
		return false;
	if (++jb->pages > LIST_PAGES_MAX) {
		lz_call_clear(&call);
		*r = cut_errf(err, CUT_ELIMIT, "raise the cloud's page size (pagination_max_limit)",
			      "%s: more than %d pages", jb->req.url, LIST_PAGES_MAX);
		return false;
	}
	fill_req(c, &jb->req, &call);
	jb->req.cookie = jb;
	jb->attempts = 0;
	*r = lz_http_submit(c->http, &jb->req, err);
	return *r == 0;
}

int lz_read_state(struct lz_client *c, int parallel, struct cut_err *err)
{
	struct list_job jobs[LZ_NTYPES + 1];
	size_t n = 0, i, running;
	int r = 0;

	(void)parallel; /* a dozen GETs: all at once */
	lz_state_clear(&c->st);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i <= LZ_NTYPES; i++) {
		struct lz_call call;
		if (i == LZ_NTYPES)
			c->prov->externals_call(&call);
		else if (!c->prov->list_call((enum lz_type)i, c->zone, c->project, &call))
			continue;
		jobs[n].type = i == LZ_NTYPES ? -1 : (int)i;
		fill_req(c, &jobs[n].req, &call);
		jobs[n].req.cookie = &jobs[n];
		n++;
	}
	for (i = 0; i < n && r == 0; i++)
		r = lz_http_submit(c->http, &jobs[i].req, err);
	running = r == 0 ? n : i - 1;
	while (running > 0) {
		struct lz_req *done;
		struct list_job *jb;
		lz_http_wait(c->http, 1000, &done);
		if (!done)
			continue;
		jb = done->cookie;
		running--;
		if (r < 0)
			continue;
		if (done->status == 200) {
			r = parse_job(c, jb, err);
			if (r == 0 && next_page(c, jb, err, &r))
				running++;
		} else if (may_retry(c, done, ++jb->attempts)) {
			usleep((useconds_t)backoff_ms(c, jb->attempts) * 1000);
			r = lz_http_submit(c->http, done, err);
			running += r == 0;
		} else {
			r = job_failed(c, jb, err);
		}
	}
	for (i = 0; i < n; i++)
		lz_req_clear(&jobs[i].req);
	if (r == 0)
		lz_state_resolve(&c->st);
	return r;
}

/* ---------- running actions ---------- */

void lz_action_clear(struct lz_action *a)
{
	free(a->key);
	json_decref(a->want);
	json_decref(a->have);
	free(a->id);
	free(a->reason);
	free(a->deps);
	free(a->message);
	free(a->op.id);
	free(a->op.fix_id);
	free(a->queue);
	secret_buf_free(&a->old_secret);
	lz_req_clear(&a->req);
	memset(a, 0, sizeof(*a));
}

struct runner {
	struct lz_client *c;
	struct lz_action *acts;
	size_t n, running, finished;
	size_t inflight;  /* requests sent and not answered (running counts
			   * actions, also those waiting to retry) */
	int parallel;     /* the most actions at once (--parallel; 1 after a 5xx) */
	int window;       /* actions allowed at once now: starts at two, one more
			   * per clean answer, up to parallel (see lz_run) */
	const struct lz_hooks *hooks;
	int first_error;
	struct cut_err first_err;
};

static bool deps_state(const struct runner *rn, const struct lz_action *a, bool *blocked)
{
	size_t i;
	bool ready = true;

	*blocked = false;
	for (i = 0; i < a->ndeps; i++) {
		const struct lz_action *d = &rn->acts[a->deps[i]];
		if (d->state == LZ_FAILED || d->state == LZ_SKIPPED)
			*blocked = true;
		if (d->state != LZ_DONE && !(d->state == LZ_RUN && d->released))
			ready = false;
	}
	return ready;
}

static int finish(struct runner *rn, struct lz_action *a, int result, const struct cut_err *e)
{
	struct cut_err herr;
	int r = 0;

	a->state = result == 0 ? LZ_DONE : (result == STEP_PENDING ? LZ_SKIPPED : LZ_FAILED);
	a->result = result;
	if (result < 0 && e) {
		free(a->message);
		a->message = xstrdup(e->msg);
		if (!rn->first_error) {
			rn->first_error = result;
			rn->first_err = *e;
		}
	}
	rn->finished++;
	cut_err_clear(&herr);
	if (rn->hooks && rn->hooks->end)
		r = rn->hooks->end(rn->hooks->cookie, a, &herr);
	if (r < 0 && !rn->first_error) {
		rn->first_error = r;
		rn->first_err = herr;
	}
	return r;
}

/* Keeps the id table current so dependents find what was just made; once
 * per action, when it is made (dependents may start) or else when done. */
static void record(struct lz_client *c, struct lz_action *a)
{
	struct lz_obj *o = lz_state_find(&c->st, a->key);

	if (a->released)
		return;
	a->released = true;
	if (a->verb == LZ_DELETE) {
		if (o)
			o->id[0] = '\0', free(o->key), o->key = xstrdup("");
		return;
	}
	if (a->verb == LZ_CREATE && a->op.id) {
		o = lz_state_add(&c->st, a->type, a->op.id, json_deep_copy(a->want));
		o->key = xstrdup(a->key);
	}
}

/* Sends the action's next call, or finishes it when there is none. */
static int advance(struct runner *rn, struct lz_action *a)
{
	struct lz_call call;
	struct cut_err e;
	int r;

	cut_err_clear(&e);
	r = rn->c->prov->op_call(&a->op, &call, &e);
	if (r == LZ_OP_DONE) {
		record(rn->c, a);
		rn->running--;
		return finish(rn, a, 0, NULL);
	}
	if (r < 0) {
		rn->running--;
		return finish(rn, a, r, &e);
	}
	fill_req(rn->c, &a->req, &call);
	a->req.cookie = a;
	r = lz_http_submit(rn->c->http, &a->req, &e);
	if (r < 0) {
		rn->running--;
		return finish(rn, a, r, &e);
	}
	rn->inflight++;
	return 0;
}

static void start_op(struct runner *rn, struct lz_action *a)
{
	memset(&a->op, 0, sizeof(a->op));
	a->op.verb = a->verb;
	a->op.type = a->type;
	a->op.attrs = a->verb == LZ_DELETE ? a->have : a->want;
	a->op.from = a->have;
	a->op.id = a->id ? xstrdup(a->id) : NULL;
	a->op.tag_only = a->tag_only;
	a->op.st = &rn->c->st;
	a->op.zone = rn->c->zone;
	a->op.project = rn->c->project;
	a->op.dir = rn->c->dir;
	a->state = LZ_RUN;
	a->attempts = 0;
	a->maybe_sent = false;
	a->released = false;
	rn->running++;
}

static int by_prio(const void *x, const void *y)
{
	const struct lz_action *a = *(struct lz_action *const *)x;
	const struct lz_action *b = *(struct lz_action *const *)y;

	if (a->prio != b->prio)
		return a->prio < b->prio ? 1 : -1;
	return a < b ? -1 : a > b;
}

static const char *queue_of(const struct runner *rn, struct lz_action *a)
{
	char *q;

	if (!a->queue) {
		q = rn->c->prov->queue ? rn->c->prov->queue(a->type, a->want ? a->want : a->have)
				       : NULL;
		a->queue = q ? q : xstrdup("");
	}
	return a->queue;
}

/* Is an action of a's queue running, or already chosen (chosen[0..n))? */
static bool queue_busy(const struct runner *rn, struct lz_action *a, struct lz_action *const *chosen,
		       size_t n)
{
	const char *q = queue_of(rn, a);
	size_t i;

	if (!q[0])
		return false;
	for (i = 0; i < rn->n; i++)
		if (rn->acts[i].state == LZ_RUN && rn->acts[i].queue &&
		    strcmp(rn->acts[i].queue, q) == 0)
			return true;
	for (i = 0; i < n; i++)
		if (strcmp(queue_of(rn, chosen[i]), q) == 0)
			return true;
	return false;
}

/* Starts what is ready, longest chain first, up to the bound and one at a
 * time per provider queue; intents first (one sync for the batch). */
static int start_ready(struct runner *rn)
{
	struct lz_action **batch = xcalloc(rn->n + 1, sizeof(*batch));
	size_t i, k, nb = 0, room;
	struct cut_err e;
	int r = 0;

	for (i = 0; i < rn->n && rn->running < (size_t)rn->window; i++) {
		struct lz_action *a = &rn->acts[i];
		bool blocked;
		if (a->state != LZ_WAIT)
			continue;
		if (deps_state(rn, a, &blocked))
			batch[nb++] = a;
		else if (blocked)
			r = finish(rn, a, STEP_PENDING, NULL);
	}
	qsort(batch, nb, sizeof(*batch), by_prio);
	room = rn->running < (size_t)rn->window ? (size_t)rn->window - rn->running : 0;
	for (i = 0, k = 0; i < nb && k < room; i++)
		if (!queue_busy(rn, batch[i], batch, k))
			batch[k++] = batch[i];
	nb = k;
	cut_err_clear(&e);
	if (nb && rn->hooks && rn->hooks->start)
		r = rn->hooks->start(rn->hooks->cookie, batch, nb, &e);
	if (r < 0 && nb) {
		rn->first_error = rn->first_error ? rn->first_error : r;
		if (rn->first_error == r)
			rn->first_err = e;
		free(batch);
		return r;
	}
	for (i = 0; i < nb; i++) {
		start_op(rn, batch[i]);
		say(rn->c, "  %s %s %s …", lz_verb_name(batch[i]->verb), lz_type_name(batch[i]->type),
		    batch[i]->key + strlen(lz_type_name(batch[i]->type)) + 1);
		advance(rn, batch[i]);
	}
	free(batch);
	return 0;
}

/* Whether the server had finished with the call when its answer came: an
 * answer from the API itself (a 500 included: Neutron answers it after its
 * own clean-up). Not so for no answer or a proxy's 502/503/504: the call
 * may still be under way behind it. */
static bool outcome_known(const struct lz_req *q)
{
	return q->status != 0 && q->status != 502 && q->status != 503 && q->status != 504;
}

/* Whether the call may have reached the cloud and changed something there
 * without our knowing: a write whose outcome is unknown, unless the
 * connection was never made. */
static bool may_have_changed(const struct lz_req *q)
{
	if (outcome_known(q) || strcmp(q->method, "GET") == 0)
		return false;
	return !(q->status == 0 && (q->curl_code == CURLE_COULDNT_CONNECT ||
				    q->curl_code == CURLE_COULDNT_RESOLVE_HOST));
}

static void retry_later(struct runner *rn, struct lz_action *a)
{
	a->attempts++;
	a->retry_at = now_monotonic_ms() + backoff_ms(rn->c, a->attempts);
	/* a create that failed may have made its object: look before retrying.
	 * The look is final when the server had finished; else the object may
	 * still appear after it, and the apply looks for strays at its end. */
	if (a->verb == LZ_CREATE && a->op.stage == 0 && a->type != LZ_INTERFACE &&
	    a->type != LZ_ROUTE && a->type != LZ_RULE) {
		a->op.lookup = true;
		if (!outcome_known(&a->req))
			rn->c->lost_creates++;
	}
}

static void on_answer(struct runner *rn, struct lz_action *a)
{
	struct lz_req *q = &a->req;
	struct cut_err e;
	bool was_lookup = a->op.lookup;
	int stage = a->op.stage, r;

	if (may_have_changed(q))
		a->maybe_sent = true;
	if (may_retry(rn->c, q, a->attempts + 1)) {
		if (q->status >= 500 && rn->parallel > 1) {
			/* a server that fails under concurrent writes (SQLite's
			 * "database is locked"): go on one write at a time */
			rn->parallel = rn->window = 1;
			say(rn->c, "  the cloud answered %ld under parallel writes: going on one "
				   "at a time", q->status);
		}
		retry_later(rn, a);
		return;
	}
	cut_err_clear(&e);
	if (q->status == 0) {
		r = cut_errf(&e, CUT_ETIMEOUT, "check that the cloud's API answers; run again",
			     "%s %s %s: %s %s: no answer: %s", lz_verb_name(a->verb),
			     lz_type_name(a->type), a->key + strlen(lz_type_name(a->type)) + 1,
			     q->method, q->url,
			     q->curl_msg);
		rn->running--;
		finish(rn, a, r, &e);
		return;
	}
	r = rn->c->prov->op_answer(&a->op, q->status, q->answer, q->answer_len, &e);
	if (a->op.stray_seen) {
		a->op.stray_seen = false;
		rn->c->lost_creates++;
	}
	/* the cloud said it did it, but the answer could not be used (a create
	 * answer without an id): the outcome is unknown, so a rollback looks
	 * and undoes, where "failed" would skip an object that exists */
	if (r < 0 && q->status >= 200 && q->status < 300 && strcmp(q->method, "GET") != 0)
		a->maybe_sent = true;
	if (r < 0) {
		rn->running--;
		finish(rn, a, r, &e);
		return;
	}
	/* a lookup that found nothing sends the failed call again: its tries
	 * go on counting, or a call that always fails would be sent for ever */
	if (!was_lookup || a->op.stage != stage)
		a->attempts = 0;
	if (q->status >= 200 && q->status < 300 && rn->window < rn->parallel)
		rn->window++;
	if (a->verb == LZ_CREATE && a->op.exists)
		record(rn->c, a); /* dependents go on while its tag is put */
	advance(rn, a);
}

static void retry_due(struct runner *rn, int64_t now, int64_t *next)
{
	size_t i;

	for (i = 0; i < rn->n; i++) {
		struct lz_action *a = &rn->acts[i];
		if (a->state != LZ_RUN || !a->retry_at)
			continue;
		if (a->retry_at <= now && rn->inflight >= (size_t)rn->window) {
			continue; /* one write at a time: retries wait their turn too */
		} else if (a->retry_at <= now) {
			a->retry_at = 0;
			advance(rn, a);
		} else if (!*next || a->retry_at < *next) {
			*next = a->retry_at;
		}
	}
}

/* prio = own cost + the highest prio among its dependents, in reverse
 * topological order (Kahn's algorithm over the deps). */
static void compute_prio(struct lz_client *c, struct lz_action *acts, size_t n)
{
	size_t *left = xcalloc(n + 1, sizeof(*left)), *order = xcalloc(n + 1, sizeof(*order));
	size_t i, j, k, head = 0, tail = 0;

	for (i = 0; i < n; i++) {
		acts[i].prio = 0;
		for (j = 0; j < acts[i].ndeps; j++)
			left[acts[i].deps[j]]++; /* dependents not yet placed */
	}
	for (i = 0; i < n; i++)
		if (!left[i])
			order[tail++] = i;
	while (head < tail) {
		struct lz_action *a = &acts[order[head++]];
		a->prio += c->prov->cost ? c->prov->cost(a->verb, a->type) : 1;
		for (k = 0; k < a->ndeps; k++) {
			struct lz_action *d = &acts[a->deps[k]];
			if (a->prio > d->prio)
				d->prio = a->prio;
			if (--left[a->deps[k]] == 0)
				order[tail++] = a->deps[k];
		}
	}
	free(left);
	free(order);
}

int lz_run(struct lz_client *c, struct lz_action *acts, size_t n, int parallel,
	   const struct lz_hooks *hooks, struct cut_err *err)
{
	struct runner rn = { .c = c, .acts = acts, .n = n, .hooks = hooks,
			     .parallel = parallel < 1 ? 1 : parallel };
	size_t i;
	int r;

	/* Slow start (as TCP's): two at first, one more per clean answer. A
	 * server that cannot take concurrent writes then shows it on a
	 * collision of two requests, not of eight: on a SQLite-backed Neutron
	 * eight at once stalled the whole server for 5-10 s in 4 of 22 applies,
	 * two or three at once in none of 12. The window is at eight after six
	 * answers, a fraction of a second. */
	rn.window = rn.parallel < 2 ? rn.parallel : 2;
	cut_err_clear(&rn.first_err);
	compute_prio(c, acts, n);
	for (i = 0; i < n; i++)
		if (acts[i].state == LZ_DONE)
			rn.finished++;
	while (rn.finished < n) {
		struct lz_req *done = NULL;
		int64_t next = 0, now = now_monotonic_ms();
		if (!rn.first_error) {
			r = start_ready(&rn);
			if (r < 0 && !rn.first_error)
				rn.first_error = cut_errf(&rn.first_err, r, NULL, "cannot start actions");
			/* on a failure (the intents could not be journaled) no new
			 * action starts; those in flight still finish below */
		}
		if (!rn.running) {
			/* nothing in flight and nothing startable: a failure stopped new
			 * work, or what is left waits on something that cannot finish */
			if (!rn.first_error && rn.finished < n)
				rn.first_error = cut_errf(&rn.first_err, CUT_EINTERNAL, NULL,
							  "%zu actions wait on each other", n - rn.finished);
			break;
		}
		retry_due(&rn, now, &next);
		lz_http_wait(c->http, next ? (int)(next - now > 0 ? next - now : 1) : 1000, &done);
		if (done) {
			rn.inflight--;
			on_answer(&rn, (struct lz_action *)done->cookie);
		}
	}
	if (rn.first_error) {
		*err = rn.first_err;
		return rn.first_error;
	}
	return 0;
}
