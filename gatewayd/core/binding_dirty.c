/* Guest binding's dirty set (issue 17): a sync recomputes only the
 * networks whose inputs changed, so that a lease written, a port plugged
 * or a neighbour seen on one network costs the same at 1,000 networks as
 * at 1. What marks a network (binding.c, binding6.c): its lease file
 * written (inotify names it: binding_lease_net()), its guest ports or
 * bridge changed (binding_ports_dirty(), from the host as the watch read
 * it), a neighbour event on its bridge for an address nobody holds, the
 * bridge learning a MAC it has an address for but no binding yet, one of
 * its leases running out; all of them at start, on reload and when
 * events were lost. The others' bindings are kept exactly as in force
 * (binds_keep_clean()): kept, never widened -- a network's bindings can
 * only change through its own recompute. */
#include "gatewayd/core/binding_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

long binding_lease_net(const struct gw_conf *conf, const char *file)
{
	size_t len = strlen(file);

	if (len <= 7 || strcmp(file + len - 7, ".leases"))
		return -1;
	for (size_t i = 0; i < conf->n_networks; i++)
		if (strlen(conf->networks[i].name) == len - 7 &&
		    !memcmp(conf->networks[i].name, file, len - 7))
			return (long)i;
	return -1;
}

static int port_cmp(const void *a, const void *b)
{
	const struct bport *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strncmp(x->name, y->name, IFNAMSIZ);
}

int binding_ports_dirty(const struct bport *old, size_t n_old, const struct bport *new,
			size_t n_new, bool *dirty, size_t n_nets)
{
	struct bport *a = malloc((n_old + 1) * sizeof(*a)), *b = malloc((n_new + 1) * sizeof(*b));
	size_t i = 0, k = 0;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	if (n_old)
		memcpy(a, old, n_old * sizeof(*a));
	if (n_new)
		memcpy(b, new, n_new * sizeof(*b));
	qsort(a, n_old, sizeof(*a), port_cmp);
	qsort(b, n_new, sizeof(*b), port_cmp);
	/* one walk of both, by (network, ifindex, name): a port on one side
	 * only marks its network */
	while (i < n_old || k < n_new) {
		int c = i == n_old ? 1 : k == n_new ? -1 : port_cmp(&a[i], &b[k]);
		size_t net = c < 0 ? a[i].net : b[k].net;

		if (c && net < n_nets)
			dirty[net] = true;
		i += c <= 0;
		k += c >= 0;
	}
	free(a);
	free(b);
	return 0;
}

/* ports[]'s network of ifindex (sorted by ifindex), or n_nets */
static size_t net_of(const struct bport *v, size_t n, uint32_t ifindex, size_t n_nets)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].ifindex == ifindex ? v[lo].net : n_nets;
}

static int ifindex_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct bport *)a)->ifindex, y = ((const struct bport *)b)->ifindex;

	return x < y ? -1 : x > y;
}

long binds_keep_clean(const struct nft_bind *v, size_t n, const struct bport *ports, size_t n_ports,
		      const bool *dirty, const uint32_t *tags, size_t n_nets, struct nft_bind **out,
		      size_t *n_out)
{
	struct bport *p = malloc((n_ports + 1) * sizeof(*p));
	struct nft_bind *o;
	long kept = 0;

	if (!p)
		return -ENOMEM;
	if (n_ports)
		memcpy(p, ports, n_ports * sizeof(*p));
	qsort(p, n_ports, sizeof(*p), ifindex_cmp);
	if (!(o = realloc(*out, (*n_out + n + 1) * sizeof(*o)))) {
		free(p);
		return -ENOMEM;
	}
	*out = o;
	for (size_t i = 0; i < n; i++) {
		size_t net = net_of(p, n_ports, v[i].ifindex, n_nets);

		/* on a port of a clean network: as it is (its tag: the
		 * network's, also for those read from the state file) */
		if (net >= n_nets || dirty[net])
			continue;
		o[*n_out] = v[i];
		o[(*n_out)++].tag = tags[net];
		kept++;
	}
	free(p);
	return kept;
}

static int bind_cmp(const void *a, const void *b)
{
	const struct nft_bind *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);

	if (c)
		return c;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->has4 != y->has4)
		return x->has4 ? -1 : 1;
	if (x->has4 && (c = memcmp(&x->a4, &y->a4, sizeof(x->a4))))
		return c;
	if (x->has6 != y->has6)
		return x->has6 ? -1 : 1;
	if (x->has6 && (c = memcmp(&x->a6, &y->a6, 16)))
		return c;
	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

void binds_order(struct nft_bind *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), bind_cmp);
}
