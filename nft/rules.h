/* Building the plan's rules (nft/ only). plan.c makes the tables, maps,
 * chains and counters; the rules of one network's chains come from
 * filter.c (inet: NAT, input, forward) and guard.c (bridge: the DHCP/RA
 * backstop), through this builder (rules.c). */
#ifndef GW_NFT_RULES_H
#define GW_NFT_RULES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "plan.h"

#define CT_EST_REL (NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))

/* The rule being built (r) keeps its matches in m until rb_end() copies
 * them, exactly as many as it has, into the plan. */
struct rule_builder {
	struct nft_plan *plan;
	struct nft_rule_plan r;
	struct nft_match m[NFT_MAX_MATCHES];
};

/* One network's chains, made by plan_net_chains(). */
struct net_chains {
	size_t nat, svc, in, from, to, out, ports, guard;
};

/* rules.c */
void rb_start(struct rule_builder *b, size_t chain);
struct nft_match *rb_add(struct rule_builder *b, enum nft_match_kind kind, bool neq);
void rb_ifname(struct rule_builder *b, enum nft_match_kind kind, const char *name);
void rb_net4(struct rule_builder *b, enum nft_match_kind kind, bool neq, struct in_addr a,
	     unsigned plen);
void rb_net6(struct rule_builder *b, enum nft_match_kind kind, bool neq, const struct in6_addr *a,
	     unsigned plen);
int rb_end(struct rule_builder *b, const char *counter, enum nft_verdict v);
int rb_jump(struct rule_builder *b, const char *counter, const char *target);
int rb_vmap(struct rule_builder *b, size_t chain, enum nft_key key, const char *map);

/* filter.c */
int plan_postrouting(struct rule_builder *b, size_t chain, const struct gw_network *n,
		     const char *up, const char *ctr);
int plan_forward(struct rule_builder *b, const struct net_chains *c, const struct gw_conf *conf,
		 const struct gw_network *n, const char *up, const char *spoof, const char *out,
		 const char *in);
int plan_input_outside(struct rule_builder *b, size_t chain, const struct gw_network *n,
		       const char *ctr);
int plan_input(struct rule_builder *b, size_t chain, const struct gw_network *n, const char *spoof);

/* guard.c */
int plan_backstop(struct rule_builder *b, const struct net_chains *c, const struct gw_network *n,
		  const char *guard);

/* binding.c: the sets and prerouting dispatch; a network's bind_NET. */
int plan_binding_skeleton(struct rule_builder *b, const struct gw_conf *conf);
int plan_binding(struct rule_builder *b, const struct gw_network *n, const char *bind,
		 const char *rate);

#endif
