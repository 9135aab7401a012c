/* Host checks: overlap of subnets with what the host already has, guest
 * ports, and auto subnets. Pure functions over struct host_facts. */
#include "gatewayd/host/hostcheck.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

bool hostcheck_test_port_name(const char *kind, const char *name)
{
	size_t n = sizeof(GW_TEST_PORT_PREFIX) - 1;

	if (strcmp(kind, "veth") || strncmp(name, GW_TEST_PORT_PREFIX, n) || strlen(name) != n + 6)
		return false;
	for (size_t i = n; name[i]; i++)
		if (!isxdigit((unsigned char)name[i]))
			return false;
	return true;
}

bool hostcheck_test_port_left(const struct host_facts *f, const struct host_link *l)
{
	const struct host_link *peer;
	char want[IFNAMSIZ + 1];

	if (!hostcheck_test_port_name(l->kind, l->name) || l->peer <= 0 ||
	    !(peer = host_link_by_index(f, l->peer)))
		return false;
	snprintf(want, sizeof(want), "%sp", l->name);
	return !strcmp(peer->name, want) && !peer->master;
}

int hostcheck_test_port_add(struct hostcheck_own *own, int ifindex)
{
	for (size_t i = 0; i < GW_TEST_PORTS_MAX; i++)
		if (!own->test_ports[i]) {
			own->test_ports[i] = ifindex;
			return 0;
		}
	return -ENOSPC;
}

void hostcheck_test_port_del(struct hostcheck_own *own, int ifindex)
{
	for (size_t i = 0; i < GW_TEST_PORTS_MAX; i++)
		if (own->test_ports[i] == ifindex)
			own->test_ports[i] = 0;
}

bool hostcheck_test_port(const struct hostcheck_own *own, int ifindex)
{
	for (size_t i = 0; own && ifindex > 0 && i < GW_TEST_PORTS_MAX; i++)
		if (own->test_ports[i] == ifindex)
			return true;
	return false;
}

bool hostcheck_guest_port(const struct hostcheck_own *own, const struct gw_network *net,
			  int ifindex, const char *kind, const char *name)
{
	if (strcmp(kind, "tun") && strcmp(kind, "veth"))
		return false;
	if (net->n_guest_ports == 0 || hostcheck_test_port(own, ifindex) ||
	    (own && own->fn && own->fn(net->name, name, own->arg)))
		return true;
	for (size_t i = 0; i < net->n_guest_ports; i++)
		if (fnmatch(net->guest_ports[i], name, 0) == 0)
			return true;
	return false;
}

/* A veth whose peer, in this namespace, is a port of another bridge: it
 * patches our bridge into that one (a LAN, a container network), and
 * whatever is there would get our leases and RAs. Foreign, unless
 * guest_ports names it: then the admin said so. */
static bool patches_bridge(const struct hostcheck_own *own, const struct gw_network *net,
			   const struct host_link *l, const struct host_facts *f, int br)
{
	const struct host_link *peer;

	if (strcmp(l->kind, "veth") || l->peer <= 0 || hostcheck_test_port(own, l->ifindex) ||
	    !(peer = host_link_by_index(f, l->peer)) || !peer->master || peer->master == br)
		return false;
	for (size_t i = 0; i < net->n_guest_ports; i++)
		if (fnmatch(net->guest_ports[i], l->name, 0) == 0)
			return false;
	return true;
}

bool hostcheck_foreign_link(const struct hostcheck_own *own, const struct gw_network *net,
			    const struct host_facts *f, const struct host_link *l, int br)
{
	return !hostcheck_guest_port(own, net, l->ifindex, l->kind, l->name) ||
	       patches_bridge(own, net, l, f, br);
}

size_t hostcheck_foreign_ports(const struct hostcheck_own *own, const struct gw_network *net,
			       const struct host_facts *f, const struct host_link **out, size_t max)
{
	const struct host_link *br = host_link_by_name(f, net->bridge);
	size_t n = 0;

	for (size_t i = 0; br && i < f->n_links; i++)
		if (f->links[i].master == br->ifindex &&
		    hostcheck_foreign_link(own, net, f, &f->links[i], br->ifindex)) {
			if (n < max)
				out[n] = &f->links[i];
			n++;
		}
	return n;
}

const struct host_link *hostcheck_foreign_port(const struct hostcheck_own *own,
					       const struct gw_network *net,
					       const struct host_facts *f)
{
	const struct host_link *first;

	return hostcheck_foreign_ports(own, net, f, &first, 1) ? first : NULL;
}

/* Same prefix up to the shorter of the two lengths? */
static bool prefix_overlap(const uint8_t *a, unsigned alen, const uint8_t *b, unsigned blen)
{
	unsigned plen = alen < blen ? alen : blen, i;

	for (i = 0; i + 8 <= plen; i += 8)
		if (a[i / 8] != b[i / 8])
			return false;
	if (i < plen) {
		uint8_t m = (uint8_t)(0xff << (8 - (plen - i)));
		if ((a[i / 8] & m) != (b[i / 8] & m))
			return false;
	}
	return true;
}

bool hostcheck_overlaps(const struct gw_network *net, int family, const uint8_t *a, unsigned plen)
{
	if (family == AF_INET)
		return prefix_overlap((const uint8_t *)&net->ipv4.addr, net->ipv4.plen, a, plen);
	return family == AF_INET6 && net->has_ipv6 &&
	       prefix_overlap(net->ipv6.addr.s6_addr, net->ipv6.plen, a, plen);
}

/* Interfaces of the config's own bridges are ours: their addresses and
 * connected routes are what gatewayd itself put there. */
static bool bridge_in(const struct gw_conf *conf, const char *name)
{
	for (size_t i = 0; conf && i < conf->n_networks; i++)
		if (!strcmp(conf->networks[i].bridge, name))
			return true;
	return false;
}

static bool is_our_bridge(const struct gw_conf *conf, const struct gw_conf *also,
			  const struct host_facts *f, int ifindex)
{
	const struct host_link *l = host_link_by_index(f, ifindex);

	return l && (bridge_in(conf, l->name) || bridge_in(also, l->name));
}

static const char *ifname_of(const struct host_facts *f, int ifindex)
{
	const struct host_link *l = host_link_by_index(f, ifindex);
	return l ? l->name : "?";
}

static bool ignored_route(const struct host_route *r)
{
	if (r->plen == 0)
		return true; /* default routes: everything overlaps them */
	if (r->family == AF_INET6 &&
	    (r->dst[0] == 0xff || (r->dst[0] == 0xfe && (r->dst[1] & 0xc0) == 0x80)))
		return true; /* multicast, link-local */
	return false;
}

static bool ignored_addr(const struct host_addr *a)
{
	if (a->family == AF_INET)
		return a->addr[0] == 127;
	return (a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80) ||
	       !memcmp(a->addr, &in6addr_loopback, 16);
}

/* One subnet (family, bytes, plen) against the host. */
/* own: the ifindex of the network's own bridge (0: none yet): what is on
 * it is the network's own, told apart without a walk. */
static bool collides(const struct gw_conf *conf, const struct gw_conf *also,
		     const struct host_facts *f, int own, int family, const uint8_t *net,
		     unsigned plen, char *msg, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < f->n_addrs; i++) {
		const struct host_addr *x = &f->addrs[i];

		/* the cheap test first: is_our_bridge() walks links and networks */
		if (x->family != family || ignored_addr(x) || (own && x->ifindex == own) ||
		    !prefix_overlap(net, plen, x->addr, x->plen) ||
		    is_our_bridge(conf, also, f, x->ifindex))
			continue;
		inet_ntop(family, x->addr, a, sizeof(a));
		snprintf(msg, len, "address %s/%u on %s", a, x->plen, ifname_of(f, x->ifindex));
		return true;
	}
	for (size_t i = 0; i < f->n_routes; i++) {
		const struct host_route *r = &f->routes[i];

		if (r->family != family || ignored_route(r) || (own && r->ifindex == own) ||
		    !prefix_overlap(net, plen, r->dst, r->plen) ||
		    (r->ifindex && is_our_bridge(conf, also, f, r->ifindex)))
			continue;
		inet_ntop(family, r->dst, a, sizeof(a));
		if (r->ifindex)
			snprintf(msg, len, "route %s/%u dev %s", a, r->plen,
				 ifname_of(f, r->ifindex));
		else
			snprintf(msg, len, "route %s/%u", a, r->plen);
		return true;
	}
	return false;
}

bool hostcheck_collides(const struct gw_conf *conf, const struct gw_network *net,
			const struct host_facts *f, char *msg, size_t len)
{
	return hostcheck_collides_also(conf, NULL, net, f, msg, len);
}

bool hostcheck_collides_also(const struct gw_conf *conf, const struct gw_conf *also,
			     const struct gw_network *net, const struct host_facts *f, char *msg,
			     size_t len)
{
	char what[128], subnet[INET6_ADDRSTRLEN + 8];
	struct in_addr n4 = addr_net4(net->ipv4.addr, net->ipv4.plen);
	struct in6_addr n6;
	const struct host_link *br = host_link_by_name(f, net->bridge);
	int own = br ? br->ifindex : 0;

	if (collides(conf, also, f, own, AF_INET, (const uint8_t *)&n4, net->ipv4.plen, what,
		     sizeof(what))) {
		addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
		snprintf(msg, len, "network \"%s\": subnet %s overlaps %s", net->name, subnet,
			 what);
		return true;
	}
	if (!net->has_ipv6)
		return false;
	n6 = addr_net6(&net->ipv6.addr, net->ipv6.plen);
	if (collides(conf, also, f, own, AF_INET6, n6.s6_addr, net->ipv6.plen, what,
		     sizeof(what))) {
		addr_format_net6(&net->ipv6.addr, net->ipv6.plen, subnet, sizeof(subnet));
		snprintf(msg, len, "network \"%s\": subnet %s overlaps %s", net->name, subnet,
			 what);
		return true;
	}
	return false;
}

/* Other networks of the config that already have a subnet. */
static bool overlaps_other(const struct gw_conf *conf, const struct gw_network *net, int family,
			   const uint8_t *subnet, unsigned plen)
{
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *o = &conf->networks[i];

		if (o == net)
			continue;
		if (family == AF_INET && o->ipv4.addr.s_addr &&
		    prefix_overlap(subnet, plen, (const uint8_t *)&o->ipv4.addr, o->ipv4.plen))
			return true;
		if (family == AF_INET6 && o->has_ipv6 && !IN6_IS_ADDR_UNSPECIFIED(&o->ipv6.addr) &&
		    prefix_overlap(subnet, plen, o->ipv6.addr.s6_addr, o->ipv6.plen))
			return true;
	}
	return false;
}

bool hostcheck_free4(const struct gw_conf *conf, const struct gw_network *net,
		     const struct host_facts *f, struct in_addr subnet, unsigned plen)
{
	char msg[8];

	return !overlaps_other(conf, net, AF_INET, (const uint8_t *)&subnet, plen) &&
	       !collides(conf, NULL, f, 0, AF_INET, (const uint8_t *)&subnet, plen, msg,
			 sizeof(msg));
}

bool hostcheck_free6(const struct gw_conf *conf, const struct gw_network *net,
		     const struct host_facts *f, const struct in6_addr *subnet, unsigned plen)
{
	char msg[8];

	return !overlaps_other(conf, net, AF_INET6, subnet->s6_addr, plen) &&
	       !collides(conf, NULL, f, 0, AF_INET6, subnet->s6_addr, plen, msg, sizeof(msg));
}

static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

int hostcheck_pick4(const struct gw_conf *conf, const struct gw_network *net,
		    const struct host_facts *f, struct in_addr *subnet)
{
	uint32_t h = name_hash(net->name);

	if (conf->pools.has4) {
		/* the pool's /24s, from a place the name gives */
		uint32_t base = ntohl(conf->pools.net4.s_addr), n = 1u << (24 - conf->pools.plen4);

		for (uint32_t i = 0; i < n; i++) {
			subnet->s_addr = htonl(base + (((h + i) % n) << 8));
			if (hostcheck_free4(conf, net, f, *subnet, 24))
				return 0;
		}
		return -ENOSPC;
	}
	/* 10.0.0.0/8 holds 65536 /24s; skip 10.0.x.0 (often a home LAN). */
	for (uint32_t i = 0; i < 65536; i++) {
		uint32_t k = (h + i) & 0xffff;

		if (k < 256)
			continue;
		subnet->s_addr = htonl(0x0a000000u | (k << 8));
		if (hostcheck_free4(conf, net, f, *subnet, 24))
			return 0;
	}
	return -ENOSPC;
}

int hostcheck_pick6(const struct gw_conf *conf, const struct gw_network *net,
		    const struct host_facts *f, struct in6_addr *subnet)
{
	uint32_t h = name_hash(net->name);
	unsigned bits = 64 - conf->pools.plen6;
	/* a /48 holds 65536 /64s; a larger pool is searched in its first
	 * 2^20 of them (the name still spreads the start) */
	uint64_t n = bits >= 20 ? (1u << 20) : (1ull << bits);

	if (!conf->pools.has6)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = (h + i) % n, hi = 0;

		memcpy(subnet, &conf->pools.net6, sizeof(*subnet));
		for (int b = 0; b < 8; b++)
			hi = hi << 8 | subnet->s6_addr[b];
		hi |= k;
		for (int b = 7; b >= 0; b--, hi >>= 8)
			subnet->s6_addr[b] = (uint8_t)hi;
		memset(subnet->s6_addr + 8, 0, 8);
		if (hostcheck_free6(conf, net, f, subnet, 64))
			return 0;
	}
	return -ENOSPC;
}

bool hostcheck_ra_routes(const struct host_facts *f, const char *ifname)
{
	const struct host_link *l = host_link_by_name(f, ifname);

	if (!l)
		return false;
	for (size_t i = 0; i < f->n_routes; i++)
		if (f->routes[i].family == AF_INET6 && f->routes[i].ifindex == l->ifindex &&
		    f->routes[i].protocol == RTPROT_RA)
			return true;
	return false;
}
