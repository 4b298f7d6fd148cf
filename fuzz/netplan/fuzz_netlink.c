/* libFuzzer: a datagram from the kernel — dump parts (links, routes,
 * addresses) and answers (ACK, error with extended-ACK text) — through the
 * parsers netplan uses, then each route and address to a journal payload,
 * back, and into a request. */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "np.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void route_round(const struct np_route *r)
{
	unsigned char buf[8192] __attribute__((aligned(4)));
	struct np_route back;
	char text[NP_ROUTESTR], msg[128];
	json_t *j = np_route_json(r, NULL, NULL);

	np_route_str(r, NULL, NULL, text, sizeof(text));
	if (np_route_from_json(j, NULL, NULL, &back, msg, sizeof(msg)) == 0)
		np_route_free(&back);
	json_decref(j);
	(void)np_wire_route_req(buf, sizeof(buf), NP_REQ_REPLACE, 1, r);
	(void)np_wire_route_req(buf, sizeof(buf), NP_REQ_DEL, 2, r);
}

static void addr_round(const struct np_addr *a)
{
	unsigned char buf[512] __attribute__((aligned(4)));
	struct np_addr back;
	char text[NP_ROUTESTR], msg[128];
	json_t *j = np_addr_json(a, NULL, NULL);

	np_addr_str(a, NULL, NULL, text, sizeof(text));
	(void)np_addr_from_json(j, NULL, NULL, &back, msg, sizeof(msg));
	json_decref(j);
	(void)np_wire_addr_req(buf, sizeof(buf), NP_REQ_ADD, 1, a);
}

static int one(void *cookie, const struct nlmsghdr *h)
{
	struct np_route r;
	struct np_addr a;
	struct np_link l;
	char msg[512];
	int e;

	(void)cookie;
	switch (h->nlmsg_type) {
	case RTM_NEWROUTE:
		if (np_wire_route(h, &r) == 0)
			route_round(&r);
		np_route_free(&r);
		break;
	case RTM_NEWADDR:
		if (np_wire_addr(h, &a) == 0)
			addr_round(&a);
		break;
	case RTM_NEWLINK:
		(void)np_wire_link(h, &l);
		break;
	case NLMSG_ERROR:
		(void)np_wire_error(h, &e, msg, sizeof(msg));
		break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the kernel's buffers are aligned; so is this copy */
	void *buf = malloc(size ? size : 1);
	int r;

	memcpy(buf, data, size);
	r = np_wire_walk(buf, size, one, NULL);
	(void)r;
	free(buf);
	return 0;
}
