/* Unit tests of landing/http.c against a small HTTP/1.1 server on
 * 127.0.0.1 (a thread here) that notes each connection it accepts and how
 * many requests came on it: kept-alive connections are reused, and a
 * request marked own_connection gets a new one, the openings spaced out. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "loopback.h"
#include "util.h"

#define MAXCONN 32

struct server {
	int lfd, wake[2];
	bool stopped;
	unsigned short port;
	pthread_t thread;
	size_t nconn;
	int64_t accepted_us[MAXCONN]; /* monotonic */
	int requests[MAXCONN];
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Answers every complete request head in buf (GETs: no bodies), keeps the rest. */
static void answer_heads(int fd, char *buf, size_t *len, int *count)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: 2\r\n\r\n{}";
	char *end;

	buf[*len] = '\0';
	while ((end = strstr(buf, "\r\n\r\n"))) {
		size_t used = (size_t)(end + 4 - buf);
		(*count)++;
		if (write(fd, reply, sizeof(reply) - 1) < 0)
			return;
		memmove(buf, buf + used, *len - used + 1);
		*len -= used;
	}
}

static void *serve(void *cookie)
{
	struct server *s = cookie;
	struct pollfd p[MAXCONN + 2];
	char buf[MAXCONN][2048];
	size_t len[MAXCONN] = { 0 }, i;

	for (;;) {
		p[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (i = 0; i < s->nconn; i++)
			p[i + 2].events = POLLIN;
		if (poll(p, s->nconn + 2, -1) < 0 || p[0].revents)
			break;
		for (i = 0; i < s->nconn; i++) {
			ssize_t n;
			if (p[i + 2].fd < 0 || !(p[i + 2].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(p[i + 2].fd, buf[i] + len[i], sizeof(buf[i]) - 1 - len[i]);
			if (n <= 0) {
				close(p[i + 2].fd);
				p[i + 2].fd = -1;
				continue;
			}
			len[i] += (size_t)n;
			answer_heads(p[i + 2].fd, buf[i], &len[i], &s->requests[i]);
		}
		if ((p[1].revents & POLLIN) && s->nconn < MAXCONN) {
			int fd = accept(s->lfd, NULL, NULL);
			if (fd >= 0) {
				s->accepted_us[s->nconn] = mono_us();
				p[s->nconn + 2].fd = fd;
				s->nconn++;
			}
		}
	}
	for (i = 0; i < s->nconn; i++)
		if (p[i + 2].fd >= 0)
			close(p[i + 2].fd);
	return NULL;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));

	s->lfd = loopback_listen(&s->port);
	if (s->lfd < 0 || pipe(s->wake) < 0)
		return -1;
	if (pthread_create(&s->thread, NULL, serve, s) != 0)
		return -1;
	*state = s;
	return 0;
}

/* Stops the server thread: its counts may be read after this. */
static void stop(struct server *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	assert_int_equal(write(s->wake[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
}

static int teardown(void **state)
{
	struct server *s = *state;

	stop(s);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
	return 0;
}

/* Sends n GETs (own_connection as given), all at once, and waits for them. */
static void send_all(const struct server *s, struct lz_http *h, size_t n, bool own)
{
	struct lz_req req[8];
	struct lz_req *done;
	struct cut_err err;
	size_t i, back = 0;

	assert_true(n <= 8);
	memset(req, 0, sizeof(req));
	for (i = 0; i < n; i++) {
		req[i].method = "GET";
		req[i].url = xasprintf("http://127.0.0.1:%u/v2.0/networks", s->port);
		req[i].own_connection = own;
		assert_int_equal(lz_http_submit(h, &req[i], &err), 0);
	}
	while (back < n) {
		lz_http_wait(h, 5000, &done);
		assert_non_null(done);
		assert_int_equal(done->status, 200);
		assert_string_equal(done->answer, "{}");
		back++;
	}
	for (i = 0; i < n; i++)
		lz_req_clear(&req[i]);
}

static void kept_alive(void **state)
{
	struct server *s = *state;
	struct lz_http *h;
	struct cut_err err;

	assert_int_equal(lz_http_new(NULL, &h, &err), 0);
	send_all(s, h, 1, false);
	send_all(s, h, 1, false);
	send_all(s, h, 1, false);
	lz_http_free(h);
	stop(s);
	assert_int_equal(s->nconn, 1);
	assert_int_equal(s->requests[0], 3);
}

static void own_connections_spaced(void **state)
{
	struct server *s = *state;
	struct lz_http *h;
	struct cut_err err;
	size_t i;

	assert_int_equal(lz_http_new(NULL, &h, &err), 0);
	send_all(s, h, 1, false); /* leaves an idle kept-alive connection */
	send_all(s, h, 4, true);
	lz_http_free(h);
	stop(s);
	assert_int_equal(s->nconn, 5);
	for (i = 0; i < s->nconn; i++)
		assert_int_equal(s->requests[i], 1);
	/* the four opened LZ_HTTP_SPREAD_MS apart: 3 gaps. Checked on their
	 * span, with one gap of slack: a server thread that is late to one
	 * accept (a loaded CI machine) shortens one gap, not the span of all
	 * (all at once, they come within a millisecond or two) */
	assert_true(s->accepted_us[4] - s->accepted_us[1] >= 2 * LZ_HTTP_SPREAD_MS * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kept_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(own_connections_spaced, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
