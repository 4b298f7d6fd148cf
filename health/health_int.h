/* health/health_int.h — inside the health room: one probe in flight.
 * Not for other rooms; the public API is health.h. */
#ifndef CUTOVER_HEALTH_INT_H
#define CUTOVER_HEALTH_INT_H

#include <curl/curl.h>
#include <stdint.h>

#include "health.h"

/* The probe of one (check, target); at most one is in flight at a time. */
struct probe {
	const struct health_check *check;   /* borrowed */
	const struct health_target *target; /* borrowed */
	CURL *easy;                 /* http, https, tcp; NULL otherwise */
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char verify_error[CURL_ERROR_SIZE]; /* the TLS verification error a diagnosis explains */
	char *body;                 /* kept only for body_contains, at most HEALTH_BODY_MAX */
	size_t body_len;
	bool diagnosis;             /* a second connection reading the certificate */
	int fd;                     /* dns: the UDP socket; -1 otherwise */
	uint16_t id;                /* dns: the query id */
	int64_t start_ms, deadline_ms; /* monotonic */
};

/* ---- curl probes (health_curl.c) ---- */

/* Makes p->easy for an http, https or tcp probe (diagnosis: read the
 * certificate without verifying it). 0 or a negative code with reason set. */
int curl_probe_setup(struct probe *p, void *owner, bool diagnosis, char *reason, size_t len);

/* Turns a finished transfer into a result. Returns 1 when the probe needs a
 * certificate diagnosis first (p->verify_error set), else 0. */
int curl_probe_result(struct probe *p, CURLcode rc, struct health_probe *res);

/* Explains p->verify_error with the certificate a diagnosis read. */
void curl_probe_diagnosis(struct probe *p, CURLcode rc, struct health_probe *res);

void curl_probe_clear(struct probe *p);

/* ---- dns probes (health_dns.c) ---- */

/* Sends the query of p's check to its target on a new UDP socket (p->fd).
 * 0, or a negative code with reason set. */
int dns_probe_send(struct probe *p, char *reason, size_t len);

/* Reads what arrived on p->fd. 1 when the probe is finished (res set), 0 when
 * what arrived was not the answer (keep waiting). */
int dns_probe_receive(struct probe *p, struct health_probe *res);

/* Judges a message that arrived for the query of c whose id is id: 1 when it
 * is the answer (res set: its rcode, then its records of c's type against
 * body_contains), 0 when it is not (not a DNS message, another id, not a
 * response): keep waiting. The part of dns_probe_receive after the socket,
 * apart for the fuzzer (fuzz/health/fuzz_dns_answer_judge.c). */
int dns_answer_judge(const struct health_check *c, uint16_t id, const uint8_t *wire, size_t len,
		     struct health_probe *res);

void dns_probe_clear(struct probe *p);

#endif
