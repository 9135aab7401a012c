/* Ports gatewayd does not know yet (nft/untrusted.c): in the kernel an
 * untrusted guest -- DHCP client messages and duplicate address probes
 * only -- never a port with no rules. */
#ifndef GW_NFT_UNTRUSTED_H
#define GW_NFT_UNTRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "plan.h"

/* The bridge table's chains: what an untrusted port may send (a DHCP
 * client, a probe; the rest dropped and counted), and, in port-set form,
 * what no port outside our maps may claim (our subnets' addresses). */
#define NFT_UNTRUSTED_CHAIN "untrusted_port"
#define NFT_UNKNOWN_CHAIN   "unknown_port"
/* Its counter (bridge family): frames of untrusted ports dropped. */
#define NFT_UNTRUSTED_CTR "untrusted"
/* Every network's IPv4 subnet; every IPv6 prefix and every gateway's
 * link-local address (interval sets, made with the table). */
#define NFT_OUR4_SET "our_nets4"
#define NFT_OUR6_SET "our_nets6"

/* The tests an NM_UNTRUSTED match makes (u.lk.key; u.lk.set the set). */
enum nft_untrusted_test {
	UT_BOOTREPLY,	/* udp dport 67 @th,64,8 0x2: a DHCP server's message */
	UT_IBR_SET,	/* meta ibrname @set */
	UT_ARP_SPA_SET, /* arp saddr ip @set */
	UT_SADDR4_SET,	/* ip saddr @set */
	UT_SADDR6_SET,	/* ip6 saddr @set */
	UT_NA_SET,	/* icmpv6 type nd-neighbor-advert @th,64,128 @set */
	/* th dport > 546 meta l4proto != ipv6-icmp: no DHCP/DHCPv6 server
	 * message (to port 67, 68 or 546) and no RA can be this (guard.c) */
	UT_NO_SERVER,
};

struct rule_builder;
/* The sets, chains, counter and dispatch rules, in the form bridge_meta
 * says (see untrusted.c). After plan_binding_skeleton(): its sets are
 * looked up here. */
int plan_untrusted(struct rule_builder *b, const struct gw_conf *conf, bool bridge_meta);

/* For expr.c and text.c: an NM_UNTRUSTED match's bytecode and text; one
 * of the sets above printed (1), or not one of them (0). */
struct nftnl_rule;
int nft_untrusted_expr(struct nftnl_rule *r, const struct nft_plan *plan,
		       const struct nft_match *m);
void nft_untrusted_format(char *buf, size_t len, const struct nft_match *m);
int nft_untrusted_set_print(FILE *f, const struct nft_set_plan *s);

/* What the form leaves open, in one line, for status and doctor. */
const char *nft_backstop_gap(bool bridge_meta);

#endif
