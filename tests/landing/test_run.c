/* Unit tests of landing/run.c (the engine that sends an apply's calls)
 * against a small scripted HTTP/1.1 server on 127.0.0.1, a thread here:
 * lists answer empty, creates answer as the test says. Checks what a
 * failing cloud must not do to an apply: retry a failing create for ever,
 * or journal a create whose answer never came as "not made". */
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
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "loopback.h"
#include "neutron.h"
#include "util.h"

#define MAXCONN 64
/* Past this many creates the server answers 400, so that an engine that
 * would retry for ever ends and the test fails on the count, not a hang. */
#define POST_CAP 30

enum post_mode {
	POST_500,       /* 500 DBError */
	POST_SILENT,    /* the connection closes without an answer */
	POST_NO_ID,     /* 201 Created whose object has no id */
	POST_CUT,       /* 201 Created, the connection closes inside the body */
	POST_QUOTA,     /* 409 OverQuota (Neutron's own document) */
	POST_EXISTS,    /* 409 SecurityGroupRuleExists */
};

struct server {
	int lfd, wake[2];
	unsigned short port;
	pthread_t thread;
	enum post_mode mode;
	int posts;
};

static void reply(int fd, const char *status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			 status, strlen(body));

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

/* Every collection's list, empty, except the zone's networks: two pages,
 * as Neutron pages them when pagination_max_limit is set (its links name
 * the server's own host, not the one the client used). */
static void answer_list(int fd, const char *req)
{
	static const char empty[] =
		"\"subnets\": [], \"routers\": [], \"ports\": [], \"security_groups\": [], "
		"\"security_group_rules\": [], \"ikepolicies\": [], \"ipsecpolicies\": [], "
		"\"endpoint_groups\": [], \"vpnservices\": [], \"ipsec_site_connections\": []";
	char body[2048];

	if (strncmp(req, "GET /v2.0/networks?description=", 31) != 0)
		snprintf(body, sizeof(body), "{\"networks\": [], %s}", empty);
	else if (!strstr(req, "marker=") || strstr(req, "marker=") > strstr(req, " HTTP/"))
		snprintf(body, sizeof(body),
			 "{\"networks\": [{\"id\": \"n1\", \"name\": \"z-one\", \"description\": "
			 "\"cutover:z\", \"tags\": [\"cutover:z\"]}], \"networks_links\": [{\"rel\": "
			 "\"next\", \"href\": \"http://controller.invalid:9696/v2.0/networks?"
			 "description=cutover%%3Az&limit=1&marker=n1\"}], %s}", empty);
	else
		snprintf(body, sizeof(body),
			 "{\"networks\": [{\"id\": \"n2\", \"name\": \"z-two\", \"description\": "
			 "\"cutover:z\", \"tags\": [\"cutover:z\"]}], \"networks_links\": [{\"rel\": "
			 "\"previous\", \"href\": \"http://controller.invalid:9696/v2.0/networks?"
			 "description=cutover%%3Az&limit=1&marker=n2&page_reverse=True\"}], %s}", empty);
	reply(fd, "200 OK", body);
}

/* Answers the complete request at the start of buf, if there is one:
 * returns the bytes it used, 0 when incomplete, -1 when the connection
 * is to be closed without an answer. */
static ssize_t answer_one(struct server *s, int fd, const char *buf, size_t len)
{
	const char *end = strstr(buf, "\r\n\r\n"), *cl;
	size_t head, body = 0;

	if (!end)
		return 0;
	head = (size_t)(end + 4 - buf);
	cl = strstr(buf, "Content-Length:");
	if (cl && cl < end)
		body = strtoul(cl + 15, NULL, 10);
	if (len < head + body)
		return 0;
	if (strncmp(buf, "GET ", 4) == 0) {
		answer_list(fd, buf);
	} else if (++s->posts > POST_CAP) {
		reply(fd, "400 Bad Request",
		      "{\"NeutronError\": {\"type\": \"Cap\", \"message\": \"enough\"}}");
	} else if (s->mode == POST_SILENT) {
		return -1;
	} else if (s->mode == POST_NO_ID) {
		reply(fd, "201 Created", "{\"network\": {\"name\": \"z-net\"}}");
	} else if (s->mode == POST_CUT) {
		static const char cut[] = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
					  "Content-Length: 200\r\n\r\n{\"network\": {\"na";
		if (write(fd, cut, sizeof(cut) - 1) < 0)
			return -1;
		return -1;
	} else if (s->mode == POST_QUOTA) {
		reply(fd, "409 Conflict",
		      "{\"NeutronError\": {\"type\": \"OverQuota\", \"message\": \"Quota exceeded "
		      "for resources: ['security_group_rule'].\", \"detail\": \"\"}}");
	} else if (s->mode == POST_EXISTS) {
		reply(fd, "409 Conflict",
		      "{\"NeutronError\": {\"type\": \"SecurityGroupRuleExists\", \"message\": "
		      "\"Security group rule already exists. Rule id is 0d2b0f3c-1f4b-4d6e-9a55-"
		      "2f7c2f1b1a11.\", \"detail\": \"\"}}");
	} else {
		reply(fd, "500 Internal Server Error",
		      "{\"NeutronError\": {\"type\": \"DBError\", \"message\": \"boom\"}}");
	}
	return (ssize_t)(head + body);
}

static void *serve(void *cookie)
{
	struct server *s = cookie;
	struct pollfd p[MAXCONN + 2];
	static char buf[MAXCONN][8192];
	size_t len[MAXCONN] = { 0 }, n = 0, i;

	for (;;) {
		p[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		if (poll(p, n + 2, -1) < 0 || p[0].revents)
			break;
		for (i = 0; i < n; i++) {
			ssize_t got, used;
			if (p[i + 2].fd < 0 || !(p[i + 2].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(p[i + 2].fd, buf[i] + len[i], sizeof(buf[i]) - 1 - len[i]);
			if (got <= 0)
				goto drop;
			len[i] += (size_t)got;
			buf[i][len[i]] = '\0';
			while ((used = answer_one(s, p[i + 2].fd, buf[i], len[i])) > 0) {
				memmove(buf[i], buf[i] + used, len[i] - (size_t)used + 1);
				len[i] -= (size_t)used;
			}
			if (used == 0)
				continue;
drop:
			close(p[i + 2].fd);
			p[i + 2].fd = -1;
		}
		if ((p[1].revents & POLLIN) && n < MAXCONN) {
			int fd = accept(s->lfd, NULL, NULL);
			if (fd >= 0) {
				p[n + 2] = (struct pollfd){ .fd = fd, .events = POLLIN };
				len[n++] = 0;
			}
		}
		for (i = 0; i < n; i++)
			p[i + 2].events = POLLIN;
	}
	for (i = 0; i < n; i++)
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
	*state = s;
	return 0;
}

static void start(struct server *s, enum post_mode mode)
{
	s->mode = mode;
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void stop(struct server *s)
{
	assert_int_equal(write(s->wake[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
}

static int teardown(void **state)
{
	struct server *s = *state;

	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
	return 0;
}

static struct cut_err last_err; /* run_create's */

/* Runs one "create network z-net" against endpoint with `retries`; returns
 * lz_run's result, the action left in *a (clear it after). */
static int run_create(const char *endpoint, int retries, struct lz_action *a)
{
	struct landing_conn conn = { .endpoint = endpoint };
	struct lz_client c;
	struct cut_err err;
	int r;

	assert_int_equal(lz_client_open(&c, &conn, "z", "", retries, &err), 0);
	memset(a, 0, sizeof(*a));
	a->verb = LZ_CREATE;
	a->type = LZ_NETWORK;
	a->key = xstrdup("network:z-net");
	a->want = json_pack("{s:s}", "name", "z-net");
	a->reason = xstrdup("test");
	a->state = LZ_WAIT;
	r = lz_run(&c, a, 1, 1, NULL, &err);
	last_err = err;
	lz_client_close(&c);
	return r;
}

/* Runs "create rule web ingress tcp 22 from 192.0.2.0/24" (its group
 * known as sg-1); the error, if any, in *err. */
static int run_rule(const char *endpoint, struct cut_err *err)
{
	struct landing_conn conn = { .endpoint = endpoint };
	struct lz_action a;
	struct lz_client c;
	int r;

	assert_int_equal(lz_client_open(&c, &conn, "z", "", 1, err), 0);
	lz_state_add(&c.st, LZ_SECGROUP, "sg-1", json_pack("{s:s}", "name", "z-web"));
	memset(&a, 0, sizeof(a));
	a.verb = LZ_CREATE;
	a.type = LZ_RULE;
	a.want = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:s}", "group", "z-web", "direction",
			   "ingress", "ethertype", "IPv4", "protocol", "tcp", "port_min", 22,
			   "port_max", 22, "remote_ip", "192.0.2.0/24", "remote_group", "");
	a.key = lz_key(LZ_RULE, a.want);
	a.reason = xstrdup("test");
	a.state = LZ_WAIT;
	cut_err_clear(err);
	r = lz_run(&c, &a, 1, 1, NULL, err);
	lz_action_clear(&a);
	lz_client_close(&c);
	return r;
}

/* 409 OverQuota on a rule is a failure that names the rule (it counted as
 * "the rule exists already": journaled done, the traffic blocked); only
 * SecurityGroupRuleExists is. */
static void rule_over_quota_fails(void **state)
{
	struct server *s = *state;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);
	struct cut_err err;

	start(s, POST_QUOTA);
	assert_true(run_rule(url, &err) < 0);
	stop(s);
	assert_non_null(strstr(err.msg, "OverQuota"));
	assert_non_null(strstr(err.msg, "z-web/ingress/IPv4/tcp/22/22/192.0.2.0/24"));
	assert_non_null(strstr(err.hint, "quota"));
	free(url);
}

static void rule_exists_is_done(void **state)
{
	struct server *s = *state;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);
	struct cut_err err;

	start(s, POST_EXISTS);
	assert_int_equal(run_rule(url, &err), 0);
	stop(s);
	free(url);
}

/* A create the cloud answered 201 but whose answer could not be used (no
 * id; a body cut off) may exist: unknown, so a rollback looks for it,
 * where "failed" made it skip an object that was made. */
static void expect_unknown(struct server *s, enum post_mode mode)
{
	struct lz_action a;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);

	start(s, mode);
	assert_true(run_create(url, 1, &a) < 0);
	stop(s);
	assert_int_equal(a.state, LZ_FAILED);
	assert_true(a.maybe_sent);
	lz_action_clear(&a);
	free(url);
}

static void made_without_id_is_unknown(void **state)
{
	expect_unknown(*state, POST_NO_ID);
}

static void cut_answer_is_unknown(void **state)
{
	expect_unknown(*state, POST_CUT);
}

/* A list the cloud pages is read to its last page, through the endpoint
 * cutover was given (the links name another host): the second network was
 * not seen, so a plan made it again. */
static void paged_list_is_read_whole(void **state)
{
	struct server *s = *state;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);
	struct landing_conn conn = { .endpoint = url };
	struct lz_client c;
	struct cut_err err;

	start(s, POST_500);
	assert_int_equal(lz_client_open(&c, &conn, "z", "", 2, &err), 0);
	assert_int_equal(lz_read_state(&c, 8, &err), 0);
	stop(s);
	assert_non_null(lz_state_find(&c.st, "network:z-one"));
	assert_non_null(lz_state_find(&c.st, "network:z-two"));
	lz_client_close(&c);
	free(url);
}

/* Two IKE policies of one name (a create whose first try committed after
 * its retry made a second): the one the VPN connection was built on is
 * kept, whatever the list order — VPN objects take no tags, and keeping
 * the other made the next plan replace the connection (the tunnel down). */
static void duplicate_kept_is_the_referred_one(void **state)
{
	static const char ike[] =
		"{\"ikepolicies\": [{\"id\": \"p1\", \"name\": \"z-ike\", \"description\": "
		"\"cutover:z\"}, {\"id\": \"p2\", \"name\": \"z-ike\", \"description\": "
		"\"cutover:z\"}]}";
	static const char conn[] =
		"{\"ipsec_site_connections\": [{\"id\": \"c1\", \"name\": \"z-dc\", "
		"\"description\": \"cutover:z\", \"ikepolicy_id\": \"p2\"}]}";
	struct lz_state st = { 0 };
	struct cut_err err;
	const struct lz_obj *kept;

	(void)state;
	assert_int_equal(lz_openstack.parse_list(LZ_IKEPOLICY, "z", NULL, ike, strlen(ike), &st,
						 &err), 0);
	assert_int_equal(lz_openstack.parse_list(LZ_CONNECTION, "z", NULL, conn, strlen(conn),
						 &st, &err), 0);
	lz_state_resolve(&st);
	kept = lz_state_find(&st, "ike_policy:z-ike");
	assert_non_null(kept);
	assert_string_equal(kept->id, "p2");
	assert_non_null(lz_state_find(&st, "ike_policy:z-ike~p1"));
	lz_state_clear(&st);
}

/* A create answered 500 each time is looked up after each failure (it may
 * have been made); the lookup finding nothing must not reset the count of
 * tries: three tries with --retries 3, then the error. */
static void failing_create_stops_after_retries(void **state)
{
	struct server *s = *state;
	struct lz_action a;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);

	start(s, POST_500);
	assert_true(run_create(url, 3, &a) < 0);
	stop(s);
	assert_int_equal(s->posts, 3);
	assert_int_equal(a.state, LZ_FAILED);
	assert_false(a.maybe_sent); /* every answer came: known not made */
	lz_action_clear(&a);
	free(url);
}

/* A create whose connection closed without an answer may have been made:
 * the action says so, and the journal records it as unknown (plan.c). */
static void lost_answer_is_unknown(void **state)
{
	struct server *s = *state;
	struct lz_action a;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);

	start(s, POST_SILENT);
	assert_true(run_create(url, 2, &a) < 0);
	stop(s);
	/* two tries; libcurl itself sends a request again once when a reused
	 * connection closes before any answer */
	assert_in_range(s->posts, 2, 4);
	assert_int_equal(a.state, LZ_FAILED);
	assert_true(a.maybe_sent);
	/* the error names the object, not only the collection's URL */
	assert_non_null(strstr(last_err.msg, "create network z-net: POST "));
	lz_action_clear(&a);
	free(url);
}

/* Nothing listening: the call never left, so the create is known not made. */
static void refused_connection_is_not_unknown(void **state)
{
	struct server *s = *state;
	struct lz_action a;
	char *url = xasprintf("http://127.0.0.1:%u", s->port);

	close(s->lfd); /* the port is ours and now closed: connections are refused */
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(run_create(url, 2, &a) < 0);
	assert_int_equal(a.state, LZ_FAILED);
	assert_false(a.maybe_sent);
	lz_action_clear(&a);
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(failing_create_stops_after_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_answer_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_connection_is_not_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(rule_over_quota_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(rule_exists_is_done, setup, teardown),
		cmocka_unit_test_setup_teardown(made_without_id_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(cut_answer_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(paged_list_is_read_whole, setup, teardown),
		cmocka_unit_test(duplicate_kept_is_the_referred_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
