/* night/night_dns.c — prelower, switch and verify DNS records (night_dns.h). */
#include "night_dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "night_watch.h"
#include "rollback.h"
#include "util.h"

#define PRELOWER_EVENT "dns.prelowered"

void night_dns_result_free(struct night_dns_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nsteps; i++)
		step_clear(&r->steps[i]);
	free(r->steps);
	dns_verify_report_free(&r->verify);
	night_plan_free(r->np);
	free(r);
}

static int load(const char *path, struct night_dns_result *res, struct diags *d,
		struct cut_err *err)
{
	int r = night_plan_load_valid(path, &res->np, d, err);

	if (r < 0)
		return r;
	if (!res->np->dns || res->np->dns->nrecords == 0)
		return cut_errf(err, CUT_EINPUT, "add a \"dns\" section with records (docs/dns.md)",
				"%s: the plan has no DNS records to switch", path);
	return 0;
}

static struct dns_step_opts step_opts(const struct night_dns_opts *o)
{
	return (struct dns_step_opts){
		.allow_unsigned = o->allow_unsigned,
		.verify_wait_ms = o->wait_ms > 0 ? o->wait_ms : DNS_ROLLBACK_WAIT_MS,
	};
}

static void count(struct night_dns_result *res)
{
	size_t i;

	for (i = 0; i < res->nsteps; i++) {
		int v = res->steps[i].result;
		if (v == 0)
			res->applied++;
		else if (v == STEP_PENDING)
			res->not_tried++;
		else if (v == STEP_UNKNOWN)
			res->unknown++;
		else if (v == CUT_ECONFLICT)
			res->conflicts++;
		else
			res->failed++;
	}
}

/* One batch per zone: the steps of a zone are contiguous. Stops at the first
 * zone that fails; the zones after it are marked not sent. */
static int apply_zones(const struct step_ctx *ctx, const struct step_kind *kind,
		       struct step *steps, size_t n, struct cut_err *err)
{
	struct step **ptrs = xcalloc(n + 1, sizeof(*ptrs));
	size_t i, from = 0;
	int r = 0;

	for (i = 0; i < n; i++)
		ptrs[i] = &steps[i];
	while (from < n) {
		const char *zone = json_string_value(json_object_get(steps[from].apply, "zone"));
		size_t len = 1;

		while (from + len < n &&
		       strcmp(json_string_value(json_object_get(steps[from + len].apply, "zone")),
			      zone) == 0)
			len++;
		if (r < 0) {
			for (i = from; i < from + len; i++)
				step_set_result(&steps[i], CUT_EPEER, "not sent: an earlier zone failed");
		} else {
			r = kind->apply(ctx, ptrs + from, len, false, err);
		}
		from += len;
	}
	free(ptrs);
	return r;
}

static int journal_ahead(void *cookie, struct step *const *steps, size_t n, struct cut_err *err)
{
	return journal_write_new_intents(cookie, steps, n, err);
}

/* Each UPDATE's steps are journaled (and synced) just before it is sent,
 * the next one's while the server applies the one before: a switch of many
 * messages waits for the server, not for the server and the journal. */
static int apply_journaled(struct night_dns_result *res, const struct step_ctx *ctx,
			   const struct step_kind *kind, struct journal *j, struct cut_err *err)
{
	struct step_ctx jctx = *ctx;
	struct cut_err apply_err;
	size_t i;
	int r, w;

	cut_err_clear(&apply_err);
	jctx.before_send = journal_ahead;
	jctx.before_send_cookie = j;
	r = apply_zones(&jctx, kind, res->steps, res->nsteps, &apply_err);
	for (i = 0; i < res->nsteps; i++)
		res->journaled = res->journaled || res->steps[i].id != 0;
	w = journal_write_outcomes(j, res->steps, res->nsteps, false, err);
	count(res);
	if (r < 0) {
		*err = apply_err;
		return r;
	}
	return w;
}

/* ---- prelower ---- */

static int refuse_mismatch(const struct dns_plan *p, const struct dns_current *cur,
			   struct cut_err *err)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < p->nrecords; i++) {
		if (cur[i].matches)
			continue;
		if (!bad++)
			first = i;
	}
	if (!bad)
		return 0;
	{
		const struct dns_record *r = &p->records[first];
		const struct dns_server *s = &p->servers[p->zones[r->zone].primary];
		char want[512] = "nothing";
		size_t k, o = 0;

		for (k = 0; k < r->nfrom && o < sizeof(want); k++)
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s", k ? ", " : "",
					      r->from[k]);
		return cut_errf(err, CUT_ECONFLICT, "nothing was changed: fix the plan's `from`, or "
				"the records", "%zu record%s not as the plan says: %s %s: expected %s, "
				"%s#%u has %s%s", bad, bad == 1 ? "" : "s", r->owner,
				dns_type_name(r->type), want, s->address, s->port, cur[first].has,
				bad > 1 ? "; …" : "");
	}
}

static int write_prelower_notes(struct journal *j, const struct dns_plan *p,
				const struct dns_current *cur, const uint32_t *negttl,
				int64_t *ret_safe_at, struct cut_err *err)
{
	int64_t now = now_realtime_ms(), latest = 0;
	size_t z, i;
	int r = 0;

	for (z = 0; z < p->nzones && r == 0; z++) {
		uint32_t max_ttl = 0;
		bool creates = false, any = false;
		json_t *body;

		for (i = 0; i < p->nrecords; i++) {
			if (p->records[i].zone != z)
				continue;
			any = true;
			if (cur[i].ttl > max_ttl)
				max_ttl = cur[i].ttl;
			creates = creates || p->records[i].nfrom == 0;
		}
		if (!any)
			continue;
		if (creates && negttl[z] > max_ttl)
			max_ttl = negttl[z];
		body = json_pack("{s:s,s:s,s:I,s:I,s:I}", "event", PRELOWER_EVENT, "zone",
				 p->zones[z].name, "max_old_ttl", (json_int_t)max_ttl, "negative_ttl",
				 (json_int_t)(creates ? negttl[z] : 0), "safe_at",
				 (json_int_t)(now + (int64_t)max_ttl * 1000));
		r = journal_append(j, JOURNAL_NOTE, body, NULL);
		json_decref(body);
		if (now + (int64_t)max_ttl * 1000 > latest)
			latest = now + (int64_t)max_ttl * 1000;
	}
	if (r < 0)
		return cut_errf(err, r, NULL, "journal %s: cannot record the prelower: %s",
				journal_path(j), cut_strerror(r));
	*ret_safe_at = latest;
	return journal_sync(j, err);
}

int night_dns_prelower(const char *path, const struct night_dns_opts *o,
		       struct night_dns_result **ret, struct diags *d, struct cut_err *err)
{
	struct step_ctx ctx = { .dry_run = o->dry_run, .say = o->say, .say_cookie = o->say_cookie };
	struct dns_step_opts so = step_opts(o);
	struct night_dns_result *res;
	struct dns_current *cur = NULL;
	uint32_t *negttl = NULL;
	struct journal *j = NULL;
	int r;

	r = load(path, (*ret = res = xcalloc(1, sizeof(*res))), d, err);
	if (r == 0)
		r = dns_plan_check_keys(res->np->dns, o->allow_unsigned, err);
	if (r == 0)
		r = dns_read_current(res->np->dns, true, &cur, &negttl, err);
	if (r == 0)
		r = refuse_mismatch(res->np->dns, cur, err);
	if (r == 0)
		r = dns_prelower_steps(res->np->dns, cur, &so, &res->steps, &res->nsteps, err);
	if (r < 0 || o->dry_run) {
		if (r == 0 && res->nsteps)
			r = apply_zones(&ctx, &dns_ttl_kind, res->steps, res->nsteps, err);
		goto out;
	}
	r = journal_open(res->np->plan->journal, JOURNAL_CREATE, res->np->plan->change, &j, err);
	if (r == 0 && res->nsteps)
		r = apply_journaled(res, &ctx, &dns_ttl_kind, j, err);
	if (r == 0)
		r = write_prelower_notes(j, res->np->dns, cur, negttl, &res->safe_at_ms, err);
	journal_close(j);
out:
	if (cur)
		dns_current_free(cur, res->np->dns->nrecords);
	free(negttl);
	return r;
}

/* ---- switch ---- */

static bool zone_used(const struct dns_plan *p, size_t z)
{
	size_t i;

	for (i = 0; i < p->nrecords; i++)
		if (p->records[i].zone == z)
			return true;
	return false;
}

/* The latest safe time any prelower note gives for zone, 0 when none. */
static int64_t zone_safe_at(const struct journal *j, const char *zone)
{
	int64_t best = 0;
	size_t i;

	for (i = 0; i < journal_count(j); i++) {
		const struct journal_record *rec = journal_get(j, i);
		const char *ev, *z;

		if (rec->phase != JOURNAL_NOTE)
			continue;
		ev = json_string_value(json_object_get(rec->body, "event"));
		z = json_string_value(json_object_get(rec->body, "zone"));
		if (ev && z && strcmp(ev, PRELOWER_EVENT) == 0 && strcmp(z, zone) == 0) {
			int64_t t = json_integer_value(json_object_get(rec->body, "safe_at"));
			if (t > best)
				best = t;
		}
	}
	return best;
}

static int ttl_safety(const struct night_dns_result *res, const struct journal *j,
		      int64_t *ret_safe_at, struct cut_err *err)
{
	const struct dns_plan *p = res->np->dns;
	int64_t latest = 0, now = now_realtime_ms();
	char when[64], left[64];
	size_t z;

	for (z = 0; z < p->nzones; z++) {
		int64_t t;
		if (!zone_used(p, z))
			continue;
		t = j ? zone_safe_at(j, p->zones[z].name) : 0;
		if (t == 0)
			return cut_errf(err, CUT_EUNSAFE, "run `cutover dns prelower PLAN` and wait "
					"the old TTL, or pass --ignore-ttl if resolvers may keep "
					"the old answer", "zone %s: no prelower in journal %s: "
					"resolvers may cache the old records for their full TTL",
					p->zones[z].name, res->np->plan->journal);
		if (t > latest)
			latest = t;
	}
	*ret_safe_at = latest;
	if (now >= latest)
		return 0;
	format_utc(latest, when, sizeof(when));
	format_duration(latest - now, left, sizeof(left));
	return cut_errf(err, CUT_EUNSAFE, "wait, or pass --ignore-ttl if resolvers may keep the "
			"old answer until then", "too early: the lowered TTLs are not in effect "
			"everywhere before %s (in %s)", when, left);
}

/* The gates of every switched record, each once. */
static size_t collect_gates(const struct dns_plan *p, const char ***ret)
{
	const char **g = NULL;
	size_t i, k, m, n = 0;

	for (i = 0; i < p->nrecords; i++) {
		for (k = 0; k < p->records[i].ngates; k++) {
			const char *name = p->records[i].gates[k];
			for (m = 0; m < n && strcmp(g[m], name) != 0; m++)
				;
			if (m < n)
				continue;
			g = xrealloc(g, (n + 1) * sizeof(*g));
			g[n++] = name;
		}
	}
	*ret = g;
	return n;
}

static int gate(const struct night_dns_result *res, const struct night_dns_opts *o,
		struct cut_err *err)
{
	const char **gates;
	size_t n;
	int r = 0;

	if (o->skip_health)
		return 0;
	n = collect_gates(res->np->dns, &gates);
	if (n)
		r = night_gate(res->np, gates, n, err);
	free(gates);
	return r;
}

/* --watch on records that name no gates: refused before anything happens. */
static int watch_has_gates(const struct night_dns_result *res, struct cut_err *err)
{
	const char **gates;
	size_t n = collect_gates(res->np->dns, &gates);

	free(gates);
	return night_watch_needs_gates(n, "records", err);
}

static int open_checked(struct night_dns_result *res, const struct night_dns_opts *o,
			struct journal **j, struct cut_err *err)
{
	const char *jp = res->np->plan->journal;
	bool exists = access(jp, F_OK) == 0;
	int r;

	*j = NULL;
	if (!exists && !o->ignore_ttl && !o->dry_run)
		return ttl_safety(res, NULL, &res->safe_at_ms, err);
	if (o->dry_run && !exists)
		return o->ignore_ttl ? 0 : ttl_safety(res, NULL, &res->safe_at_ms, err);
	r = journal_open(jp, o->dry_run ? JOURNAL_READONLY : JOURNAL_CREATE, res->np->plan->change,
			 j, err);
	if (r == 0 && !o->ignore_ttl)
		r = ttl_safety(res, *j, &res->safe_at_ms, err);
	return r;
}

static int verify_steps(struct night_dns_result *res, const struct night_dns_opts *o,
			bool only_applied, struct cut_err *err)
{
	const struct step **which = xcalloc(res->nsteps + 1, sizeof(*which));
	size_t i, n = 0;
	int r = 0;

	for (i = 0; i < res->nsteps; i++)
		if (!only_applied || res->steps[i].result == 0)
			which[n++] = &res->steps[i];
	if (n) {
		r = dns_verify(which, n, false, o->wait_ms, o->say, o->say_cookie, &res->verify,
			       err);
		res->verified = true;
	}
	free(which);
	return r;
}

/* What the primaries hold, read once the gates have passed and before
 * anything is journaled: a switch to CNAME beside other data is refused, so
 * is one while a `from` TTL is above the lowered TTL, and each inverse gets
 * the TTL its RRset held. With --ignore-ttl only the owners of records that
 * become CNAMEs are read (a read of every `from` RRset costs a round trip and
 * the server's time for each record: a 1,000-record switch took 55 ms with
 * it, 38 ms without), and inverses restore the record's ttl (documented).
 * Then the steps. */
static int read_and_build(struct night_dns_result *res, const struct night_dns_opts *o,
			  const struct dns_step_opts *so, struct cut_err *err)
{
	struct dns_current *cur = NULL;
	uint32_t *negttl = NULL;
	bool from_rrsets = !o->ignore_ttl;
	int r = dns_read_current(res->np->dns, from_rrsets, &cur, &negttl, err);

	if (r == 0)
		r = dns_refuse_cname_clash(res->np->dns, cur, err);
	if (r == 0 && from_rrsets) /* the prelower note is not enough: TTLs now */
		r = dns_refuse_high_ttl(res->np->dns, cur, err);
	if (r == 0)
		r = dns_switch_steps(res->np->dns, from_rrsets ? cur : NULL, so, &res->steps,
				     &res->nsteps, err);
	dns_current_free(cur, res->np->dns->nrecords);
	free(negttl);
	return r;
}

/* The switch, with --confirm-within armed before its first change and its
 * end noted after the last: the watchdog rolls back a switch that failed
 * halfway as well. */
static int switch_provisional(struct night_dns_result *res, const struct night_dns_opts *o,
			      const struct step_ctx *ctx, struct journal *j, struct cut_err *err)
{
	struct cut_err end_err;
	int r, w;

	res->seq_before = journal_last_seq(j);
	if (!o->confirm_within_ms || res->nsteps == 0)
		return apply_journaled(res, ctx, &dns_rrset_kind, j, err);
	r = night_provisional_arm(j, o->confirm_within_ms, NULL, &res->deadline_ms, err);
	if (r < 0)
		return r;
	res->provisional = true;
	r = apply_journaled(res, ctx, &dns_rrset_kind, j, err);
	cut_err_clear(&end_err);
	w = night_provisional_end(j, res->journaled, r < 0 ? &end_err : err);
	res->provisional = res->journaled;
	return r < 0 ? r : w;
}

int night_dns_switch(const char *path, const struct night_dns_opts *o,
		     struct night_dns_result **ret, struct diags *d, struct cut_err *err)
{
	struct step_ctx ctx = { .dry_run = o->dry_run, .say = o->say, .say_cookie = o->say_cookie };
	struct dns_step_opts so = step_opts(o);
	struct night_dns_result *res;
	struct journal *j = NULL;
	int r;

	r = load(path, (*ret = res = xcalloc(1, sizeof(*res))), d, err);
	if (r == 0 && o->watch)
		r = watch_has_gates(res, err);
	if (r == 0)
		r = dns_plan_check_keys(res->np->dns, o->allow_unsigned, err);
	if (r == 0)
		r = gate(res, o, err);
	if (r == 0)
		r = open_checked(res, o, &j, err);
	if (r == 0)
		r = read_and_build(res, o, &so, err);
	if (r < 0 || o->dry_run) {
		if (r == 0)
			r = apply_zones(&ctx, &dns_rrset_kind, res->steps, res->nsteps, err);
		journal_close(j);
		return r;
	}
	if (!o->confirm_within_ms)
		night_provisional_warn_unwatched(j, d);
	r = switch_provisional(res, o, &ctx, j, err);
	journal_close(j);
	if (r == 0 && !o->no_verify)
		r = verify_steps(res, o, true, err);
	return r;
}

/* ---- verify ---- */

int night_dns_verify(const char *path, const struct night_dns_opts *o,
		     struct night_dns_result **ret, struct diags *d, struct cut_err *err)
{
	struct dns_step_opts so = step_opts(o);
	struct night_dns_result *res;
	int r;

	r = load(path, (*ret = res = xcalloc(1, sizeof(*res))), d, err);
	if (r == 0)
		r = dns_switch_steps(res->np->dns, NULL, &so, &res->steps, &res->nsteps, err);
	if (r == 0)
		r = verify_steps(res, o, false, err);
	return r;
}
