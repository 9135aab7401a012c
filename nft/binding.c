/* Guest binding, in the bridge table where every frame a guest port
 * sends is seen before it is bridged or routed (prerouting): a guest may
 * only send IPv4 and ARP from the MAC and address its lease or static
 * host gives it, and IPv6 from the addresses it holds (below), on the
 * port its own DHCP came in on; and its DHCP requests are metered per
 * port. This file is the plan's part, pure: the sets, the prerouting
 * dispatch, one chain per network and its rules. Their tests' bytecode
 * and text are in binding_expr.c, the claim rules (a DHCP chaddr or an ND
 * link-layer option must be the frame's source) in binding_claim.c, and
 * the run-time fill of the sets -- element deltas, or a flush and refill
 * at start and reload -- in binding_fill.c.
 *
 * Keys: the port is the input interface's index (iif), which the kernel
 * records for each MAC whose DHCP came in on a guest port (dhcp_seen,
 * plan_dhcp_seen(); the forwarding database, which any guest teaches, is
 * not asked); so a binding holds
 * iif . MAC . address and one lookup answers "is this frame's source
 * this guest's own". A guest that forges a neighbour's MAC fails twice:
 * the MAC is bound to another port (bound_macs / bind_mac), and the
 * neighbour's address is bound with the neighbour's port. ARP's sender
 * MAC and IP go through the same set, so no guest can claim the gateway's
 * address or a neighbour's in an ARP reply or announcement.
 *
 * Before a guest has a lease it may still send DHCP from 0.0.0.0 and ARP
 * probes from 0.0.0.0; everything else IPv4 or ARP is dropped and
 * counted in bind_NET. Per packet: one vmap lookup to find the network,
 * then at most five set lookups, whatever the number of guests.
 *
 * IPv6 addresses come from SLAAC and privacy extensions as much as from
 * leases, so no list says in advance which guest may use which: an
 * address belongs to the first guest the host sees using it (the daemon
 * learns it from the host's neighbour table, which only a guest's own
 * traffic fills) and stays its own while its port stays. Only then is
 * it checked: as a source, as the target a neighbour advertisement
 * speaks for, or as the target of a duplicate address probe -- so no
 * guest answers for the gateway (whose addresses are held from the
 * start), or for a neighbour, or sends from a neighbour's address, or
 * makes a neighbour give its address up. Link-local addresses other than the gateway's, and
 * addresses nobody holds yet, pass.
 *
 * A guest port sends no VLAN-tagged frames (802.1Q, 802.1ad): the checks
 * above read the untagged headers, and a tagged frame would reach other
 * guests' VLAN interfaces unchecked. guest_binding = false allows them.
 *
 * The DHCP meter counts new clients (port . MAC) per port, not requests:
 * a guest renewing often is never held back, one asking for leases for a
 * crowd of made-up MACs gets NFT_METER_BURST and then NFT_METER_RATE a
 * minute. */
#include "binding.h"
#include "rules.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

void nft_bind_chain_name(const char *net, char *buf, size_t len)
{
	snprintf(buf, len, "bind_%s", net);
}

static long bind_set(struct nft_plan *p, const char *name, enum nft_key key, bool vmap)
{
	long i = nft_plan_set_add(p, NFPROTO_BRIDGE, name, key);

	if (i >= 0) {
		p->sets[i].vmap = vmap;
		p->sets[i].dynamic = true;
	}
	return i;
}

static struct nft_match *rb_bind(struct rule_builder *b, enum nft_bind_test t, bool neq,
				 const char *set);

int plan_binding_skeleton(struct rule_builder *b, const struct gw_conf *conf)
{
	static const struct {
		const char *name;
		enum nft_key key;
		bool vmap;
	} sets[] = {
		{ NFT_BIND_MAP, NK_IIFNAME, true },
		{ NFT_BIND4_SET, NK_BIND4, false },
		{ NFT_BIND_MAC_SET, NK_BIND_MAC, false },
		{ NFT_BIND_ETHER_SET, NK_BIND_ETHER, false },
		{ NFT_BIND6_SET, NK_BIND6, false },
		{ NFT_CLAIM6_SET, NK_CLAIM6, false },
		{ NFT_GUEST_PORTS_SET, NK_GUEST_PORT, false },
		{ NFT_METER_SET, NK_METER, false },
		{ NFT_METER_CLIENTS, NK_METER_CLIENT, false },
		{ NFT_MAC_SELF_SET, NK_MAC_SELF, false },
		{ NFT_DHCP_MACS, NK_DHCP_MAC, false },
		{ NFT_DHCP_SEEN, NK_DHCP_SEEN, false },
		{ NFT_MAC_CLIENTS, NK_METER_CLIENT, false },
		{ NFT_MAC_RATE, NK_METER, false },
		{ NFT_BIND_MISS4_SET, NK_MISS4, false }, /* doctor's: what was dropped */
		{ NFT_BIND_MISS6_SET, NK_MISS6, false },
	};
	bool any_binding = false;
	long r = 0;

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]) && r >= 0; i++)
		r = bind_set(b->plan, sets[i].name, sets[i].key, sets[i].vmap);
	if (r < 0)
		return (int)r;
	for (size_t i = 0; i < conf->n_networks; i++)
		any_binding |= conf->networks[i].guest_binding;
	/* The fast paths first, before the dispatch: a bound guest's IPv4
	 * and IPv6 that none of bind_NET's rules would drop or record
	 * (binding_expr.c's x_fast says what they leave to them), one rule
	 * each, for every network at once: bind4 and bind6 hold only bound
	 * guests' port . MAC . address, and only on networks with guest
	 * binding. Here rather than at the top of bind_NET, a bound guest's
	 * frame pays neither the port's name nor the bind_nets lookup
	 * (issue 18: a third of the bridge table's cost per packet). */
	for (int v6 = 0; v6 < 2 && any_binding && !(b->plan->omit & NFT_OMIT_BINDING); v6++) {
		rb_start(b, NC_BR_PREROUTING);
		rb_bind(b, v6 ? BT_FAST6 : BT_FAST4, false, v6 ? NFT_BIND6_SET : NFT_BIND4_SET);
		if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
			return (int)r;
	}
	/* GATEWAYD_TEST_OMIT with both: bind_NET would be empty */
	if ((b->plan->omit & (NFT_OMIT_BINDING | NFT_OMIT_METERS)) ==
	    (NFT_OMIT_BINDING | NFT_OMIT_METERS))
		return 0;
	return rb_vmap(b, NC_BR_PREROUTING, NK_IIFNAME, NFT_BIND_MAP);
}

static struct nft_match *rb_bind(struct rule_builder *b, enum nft_bind_test t, bool neq,
				 const char *set)
{
	struct nft_match *m = rb_add(b, NM_BIND, neq);

	m->u.lk.key = t;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", set ? set : "");
	return m;
}

/* A MAC is recorded (dhcp_macs) and bound (bound_macs) per network: two
 * customers' VMs with the same MAC (QEMU's default 52:54:00:12:34:56) on
 * two networks are two guests, not one guest on two ports. The chain
 * bind_NET puts its network's tag before the MAC (nft cannot read the
 * bridge without bridge meta; the tag is a constant of the chain). FNV-1a
 * of the name: stable across reloads, which keep the sets; never 0. */
uint32_t nft_net_tag(const char *net)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)net; *c; c++)
		h = (h ^ *c) * 16777619u;
	return h ? h : 1;
}

/* Where each MAC's own DHCP came in (issue 16 item 1). A MAC recorded on
 * one port is dropped from every other -- any frame, so that no guest
 * teaches the bridge's forwarding database a neighbour's MAC, before or
 * after its binding -- and a DHCP client message records (or refreshes)
 * its MAC on its port, first come first served. The daemon binds a
 * lease's MAC to the port found here. */
static int plan_dhcp_seen(struct rule_builder *b, size_t chain, const char *bind, uint32_t tag)
{
	struct nft_match *m;
	int r;

	rb_start(b, chain);
	rb_bind(b, BT_LOOKUP_ETHER, false, NFT_DHCP_MACS)->u.lk.tag = tag;
	rb_bind(b, BT_LOOKUP_MAC, true, NFT_DHCP_SEEN);
	if ((r = rb_end(b, bind, NV_DROP)) < 0)
		return r;
	rb_start(b, chain);
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	rb_bind(b, BT_UPDATE_MAC, false, NFT_DHCP_MACS)->u.lk.tag = tag;
	rb_bind(b, BT_UPDATE_SEEN, false, NFT_DHCP_SEEN);
	return rb_end(b, NULL, NV_CONTINUE);
}

int plan_binding(struct rule_builder *b, const struct gw_network *n, const char *bind,
		 const char *rate)
{
	char name[NFT_NAME_MAX];
	struct nft_match *m;
	long idx;
	size_t chain;
	int r;

	nft_bind_chain_name(n->name, name, sizeof(name));
	if ((idx = nft_plan_chain_add(b->plan, NFPROTO_BRIDGE, name)) < 0)
		return (int)idx;
	chain = (size_t)idx;
	/* The bound guests' fast paths are the prerouting chain's first
	 * rules (plan_binding_skeleton): what reaches this chain missed them.
	 * The rules below keep the bound source's later accept (rule "The
	 * fast path" below) for what those leave out. */
	/* The meter first, on every network: a guest that routes others
	 * (guest_binding = false) may not empty the pool either. */
	for (int v6 = 0; v6 < 2 && !(b->plan->omit & NFT_OMIT_METERS); v6++) {
		rb_start(b, chain);
		m = rb_add(b, NM_DPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = v6 ? 547 : 67;
		rb_bind(b, BT_CLIENT, true, NFT_METER_CLIENTS);
		rb_bind(b, BT_METER, false, NFT_METER_SET);
		if ((r = rb_end(b, rate, NV_DROP)) < 0)
			return r;
		rb_start(b, chain);
		m = rb_add(b, NM_DPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = v6 ? 547 : 67;
		rb_bind(b, BT_CLIENT_SEEN, false, NFT_METER_CLIENTS);
		if ((r = rb_end(b, NULL, NV_CONTINUE)) < 0)
			return r;
	}
	/* Claims after the meter, on every network: a DHCP chaddr or an
	 * ND link-layer option that is not the frame's source
	 * (binding_claim.c). */
	if (!(b->plan->omit & NFT_OMIT_METERS) && (r = plan_binding_claims(b, chain, n)) < 0)
		return r;
	if (!n->guest_binding || (b->plan->omit & NFT_OMIT_BINDING))
		return 0;
	/* No VLAN tags (whether the tag is in the frame or the driver took
	 * it off: the link header is read with the tag put back). */
	for (int q = 0; q < 2; q++) {
		rb_start(b, chain);
		rb_bind(b, q ? BT_QINQ : BT_VLAN, false, NULL);
		if ((r = rb_end(b, bind, NV_DROP)) < 0)
			return r;
	}
	/* The fast path: a bound guest's IPv4 (port . MAC . address in
	 * bind4, so from the MAC's own port) needs none of the checks below;
	 * one lookup, most of a guest's frames. After the claims (a DHCP
	 * release from a bound address is still checked) and the VLAN drops
	 * (meta protocol sees through a tag the driver took off). Not ARP:
	 * its sender fields are checked, not its Ethernet source. */
	rb_start(b, chain);
	rb_bind(b, BT_LOOKUP4, false, NFT_BIND4_SET);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	/* New source MACs per port (a guest that routes or bridges others
	 * may use many: guest_binding = false): made-up MACs reach neither
	 * the bridge's forwarding database nor the records below but at the
	 * meter's rate (mac_self is guarded by the DHCP meter in the claims). */
	rb_start(b, chain);
	rb_bind(b, BT_CLIENT, true, NFT_MAC_CLIENTS);
	rb_bind(b, BT_METER, false, NFT_MAC_RATE);
	if ((r = rb_end(b, bind, NV_DROP)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_CLIENT_SEEN, false, NFT_MAC_CLIENTS);
	if ((r = rb_end(b, NULL, NV_CONTINUE)) < 0)
		return r;
	/* A MAC bound to another port. */
	rb_start(b, chain);
	rb_bind(b, BT_LOOKUP_ETHER, false, NFT_BIND_ETHER_SET)->u.lk.tag = nft_net_tag(n->name);
	rb_bind(b, BT_LOOKUP_MAC, true, NFT_BIND_MAC_SET);
	if ((r = rb_end(b, bind, NV_DROP)) < 0)
		return r;
	if ((r = plan_dhcp_seen(b, chain, bind, nft_net_tag(n->name))) < 0)
		return r;
	/* IPv4: DHCP before a lease, then the bound address only. */
	rb_start(b, chain);
	rb_bind(b, BT_SADDR4_ZERO, false, NULL);
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_LOOKUP4, false, NFT_BIND4_SET);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	/* The drops below are recorded first, each by a rule of its own
	 * (NFT_BIND_MISS4_SET): if the set is full the update ends that
	 * rule, and the drop rule still drops. */
	rb_start(b, chain);
	rb_bind(b, BT_ETHER_IP, false, NULL);
	rb_bind(b, BT_MISS4, false, NFT_BIND_MISS4_SET);
	if ((r = rb_end(b, NULL, NV_CONTINUE)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_ETHER_IP, false, NULL);
	if ((r = rb_end(b, bind, NV_DROP)) < 0)
		return r;
	/* ARP: probes (sender 0.0.0.0), then the bound MAC and address. */
	rb_start(b, chain);
	rb_bind(b, BT_ARP_SPA_ZERO, false, NULL);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_LOOKUP_ARP, false, NFT_BIND4_SET);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_ETHER_ARP, false, NULL);
	rb_bind(b, BT_MISS_ARP, false, NFT_BIND_MISS4_SET);
	if ((r = rb_end(b, NULL, NV_CONTINUE)) < 0)
		return r;
	rb_start(b, chain);
	rb_bind(b, BT_ETHER_ARP, false, NULL);
	if ((r = rb_end(b, bind, NV_DROP)) < 0)
		return r;
	/* IPv6: a held address, as source or as an advertised target, only
	 * from its holder. */
	for (int rec = 1; rec >= 0; rec--) {
		rb_start(b, chain);
		rb_bind(b, BT_CLAIMED6, false, NFT_CLAIM6_SET);
		rb_bind(b, BT_LOOKUP6, true, NFT_BIND6_SET);
		if (rec)
			rb_bind(b, BT_MISS6, false, NFT_BIND_MISS6_SET);
		if ((r = rb_end(b, rec ? NULL : bind, rec ? NV_CONTINUE : NV_DROP)) < 0)
			return r;
	}
	/* ... and as the target of an advertisement, or of a duplicate
	 * address probe (a solicitation from ::), which would make its
	 * holder give it up */
	for (int dad = 0; dad < 2; dad++) {
		rb_start(b, chain);
		rb_bind(b, dad ? BT_DAD : BT_NA, false, NULL);
		rb_bind(b, BT_NA_CLAIMED, false, NFT_CLAIM6_SET);
		rb_bind(b, BT_LOOKUP_NA, true, NFT_BIND6_SET);
		if ((r = rb_end(b, bind, NV_DROP)) < 0)
			return r;
	}
	return 0;
}
