#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazycurl.h"
#include "util.h"

struct lz_http {
	CURLM *multi;
	char *token_header; /* "X-Auth-Token: …", wiped on free */
	size_t running;          /* submitted, not yet handed back (held ones too) */
	struct lz_req *held;     /* own_connection requests waiting their turn, FIFO */
	struct lz_req **held_tail;
	int64_t next_open;       /* monotonic ms: when the next one may be opened */
};

/* Why libcurl did not start: not installed (lazycurl says why) or out of memory. */
static int curl_start_failed(struct cut_err *err)
{
	if (lazycurl_error()[0])
		return cut_errf(err, CUT_EMISSING,
				"install libcurl4 (apt-get install libcurl4): the cloud's API is HTTP",
				"cannot talk to the cloud: %s", lazycurl_error());
	return cut_errf(err, -ENOMEM, NULL, "libcurl cannot start");
}

int lz_http_new(const char *token, struct lz_http **ret, struct cut_err *err)
{
	struct lz_http *h;

	*ret = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return curl_start_failed(err);
	h = xcalloc(1, sizeof(*h));
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		return curl_start_failed(err);
	}
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 64L);
	h->held_tail = &h->held;
	if (token)
		h->token_header = xasprintf("X-Auth-Token: %s", token);
	*ret = h;
	return 0;
}

static void drop_easy(struct lz_req *req)
{
	curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->headers);
	req->easy = req->headers = NULL;
	req->next_held = NULL;
}

void lz_http_free(struct lz_http *h)
{
	if (!h)
		return;
	curl_multi_cleanup(h->multi);
	if (h->token_header)
		freezero(h->token_header, strlen(h->token_header));
	free(h);
	curl_global_cleanup();
}

static size_t on_data(char *p, size_t size, size_t n, void *cookie)
{
	struct lz_req *req = cookie;
	size_t len = size * n;

	if (req->answer_len + len > LZ_HTTP_ANSWER_MAX)
		return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
	req->answer = xrealloc(req->answer, req->answer_len + len + 1);
	memcpy(req->answer + req->answer_len, p, len);
	req->answer_len += len;
	req->answer[req->answer_len] = '\0';
	return len;
}

static struct curl_slist *headers(const struct lz_http *h)
{
	struct curl_slist *l = NULL;

	l = curl_slist_append(l, "Accept: application/json");
	l = curl_slist_append(l, "Content-Type: application/json");
	l = curl_slist_append(l, "Expect:");
	if (h->token_header)
		l = curl_slist_append(l, h->token_header);
	return l;
}

int lz_http_submit(struct lz_http *h, struct lz_req *req, struct cut_err *err)
{
	CURL *e = curl_easy_init();

	if (!e)
		return cut_errf(err, CUT_EINTERNAL, NULL, "libcurl: no handle");
	req->status = 0;
	req->curl_code = 0;
	req->curl_msg[0] = '\0';
	free(req->answer);
	req->answer = NULL;
	req->answer_len = 0;
	req->headers = headers(h);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)req->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(e, CURLOPT_PRIVATE, req);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->curl_msg);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)LZ_HTTP_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cutover/" CUTOVER_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Keep-alive, but a connection is reused for one second at most: a
	 * connection stays with the server process that accepted it, and a
	 * server whose workers share one socket (Neutron's) gave the first
	 * burst of connections to one worker, which then served nearly all of
	 * an apply while the other idled. Renewed, each connection goes to a
	 * worker free at that moment: the parallel apply on two workers went
	 * from ~7.8 s to ~6.5 s (median of 6). Long calls go further: a new
	 * connection each (own_connection, spaced out in open_held). */
	curl_easy_setopt(e, CURLOPT_MAXLIFETIME_CONN, 1L);
	if (req->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	req->easy = e;
	if (req->own_connection) {
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		req->next_held = NULL;
		*h->held_tail = req;
		h->held_tail = &req->next_held;
		h->running++;
		return 0;
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		drop_easy(req);
		return cut_errf(err, CUT_EINTERNAL, NULL, "libcurl: cannot add a transfer");
	}
	h->running++;
	return 0;
}

/* Starts the held request whose turn has come, if any; a request libcurl
 * refuses comes back at once as failed. Returns that one or NULL. */
static struct lz_req *open_held(struct lz_http *h, int64_t now)
{
	struct lz_req *req = h->held;

	if (!req || now < h->next_open)
		return NULL;
	h->held = req->next_held;
	if (!h->held)
		h->held_tail = &h->held;
	req->next_held = NULL;
	h->next_open = now + LZ_HTTP_SPREAD_MS;
	if (curl_multi_add_handle(h->multi, req->easy) == CURLM_OK)
		return NULL;
	drop_easy(req);
	req->curl_code = CURLE_FAILED_INIT;
	snprintf(req->curl_msg, sizeof(req->curl_msg), "libcurl: cannot add a transfer");
	h->running--;
	return req;
}

static struct lz_req *finished(struct lz_http *h)
{
	struct lz_req *req;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&req);
		req->curl_code = (int)m->data.result;
		/* a transfer that failed after the status line (a body cut by a
		 * reset or a timeout, one over the size limit) is no answer: a
		 * 201 whose id never came must not pass for a known outcome */
		if (req->curl_code == CURLE_OK)
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &req->status);
		else
			req->status = 0;
		if (req->curl_code && !req->curl_msg[0])
			snprintf(req->curl_msg, sizeof(req->curl_msg), "%s",
				 curl_easy_strerror(m->data.result));
		curl_multi_remove_handle(h->multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		curl_slist_free_all(req->headers);
		req->easy = req->headers = NULL;
		h->running--;
		return req;
	}
	return NULL;
}

size_t lz_http_wait(struct lz_http *h, int timeout_ms, struct lz_req **done)
{
	int64_t until = now_monotonic_ms() + timeout_ms;
	int still;

	*done = finished(h);
	while (!*done) {
		int64_t now = now_monotonic_ms(), left = until - now;
		*done = open_held(h, now);
		if (*done)
			break;
		curl_multi_perform(h->multi, &still);
		*done = finished(h);
		if (*done || left <= 0 || h->running == 0)
			break;
		if (h->held && h->next_open - now < left)
			left = h->next_open - now > 0 ? h->next_open - now : 0;
		curl_multi_poll(h->multi, NULL, 0, (int)(left > 1000 ? 1000 : left), NULL);
	}
	return h->running;
}

void lz_req_clear(struct lz_req *req)
{
	free(req->url);
	if (req->body)
		freezero(req->body, req->body_len);
	free(req->answer);
	memset(req, 0, sizeof(*req));
}
