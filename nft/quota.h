/* Connection quota (nft/quota.c): a cap on the connections each guest,
 * and each network, may hold in the host's connection tracking table. */
#ifndef GW_NFT_QUOTA_H
#define GW_NFT_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plan.h"

/* inet: bridge -> jump quota_NET, looked up by the nat prerouting chain
 * (new connections only); the set counting each guest's connections,
 * keyed network tag . MAC. */
#define NFT_QUOTA_MAP "quota_nets"
#define NFT_QUOTA_SET "ctq"

/* What an NM_QUOTA match tests (u.q.test). */
enum nft_quota_test {
	/* add @ctq { TAG . ether saddr ct count over N }: the guest's
	 * connections, this one included, are more than u.q.count */
	QT_GUEST,
	/* TAG . ether saddr != @ctq: the add above failed (the set is
	 * full), so this guest is not counted: fail closed */
	QT_UNCOUNTED,
	/* ct count over N: the network's connections through this rule */
	QT_NET,
};

struct rule_builder;
struct gw_conf;
struct gw_network;
/* The set and the map (always, so that a reload adding a quota changes
 * no set), and the prerouting dispatch when a network has a quota. */
int plan_quota_skeleton(struct rule_builder *b, const struct gw_conf *conf);
/* quota_NET, its map element and rules; nothing without a quota. */
int plan_quota(struct rule_builder *b, const struct gw_network *n, const char *ctr);
/* A network's tag in ctq's keys: its name and its per-guest cap, so
 * that a reload changing the cap starts new elements with the new cap
 * (an element keeps the limit it was made with). */
uint32_t nft_quota_tag(const struct gw_network *n);

/* For expr.c and text.c. */
struct nftnl_rule;
int nft_quota_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m);
void nft_quota_format(char *buf, size_t len, const struct nft_match *m);
/* 1 if s is the quota set (printed), 0 if not. */
int nft_quota_set_print(FILE *f, const struct nft_set_plan *s);

#endif
