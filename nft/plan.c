/* Ruleset planning: config -> struct nft_plan. Pure.
 *
 * Everything lives in one table, inet gatewayd, with three base chains that
 * all default to accept: the table only ever *adds* restrictions for the
 * traffic of its own bridges, so it cannot break unrelated host traffic.
 *
 * br_netfilter: frames bridged between two guests of one bridge also pass
 * the inet forward hook. Measured on this kernel, nft sees them with the
 * bridge device itself as both iifname and oifname (br_netfilter hands the
 * hook the bridge as the "logical" device), so the first forward rule of
 * every network accepts iifname B oifname B before any anti-spoofing rule
 * can see them: DHCP discovers from 0.0.0.0 and IPv6 neighbour discovery
 * from link-local addresses cross the bridge untouched. Should a kernel
 * report the ports instead, no rule here matches them and the chain's
 * accept policy lets them through; with br_netfilter off they never reach
 * this hook at all. */
#include "plan.h"
#include "conf/addr.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct nft_chain_desc base_chains[NC_BASE_COUNT] = {
	[NC_POSTROUTING] = { NFPROTO_INET, "postrouting", "nat", NF_INET_POST_ROUTING, 100 },
	[NC_INPUT] = { NFPROTO_INET, "input", "filter", NF_INET_LOCAL_IN, 0 },
	[NC_FORWARD] = { NFPROTO_INET, "forward", "filter", NF_INET_FORWARD, 0 },
	[NC_BR_OUTPUT] = { NFPROTO_BRIDGE, "output", "filter", NF_BR_LOCAL_OUT, 0 },
	[NC_BR_FORWARD] = { NFPROTO_BRIDGE, "forward", "filter", NF_BR_FORWARD, 0 },
};

const uint8_t nft_families[NFT_FAMILIES] = { NFPROTO_INET, NFPROTO_BRIDGE };

const char *nft_family_name(uint8_t family)
{
	switch (family) {
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_INET: return "inet";
	}
	return "?";
}

/* Interface-name matches: nft's words and the meta key they load, for the
 * printer and the bytecode builder alike. */
const struct nft_ifname_key nft_ifname_keys[] = {
	[NM_IIFNAME] = { "iifname", NFT_META_IIFNAME },
	[NM_OIFNAME] = { "oifname", NFT_META_OIFNAME },
	[NM_IBRNAME] = { "meta ibrname", NFT_META_BRI_IIFNAME },
	[NM_OBRNAME] = { "meta obrname", NFT_META_BRI_OIFNAME },
	[NM_OIFKIND] = { "meta oifkind", NFT_META_OIFKIND },
};

const struct nft_key_name nft_key_names[] = {
	[NK_IIFNAME] = { "iifname", "ifname" },
	[NK_OIFNAME] = { "oifname", "ifname" },
	[NK_ETHER_SADDR] = { "ether saddr", "ether_addr" },
	[NK_IP_DADDR] = { "ip daddr", "ipv4_addr" },
	[NK_IP6_DADDR] = { "ip6 daddr", "ipv6_addr" },
	[NK_IBRNAME] = { "meta ibrname", "ifname" },
};

#define CT_EST_REL (NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))

struct rule_builder {
	struct nft_plan *plan;
	struct nft_rule_plan r;
};

static void rb_start(struct rule_builder *b, size_t chain)
{
	memset(&b->r, 0, sizeof(b->r));
	b->r.chain = chain;
}

static struct nft_match *rb_add(struct rule_builder *b, enum nft_match_kind kind, bool neq)
{
	struct nft_match *m = &b->r.m[b->r.n_matches++];

	m->kind = kind;
	m->neq = neq;
	return m;
}

static void rb_ifname(struct rule_builder *b, enum nft_match_kind kind, const char *name)
{
	snprintf(rb_add(b, kind, false)->u.ifname, IFNAMSIZ, "%s", name);
}

static void rb_net4(struct rule_builder *b, enum nft_match_kind kind, bool neq, struct in_addr a,
		    unsigned plen)
{
	struct nft_match *m = rb_add(b, kind, neq);

	m->u.p4.addr = a;
	m->u.p4.plen = plen;
}

static void rb_net6(struct rule_builder *b, enum nft_match_kind kind, bool neq,
		    const struct in6_addr *a, unsigned plen)
{
	struct nft_match *m = rb_add(b, kind, neq);

	m->u.p6.addr = *a;
	m->u.p6.plen = plen;
}

static int rb_jump(struct rule_builder *b, const char *counter, const char *target);

static int rb_end(struct rule_builder *b, const char *counter, enum nft_verdict v)
{
	struct nft_plan *p = b->plan;

	if (counter)
		snprintf(b->r.counter, sizeof(b->r.counter), "%s", counter);
	b->r.verdict = v;
	if (p->n_rules == p->cap_rules) {
		size_t cap = p->cap_rules ? 2 * p->cap_rules : 32;
		struct nft_rule_plan *n = realloc(p->rules, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->rules = n;
		p->cap_rules = cap;
	}
	p->rules[p->n_rules++] = b->r;
	return 0;
}

static int rb_jump(struct rule_builder *b, const char *counter, const char *target)
{
	snprintf(b->r.target, sizeof(b->r.target), "%s", target);
	return rb_end(b, counter, NV_JUMP);
}

static int rb_vmap(struct rule_builder *b, size_t chain, enum nft_key key, const char *map)
{
	rb_start(b, chain);
	b->r.vmap_key = key;
	snprintf(b->r.target, sizeof(b->r.target), "%s", map);
	return rb_end(b, NULL, NV_VMAP);
}

void nft_ports_chain_name(const struct gw_network *net, char *buf, size_t len)
{
	snprintf(buf, len, "ports_%s", net->name);
}

/* A verdict map; returns its index or -errno. */
static long plan_map(struct nft_plan *p, uint8_t family, const char *name, enum nft_key key,
		     bool dynamic)
{
	struct nft_set_plan *s = realloc(p->sets, (p->n_sets + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	p->sets = s;
	memset(&s[p->n_sets], 0, sizeof(*s));
	s[p->n_sets].family = family;
	snprintf(s[p->n_sets].name, NFT_NAME_MAX, "%s", name);
	s[p->n_sets].vmap = true;
	s[p->n_sets].dynamic = dynamic;
	s[p->n_sets].key = key;
	return (long)p->n_sets++;
}

/* Map element key -> jump chain; key points to as many bytes as the map's
 * key type has. */
static int plan_elem(struct nft_plan *p, size_t map, const void *key, size_t keylen,
		     const char *chain)
{
	struct nft_set_plan *s = &p->sets[map];
	struct nft_elem *e = realloc(s->elems, (s->n_elems + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	s->elems = e;
	memset(&e[s->n_elems], 0, sizeof(*e));
	memcpy(&e[s->n_elems].key, key, keylen);
	snprintf(e[s->n_elems].chain, NFT_NAME_MAX, "%s", chain);
	s->n_elems++;
	return 0;
}

/* A regular chain; returns its index or -errno. */
static long plan_chain(struct nft_plan *p, uint8_t family, const char *name)
{
	struct nft_chain_desc *c = realloc(p->chains, (p->n_chains + 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	p->chains = c;
	memset(&c[p->n_chains], 0, sizeof(*c));
	c[p->n_chains].family = family;
	snprintf(c[p->n_chains].name, NFT_NAME_MAX, "%s", name);
	return (long)p->n_chains++;
}

void nft_counter_name(char out[NFT_NAME_MAX], const char *what, const char *net)
{
	snprintf(out, NFT_NAME_MAX, "%s_%s", what, net);
}

static int plan_counter(struct nft_plan *p, uint8_t family, char *out, const char *what,
			const char *net)
{
	struct nft_counter *n = realloc(p->counters, (p->n_counters + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->counters = n;
	nft_counter_name(out, what, net);
	n[p->n_counters].family = family;
	memcpy(n[p->n_counters++].name, out, NFT_NAME_MAX);
	return 0;
}

/* The maps the base chains dispatch through, in this order in the plan. */
enum {
	MAP_NAT,     /* inet, iifname: postrouting -> nat_NET */
	MAP_SVC4,    /* inet, ip daddr of a gateway: input -> svc_NET */
	MAP_SVC6,    /* inet, ip6 daddr of a gateway: input -> svc_NET */
	MAP_IN,	     /* inet, iifname: input -> in_NET */
	MAP_FROM,    /* inet, iifname: forward -> from_NET */
	MAP_TO,	     /* inet, oifname: forward -> to_NET */
	MAP_OUT,     /* bridge, ether saddr (a bridge's MAC): output -> out_NET */
	MAP_PORTS,   /* bridge, iifname (a bridge port): forward -> ports_NET; run-time */
	MAP_BRIDGES, /* bridge, meta ibrname: forward -> ports_NET; bridge-meta form only */
	MAP_COUNT
};

/* key: the map's key type; lookup: what its dispatch rule looks up. */
static const struct {
	uint8_t family;
	const char *name;
	enum nft_key key, lookup;
	size_t base_chain;
} maps[MAP_COUNT] = {
	[MAP_NAT] = { NFPROTO_INET, "nat_nets", NK_IIFNAME, NK_IIFNAME, NC_POSTROUTING },
	[MAP_SVC4] = { NFPROTO_INET, "svc4_nets", NK_IP_DADDR, NK_IP_DADDR, NC_INPUT },
	[MAP_SVC6] = { NFPROTO_INET, "svc6_nets", NK_IP6_DADDR, NK_IP6_DADDR, NC_INPUT },
	[MAP_IN] = { NFPROTO_INET, "in_nets", NK_IIFNAME, NK_IIFNAME, NC_INPUT },
	[MAP_FROM] = { NFPROTO_INET, "from_nets", NK_IIFNAME, NK_IIFNAME, NC_FORWARD },
	[MAP_TO] = { NFPROTO_INET, "to_nets", NK_OIFNAME, NK_OIFNAME, NC_FORWARD },
	[MAP_OUT] = { NFPROTO_BRIDGE, "out_nets", NK_ETHER_SADDR, NK_ETHER_SADDR, NC_BR_OUTPUT },
	[MAP_PORTS] = { NFPROTO_BRIDGE, NFT_PORTS_MAP, NK_IIFNAME, NK_IIFNAME, NC_BR_FORWARD },
	[MAP_BRIDGES] = { NFPROTO_BRIDGE, NFT_BRIDGES_MAP, NK_IIFNAME, NK_IBRNAME, NC_BR_FORWARD },
};

/* One network's chains, made by plan_net_chains(). */
struct net_chains {
	size_t nat, svc, in, from, to, out, ports, guard;
};

static int plan_postrouting(struct rule_builder *b, size_t chain, const struct gw_network *n,
			    const char *up, const char *ctr)
{
	struct in_addr s4 = addr_net4(n->ipv4.addr, n->ipv4.plen);
	struct in_addr mc = { htonl(0xe0000000) }, bc = { htonl(0xffffffff) };
	int r;

	/* Multicast and broadcast are never NATed (as libvirt does). */
	rb_start(b, chain);
	rb_ifname(b, NM_OIFNAME, up);
	rb_net4(b, NM_SADDR4, false, s4, n->ipv4.plen);
	rb_net4(b, NM_DADDR4, false, mc, 4);
	if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
		return r;
	rb_start(b, chain);
	rb_ifname(b, NM_OIFNAME, up);
	rb_net4(b, NM_SADDR4, false, s4, n->ipv4.plen);
	rb_net4(b, NM_DADDR4, false, bc, 32);
	if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
		return r;
	rb_start(b, chain);
	rb_ifname(b, NM_OIFNAME, up);
	rb_net4(b, NM_SADDR4, false, s4, n->ipv4.plen);
	rb_net4(b, NM_DADDR4, true, s4, n->ipv4.plen);
	if ((r = rb_end(b, ctr, NV_MASQUERADE)) < 0)
		return r;
	if (n->has_ipv6) {
		/* A ULA prefix cannot leave the host unNATed (as Incus's
		 * ipv6.nat default): masquerade it too. */
		struct in6_addr s6 = addr_net6(&n->ipv6.addr, n->ipv6.plen);
		struct in6_addr mc6 = { .s6_addr = { 0xff } };

		rb_start(b, chain);
		rb_ifname(b, NM_OIFNAME, up);
		rb_net6(b, NM_SADDR6, false, &s6, n->ipv6.plen);
		rb_net6(b, NM_DADDR6, false, &mc6, 8);
		if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
			return r;
		rb_start(b, chain);
		rb_ifname(b, NM_OIFNAME, up);
		rb_net6(b, NM_SADDR6, false, &s6, n->ipv6.plen);
		rb_net6(b, NM_DADDR6, true, &s6, n->ipv6.plen);
		if ((r = rb_end(b, ctr, NV_MASQUERADE)) < 0)
			return r;
	}
	return 0;
}

/* from_NET: what came in on the bridge; to_NET: what goes out to it. */
static int plan_forward(struct rule_builder *b, const struct net_chains *c,
			const struct gw_network *n, const char *up, const char *spoof,
			const char *out, const char *in)
{
	struct in_addr s4 = addr_net4(n->ipv4.addr, n->ipv4.plen);
	int r;

	/* Guest <-> guest on the same bridge: bridged, not routed. */
	rb_start(b, c->from);
	rb_ifname(b, NM_OIFNAME, n->bridge);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;

	/* Anti-spoofing: routed guest packets must come from the subnet. */
	rb_start(b, c->from);
	rb_net4(b, NM_SADDR4, true, s4, n->ipv4.plen);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;
	rb_start(b, c->from);
	if (n->has_ipv6) {
		struct in6_addr s6 = addr_net6(&n->ipv6.addr, n->ipv6.plen);
		rb_net6(b, NM_SADDR6, true, &s6, n->ipv6.plen);
	} else {
		/* No IPv6 on this network: nothing of the guests' is routed. */
		rb_add(b, NM_NFPROTO, false)->u.proto = NFPROTO_IPV6;
	}
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;

	/* Guest -> uplink: allowed; anywhere else routed (other networks,
	 * other host links): not. */
	rb_start(b, c->from);
	rb_ifname(b, NM_OIFNAME, up);
	if ((r = rb_end(b, out, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, c->from);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;

	/* Replies back to guests; nothing unsolicited. */
	rb_start(b, c->to);
	rb_add(b, NM_CTSTATE, false)->u.ctmask = CT_EST_REL;
	if ((r = rb_end(b, in, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, c->to);
	return rb_end(b, NULL, NV_DROP);
}

static void rb_dport(struct rule_builder *b, uint8_t proto, uint16_t port)
{
	struct nft_match *m = rb_add(b, NM_DPORT, false);

	m->u.l4.proto = proto;
	m->u.l4.port = port;
}

/* svc_NET, reached by the destination address (one of the network's
 * gateway addresses), from any interface. The services dnsmasq runs for a
 * network (DNS, DHCP, DHCPv6) answer only what arrived on that network's
 * bridge. dnsmasq binds the bridge's addresses, and Linux delivers a packet
 * for a local address whichever interface it came in on: a LAN neighbour
 * routing the guest subnet to the host would otherwise have an open
 * resolver that also knows the guests' names; so would another network's
 * guests. Local processes (iifname lo) are outside too. */
static int plan_input_outside(struct rule_builder *b, size_t chain, const struct gw_network *n,
			      const char *ctr)
{
	static const struct {
		uint8_t proto;
		uint16_t port;
	} svc[] = {
		{ IPPROTO_UDP, 53 }, { IPPROTO_TCP, 53 }, { IPPROTO_UDP, 67 }, { IPPROTO_UDP, 547 }
	};
	int r;

	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		rb_start(b, chain);
		snprintf(rb_add(b, NM_IIFNAME, true)->u.ifname, IFNAMSIZ, "%s", n->bridge);
		rb_dport(b, svc[i].proto, svc[i].port);
		if ((r = rb_end(b, ctr, NV_DROP)) < 0)
			return r;
	}
	return 0;
}

static int plan_input_port(struct rule_builder *b, size_t chain, uint8_t proto, uint16_t port)
{
	rb_start(b, chain);
	if (port)
		rb_dport(b, proto, port);
	else
		rb_add(b, NM_L4PROTO, false)->u.proto = proto;
	return rb_end(b, NULL, NV_ACCEPT);
}

/* in_NET: what guests send to the host itself. */
static int plan_input(struct rule_builder *b, size_t chain, const struct gw_network *n,
		      const char *spoof)
{
	static const struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } }, any = { { { 0 } } },
				     dhcp6 = { .s6_addr = { 0xff, 0x02, [13] = 1, [15] = 2 } };
	struct in_addr s4 = addr_net4(n->ipv4.addr, n->ipv4.plen);
	int r;

	rb_start(b, chain);
	rb_add(b, NM_CTSTATE, false)->u.ctmask = CT_EST_REL;
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	/* DHCP first: a DISCOVER comes from 0.0.0.0. Only to the broadcast
	 * address or this network's gateway (renewals): not to any other
	 * address of the host, where another DHCP server may listen -- also
	 * with host_access. */
	for (int k = 0; k < 2; k++) {
		struct in_addr bc = { htonl(0xffffffff) };

		rb_start(b, chain);
		rb_net4(b, NM_DADDR4, false, k ? n->ipv4.addr : bc, 32);
		rb_dport(b, IPPROTO_UDP, 67);
		if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
			return r;
	}
	rb_start(b, chain);
	rb_dport(b, IPPROTO_UDP, 67);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;
	/* DHCPv6 likewise: to All_DHCP_Relay_Agents_and_Servers, the
	 * gateway, or the bridge's link-local address. */
	rb_start(b, chain);
	rb_net6(b, NM_DADDR6, true, &dhcp6, 128);
	if (n->has_ipv6)
		rb_net6(b, NM_DADDR6, true, &n->ipv6.addr, 128);
	rb_net6(b, NM_DADDR6, true, &ll, 10);
	rb_dport(b, IPPROTO_UDP, 547);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;
	/* Anti-spoofing towards the host: the subnet's sources only; for
	 * IPv6 also link-local (neighbour discovery, DHCPv6) and :: (DAD). */
	rb_start(b, chain);
	rb_net4(b, NM_SADDR4, true, s4, n->ipv4.plen);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;
	rb_start(b, chain);
	if (n->has_ipv6) {
		struct in6_addr s6 = addr_net6(&n->ipv6.addr, n->ipv6.plen);
		rb_net6(b, NM_SADDR6, true, &s6, n->ipv6.plen);
	}
	rb_net6(b, NM_SADDR6, true, &ll, 10);
	rb_net6(b, NM_SADDR6, true, &any, 128);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;
	if (!n->host_access) {
		/* Only this network's own gateway: another network's gateway
		 * address is the host too, and its dnsmasq knows that other
		 * customer's names. IPv6 also link-local and multicast (ND,
		 * RS, DHCPv6). */
		static const struct in6_addr mc = { .s6_addr = { 0xff } };

		rb_start(b, chain);
		rb_net4(b, NM_DADDR4, true, n->ipv4.addr, 32);
		if ((r = rb_end(b, NULL, NV_DROP)) < 0)
			return r;
		rb_start(b, chain);
		if (n->has_ipv6)
			rb_net6(b, NM_DADDR6, true, &n->ipv6.addr, 128);
		rb_net6(b, NM_DADDR6, true, &ll, 10);
		rb_net6(b, NM_DADDR6, true, &mc, 8);
		if ((r = rb_end(b, NULL, NV_DROP)) < 0)
			return r;
	}
	if ((r = plan_input_port(b, chain, IPPROTO_UDP, 53)) < 0 ||
	    (r = plan_input_port(b, chain, IPPROTO_TCP, 53)) < 0 ||
	    (r = plan_input_port(b, chain, IPPROTO_ICMP, 0)) < 0)
		return r;
	if (n->has_ipv6 && (r = plan_input_port(b, chain, IPPROTO_UDP, 547)) < 0)
		return r;
	if ((r = plan_input_port(b, chain, IPPROTO_ICMPV6, 0)) < 0)
		return r;
	if (n->host_access)
		return 0;
	rb_start(b, chain);
	return rb_end(b, NULL, NV_DROP);
}

/* What a DHCP/DHCPv6 server or an IPv6 router sends. */
static void rb_server_packet(struct rule_builder *b, int which)
{
	static const uint16_t ports[][2] = { { 67, 68 }, { 547, 546 } };
	struct nft_match *m;

	if (which == 2) {
		rb_add(b, NM_ICMP6TYPE, false)->u.proto = 134; /* nd-router-advert */
		return;
	}
	m = rb_add(b, NM_SPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = ports[which][0];
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = ports[which][1];
}

/* The kernel backstop, in the bridge family, where each port is seen.
 * Bridge meta expressions (meta ibrname/obrname: CONFIG_NFT_BRIDGE_META;
 * kernels without it refuse them with EOPNOTSUPP) are used in one place
 * only, and only where the kernel has them (nft_bridge_meta_supported()):
 * - output: our dnsmasq's DHCP/DHCPv6 replies and RAs leave the bridge
 *   with the bridge's own MAC, which gatewayd sets (addr_bridge_mac), and
 *   out_nets maps that MAC to out_NET. There they jump to guard_NET, which
 *   accepts tun/veth ports (matching guest_ports, if set) and drops the
 *   rest. Written as accepts of what is allowed, not drops of "oifkind !=
 *   tun": a physical NIC has no kind at all, and a meta oifkind match on
 *   it never matches, either way round. The bridge's MAC is in the plan,
 *   so this needs no daemon at run time, and is the same in both forms.
 * - forward: no DHCP/RA server frame may cross the bridge from port to
 *   port: not a rogue server in a guest towards its neighbours, not a
 *   LAN's server through a wrongly enslaved uplink towards the guests.
 *   ports_NET drops them. How a frame gets there is the one difference
 *   between the plan's two forms:
 *   - bridge-meta form (bridge_meta): "meta ibrname vmap @br_nets", keyed
 *     by the bridge the frame came in on. Every port of the bridge is
 *     covered by the kernel alone, also one plugged in while the daemon
 *     was stopped or frozen. port_nets stays in the table, unreferenced:
 *     the daemon's watch keeps filling it (a missing map would make every
 *     sync fail with ENOENT), and a second lookup of the same frame there
 *     would only cost time -- ibrname already names the port's bridge, and
 *     more truly than a port list that may lag behind.
 *   - port-set form: "iifname vmap @port_nets"; the daemon keeps that
 *     map's elements (port -> ports_NET) equal to the bridges' ports, so a
 *     port plugged in while it is stopped or frozen is not covered.
 *   One lookup per frame either way: flat in the number of networks.
 * Frames with a VLAN tag are not looked into. */
static int plan_backstop(struct rule_builder *b, const struct net_chains *c,
			 const struct gw_network *n, const char *guard)
{
	static const char *const kinds[] = { "tun", "veth" };
	int r;

	for (int which = 0; which < 3; which++) {
		rb_start(b, c->out);
		rb_server_packet(b, which);
		if ((r = rb_jump(b, NULL, guard)) < 0)
			return r;
		rb_start(b, c->ports);
		rb_server_packet(b, which);
		if ((r = rb_end(b, guard, NV_DROP)) < 0)
			return r;
	}
	if (n->n_guest_ports) {
		/* the doctor's test port (gatewayd/hostcheck.h), whatever the
		 * patterns say: its DHCP self-test must get our answer */
		rb_start(b, c->guard);
		rb_ifname(b, NM_OIFKIND, "veth");
		rb_ifname(b, NM_OIFNAME, "gwdt*");
		if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
			return r;
	}
	for (size_t k = 0; k < 2; k++) {
		size_t np = n->n_guest_ports ? n->n_guest_ports : 1;

		for (size_t p = 0; p < np; p++) {
			rb_start(b, c->guard);
			rb_ifname(b, NM_OIFKIND, kinds[k]);
			if (n->n_guest_ports)
				rb_ifname(b, NM_OIFNAME, n->guest_ports[p]);
			if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
				return r;
		}
	}
	rb_start(b, c->guard);
	return rb_end(b, guard, NV_DROP);
}

/* The network's chains, and its elements in the maps that lead there. */
static int plan_net_chains(struct nft_plan *p, const struct gw_network *n, bool bridge_meta,
			   struct net_chains *c)
{
	static const struct {
		uint8_t family;
		const char *prefix;
		size_t off, map;
	} tab[] = {
		{ NFPROTO_INET, "nat", offsetof(struct net_chains, nat), MAP_NAT },
		{ NFPROTO_INET, "svc", offsetof(struct net_chains, svc), MAP_SVC4 },
		{ NFPROTO_INET, "in", offsetof(struct net_chains, in), MAP_IN },
		{ NFPROTO_INET, "from", offsetof(struct net_chains, from), MAP_FROM },
		{ NFPROTO_INET, "to", offsetof(struct net_chains, to), MAP_TO },
		{ NFPROTO_BRIDGE, "out", offsetof(struct net_chains, out), MAP_OUT },
		{ NFPROTO_BRIDGE, "ports", offsetof(struct net_chains, ports), MAP_BRIDGES },
		{ NFPROTO_BRIDGE, "guard", offsetof(struct net_chains, guard), MAP_COUNT },
	};
	char name[NFT_NAME_MAX];
	uint8_t mac[6];
	int r = 0;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]) && r >= 0; i++) {
		long idx;

		snprintf(name, sizeof(name), "%s_%s", tab[i].prefix, n->name);
		if ((idx = plan_chain(p, tab[i].family, name)) < 0)
			return (int)idx;
		*(size_t *)((char *)c + tab[i].off) = (size_t)idx;
		switch (tab[i].map) {
		case MAP_COUNT: break;
		case MAP_SVC4:
			r = plan_elem(p, MAP_SVC4, &n->ipv4.addr, 4, name);
			if (r >= 0 && n->has_ipv6)
				r = plan_elem(p, MAP_SVC6, &n->ipv6.addr, 16, name);
			break;
		case MAP_OUT:
			addr_bridge_mac(n->name, mac);
			r = plan_elem(p, MAP_OUT, mac, 6, name);
			break;
		case MAP_BRIDGES:
			if (bridge_meta)
				r = plan_elem(p, MAP_BRIDGES, n->bridge, IFNAMSIZ, name);
			break;
		default: r = plan_elem(p, tab[i].map, n->bridge, IFNAMSIZ, name); break;
		}
	}
	return r;
}

int nft_plan_build(const struct gw_conf *conf, const char *const *uplinks, bool bridge_meta,
		   struct nft_plan *plan)
{
	struct rule_builder b = { .plan = plan };
	long nat_local = -1;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	plan->chains = malloc(sizeof(base_chains));
	if (!plan->chains)
		return -ENOMEM;
	memcpy(plan->chains, base_chains, sizeof(base_chains));
	plan->n_chains = NC_BASE_COUNT;
	/* The base chains do nothing but dispatch. The bridge forward chain
	 * through br_nets or port_nets: see plan_backstop(). */
	for (size_t m = 0; m < MAP_COUNT && r >= 0; m++) {
		bool dispatch = m != MAP_PORTS || !bridge_meta;
		long idx;

		if (m == MAP_BRIDGES && !bridge_meta)
			continue;
		idx = plan_map(plan, maps[m].family, maps[m].name, maps[m].key, m == MAP_PORTS);
		if (idx < 0)
			r = (int)idx;
		else if (dispatch)
			r = rb_vmap(&b, maps[m].base_chain, maps[m].lookup, maps[m].name);
	}
	/* The host's own packets from a gateway address (a local service
	 * bound to 10.213.0.1 talking out of the uplink) come in on no
	 * interface, so no bridge leads to their network: nat_local holds
	 * every network's NAT rules. NAT chains see only the first packet
	 * of a connection, and guests' connections never get here. */
	if (r >= 0 && (nat_local = plan_chain(plan, NFPROTO_INET, "nat_local")) < 0)
		r = (int)nat_local;
	if (r >= 0) {
		rb_start(&b, NC_POSTROUTING);
		r = rb_jump(&b, NULL, "nat_local");
	}
	for (size_t i = 0; i < conf->n_networks && r >= 0; i++) {
		const struct gw_network *n = &conf->networks[i];
		char nat[NFT_NAME_MAX], spoof[NFT_NAME_MAX], out[NFT_NAME_MAX], in[NFT_NAME_MAX];
		char guard[NFT_NAME_MAX], outside[NFT_NAME_MAX];
		struct net_chains c;

		if ((r = plan_counter(plan, NFPROTO_INET, nat, "nat", n->name)) < 0 ||
		    (r = plan_counter(plan, NFPROTO_INET, out, "fwd_out", n->name)) < 0 ||
		    (r = plan_counter(plan, NFPROTO_INET, in, "fwd_in", n->name)) < 0 ||
		    (r = plan_counter(plan, NFPROTO_INET, spoof, "drop", n->name)) < 0 ||
		    (r = plan_counter(plan, NFPROTO_BRIDGE, guard, "guard", n->name)) < 0 ||
		    (r = plan_counter(plan, NFPROTO_INET, outside, "outside", n->name)) < 0 ||
		    (r = plan_net_chains(plan, n, bridge_meta, &c)) < 0)
			break;
		r = plan_postrouting(&b, c.nat, n, uplinks[i], nat);
		if (r >= 0)
			r = plan_postrouting(&b, (size_t)nat_local, n, uplinks[i], nat);
		if (r >= 0)
			r = plan_input_outside(&b, c.svc, n, outside);
		if (r >= 0)
			r = plan_input(&b, c.in, n, spoof);
		if (r >= 0)
			r = plan_forward(&b, &c, n, uplinks[i], spoof, out, in);
		if (r >= 0)
			r = plan_backstop(&b, &c, n, guard);
	}
	if (r < 0)
		nft_plan_release(plan);
	return r;
}

void nft_plan_release(struct nft_plan *plan)
{
	for (size_t i = 0; i < plan->n_sets; i++)
		free(plan->sets[i].elems);
	free(plan->chains);
	free(plan->sets);
	free(plan->rules);
	free(plan->counters);
	memset(plan, 0, sizeof(*plan));
}
