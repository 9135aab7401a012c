/* Guest binding, pure: which port each address's MAC is on (the bindings
 * in force first, then the port its own DHCP came in on; for a static
 * host without DHCP, the bridges' forwarding databases), over sorted
 * arrays -- thousands of bindings, each looked up, on every sync. */
#include "gatewayd/core/binding_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(offsetof(struct nft_bind, mac) == offsetof(struct binding_fdb, mac),
	       "binding_first_mac() reads both the same way");

/* The MAC in an nft_bind or a binding_fdb: both start with the ifindex. */
static const uint8_t *mac_at(const void *v, size_t size, size_t i)
{
	return (const uint8_t *)v + i * size + offsetof(struct nft_bind, mac);
}

/* The first of v[0..n) (sorted by MAC) with this MAC, or where it would
 * be: halving, not walking -- thousands of bindings, each looked up. */
size_t binding_first_mac(const void *v, size_t size, size_t n, const uint8_t mac[6])
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(mac_at(v, size, mid), mac, 6) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t port_of(const uint32_t *ports, size_t n_ports, uint32_t ifindex)
{
	for (size_t k = 0; k < n_ports; k++)
		if (ports[k] == ifindex)
			return ifindex;
	return 0;
}

static int bind_mac_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nft_bind *)a)->mac, ((const struct nft_bind *)b)->mac, 6);
}

static int fdb_mac_cmp(const void *a, const void *b)
{
	return memcmp(((const struct binding_fdb *)a)->mac, ((const struct binding_fdb *)b)->mac,
		      6);
}

void binding_sort(struct nft_bind *v, size_t n, struct binding_fdb *fdb, size_t n_fdb)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), bind_mac_cmp);
	if (n_fdb > 1)
		qsort(fdb, n_fdb, sizeof(*fdb), fdb_mac_cmp);
}

long binding_where(const struct binding_fdb *seen, size_t n_seen, const struct binding_fdb *fdb,
		   size_t n_fdb, struct binding_fdb **out)
{
	struct binding_fdb *v = malloc((n_seen + n_fdb + 1) * sizeof(*v));
	size_t n = n_seen;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	if (n_seen)
		memcpy(v, seen, n_seen * sizeof(*v));
	for (size_t f = 0; f < n_fdb; f++) {
		size_t i = binding_first_mac(seen, sizeof(*seen), n_seen, fdb[f].mac);

		if (i == n_seen || memcmp(seen[i].mac, fdb[f].mac, 6))
			v[n++] = fdb[f];
	}
	binding_sort(NULL, 0, v, n);
	*out = v;
	return (long)n;
}

long binding_compute(const uint32_t *ports, size_t n_ports, const struct binding_fdb *fdb,
		     size_t n_fdb, const struct nft_bind *addrs, size_t n_addrs,
		     const struct nft_bind *prev, size_t n_prev, struct nft_bind **out,
		     size_t *n_out)
{
	long added = 0;

	for (size_t a = 0; a < n_addrs; a++) {
		uint32_t port = 0;
		struct nft_bind *o;

		/* the port it had, if still there; else where it was learned */
		for (size_t p = binding_first_mac(prev, sizeof(*prev), n_prev, addrs[a].mac);
		     p < n_prev && !port && !memcmp(prev[p].mac, addrs[a].mac, 6); p++)
			port = port_of(ports, n_ports, prev[p].ifindex);
		for (size_t f = binding_first_mac(fdb, sizeof(*fdb), n_fdb, addrs[a].mac);
		     f < n_fdb && !port && !memcmp(fdb[f].mac, addrs[a].mac, 6); f++)
			port = port_of(ports, n_ports, fdb[f].ifindex);
		if (!port)
			continue;
		if (!(o = realloc(*out, (*n_out + 1) * sizeof(*o))))
			return -ENOMEM;
		*out = o;
		o[*n_out] = addrs[a];
		o[*n_out].ifindex = port;
		(*n_out)++;
		added++;
	}
	return added;
}

/* The MACs among addrs (leases, static hosts) that got no binding: their
 * guest has not shown itself on a port yet. A guest that sets a static
 * host's address by hand sends no DHCP; the first frame the bridge learns
 * its MAC from must wake a sync (binding6.c's on_neigh). */
long waiting_add(struct binding_fdb **w, size_t *n, uint32_t net, const struct nft_bind *addrs,
		 size_t n_addrs, const struct nft_bind *bound, size_t n_bound)
{
	/* binding_compute() bound a subsequence of addrs, in their order
	 * (and a MAC's addresses all or none): one walk, not n^2 -- a /16's
	 * leases are 65,000 */
	for (size_t a = 0, k = 0; a < n_addrs; a++) {
		struct binding_fdb *v;

		if (k < n_bound && !memcmp(bound[k].mac, addrs[a].mac, 6)) {
			k++;
			continue;
		}
		if (!(v = realloc(*w, (*n + 1) * sizeof(*v))))
			return -ENOMEM;
		*w = v;
		v[*n].ifindex = net;
		memcpy(v[(*n)++].mac, addrs[a].mac, 6);
	}
	return 0;
}

/* The bindings in force on these ports, appended to *out as they are. */
long binds_keep(const struct nft_bind *v, size_t n, const uint32_t *ports, size_t np,
		struct nft_bind **out, size_t *n_out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < np; p++) {
			struct nft_bind *o;

			if (v[i].ifindex != ports[p])
				continue;
			if (!(o = realloc(*out, (*n_out + 1) * sizeof(*o))))
				return -ENOMEM;
			*out = o;
			o[(*n_out)++] = v[i];
			break;
		}
	return 0;
}

struct nft_elem *binding_port_elems(const struct gw_binding *b, const struct gw_conf *conf,
				    size_t *n, uint32_t **ifindex)
{
	struct nft_elem *e;

	*n = 0;
	if (ifindex)
		*ifindex = NULL;
	if (!b || !b->n_ports || !(e = calloc(b->n_ports, sizeof(*e))))
		return NULL;
	if (ifindex && !(*ifindex = calloc(b->n_ports, sizeof(**ifindex)))) {
		free(e);
		return NULL;
	}
	for (size_t p = 0; p < b->n_ports; p++) {
		if (b->ports[p].net >= conf->n_networks)
			continue;
		if (ifindex)
			(*ifindex)[*n] = b->ports[p].ifindex;
		memcpy(e[*n].key.ifname, b->ports[p].name, IFNAMSIZ);
		nft_bind_chain_name(conf->networks[b->ports[p].net].name, e[(*n)++].chain,
				    NFT_NAME_MAX);
	}
	return e;
}

void binding_fast_in_force(const struct gw_binding *b, struct nft_update *u)
{
	bool v = b && b->in_force_valid;

	u->bind4 = v ? b->in_force.v[1] : NULL;
	u->n_bind4 = v ? b->in_force.n[1] : 0;
	u->bind6 = v ? b->in_force.v[4] : NULL;
	u->n_bind6 = v ? b->in_force.n[4] : 0;
	u->bind_fast = v;
}
