/* Guest binding for IPv6 (the rules: nft/binding.c). Addresses come from
 * SLAAC and privacy extensions more than from leases, so nothing says in
 * advance which guest may use which: the first guest the host's
 * neighbour table shows using an address in its network's prefix holds
 * it (first come, first served, as RFC 6620's FCFS SAVI), for as long as
 * its port stays. The table fills only from a guest's own frames, which
 * the rules let through while nobody holds the address. Static hosts'
 * IPv6 addresses and the bridge's own are held from the start. Neighbour
 * events that name an address nobody holds wake the sync. */
#include "gatewayd/core/binding_int.h"
#include "gatewayd/core/ctx.h"
#include "conf/addr.h"
#include "gatewayd/host/neigh.h"
#include "lib/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- the neighbour table: IPv6 addresses guests use --------------------- */

/* What the neighbour table shows guests using (host/neigh.c). */
int neigh_read(struct gw_binding *b, struct neigh_list *d)
{
	struct host_neigh6 *v = NULL;
	size_t n = 0;
	int r = host_neigh6_read(b->ctx->rtnl, &v, &n);

	if (r == 0 && !(d->v = calloc(n + 1, sizeof(*d->v))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		d->v[i].ifindex = (uint32_t)v[i].ifindex;
		memcpy(d->v[i].mac, v[i].mac, 6);
		d->v[i].a6 = v[i].a6;
	}
	d->n = r == 0 ? n : 0;
	free(v);
	return r;
}

/* a6 is one a guest of network i may come to hold: in its prefix, not
 * the gateway's. */
static bool guest_addr6(const struct gw_network *n, const struct in6_addr *a6)
{
	struct in6_addr x = addr_net6(a6, n->ipv6.plen), y = addr_net6(&n->ipv6.addr, n->ipv6.plen);

	return n->has_ipv6 && !memcmp(&x, &y, 16) && memcmp(a6, &n->ipv6.addr, 16);
}

static bool bound6(const struct nft_bind *v, size_t n, const struct in6_addr *a6)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].has6 && !memcmp(&v[i].a6, a6, 16))
			return true;
	return false;
}

void nets_free(struct gw_binding *b)
{
	for (size_t i = 0; i < b->n_nets; i++)
		free(b->nets[i].kept);
	free(b->nets);
	b->nets = NULL;
	b->n_nets = 0;
}

/* Each network's bridge, and the IPv6 addresses no guest may hold: the
 * bridge's own (the gateway's, link-local included) and the static
 * hosts' (their guest holds them through its binding). */
void nets_from(struct gw_binding *b, const struct gw_conf *conf, const struct host_facts *f)
{
	nets_free(b);
	if (!(b->nets = calloc(conf->n_networks + 1, sizeof(*b->nets))))
		return;
	b->n_nets = conf->n_networks;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];
		const struct host_link *br = host_link_by_name(f, n->bridge);
		struct bnet *bn = &b->nets[i];

		size_t n6 = 0;

		bn->bridge = br ? (uint32_t)br->ifindex : 0;
		/* counted first: room for every host address in each network
		 * was quadratic (500 networks: 8 MB) */
		for (size_t k = 0; br && k < f->n_addrs; k++)
			n6 += f->addrs[k].ifindex == br->ifindex && f->addrs[k].family == AF_INET6;
		if (!(bn->kept = calloc(n->hosts.n + n6 + 1, sizeof(*bn->kept))))
			continue;
		for (size_t k = 0; br && k < f->n_addrs; k++)
			if (f->addrs[k].ifindex == br->ifindex && f->addrs[k].family == AF_INET6)
				memcpy(&bn->kept[bn->n_kept++], f->addrs[k].addr, 16);
		for (size_t k = 0; k < n->hosts.n; k++)
			if (n->hosts.v[k].has_ipv6)
				bn->kept[bn->n_kept++] = n->hosts.v[k].ipv6;
	}
}

/* Network i's IPv6 bindings, appended to *binds: static hosts first,
 * then what its guests held already, then addresses the neighbour table
 * shows in use that nobody holds; each address to one guest. */
/* The table shows guest v (its MAC) using its address on bridge. */
static bool in_table(const struct neigh_list *nb, uint32_t bridge, const struct nft_bind *v)
{
	for (size_t e = 0; e < nb->n; e++)
		if (nb->v[e].ifindex == bridge && !memcmp(nb->v[e].mac, v->mac, 6) &&
		    !memcmp(&nb->v[e].a6, &v->a6, 16))
			return true;
	return false;
}

/* The last of v[0..n) takes its port over BINDING6_PER_PORT addresses. */
static bool port_full(const struct nft_bind *v, size_t n)
{
	size_t held = 0;

	for (size_t k = 0; k + 1 < n; k++)
		held += v[k].has6 && v[k].ifindex == v[n - 1].ifindex;
	return held >= BINDING6_PER_PORT;
}

/* The SLAAC address (EUI-64) a MAC takes in a /64: predictable from the
 * MAC, which another guest may know (qemu-args derives MACs from VM
 * names; the bridge floods them), and so could take first. */
static struct in6_addr eui64(const struct gw_network *n, const uint8_t mac[6])
{
	struct in6_addr a = addr_net6(&n->ipv6.addr, 64);

	a.s6_addr[8] = mac[0] ^ 0x02;
	a.s6_addr[9] = mac[1];
	a.s6_addr[10] = mac[2];
	a.s6_addr[11] = 0xff;
	a.s6_addr[12] = 0xfe;
	a.s6_addr[13] = mac[3];
	a.s6_addr[14] = mac[4];
	a.s6_addr[15] = mac[5];
	return a;
}

long net_addrs6(struct gw_binding *b, size_t i, const uint32_t *idx, size_t np,
		const struct fdb_dump *fdb, const struct neigh_list *nb, const struct nft_bind *v4,
		size_t n_v4, struct nft_bind **binds, size_t *n_binds)
{
	const struct gw_network *n = &b->ctx->conf->networks[i];
	size_t first = *n_binds, n_cand = 0;
	struct nft_bind *cand;
	long k = 0;

	if (!n->has_ipv6 || i >= b->n_nets)
		return 0;
	if (!(cand = calloc(n->hosts.n + n_v4 + b->n_binds + nb->n + 1, sizeof(*cand))))
		return -ENOMEM;
	for (size_t h = 0; h < n->hosts.n; h++)
		if (n->hosts.v[h].has_mac && n->hosts.v[h].has_ipv6) {
			memcpy(cand[n_cand].mac, n->hosts.v[h].mac, 6);
			cand[n_cand].a6 = n->hosts.v[h].ipv6;
			cand[n_cand++].has6 = true;
		}
	/* a guest with a lease or a static host: its SLAAC address, before
	 * anyone else who took it first */
	for (size_t a = 0; n->ipv6.plen == 64 && a < n_v4; a++) {
		memcpy(cand[n_cand].mac, v4[a].mac, 6);
		cand[n_cand].a6 = eui64(n, v4[a].mac);
		cand[n_cand++].has6 = true;
	}
	/* held ones the table still shows, new ones, then held ones it
	 * forgot: those go first when a port is over BINDING6_PER_PORT */
	for (int stale = 0; stale < 2; stale++) {
		for (size_t p = 0; p < b->n_binds; p++)
			if (b->binds[p].has6 && guest_addr6(n, &b->binds[p].a6) &&
			    in_table(nb, b->nets[i].bridge, &b->binds[p]) != stale)
				cand[n_cand++] = b->binds[p];
		for (size_t e = 0; !stale && e < nb->n; e++)
			if (nb->v[e].ifindex == b->nets[i].bridge && guest_addr6(n, &nb->v[e].a6)) {
				memcpy(cand[n_cand].mac, nb->v[e].mac, 6);
				cand[n_cand].a6 = nb->v[e].a6;
				cand[n_cand++].has6 = true;
			}
	}
	for (size_t c = 0; c < n_cand && k >= 0; c++) {
		if (bound6(*binds + first, *n_binds - first, &cand[c].a6))
			continue;
		k = binding_compute(idx, np, fdb->v, fdb->n, &cand[c], 1, b->binds, b->n_binds,
				    binds, n_binds);
		if (k == 1 && port_full(*binds + first, *n_binds - first))
			(*n_binds)--; /* left unheld: it passes, unprotected */
	}
	free(cand);
	return k < 0 ? k : 0;
}

long kept_add(const struct gw_binding *b, size_t i, struct in6_addr **kept, size_t *n)
{
	struct in6_addr *v;

	if (i >= b->n_nets || !b->nets[i].n_kept)
		return 0;
	if (!(v = realloc(*kept, (*n + b->nets[i].n_kept) * sizeof(*v))))
		return -ENOMEM;
	memcpy(v + *n, b->nets[i].kept, b->nets[i].n_kept * sizeof(*v));
	*kept = v;
	*n += b->nets[i].n_kept;
	return 0;
}

/* The bridge learned (RTM_NEWNEIGH, AF_BRIDGE) a MAC that has an address
 * but no binding yet. */
static bool fdb_waiting(struct gw_binding *b, const struct nlmsghdr *nlh)
{
	struct host_fdb e;

	return b->n_waiting && rtnl_msg_parse_fdb(nlh, &e) && binding_waiting(b, e.mac);
}

struct neigh_seen {
	struct gw_binding *b;
	bool news;
};

static int neigh_event(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_seen *ns = data;
	const struct gw_conf *conf = ns->b->ctx->conf;
	struct host_neigh6 x;

	if (!conf)
		return 0;
	if (fdb_waiting(ns->b, nlh)) { /* marks the networks waiting for it */
		ns->news = true;
		return 0;
	}
	if (!rtnl_msg_parse_neigh6(nlh, &x))
		return 0;
	for (size_t i = 0; i < ns->b->n_nets && i < conf->n_networks; i++)
		if ((uint32_t)x.ifindex == ns->b->nets[i].bridge &&
		    conf->networks[i].guest_binding && guest_addr6(&conf->networks[i], &x.a6) &&
		    !bound6(ns->b->binds, ns->b->n_binds, &x.a6)) {
			binding_dirty(ns->b, i);
			ns->news = true;
		}
	return 0;
}

/* A guest started to use an IPv6 address nobody holds (or events were
 * lost): bind it. Neighbour events for addresses already held -- the
 * table's entries going stale and fresh again -- cost nothing more. */
void on_neigh(int fd, uint32_t events, void *arg)
{
	struct neigh_seen ns = { arg, false };
	int r;

	(void)fd;
	(void)events;
	r = nl_monitor_drain(ns.b->mon, neigh_event, &ns);
	if (r == NL_LOST) {
		log_info("guest binding: neighbour events lost; reading the table again");
		binding_dirty(ns.b, SIZE_MAX); /* every network's */
	}
	if (ns.news || r == NL_LOST)
		binding_settle(ns.b, binding_pace(ns.b));
}
