/* The inet table's rules of one network: NAT out of its uplink (nat_NET,
 * also for the host's own packets from a gateway address), what
 * its guests may send to the host (svc_NET, in_NET), and what may be
 * forwarded from and to them (from_NET, to_NET). Pure.
 *
 * br_netfilter: frames bridged between two guests of one bridge also pass
 * the inet forward hook. Measured on this kernel, nft sees them with the
 * bridge device itself as both iifname and oifname (br_netfilter hands the
 * hook the bridge as the "logical" device), so every network's from_ chain
 * accepts iifname B oifname B before any anti-spoofing rule can see them
 * (only the uplink's accept, which they fail at its first match, comes
 * first): DHCP discovers from 0.0.0.0 and IPv6 neighbour discovery
 * from link-local addresses cross the bridge untouched. Should a kernel
 * report the ports instead, no rule here matches them and the chain's
 * accept policy lets them through; with br_netfilter off they never reach
 * this hook at all. */
#include "rules.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>

/* The NAT verdict of a rule being built: masquerade, or SNAT to the
 * configured address. With a port range, TCP and UDP get it (nft knows
 * ports only after a transport match) and the rest the address alone. */
static int nat_end4(struct rule_builder *b, const struct gw_network *n, const char *ctr)
{
	static const uint8_t l4[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct nft_rule_plan base;
	int r;

	if (!n->m.has_snat4)
		return rb_end(b, ctr, NV_MASQUERADE);
	b->r.snat.family = NFPROTO_IPV4;
	b->r.snat.addr.a4 = n->m.snat4;
	if (n->m.snat_port_min) {
		base = b->r;
		for (size_t i = 0; i < sizeof(l4); i++) {
			b->r = base;
			rb_add(b, NM_L4PROTO, false)->u.proto = l4[i];
			b->r.snat.port_min = n->m.snat_port_min;
			b->r.snat.port_max = n->m.snat_port_max;
			if ((r = rb_end(b, ctr, NV_SNAT)) < 0)
				return r;
		}
		b->r = base;
	}
	return rb_end(b, ctr, NV_SNAT);
}

static int nat_end6(struct rule_builder *b, const struct gw_network *n, const char *ctr)
{
	if (!n->m.has_snat6)
		return rb_end(b, ctr, NV_MASQUERADE);
	b->r.snat.family = NFPROTO_IPV6;
	b->r.snat.addr.a6 = n->m.snat6;
	return rb_end(b, ctr, NV_SNAT);
}

/* Only mode = nat translates: a routed network's addresses leave as they
 * are, an isolated network's do not leave. IPv6 only with ipv6_nat. */
int plan_postrouting(struct rule_builder *b, size_t chain, const struct gw_network *n,
		     const char *up, const char *ctr)
{
	struct in_addr s4 = addr_net4(n->ipv4.addr, n->ipv4.plen);
	struct in_addr mc = { htonl(0xe0000000) }, bc = { htonl(0xffffffff) };
	int r;

	if (n->mode != GW_MODE_NAT)
		return 0;
	/* Multicast and broadcast are never NATed (as libvirt does): they
	 * fall off the end of the chain. One rule per family, so a new
	 * connection pays one (IPv4) or two. */
	rb_start(b, chain);
	rb_ifname(b, NM_OIFNAME, up);
	rb_net4(b, NM_SADDR4, false, s4, n->ipv4.plen);
	rb_net4(b, NM_DADDR4, true, s4, n->ipv4.plen);
	rb_net4(b, NM_DADDR4, true, mc, 4);
	rb_net4(b, NM_DADDR4, true, bc, 32);
	if ((r = nat_end4(b, n, ctr)) < 0)
		return r;
	if (n->has_ipv6 && n->m.ipv6_nat) {
		/* A ULA prefix cannot leave the host unNATed (as Incus's
		 * ipv6.nat default): masquerade it too, unless ipv6_nat =
		 * false (a prefix the upstream routes back). */
		struct in6_addr s6 = addr_net6(&n->ipv6.addr, n->ipv6.plen);
		struct in6_addr mc6 = { .s6_addr = { 0xff } };

		rb_start(b, chain);
		rb_ifname(b, NM_OIFNAME, up);
		rb_net6(b, NM_SADDR6, false, &s6, n->ipv6.plen);
		rb_net6(b, NM_DADDR6, true, &s6, n->ipv6.plen);
		rb_net6(b, NM_DADDR6, true, &mc6, 8);
		if ((r = nat_end6(b, n, ctr)) < 0)
			return r;
	}
	return 0;
}

static bool allows(const struct gw_network *n, const char *from)
{
	for (size_t k = 0; k < n->m.n_allow; k++)
		if (!strcmp(n->m.allow_from[k], from))
			return true;
	return false;
}

/* from_NET: what came in on the bridge; to_NET: what goes out to it.
 * A packet from one network to another is decided in the sender's from_
 * chain (its accept ends the forward hook): new connections where the
 * receiving network lists the sender in allow_from, replies the other
 * way. */
int plan_forward(struct rule_builder *b, const struct net_chains *c, const struct gw_conf *conf,
		 const struct gw_network *n, const char *up, const char *spoof, const char *out,
		 const char *in)
{
	struct in_addr s4 = addr_net4(n->ipv4.addr, n->ipv4.plen);
	struct in6_addr s6 = n->has_ipv6 ? addr_net6(&n->ipv6.addr, n->ipv6.plen) : in6addr_any;
	int r;

	/* Guest -> uplink, first: every packet of a guest's flows to the
	 * internet is accepted by the first rule it meets here, anti-spoofing
	 * included (the source must be the subnet's, on every packet: a
	 * spoofed packet may match another network's connection). The
	 * interface first for IPv4 (a bridged frame fails at once), the
	 * family first for IPv6. Not from an isolated network.
	 *
	 * Not "ct state established accept" at the top of forward: all
	 * networks share one conntrack zone, so a guest's packet forged to
	 * match another network's connection (its reply tuple, say) would be
	 * "established" and skip this check. A zone per network (or port)
	 * would make that safe, but needs a raw prerouting chain setting the
	 * zone from the input interface -- a hook and a lookup on every
	 * packet, to save this one rule -- and per-direction zones for NAT.
	 * Measured (perf of the sender, UDP 64 B): the whole inet table is
	 * 3.3 % of its samples with this chain shape (4.9 % before). */
	if (n->mode != GW_MODE_ISOLATED) {
		rb_start(b, c->from);
		rb_ifname(b, NM_OIFNAME, up);
		rb_net4(b, NM_SADDR4, false, s4, n->ipv4.plen);
		if ((r = rb_end(b, out, NV_ACCEPT)) < 0)
			return r;
		if (n->has_ipv6) {
			rb_start(b, c->from);
			rb_net6(b, NM_SADDR6, false, &s6, n->ipv6.plen);
			rb_ifname(b, NM_OIFNAME, up);
			if ((r = rb_end(b, out, NV_ACCEPT)) < 0)
				return r;
		}
	}

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
		rb_net6(b, NM_SADDR6, true, &s6, n->ipv6.plen);
	} else {
		/* No IPv6 on this network: nothing of the guests' is routed. */
		rb_add(b, NM_NFPROTO, false)->u.proto = NFPROTO_IPV6;
	}
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;

	/* To networks that allow_from this one, and replies to those this
	 * one allows; anywhere else routed (other networks, other host
	 * links): not. */
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *o = &conf->networks[i];

		if (o == n || !allows(o, n->name))
			continue;
		rb_start(b, c->from);
		rb_ifname(b, NM_OIFNAME, o->bridge);
		if ((r = rb_end(b, out, NV_ACCEPT)) < 0)
			return r;
	}
	for (size_t k = 0; k < n->m.n_allow; k++) {
		for (size_t i = 0; i < conf->n_networks; i++) {
			const struct gw_network *o = &conf->networks[i];

			if (strcmp(o->name, n->m.allow_from[k]))
				continue;
			rb_start(b, c->from);
			rb_ifname(b, NM_OIFNAME, o->bridge);
			rb_add(b, NM_CTSTATE, false)->u.ctmask = CT_EST_REL;
			if ((r = rb_end(b, out, NV_ACCEPT)) < 0)
				return r;
		}
	}
	rb_start(b, c->from);
	if ((r = rb_end(b, spoof, NV_DROP)) < 0)
		return r;

	/* Replies back to guests; nothing unsolicited, except from the
	 * uplink to a routed network with inbound = accept. Nothing at all
	 * to an isolated network from outside. */
	if (n->mode != GW_MODE_ISOLATED) {
		rb_start(b, c->to);
		rb_add(b, NM_CTSTATE, false)->u.ctmask = CT_EST_REL;
		if ((r = rb_end(b, in, NV_ACCEPT)) < 0)
			return r;
	}
	if (n->mode == GW_MODE_ROUTED && !n->m.inbound_drop) {
		rb_start(b, c->to);
		rb_ifname(b, NM_IIFNAME, up);
		if ((r = rb_end(b, in, NV_ACCEPT)) < 0)
			return r;
	}
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
int plan_input_outside(struct rule_builder *b, size_t chain, const struct gw_network *n,
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
int plan_input(struct rule_builder *b, size_t chain, const struct gw_network *n, const char *spoof)
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
