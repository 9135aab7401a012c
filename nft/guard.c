/* The kernel backstop of the uplink guard (layer 4 in the README): the
 * bridge table's rules that drop DHCP/DHCPv6 server replies and router
 * advertisements leaving a guest bridge through a port that is not a
 * guest's, and entering from a guest (a rogue server in a VM). Pure. */
#include "binding.h"
#include "rules.h"
#include "untrusted.h"

#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>

/* What a DHCP/DHCPv6 server or an IPv6 router sends. Leaving the bridge
 * (out_NET) that is our own dnsmasq, from its server ports. Crossing the
 * bridge from port to port (ports_NET, any_sport) it is a guest's, whose
 * source port is its own choice: a rogue answering from port 6767 is a
 * server all the same, so every message to a client port (68, 546) is
 * one, and so is a BOOTREPLY (op code 2) to port 67 (one relay to
 * another): neither is anything a guest has to send to a neighbour. */
static void rb_server_packet(struct rule_builder *b, int which, bool any_sport)
{
	static const uint16_t ports[][2] = { { 67, 68 }, { 547, 546 } };
	struct nft_match *m;

	if (which == 2) {
		rb_add(b, NM_ICMP6TYPE, false)->u.proto = 134; /* nd-router-advert */
		return;
	}
	if (which == 3) {
		rb_add(b, NM_UNTRUSTED, false)->u.lk.key = UT_BOOTREPLY;
		return;
	}
	if (!any_sport) {
		m = rb_add(b, NM_SPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = ports[which][0];
	}
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = ports[which][1];
}

/* The kernel backstop, in the bridge family, where each port is seen.
 * Bridge meta expressions (meta ibrname/obrname: CONFIG_NFT_BRIDGE_META;
 * kernels without it refuse them with EOPNOTSUPP) are used in two places
 * only, here and in the dispatch of ports not listed yet (untrusted.c),
 * and only where the kernel has them (nft_bridge_meta_supported()):
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
 *   ports_NET drops them. How a frame gets there is this file's one
 *   difference between the plan's two forms:
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
 *     port plugged in while it is stopped or frozen is not covered here:
 *     nft/untrusted.c keeps such a port's frames from the guests gatewayd
 *     knows, and from claiming our addresses towards the host.
 *   One lookup per frame either way: flat in the number of networks.
 * Frames with a VLAN tag are not looked into. */
int plan_backstop(struct rule_builder *b, const struct net_chains *c, const struct gw_network *n,
		  const char *guard)
{
	static const char *const kinds[] = { "tun", "veth" };
	int r;

	/* GATEWAYD_TEST_OMIT=backstop: the chains stay (out_nets' and
	 * port_nets' elements jump there), empty; plan.c leaves out their
	 * dispatch */
	if (b->plan->omit & NFT_OMIT_BACKSTOP)
		return 0;
	/* What no rule below can drop leaves at once (issue 18): a frame
	 * to a port above 546 that is not ICMPv6 -- most of what guests
	 * send each other and the host sends them -- takes one rule, not
	 * three or four */
	for (int out = 0; out < 2; out++) {
		rb_start(b, out ? c->out : c->ports);
		rb_add(b, NM_UNTRUSTED, false)->u.lk.key = UT_NO_SERVER;
		if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
			return r;
	}
	for (int which = 0; which < 4; which++) {
		if (which < 3) {
			rb_start(b, c->out);
			rb_server_packet(b, which, false);
			if ((r = rb_jump(b, NULL, guard)) < 0)
				return r;
		}
		rb_start(b, c->ports);
		rb_server_packet(b, which, true);
		if ((r = rb_end(b, guard, NV_DROP)) < 0)
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
	if (n->n_guest_ports) {
		/* gatewayd's own taps and attached ports, and the doctor's
		 * test port, whatever their names (the set is nft/binding.h's,
		 * kept by the daemon from what it made itself: never from a
		 * name someone else can pick) */
		struct nft_match *m;

		rb_start(b, c->guard);
		m = rb_add(b, NM_BIND, false);
		m->u.lk.key = BT_OIF_GUEST;
		snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", NFT_GUEST_PORTS_SET);
		if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
			return r;
	}
	rb_start(b, c->guard);
	return rb_end(b, guard, NV_DROP);
}
