/* Ruleset planning: config -> struct nft_plan. Pure. This file makes the
 * skeleton: two tables (inet gatewayd for NAT and filtering, bridge
 * gatewayd for the DHCP/RA backstop), their base chains, which all default
 * to accept and only dispatch through verdict maps, the maps, and per
 * network its chains, counters and map elements. The rules of a network's
 * chains come from filter.c and guard.c. The table only ever *adds*
 * restrictions for the traffic of its own bridges, so it cannot break
 * unrelated host traffic. */
#include "plan.h"
#include "rules.h"
#include "forward.h"
#include "binding.h"
#include "untrusted.h"
#include "quota.h"
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
	[NC_PREROUTING] = { NFPROTO_INET, "prerouting", "nat", NF_INET_PRE_ROUTING, -100 },
	[NC_OUTPUT] = { NFPROTO_INET, "output", "nat", NF_INET_LOCAL_OUT, -100 },
	[NC_BR_PREROUTING] = { NFPROTO_BRIDGE, "prerouting", "filter", NF_BR_PRE_ROUTING, -200 },
	[NC_BR_INPUT] = { NFPROTO_BRIDGE, "input", "filter", NF_BR_LOCAL_IN, 0 },
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
	[NK_IP_SADDR] = { "ip saddr", "ipv4_addr" },
	[NK_IP6_SADDR] = { "ip6 saddr", "ipv6_addr" },
	[NK_FWD4] = { "meta l4proto . th dport", "inet_proto . inet_service" },
	[NK_FWD6] = { "meta l4proto . th dport", "inet_proto . inet_service" },
	[NK_FWD4_AT] = { "ip daddr . meta l4proto . th dport",
			 "ipv4_addr . inet_proto . inet_service" },
	[NK_FWD6_AT] = { "ip6 daddr . meta l4proto . th dport",
			 "ipv6_addr . inet_proto . inet_service" },
	[NK_CT_FWD4] = { "meta l4proto . ct original proto-dst", "inet_proto . inet_service" },
	[NK_CT_FWD6] = { "meta l4proto . ct original proto-dst", "inet_proto . inet_service" },
	[NK_CT_FWD4_AT] = { "ct original ip daddr . meta l4proto . ct original proto-dst",
			    "ipv4_addr . inet_proto . inet_service" },
	[NK_CT_FWD6_AT] = { "ct original ip6 daddr . meta l4proto . ct original proto-dst",
			    "ipv6_addr . inet_proto . inet_service" },
	[NK_HAIRPIN4] = { "oifname . ip saddr", "ifname . ipv4_addr" },
	[NK_HAIRPIN6] = { "oifname . ip6 saddr", "ifname . ipv6_addr" },
	[NK_OUR4] = { "ip saddr", "ipv4_addr" },
	[NK_OUR6] = { "ip6 saddr", "ipv6_addr" },
	[NK_QUOTA] = { "mark . ether saddr", "mark . ether_addr" },
	[NK_QUOTA_DROP] = { "mark . ether saddr", "mark . ether_addr" },
	[NK_QUOTA_IN4] = { "mark . ip daddr", "mark . ipv4_addr" },
	[NK_QUOTA_IN6] = { "mark . ip6 daddr", "mark . ipv6_addr" },
};

void nft_ports_chain_name(const struct gw_network *net, char *buf, size_t len)
{
	snprintf(buf, len, "ports_%s", net->name);
}

long nft_plan_set_add(struct nft_plan *p, uint8_t family, const char *name, enum nft_key key)
{
	struct nft_set_plan *s = realloc(p->sets, (p->n_sets + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	p->sets = s;
	s += p->n_sets;
	memset(s, 0, sizeof(*s));
	s->family = family;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key = key;
	return (long)p->n_sets++;
}

/* A verdict map; returns its index or -errno. */
static long plan_map(struct nft_plan *p, uint8_t family, const char *name, enum nft_key key,
		     bool dynamic)
{
	long i = nft_plan_set_add(p, family, name, key);

	if (i >= 0) {
		p->sets[i].vmap = true;
		p->sets[i].dynamic = dynamic;
	}
	return i;
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

long nft_plan_chain_add(struct nft_plan *p, uint8_t family, const char *name)
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

const struct nft_ctr_kind nft_ctr_kinds[NCTR_COUNT] = {
	[NCTR_NAT] = { "nat", NFPROTO_INET, "nat", "gatewayd_nat_packets_total",
		       "gatewayd_nat_bytes_total", "masqueraded out of the uplink" },
	[NCTR_FWD_OUT] = { "fwd_out", NFPROTO_INET, "forwarded_out",
			   "gatewayd_forward_out_packets_total", "gatewayd_forward_out_bytes_total",
			   "forwarded out of the network" },
	[NCTR_FWD_IN] = { "fwd_in", NFPROTO_INET, "forwarded_in",
			  "gatewayd_forward_in_packets_total", "gatewayd_forward_in_bytes_total",
			  "forwarded to guests" },
	[NCTR_DROP] = { "drop", NFPROTO_INET, "dropped", "gatewayd_dropped_packets_total", NULL,
			"guest packets dropped (spoofed, not allowed)" },
	[NCTR_GUARD] = { "guard", NFPROTO_BRIDGE, "guard_dropped",
			 "gatewayd_guard_dropped_packets_total", NULL,
			 "DHCP/RA frames dropped by the backstop" },
	[NCTR_OUTSIDE] = { "outside", NFPROTO_INET, "outside_dropped",
			   "gatewayd_outside_dropped_packets_total", NULL,
			   "DNS/DHCP packets for the network's services that did not come from "
			   "its bridge" },
	[NCTR_BIND] = { "bind", NFPROTO_BRIDGE, "bind_dropped",
			"gatewayd_bind_dropped_packets_total", NULL,
			"guest frames dropped by guest binding (address or MAC not theirs)" },
	[NCTR_DHCP_RATE] = { "dhcp_rate", NFPROTO_BRIDGE, "dhcp_rate_dropped",
			     "gatewayd_dhcp_rate_dropped_packets_total", NULL,
			     "DHCP requests dropped over a guest port's rate" },
	[NCTR_CLAIM] = { "claim", NFPROTO_BRIDGE, "claim_dropped",
			 "gatewayd_claim_dropped_packets_total", NULL,
			 "DHCP and neighbour discovery messages dropped whose hardware address "
			 "(chaddr, link-layer option) is not the frame's source" },
	[NCTR_QUOTA] = { "quota", NFPROTO_INET, "quota_dropped",
			 "gatewayd_quota_dropped_packets_total", NULL,
			 "new connections dropped over a guest's or the network's connection "
			 "quota" },
};

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
	MAP_LOCAL4,  /* inet, ip saddr = a gateway: postrouting -> nat_NET (the host's own) */
	MAP_LOCAL6,  /* inet, ip6 saddr = a gateway: postrouting -> nat_NET */
	MAP_CLOSED,  /* inet, iifname of an isolated network: forwards' connections -> from_NET */
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
	[MAP_LOCAL4] = { NFPROTO_INET, "local4_nets", NK_IP_DADDR, NK_IP_SADDR, NC_POSTROUTING },
	[MAP_LOCAL6] = { NFPROTO_INET, "local6_nets", NK_IP6_DADDR, NK_IP6_SADDR, NC_POSTROUTING },
	[MAP_SVC4] = { NFPROTO_INET, "svc4_nets", NK_IP_DADDR, NK_IP_DADDR, NC_INPUT },
	[MAP_SVC6] = { NFPROTO_INET, "svc6_nets", NK_IP6_DADDR, NK_IP6_DADDR, NC_INPUT },
	[MAP_IN] = { NFPROTO_INET, "in_nets", NK_IIFNAME, NK_IIFNAME, NC_INPUT },
	[MAP_FROM] = { NFPROTO_INET, "from_nets", NK_IIFNAME, NK_IIFNAME, NC_FORWARD },
	[MAP_TO] = { NFPROTO_INET, "to_nets", NK_OIFNAME, NK_OIFNAME, NC_FORWARD },
	[MAP_OUT] = { NFPROTO_BRIDGE, "out_nets", NK_ETHER_SADDR, NK_ETHER_SADDR, NC_BR_OUTPUT },
	[MAP_PORTS] = { NFPROTO_BRIDGE, NFT_PORTS_MAP, NK_IIFNAME, NK_IIFNAME, NC_BR_FORWARD },
	[MAP_BRIDGES] = { NFPROTO_BRIDGE, NFT_BRIDGES_MAP, NK_IIFNAME, NK_IBRNAME, NC_BR_FORWARD },
	/* forward, ct status dnat (nft/forward.c). Before MAP_BRIDGES in
	 * the enum: that one alone may be left out. */
	[MAP_CLOSED] = { NFPROTO_INET, NFT_FWD_CLOSED_MAP, NK_IIFNAME, NK_IIFNAME, NC_FORWARD },
};

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
		if ((idx = nft_plan_chain_add(p, tab[i].family, name)) < 0)
			return (int)idx;
		*(size_t *)((char *)c + tab[i].off) = (size_t)idx;
		switch (tab[i].map) {
		case MAP_COUNT: break;
		case MAP_NAT:
			/* and the host's own packets from its gateway addresses */
			r = plan_elem(p, MAP_NAT, n->bridge, IFNAMSIZ, name);
			if (r >= 0)
				r = plan_elem(p, MAP_LOCAL4, &n->ipv4.addr, 4, name);
			if (r >= 0 && n->has_ipv6)
				r = plan_elem(p, MAP_LOCAL6, &n->ipv6.addr, 16, name);
			break;
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
		case MAP_FROM:
			r = plan_elem(p, MAP_FROM, n->bridge, IFNAMSIZ, name);
			if (r >= 0 && n->mode == GW_MODE_ISOLATED)
				r = plan_elem(p, MAP_CLOSED, n->bridge, IFNAMSIZ, name);
			break;
		default: r = plan_elem(p, tab[i].map, n->bridge, IFNAMSIZ, name); break;
		}
	}
	return r;
}

int nft_omit_parse(const char *s, unsigned *out)
{
	static const char *const names[] = { "binding", "meters", "untrusted", "backstop",
					     "filter",	"dnat",	  "counters" };
	unsigned v = 0;

	while (*s) {
		size_t len = strcspn(s, " ,"), i;

		for (i = 0; len && i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i]) == len && !strncmp(s, names[i], len))
				break;
		if (len && i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		if (len)
			v |= 1u << i;
		s += len;
		s += strspn(s, " ,");
	}
	*out = v;
	return 0;
}

/* Only a test build (-DGW_TEST_HOOKS: build/gatewayd-test and the unit
 * tests) reads the variable; build/gatewayd, the one `make install`
 * installs, plans every guard whatever its environment says. */
unsigned nft_test_omit(void)
{
#ifdef GW_TEST_HOOKS
	const char *s = getenv("GATEWAYD_TEST_OMIT");
	unsigned v = 0;

	return s && nft_omit_parse(s, &v) == 0 ? v : 0;
#else
	return 0;
#endif
}

/* An inet base chain without rules registers a hook for nothing: every
 * packet would still call into it (a nat chain: every new connection).
 * Left out; the bridge table's chains are nft/binding.c's and
 * nft/untrusted.c's to decide -- but for bridge input, which has rules
 * only in the port-set form of the untrusted-port check (no bridge meta):
 * with bridge meta, every frame for the host on every bridge would pay an
 * empty hook (issue 18: ~1 % of a packet here). */
static void plan_idle_chains(struct nft_plan *p)
{
	bool used[NC_BASE_COUNT] = { false };

	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].chain < NC_BASE_COUNT)
			used[p->rules[i].chain] = true;
	for (size_t c = 0; c < NC_BASE_COUNT; c++)
		p->chains[c].absent =
			(p->chains[c].family == NFPROTO_INET || c == NC_BR_INPUT) && !used[c];
}

int nft_plan_build(const struct gw_conf *conf, const char *const *uplinks, bool bridge_meta,
		   struct nft_plan *plan)
{
	struct rule_builder b = { .plan = plan };
	bool omit_filter, any_nat = false;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	plan->omit = nft_test_omit();
	/* bench only: no input/forward dispatch, no filter rules */
	omit_filter = plan->omit & NFT_OMIT_FWD_FILTER;
	/* No network translates (all routed or isolated): no NAT dispatch,
	 * so no postrouting chain (but for the forwards' hairpin) and no
	 * nat hook a new connection would pass through for nothing. */
	for (size_t i = 0; i < conf->n_networks; i++)
		any_nat |= conf->networks[i].mode == GW_MODE_NAT;
	plan->chains = malloc(sizeof(base_chains));
	if (!plan->chains)
		return -ENOMEM;
	memcpy(plan->chains, base_chains, sizeof(base_chains));
	plan->n_chains = NC_BASE_COUNT;
	/* The base chains do nothing but dispatch. The bridge forward chain
	 * through br_nets or port_nets: see plan_backstop(). */
	/* Port forwards' traffic first: counted per forward both ways, and
	 * let in before any network's filter (nft/forward.c). */
	r = plan_forward_filter(&b, conf);
	for (size_t m = 0; m < MAP_COUNT && r >= 0; m++) {
		/* local4/6 dispatch after all others (below): the same rule
		 * order in both backstop forms */
		bool dispatch = (m != MAP_PORTS || !bridge_meta) && m != MAP_LOCAL4 &&
				m != MAP_LOCAL6 && m != MAP_CLOSED &&
				!(omit_filter && (maps[m].base_chain == NC_INPUT ||
						  maps[m].base_chain == NC_FORWARD)) &&
				(any_nat || m != MAP_NAT);
		long idx;

		if (m == MAP_BRIDGES && !bridge_meta)
			continue;
		idx = plan_map(plan, maps[m].family, maps[m].name, maps[m].key, m == MAP_PORTS);
		if (idx < 0)
			r = (int)idx;
		else if (dispatch && !(maps[m].family == NFPROTO_BRIDGE &&
				       (plan->omit & NFT_OMIT_BACKSTOP))) /* out_nets, port_nets */
			r = rb_vmap(&b, maps[m].base_chain, maps[m].lookup, maps[m].name);
	}
	/* The host's own packets from a gateway address (a local service
	 * bound to 10.213.0.1 talking out of the uplink) come in on no
	 * interface, so no bridge leads to their network: local4_nets and
	 * local6_nets do, by that source address, with one lookup whatever
	 * the number of networks. */
	for (size_t m = MAP_LOCAL4; m <= MAP_LOCAL6 && r >= 0 && any_nat; m++)
		r = rb_vmap(&b, maps[m].base_chain, maps[m].lookup, maps[m].name);
	/* Guest binding: its sets and the prerouting dispatch (binding.c). */
	if (r >= 0)
		r = plan_binding_skeleton(&b, conf);
	/* Ports not listed yet: untrusted guests (untrusted.c). */
	if (r >= 0)
		r = plan_untrusted(&b, conf, bridge_meta);
	/* Connection quota: before the forwards' DNAT (nft/quota.c). */
	if (r >= 0)
		r = plan_quota_skeleton(&b, conf);
	/* Port forwards: their maps, elements and DNAT rules. */
	if (r >= 0)
		r = plan_forwards(&b, conf);
	for (size_t i = 0; i < conf->n_networks && r >= 0; i++) {
		const struct gw_network *n = &conf->networks[i];
		char nat[NFT_NAME_MAX], spoof[NFT_NAME_MAX], out[NFT_NAME_MAX], in[NFT_NAME_MAX];
		char guard[NFT_NAME_MAX], outside[NFT_NAME_MAX];
		char bind[NFT_NAME_MAX], dhcp_rate[NFT_NAME_MAX];
		char claim[NFT_NAME_MAX];
		char quota[NFT_NAME_MAX];
		struct net_chains c;

		char *names[NCTR_COUNT] = {
			[NCTR_NAT] = nat,    [NCTR_FWD_OUT] = out, [NCTR_FWD_IN] = in,
			[NCTR_DROP] = spoof, [NCTR_GUARD] = guard, [NCTR_OUTSIDE] = outside
		};

		names[NCTR_BIND] = bind;
		names[NCTR_DHCP_RATE] = dhcp_rate;
		names[NCTR_CLAIM] = claim;
		names[NCTR_QUOTA] = quota;

		for (size_t k = 0; k < NCTR_COUNT && r >= 0; k++)
			r = plan_counter(plan, nft_ctr_kinds[k].family, names[k],
					 nft_ctr_kinds[k].what, n->name);
		if (r < 0 || (r = plan_net_chains(plan, n, bridge_meta, &c)) < 0)
			break;
		r = plan_postrouting(&b, c.nat, n, uplinks[i], nat);
		if (r >= 0 && !omit_filter)
			r = plan_input_outside(&b, c.svc, n, outside);
		if (r >= 0 && !omit_filter)
			r = plan_input(&b, c.in, n, spoof);
		if (r >= 0 && !omit_filter)
			r = plan_forward(&b, &c, conf, n, uplinks[i], spoof, out, in);
		if (r >= 0)
			r = plan_backstop(&b, &c, n, guard);
		if (r >= 0)
			r = plan_binding(&b, n, bind, dhcp_rate);
		if (r >= 0)
			r = plan_quota(&b, n, quota);
	}
	if (r >= 0)
		plan_idle_chains(plan);
	if (r < 0)
		nft_plan_release(plan);
	return r;
}

void nft_plan_release(struct nft_plan *plan)
{
	for (size_t i = 0; i < plan->n_sets; i++)
		free(plan->sets[i].elems);
	for (size_t i = 0; i < plan->n_rules; i++)
		free(plan->rules[i].m);
	free(plan->chains);
	free(plan->sets);
	free(plan->rules);
	free(plan->counters);
	free(plan->digests);
	memset(plan, 0, sizeof(*plan));
}
