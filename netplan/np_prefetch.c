/* netplan/np_prefetch.c — the hosts' kernel state, read while the plan is
 * being checked (or, for a rollback, while its journal is read).
 *
 * Dumping a 10,000-route host takes ~10 ms, and checking the plan's route
 * changes as long; neither needs the other. So once the plan's file is read
 * (its "routes" section not checked yet), one thread reads the state of the
 * hosts the section names, and netplan_diff() takes those states instead of
 * reading them itself. Anything doubtful is left to netplan_diff(): a host
 * whose netns is no valid name is not read, a failed read is dropped (the
 * diff reads again and reports), a state no host asks for is freed.
 */
#include "np.h"
#include "netplan.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct prefetched {
	char *netns;          /* NULL: this host */
	bool ok;              /* st was read */
	bool taken;           /* moved to a diff */
	struct np_state st;
};

struct netplan_prefetch {
	pthread_t thread;
	bool joined;
	struct prefetched *hosts;
	size_t n;
};

static void *prefetch_main(void *arg)
{
	struct netplan_prefetch *pf = arg;
	size_t i;

	for (i = 0; i < pf->n; i++) {
		struct prefetched *h = &pf->hosts[i];
		struct np_conn *c = NULL;
		struct cut_err err;

		cut_err_clear(&err);
		if (np_conn_open(h->netns, &c, &err) == 0)
			h->ok = np_state_read(c, NP_READ_ROUTES | NP_READ_ADDRS, &h->st, &err) == 0;
		np_conn_close(c);
	}
	return NULL;
}

static bool listed(const struct netplan_prefetch *pf, const char *netns)
{
	size_t i;

	for (i = 0; i < pf->n; i++)
		if (np_same_netns(netns, pf->hosts[i].netns))
			return true;
	return false;
}

static struct netplan_prefetch *start(struct netplan_prefetch *pf)
{
	if (pthread_create(&pf->thread, NULL, prefetch_main, pf) != 0)
		pf->joined = true; /* nothing read: the caller reads */
	return pf;
}

struct netplan_prefetch *netplan_prefetch(const json_t *section, const char *netns_override)
{
	const json_t *hosts = json_object_get(section, "hosts");
	struct netplan_prefetch *pf;
	size_t i, n = json_array_size(hosts);

	if (n == 0 || n > NETPLAN_HOSTS_MAX)
		return NULL;
	pf = xcalloc(1, sizeof(*pf));
	pf->hosts = xcalloc(n, sizeof(*pf->hosts));
	for (i = 0; i < n; i++) {
		const json_t *v = json_object_get(json_array_get(hosts, i), "netns");
		const char *netns = netns_override ? netns_override : json_string_value(v);
		if (!netns_override && v && !netns)
			continue; /* not a name: the check reports it */
		if (netns && !np_netns_name_ok(netns))
			continue;
		if (!listed(pf, netns))
			pf->hosts[pf->n++].netns = netns ? xstrdup(netns) : NULL;
	}
	return start(pf);
}

struct netplan_prefetch *np_prefetch_one(const char *netns)
{
	struct netplan_prefetch *pf;

	if (netns && !np_netns_name_ok(netns))
		return NULL;
	pf = xcalloc(1, sizeof(*pf));
	pf->hosts = xcalloc(1, sizeof(*pf->hosts));
	pf->hosts[pf->n++].netns = netns ? xstrdup(netns) : NULL;
	return start(pf);
}

static void join(struct netplan_prefetch *pf)
{
	if (!pf->joined)
		pthread_join(pf->thread, NULL);
	pf->joined = true;
}

bool np_prefetch_has(const struct netplan_prefetch *pf, const char *netns)
{
	return pf && listed(pf, netns);
}

bool np_prefetched(struct netplan_prefetch *pf, const char *netns, struct np_state *st)
{
	size_t i;

	if (!pf)
		return false;
	join(pf);
	for (i = 0; i < pf->n; i++) {
		struct prefetched *h = &pf->hosts[i];
		if (!h->ok || h->taken || !np_same_netns(netns, h->netns))
			continue;
		*st = h->st;
		h->taken = true;
		return true;
	}
	return false;
}

void netplan_prefetch_free(struct netplan_prefetch *pf)
{
	size_t i;

	if (!pf)
		return;
	join(pf);
	for (i = 0; i < pf->n; i++) {
		if (pf->hosts[i].ok && !pf->hosts[i].taken)
			np_state_free(&pf->hosts[i].st);
		free(pf->hosts[i].netns);
	}
	free(pf->hosts);
	free(pf);
}
