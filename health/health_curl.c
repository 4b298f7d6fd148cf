/* health/health_curl.c — http, https and tcp probes as libcurl transfers.
 *
 * The URL carries the production name; CURLOPT_CONNECT_TO sends the
 * connection to the target address, so the Host header and the TLS SNI
 * are the real name and the certificate is checked against it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health_int.h"
#include "util.h"

static size_t on_body(char *data, size_t size, size_t nmemb, void *cookie)
{
	struct probe *p = cookie;
	size_t n = size * nmemb, room;

	if (!p->check->body_contains)
		return n;
	room = HEALTH_BODY_MAX - p->body_len;
	if (n < room)
		room = n;
	if (room) {
		p->body = xrealloc(p->body, p->body_len + room + 1);
		memcpy(p->body + p->body_len, data, room);
		p->body_len += room;
		p->body[p->body_len] = '\0';
	}
	return n;
}

/* "[2001:db8::1]" or "198.51.100.10" for a URL or a connect-to entry. */
static void url_addr(const char *addr, char *buf, size_t len)
{
	snprintf(buf, len, strchr(addr, ':') ? "[%s]" : "%s", addr);
}

static char *probe_url(const struct probe *p, bool diagnosis)
{
	const struct health_check *c = p->check;
	char addr[64];

	url_addr(p->target->addr, addr, sizeof(addr));
	if (c->kind == HEALTH_TCP)
		return xasprintf("http://%s:%u/", addr, p->target->port);
	return xasprintf("%s://%s:%u%s", c->kind == HEALTH_HTTPS ? "https" : "http", c->host,
			 p->target->port, diagnosis ? "/" : c->path);
}

static void set_tls(struct probe *p, bool diagnosis)
{
	const struct health_check *c = p->check;
	long verify = c->tls_verify && !diagnosis;

	/* a full handshake each time: a resumed session shows no certificate,
	 * so one replaced or expired since the last probe would go unseen */
	curl_easy_setopt(p->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(p->easy, CURLOPT_SSL_VERIFYPEER, verify);
	curl_easy_setopt(p->easy, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	/* ca_file is the only trust: without CAPATH NULL, Debian's libcurl
	 * still trusts every CA in /etc/ssl/certs beside it. Without a CAPATH
	 * libcurl (7.87+) would also keep the file's CAs for 24 h: each probe
	 * reads the file as it is now, as it did before */
	if (c->ca_file) {
		curl_easy_setopt(p->easy, CURLOPT_CAINFO, c->ca_file);
		curl_easy_setopt(p->easy, CURLOPT_CAPATH, (char *)NULL);
		curl_easy_setopt(p->easy, CURLOPT_CA_CACHE_TIMEOUT, 0L);
	}
	if (diagnosis) {
		curl_easy_setopt(p->easy, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(p->easy, CURLOPT_CONNECT_ONLY, 1L);
	}
}

int curl_probe_setup(struct probe *p, void *owner, bool diagnosis, char *reason, size_t len)
{
	const struct health_check *c = p->check;
	char addr[64], *url, *entry;

	p->easy = curl_easy_init();
	if (!p->easy) {
		snprintf(reason, len, "cannot start a transfer (out of memory)");
		return -ENOMEM;
	}
	p->diagnosis = diagnosis;
	p->errbuf[0] = '\0';
	url = probe_url(p, diagnosis);
	curl_easy_setopt(p->easy, CURLOPT_URL, url);
	free(url);
	if (c->kind != HEALTH_TCP) {
		url_addr(p->target->addr, addr, sizeof(addr));
		entry = xasprintf("%s:%u:%s:%u", c->host, p->target->port, addr, p->target->port);
		p->connect_to = curl_slist_append(NULL, entry);
		free(entry);
		curl_easy_setopt(p->easy, CURLOPT_CONNECT_TO, p->connect_to);
	}
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, owner);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* every probe connects (and shakes hands) afresh and leaves nothing to
	 * reuse: a target that answers on a kept-alive connection but refuses
	 * new ones is sick, since the clients that traffic brings connect anew */
	curl_easy_setopt(p->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(p->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(p->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "cutover-health/" CUTOVER_VERSION);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	if (c->kind == HEALTH_TCP)
		curl_easy_setopt(p->easy, CURLOPT_CONNECT_ONLY, 1L);
	if (c->kind == HEALTH_HTTPS)
		set_tls(p, diagnosis);
	return 0;
}

/* Calls libcurl only for what it made: a dns-only monitor never loads it. */
void curl_probe_clear(struct probe *p)
{
	if (p->easy)
		curl_easy_cleanup(p->easy);
	p->easy = NULL;
	if (p->connect_to)
		curl_slist_free_all(p->connect_to);
	p->connect_to = NULL;
	free(p->body);
	p->body = NULL;
	p->body_len = 0;
	p->diagnosis = false;
}

static bool status_expected(const struct health_check *c, long status)
{
	size_t i;

	for (i = 0; i < c->n_status; i++)
		if (c->expect_status[i] == status)
			return true;
	return false;
}

static void http_result(struct probe *p, struct health_probe *res)
{
	const struct health_check *c = p->check;

	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &res->status);
	if (c->kind == HEALTH_TCP) {
		res->ok = true;
		snprintf(res->reason, sizeof(res->reason), "connected");
	} else if (!status_expected(c, res->status)) {
		snprintf(res->reason, sizeof(res->reason), "HTTP %ld (expected %ld%s)", res->status,
			 c->expect_status[0], c->n_status > 1 ? " or another listed status" : "");
	} else if (c->body_contains && (!p->body || !strstr(p->body, c->body_contains))) {
		snprintf(res->reason, sizeof(res->reason),
			 "HTTP %ld but the body does not contain \"%.*s\"", res->status,
			 (int)utf8_cut(c->body_contains, 64), c->body_contains);
	} else {
		res->ok = true;
		snprintf(res->reason, sizeof(res->reason), "HTTP %ld", res->status);
	}
}

static void timeout_reason(struct probe *p, struct health_probe *res)
{
	curl_off_t connect_us = 0;
	char d[32];

	format_duration(p->check->timeout_ms, d, sizeof(d));
	curl_easy_getinfo(p->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
	if (connect_us == 0)
		snprintf(res->reason, sizeof(res->reason), "connect timed out after %s", d);
	else
		snprintf(res->reason, sizeof(res->reason), "no answer within %s", d);
}

static void connect_reason(struct probe *p, struct health_probe *res)
{
	long os_errno = 0;

	curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &os_errno);
	if (os_errno == ECONNREFUSED)
		snprintf(res->reason, sizeof(res->reason), "connection refused");
	else if (os_errno)
		snprintf(res->reason, sizeof(res->reason), "cannot connect: %s", strerror((int)os_errno));
	else
		snprintf(res->reason, sizeof(res->reason), "cannot connect: %s",
			 p->errbuf[0] ? p->errbuf : "unknown reason");
}

/* curl's text without its "SSL certificate problem: " prefix. */
static const char *tls_text(const char *e)
{
	static const char prefix[] = "SSL certificate problem: ";

	return strncmp(e, prefix, sizeof(prefix) - 1) == 0 ? e + sizeof(prefix) - 1 : e;
}

static bool needs_diagnosis(const char *e)
{
	return strstr(e, "expired") || strstr(e, "not yet valid") || strstr(e, "subject name") ||
	       strstr(e, "does not match");
}

int curl_probe_result(struct probe *p, CURLcode rc, struct health_probe *res)
{
	curl_off_t total_us = 0;

	curl_easy_getinfo(p->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	res->latency_ms = (int64_t)(total_us / 1000);
	res->ok = false;
	switch (rc) {
	case CURLE_OK:
		http_result(p, res);
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		timeout_reason(p, res);
		return 0;
	case CURLE_COULDNT_CONNECT:
		connect_reason(p, res);
		return 0;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(res->reason, sizeof(res->reason), "certificate not trusted: %s",
			 tls_text(p->errbuf));
		if (!needs_diagnosis(p->errbuf))
			return 0;
		snprintf(p->verify_error, sizeof(p->verify_error), "%s", p->errbuf);
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(res->reason, sizeof(res->reason), "TLS handshake failed: %s",
			 p->errbuf[0] ? p->errbuf : "no detail");
		return 0;
	case CURLE_GOT_NOTHING:
		snprintf(res->reason, sizeof(res->reason), "the server closed the connection without answering");
		return 0;
	default:
		snprintf(res->reason, sizeof(res->reason), "%s",
			 p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		return 0;
	}
}

/* "Oct  1 12:00:00 2026 GMT" -> "2026-10-01". */
static void cert_date(const char *text, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(text, "%b %d %H:%M:%S %Y", &tm))
		strftime(buf, len, "%Y-%m-%d", &tm);
	else
		snprintf(buf, len, "%.40s", text);
}

/* The value of "Name:value" in the leaf certificate's info, or NULL. */
static const char *cert_field(const struct curl_certinfo *ci, const char *name)
{
	const struct curl_slist *s;
	size_t n = strlen(name);

	if (!ci || ci->num_of_certs < 1)
		return NULL;
	for (s = ci->certinfo[0]; s; s = s->next)
		if (strncmp(s->data, name, n) == 0 && s->data[n] == ':')
			return s->data + n + 1;
	return NULL;
}

void curl_probe_diagnosis(struct probe *p, CURLcode rc, struct health_probe *res)
{
	struct curl_certinfo *ci = NULL;
	const char *v, *e = p->verify_error;
	char date[48];

	res->ok = false;
	if (rc == CURLE_OK)
		curl_easy_getinfo(p->easy, CURLINFO_CERTINFO, &ci);
	if (strstr(e, "expired") && (v = cert_field(ci, "Expire date"))) {
		cert_date(v, date, sizeof(date));
		snprintf(res->reason, sizeof(res->reason), "certificate expired %s", date);
	} else if (strstr(e, "not yet valid") && (v = cert_field(ci, "Start date"))) {
		cert_date(v, date, sizeof(date));
		snprintf(res->reason, sizeof(res->reason), "certificate not valid before %s", date);
	} else if ((v = cert_field(ci, "X509v3 Subject Alternative Name")) ||
		   (v = cert_field(ci, "Subject"))) {
		snprintf(res->reason, sizeof(res->reason), "certificate is for %.*s, not %s",
			 (int)utf8_cut(v, 120), v, p->check->host);
	} else {
		snprintf(res->reason, sizeof(res->reason), "certificate not trusted: %s", tls_text(e));
	}
}
