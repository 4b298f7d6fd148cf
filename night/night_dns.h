/* night/night_dns.h — cutover night for DNS records:
 *
 *   prelower  night_plan_load → keys → read every `from` RRset and its TTL
 *             from the primaries (a mismatch: refused, nothing changed) →
 *             journal the dns.ttl intents (old TTL as inverse), ONE fsync →
 *             one UPDATE per zone → outcomes → a note per zone with the
 *             earliest safe switch (+ largest old TTL, + the SOA negative TTL
 *             where a name is created).
 *   switch    night_plan_load → keys → health gates of the switched records
 *             (unless skipped) → TTL safety from the journal's prelower notes
 *             (unless ignored) → journal every dns.rrset intent with its
 *             inverse, ONE fsync → ONE UPDATE per zone (split only past
 *             64 KiB) → outcomes, one fsync → verify on every server
 *             (unless no_verify).
 *   verify    every server of each zone answers the records' targets.
 *
 * Rollback is the generic rollback_run() over the journal: the kinds
 * "dns.rrset" and "dns.ttl" restore with the same compare-and-swap and then
 * verify (dnsctl.h).
 */
#ifndef CUTOVER_NIGHT_DNS_H
#define CUTOVER_NIGHT_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "dnsctl.h"
#include "error.h"
#include "night.h"
#include "step.h"

struct night_dns_opts {
	bool dry_run;          /* print the UPDATEs that would be sent; journal and send nothing */
	bool skip_health;      /* an explicit --skip-health */
	bool ignore_ttl;       /* an explicit --ignore-ttl: switch before the safe time */
	bool allow_unsigned;   /* with "unsigned": true in the plan */
	bool no_verify;        /* switch: an explicit --no-verify (`dns verify` later) */
	int64_t wait_ms;       /* how long verify waits for lagging servers */
	int64_t confirm_within_ms; /* --confirm-within: armed (night_provisional_arm)
				    * before the first change; 0 for none */
	bool watch;            /* --watch follows: switch: refused (CUT_EUSAGE) before
				* anything is read, journaled or sent when the
				* records name no gates (night_watch_needs_gates) */
	step_say_fn say;       /* progress lines; may be NULL */
	void *say_cookie;
};

struct night_dns_result {
	struct night_plan *np;        /* owned */
	struct step *steps;           /* owned */
	size_t nsteps;
	bool journaled;               /* intents are on disk: rollback can undo */
	bool provisional;             /* armed: a watchdog rolls back at deadline_ms */
	int64_t deadline_ms;          /* realtime */
	uint64_t seq_before;          /* the journal's last record before the switch:
				       * its steps are the intents after it */
	size_t applied, failed, conflicts, not_tried, unknown;
	int64_t safe_at_ms;           /* earliest safe switch (realtime), 0 if unknown */
	bool verified;                /* verify ran */
	struct dns_verify_report verify;
};

int night_dns_prelower(const char *path, const struct night_dns_opts *o,
		       struct night_dns_result **ret, struct diags *d, struct cut_err *err)
	CUT_MUST_CHECK;
int night_dns_switch(const char *path, const struct night_dns_opts *o,
		     struct night_dns_result **ret, struct diags *d, struct cut_err *err)
	CUT_MUST_CHECK;
int night_dns_verify(const char *path, const struct night_dns_opts *o,
		     struct night_dns_result **ret, struct diags *d, struct cut_err *err)
	CUT_MUST_CHECK;

void night_dns_result_free(struct night_dns_result *r);

#endif
