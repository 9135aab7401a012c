/* Guest binding (nft/binding.c): what a guest port may send from, as sets
 * of the bridge table that the daemon fills from leases and static hosts
 * (gatewayd/core/binding.c), and the per-port DHCP meter. */
#ifndef GW_NFT_BINDING_H
#define GW_NFT_BINDING_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "batch.h"
#include "commit.h"
#include "plan.h"

/* Guest port -> jump bind_NET: every guest port of every network. */
#define NFT_BIND_MAP "bind_nets"
/* iif . ether saddr . ip saddr: a guest's MAC on its port, and its IPv4
 * address; ARP's sender MAC and IP are looked up here too. */
#define NFT_BIND4_SET "bind4"
/* iif . ether saddr: where each bound MAC is; and the bound MACs alone.
 * A bound MAC is used on its own port only. */
#define NFT_BIND_MAC_SET   "bind_mac"
#define NFT_BIND_ETHER_SET "bound_macs"
/* IPv6, first come first served (RFC 6620's idea): iif . ether saddr .
 * ip6 saddr for each address a guest holds; and every address held,
 * with the gateway's own (kept from every guest). An address in
 * claimed6 may be a source, or a neighbour advertisement's target, only
 * for the port and MAC bind6 gives it; others are free to take. */
#define NFT_BIND6_SET "bind6"
/* Every guest port's name, as bind_nets has them: the backstop's guard
 * lets our DHCP replies out through these too, where guest_ports
 * patterns would not (gatewayd's own taps, ports attached through
 * gatewayctl attach, whatever their names). */
#define NFT_GUEST_PORTS_SET "guest_ports"
#define NFT_CLAIM6_SET	    "claimed6"
/* DHCP clients (iifname . MAC) seen in the last hour; and, with a limit
 * per port, how fast new ones may come: what empties a pool is many
 * clients on one port, not one client asking often. */
#define NFT_METER_CLIENTS "dhcp_clients"
#define NFT_METER_SET	  "dhcp_rate"
#define NFT_METER_RATE	  4 /* new clients per minute, after the burst */
#define NFT_METER_BURST	  5 /* nft's default: it does not print it */
/* The same per port for source MACs, on networks with guest binding:
 * every MAC a port sends from (iifname . MAC, an hour after its last
 * frame), and how fast new ones may come (NFT_METER_RATE a minute after
 * NFT_METER_BURST). A guest sending from made-up MACs (neighbour
 * solicitations, which the DHCP meter does not see) would grow the
 * bridge's forwarding database (which each sync reads: a guest on
 * another network was bound 9 s late), fill mac_self (every guest's
 * DHCP and ND then fail the claim checks) and the DHCP records. */
#define NFT_MAC_CLIENTS "mac_clients"
#define NFT_MAC_RATE	"mac_rate"
/* (MAC, MAC) for each guest MAC that just sent DHCP or neighbour
 * discovery: what the claim checks compare a packet's hardware address
 * with (nft/binding_claim.c). Full: the check fails closed. */
#define NFT_MAC_SELF_SET	"mac_self"
#define NFT_MAC_SELF_SIZE	65535
#define NFT_MAC_SELF_TIMEOUT_MS 2000
/* Where each MAC's own DHCP came in (issue 16 item 1), first come first
 * served: the MACs, and iif . MAC. Kept by the kernel (every DHCP client
 * message refreshes them); a MAC in dhcp_macs sends from the port
 * dhcp_seen gives it only. The daemon binds a lease's MAC to that port
 * (never to what the forwarding database says, which any guest teaches)
 * and deletes the records of ports that are gone. */
#define NFT_DHCP_MACS "dhcp_macs"
#define NFT_DHCP_SEEN "dhcp_seen"
/* What guest binding dropped, for doctor and status (issue 19 item 5):
 * the port, MAC and address of each IPv4 or ARP frame (bind_miss4) and
 * IPv6 frame (bind_miss6) that bind_NET's last drop rules dropped, for
 * NFT_BIND_MISS_TIMEOUT_S after the last one. Written by a rule of its
 * own just before each drop rule: a full set fails the update, which
 * ends that rule only -- the drop rule after it drops all the same. At
 * most NFT_BIND_MISS_SIZE each, whatever a guest sends from. */
#define NFT_BIND_MISS4_SET	"bind_miss4"
#define NFT_BIND_MISS6_SET	"bind_miss6"
#define NFT_BIND_MISS_SIZE	1024
#define NFT_BIND_MISS_TIMEOUT_S 60

/* The tests a rule of bind_NET makes (nft_match NM_BIND, u.lk.key). */
enum nft_bind_test {
	BT_ETHER_IP,  /* meta protocol ip (also under a VLAN tag the driver took) */
	BT_ETHER_ARP, /* meta protocol arp */
	/* these check the ether type too, as nft does (and, as nft, do not
	 * print it) */
	BT_SADDR4_ZERO,	 /* ip saddr 0.0.0.0 */
	BT_ARP_SPA_ZERO, /* arp saddr ip 0.0.0.0 */
	BT_LOOKUP4,	 /* iif . ether saddr . ip saddr @bind4 */
	BT_LOOKUP_ARP,	 /* iif . arp saddr ether . arp saddr ip @bind4 */
	BT_LOOKUP_MAC,	 /* iif . ether saddr @bind_mac */
	BT_LOOKUP_ETHER, /* tag . ether saddr @bound_macs (tag: nft_net_tag()) */
	BT_METER,	 /* add @dhcp_rate { iifname limit rate over ... } */
	BT_CLIENT,	 /* iifname . ether saddr @dhcp_clients */
	BT_CLIENT_SEEN,	 /* update @dhcp_clients { iifname . ether saddr } */
	BT_VLAN,	 /* ether type 8021q */
	BT_QINQ,	 /* ether type 8021ad */
	BT_CLAIMED6,	 /* ip6 saddr @claimed6 */
	BT_LOOKUP6,	 /* iif . ether saddr . ip6 saddr @bind6 */
	BT_NA,		 /* icmpv6 type nd-neighbor-advert */
	BT_DAD,		 /* ip6 saddr :: icmpv6 type nd-neighbor-solicit */
	BT_NA_CLAIMED,	 /* @th,64,128 @claimed6: the advertised target */
	BT_LOOKUP_NA,	 /* iif . ether saddr . @th,64,128 @bind6 */
	BT_OIF_GUEST,	 /* oifname @guest_ports */
	/* claims (nft/binding_claim.c): the hardware address a DHCP or ND
	 * message names must be the frame's source */
	BT_SELF_UPDATE, /* update @mac_self { ether saddr . ether saddr } */
	BT_BOOTREQUEST, /* @th,64,24 0x10106: op, htype, hlen (Ethernet) */
	BT_SELF_CHADDR, /* ether saddr . @th,288,48 @mac_self: the chaddr */
	BT_ND_TYPES,	/* icmpv6 type 133-136 */
	BT_NS_UNICAST,	/* icmpv6 type nd-neighbor-solicit ip6 saddr != :: */
	BT_RS,		/* icmpv6 type nd-router-solicit */
	BT_OPT_SLL24,	/* @th,192,8 0x1: NS's first option a source LL address */
	BT_OPT_TLL24,	/* @th,192,8 0x2: NA's first option a target LL address */
	BT_OPT_SLL8,	/* @th,64,8 0x1: RS's first option a source LL address */
	BT_SELF_LL24,	/* ether saddr . @th,208,48 @mac_self: NS/NA's option */
	BT_SELF_LL8,	/* ether saddr . @th,80,48 @mac_self: RS's option */
	BT_UPDATE_MAC,	/* update @dhcp_macs { tag . ether saddr } */
	BT_UPDATE_SEEN, /* update @dhcp_seen { iif . ether saddr } */
	/* binding_claim.c: two tags, the outer one a priority tag */
	BT_PROTO_VLAN, /* meta protocol 8021q */
	BT_PROTO_QINQ, /* meta protocol 8021ad */
	BT_VLAN_ID0,   /* vlan id 0: the outer tag's VID */
	/* binding.c's fast paths, bind_NET's first rules: an untagged frame
	 * (ether type, which reads a tag the driver took off), not to the
	 * DHCP ports, from a bound source */
	BT_FAST4, /* ether type ip th dport != 67 th dport != 547 + BT_LOOKUP4's key */
	BT_FAST6, /* ether type ip6 meta l4proto != ipv6-icmp, the same ports, + bind6 */
	/* the drops' records (NFT_BIND_MISS4_SET, NFT_BIND_MISS6_SET) */
	BT_MISS4,    /* update @bind_miss4 { iif . ether saddr . ip saddr } */
	BT_MISS_ARP, /* update @bind_miss4 { iif . arp saddr ether . arp saddr ip } */
	BT_MISS6,    /* update @bind_miss6 { iif . ether saddr . ip6 saddr } */
};

/* One binding: this MAC on this port may use this address (has4 and
 * has6 false: the MAC alone, no address yet). One address each. */
struct nft_bind {
	uint32_t ifindex;
	uint8_t mac[6];
	bool has4, has6;
	struct in_addr a4;
	struct in6_addr a6;
	uint32_t tag; /* the port's network's nft_net_tag(): bound_macs */
};

void nft_bind_chain_name(const char *net, char *buf, size_t len);
/* A network's tag: bound_macs and dhcp_macs key a MAC by network. */
uint32_t nft_net_tag(const char *net);

/* One transaction that makes the binding sets hold exactly these: ports
 * (port name -> jump bind_NET) in NFT_BIND_MAP, the bindings in the
 * others; claimed6 holds the bindings' IPv6 addresses and kept[] (the
 * gateways' addresses, static hosts' whose guest is not there). */
struct nft_bind_set {
	const struct nft_elem *ports;
	size_t n_ports;
	const struct nft_bind *binds;
	size_t n;
	const struct in6_addr *kept;
	size_t n_kept;
};
int nft_batch_binding(uint32_t seq, const struct nft_bind_set *s, struct nft_batch **out);
int nft_set_binding(struct nft_conn *conn, const struct nft_bind_set *s, char *err, size_t errlen);
/* The same as each set's elements, sorted and one per key: bind_nets,
 * bind4, bind_mac, bound_macs, bind6, claimed6, guest_ports. */
#define NFT_BIND_SETS 7
struct nft_bind_elems {
	size_t n[NFT_BIND_SETS];
	struct nft_elem *v[NFT_BIND_SETS];
};
int nft_bind_elems_make(const struct nft_bind_set *s, struct nft_bind_elems *out);
void nft_bind_elems_release(struct nft_bind_elems *e);
/* One transaction that turns the sets holding old into new: what old has
 * and new not deleted, then what new has and old not added. *out NULL
 * when they are equal: nothing to send. */
int nft_batch_binding_delta(uint32_t seq, const struct nft_bind_elems *old,
			    const struct nft_bind_elems *new, struct nft_batch **out);
/* Into b, a transaction under way that rewrites NFT_BIND_MAP: bind4 and
 * bind6 made to hold only the elements in force (bind4[], bind6[]) of the
 * ports whose ifindex is in keep[] -- the fast path is the prerouting
 * chain's first rule, before the bind_nets dispatch, and would otherwise
 * accept a dropped port's frames until the daemon's next binding sync. */
int nft_batch_bind_fast_keep(struct nft_batch *b, const uint32_t *keep, size_t n_keep,
			     const struct nft_elem *bind4, size_t n4, const struct nft_elem *bind6,
			     size_t n6);
/* 1 if a transaction was committed, 0 if there was nothing to change,
 * or -errno (err says why). */
int nft_set_binding_delta(struct nft_conn *conn, const struct nft_bind_elems *old,
			  const struct nft_bind_elems *new, char *err, size_t errlen);

/* One transaction deleting DHCP records: seen[0..n) are (ifindex, MAC)
 * of dhcp_seen (NFT_DHCP_SEEN), laid out as struct nft_bind's first two
 * fields; macs[0..n_macs) (tag, MAC) of dhcp_macs, the same layout with
 * the network's tag for the ifindex. */
int nft_batch_dhcp_forget(uint32_t seq, const struct nft_bind *seen, size_t n,
			  const struct nft_bind *macs, size_t n_macs, struct nft_batch **out);
int nft_dhcp_forget(struct nft_conn *conn, const struct nft_bind *seen, size_t n,
		    const struct nft_bind *macs, size_t n_macs, char *err, size_t errlen);

/* For expr.c and text.c: an NM_BIND match's bytecode and text, and the
 * declaration of one of the sets above. */
struct nftnl_rule;
int nft_bind_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m);
void nft_bind_format(char *buf, size_t len, const struct nft_match *m);
/* 1 if s is one of binding's sets (printed), 0 if not. */
int nft_bind_set_print(FILE *f, const struct nft_set_plan *s);

/* binding_claim.c: the claim rules of bind_NET (on every network), and
 * the bytecode and text of their BT_SELF_UPDATE .. BT_SELF_LL8 tests. */
struct rule_builder;
struct gw_network;
int plan_binding_claims(struct rule_builder *b, size_t chain, const struct gw_network *n);
int nft_claim_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m);
void nft_claim_format(char *buf, size_t len, const struct nft_match *m);

#endif
