/* What makes two links, addresses or routes of the host snapshot the same
 * (snapshot.c keeps sets by them), and the comparison of two snapshots
 * (host_facts_cmp(): a snapshot kept from events against a fresh read,
 * for the tests). Pure. */
#include "gatewayd/host/snapshot.h"
#include "gatewayd/host/snapshot_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool host_link_same(const struct host_link *a, const struct host_link *b)
{
	return !strcmp(a->name, b->name) && a->master == b->master && a->peer == b->peer &&
	       !strcmp(a->kind, b->kind) && !((a->flags ^ b->flags) & HOST_LINK_FLAGS) &&
	       !memcmp(a->mac, b->mac, 6);
}

bool host_addr_same(const struct host_addr *a, const struct host_addr *b)
{
	return a->family == b->family && a->ifindex == b->ifindex && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, 16) && !memcmp(a->peer, b->peer, 16);
}

/* A route (one nexthop of it) is known by where it goes, its metric, TOS
 * and type, its device and gateway. */
bool host_route_same(const struct host_route *a, const struct host_route *b)
{
	return a->family == b->family && a->plen == b->plen && a->metric == b->metric &&
	       a->ifindex == b->ifindex && a->tos == b->tos && a->type == b->type &&
	       !memcmp(a->dst, b->dst, 16) && !memcmp(a->gw, b->gw, 16);
}

static bool link_eq(const struct host_link *a, const struct host_link *b)
{
	return a->ifindex == b->ifindex && host_link_same(a, b);
}

static void addr_text(int family, const uint8_t *a, unsigned plen, int ifindex, char *out,
		      size_t len)
{
	char t[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, a, t, sizeof(t));
	snprintf(out, len, "%s/%u dev %d", t, plen, ifindex);
}

/* Every element of a[0..na) in b[0..nb) (by eq), and as many: index of
 * the first of a missing from b, or na. */
static size_t first_missing(const void *a, size_t na, const void *b, size_t nb, size_t size,
			    bool (*eq)(const void *, const void *))
{
	for (size_t i = 0; i < na; i++) {
		size_t k = 0;

		while (k < nb && !eq((const char *)a + i * size, (const char *)b + k * size))
			k++;
		if (k == nb)
			return i;
	}
	return na;
}

static bool addr_eq_v(const void *a, const void *b)
{
	return host_addr_same(a, b);
}

static bool route_eq_v(const void *a, const void *b)
{
	return host_route_same(a, b);
}

int host_facts_cmp(const struct host_facts *a, const struct host_facts *b, char *msg, size_t len)
{
	const struct host_facts *side[2] = { a, b };
	char t[96];
	size_t i;

	for (int s = 0; s < 2; s++) {
		const struct host_facts *x = side[s], *y = side[1 - s];
		const char *where = s ? "only in the second" : "only in the first";

		for (i = 0; i < x->n_links; i++) {
			const struct host_link *l = &x->links[i],
					       *o = host_link_by_index(y, l->ifindex);

			if (!o || !link_eq(l, o)) {
				snprintf(msg, len,
					 "link %d %s (kind \"%s\", master %d, peer %d, flags %#x) "
					 "%s",
					 l->ifindex, l->name, l->kind, l->master, l->peer,
					 l->flags & HOST_LINK_FLAGS, o ? "differs" : where);
				return 1;
			}
		}
		if ((i = first_missing(x->addrs, x->n_addrs, y->addrs, y->n_addrs,
				       sizeof(*x->addrs), addr_eq_v)) < x->n_addrs) {
			addr_text(x->addrs[i].family, x->addrs[i].addr, x->addrs[i].plen,
				  x->addrs[i].ifindex, t, sizeof(t));
			snprintf(msg, len, "address %s %s", t, where);
			return 1;
		}
		if ((i = first_missing(x->routes, x->n_routes, y->routes, y->n_routes,
				       sizeof(*x->routes), route_eq_v)) < x->n_routes) {
			addr_text(x->routes[i].family, x->routes[i].dst, x->routes[i].plen,
				  x->routes[i].ifindex, t, sizeof(t));
			snprintf(msg, len, "route %s metric %u %s", t, x->routes[i].metric, where);
			return 1;
		}
	}
	if (a->n_links != b->n_links || a->n_addrs != b->n_addrs || a->n_routes != b->n_routes) {
		snprintf(msg, len, "duplicates: %zu/%zu links, %zu/%zu addresses, %zu/%zu routes",
			 a->n_links, b->n_links, a->n_addrs, b->n_addrs, a->n_routes, b->n_routes);
		return 1;
	}
	return 0;
}
