/* landing/http.h — many HTTP requests at once on one libcurl multi handle.
 *
 * Connections are kept alive and reused across requests (the multi handle
 * owns the connection cache). A request marked own_connection opens a new
 * one instead, and such openings are spaced out (LZ_HTTP_SPREAD_MS): a
 * server whose worker processes share one listening socket gives a burst of
 * new connections all to the one worker that wakes first.
 *
 * A request is submitted, runs alongside the others, and comes back from
 * lz_http_wait() with its status and answer. Nothing here retries or
 * interprets answers: the engine does.
 */
#ifndef CUTOVER_LANDING_HTTP_H
#define CUTOVER_LANDING_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define LZ_HTTP_ANSWER_MAX (16u << 20)
#define LZ_HTTP_TIMEOUT_MS 120000
/* Between two new connections for own_connection requests: long enough for
 * the worker that took the last one to be busy with it (Neutron: a few ms). */
#define LZ_HTTP_SPREAD_MS 25

struct lz_http;

struct lz_req {
	const char *method;   /* static string: "GET", "POST", "PUT", "DELETE" */
	char *url;            /* owned */
	char *body;           /* owned; may be NULL; wiped on free (it may carry a VPN key) */
	size_t body_len;
	bool own_connection;  /* open a new connection for it (a long call: the
			       * server gives it to a worker free at that moment) */
	void *cookie;         /* for the caller */
	/* filled when the request comes back */
	long status;          /* HTTP status, 0 when there was no answer */
	char *answer;         /* owned, NUL-terminated */
	size_t answer_len;
	int curl_code;        /* CURLcode, 0 when the transfer completed */
	char curl_msg[256];
	/* private */
	void *easy;
	void *headers;
	struct lz_req *next_held; /* in the queue of new connections not yet opened */
};

/* token: an X-Auth-Token value or NULL (noauth). Copied. Every submitted
 * request must have come back from lz_http_wait before lz_http_free. */
int lz_http_new(const char *token, struct lz_http **ret, struct cut_err *err) CUT_MUST_CHECK;
void lz_http_free(struct lz_http *h);

/* Starts req; it stays owned by the caller, who must not touch it until it
 * comes back from lz_http_wait. */
int lz_http_submit(struct lz_http *h, struct lz_req *req, struct cut_err *err) CUT_MUST_CHECK;

/* Waits up to timeout_ms for a request to finish; *done is NULL on timeout.
 * Returns the number of requests still running. */
size_t lz_http_wait(struct lz_http *h, int timeout_ms, struct lz_req **done);

/* Frees what a request owns (wiping the body) and clears it for reuse. */
void lz_req_clear(struct lz_req *req);

#endif
