/* Port forwards in the ruleset (nft/ only; nft/forward.c). */
#ifndef GW_NFT_FORWARD_H
#define GW_NFT_FORWARD_H

#include "rules.h"

/* The maps and sets of every network's forwards, by family: hash maps
 * (a lookup costs the same for 10 or 10,000 elements), one for the
 * forwards on every address of the host and one, _at, for those with a
 * listen address. */
#define NFT_FWD_MAP4	   "fwd4" /* proto . port -> target . port */
#define NFT_FWD_MAP6	   "fwd6"
#define NFT_FWD_MAP4_AT	   "fwd4_at" /* listen . proto . port -> target . port */
#define NFT_FWD_MAP6_AT	   "fwd6_at"
#define NFT_FWD_COUNT4	   "fwd_count4" /* the same keys, a counter each */
#define NFT_FWD_COUNT6	   "fwd_count6"
#define NFT_FWD_COUNT4_AT  "fwd_count4_at"
#define NFT_FWD_COUNT6_AT  "fwd_count6_at"
#define NFT_FWD_HAIRPIN4   "fwd_hairpin4" /* bridge . its subnet: masquerade */
#define NFT_FWD_HAIRPIN6   "fwd_hairpin6"
#define NFT_FWD_COUNT_SETS 4
#define NFT_FWD_CLOSED_MAP "fwd_closed" /* isolated bridges -> from_NET (nft/plan.c) */
/* Chains, only with a forward: the DNAT rules (from prerouting and
 * output) and the forward hook's counting (from forward). */
#define NFT_FWD_DNAT_CHAIN  "fwd_dnat"
#define NFT_FWD_CONNS_CHAIN "fwd_conns"

/* The counting sets, for nft/forward_count.c. */
extern const char *const nft_fwd_count_sets[NFT_FWD_COUNT_SETS];

/* The forward base chain's first rule, when there are forwards: a
 * forwarded connection's packets, both ways, to fwd_conns, counted by
 * its forward and accepted. Before the dispatch, so that no network's
 * filter drops them. */
int plan_forward_filter(struct rule_builder *b, const struct gw_conf *conf);
/* The maps, sets and their elements, the DNAT rules (prerouting, and
 * output for the host's own connections) and the hairpin masquerade. */
int plan_forwards(struct rule_builder *b, const struct gw_conf *conf);

/* A forward's counting element's comment: "NET/NAME". */
void nft_forward_comment(char *buf, size_t len, const char *net, const char *name);

#endif
