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
/* What each guest had dropped over a quota (network tag . MAC, a counter
 * each; doctor and status read it), kept an hour after its last drop. */
#define NFT_QUOTA_DROP_SET	 "ctq_drops"
#define NFT_QUOTA_DROP_TIMEOUT_S 3600
/* DHCP and DHCPv6 to the host not counted: at most this many of a
 * network's flows per exemption rule (nft/quota.c plan_quota_dhcp()) */
#define NFT_QUOTA_DHCP_FLOWS 1024
/* Connections in through a port forward (after DNAT, in fwd_conns):
 * oifname vmap @quota_in_nets -> qin_NET, each guest address counted in
 * ctq_in4 / ctq_in6 (network tag . ip daddr), a budget of its own. */
#define NFT_QUOTA_IN_MAP  "quota_in_nets"
#define NFT_QUOTA_IN4_SET "ctq_in4"
#define NFT_QUOTA_IN6_SET "ctq_in6"

/* What an NM_QUOTA match tests (u.q.test). */
enum nft_quota_test {
	/* add @ctq { TAG . ether saddr ct count over N }: the guest's
	 * connections, this one included, are more than u.q.count */
	QT_GUEST,
	/* ct count over N: the network's connections through this rule
	 * (neq: "ct count N", at most N) */
	QT_NET,
	/* update @ctq_drops { TAG . ether saddr counter }: the guest's drop,
	 * in qdrop_NET, which the two above jump to */
	QT_DROP,
	/* add @ctq_in4 { TAG . ip daddr ct count over N } (meta nfproto
	 * ipv4 first), and ctq_in6 with ip6 daddr: the connections in to
	 * the guest through port forwards, this one included */
	QT_IN4,
	QT_IN6,
};

struct rule_builder;
struct gw_conf;
struct gw_network;
/* The set and the map (always, so that a reload adding a quota changes
 * no set), and the prerouting dispatch when a network has a quota. */
int plan_quota_skeleton(struct rule_builder *b, const struct gw_conf *conf);
/* quota_NET, its map element and rules; nothing without a quota. */
int plan_quota(struct rule_builder *b, const struct gw_network *n, const char *ctr);
/* fwd_conns' rule sending new connections to qin_NET by the bridge they
 * go out of (nft/forward.c calls it); nothing if no network has both a
 * quota and a forward. */
int plan_quota_forward(struct rule_builder *b, size_t chain, const struct gw_conf *conf);
/* A network's tag in ctq's keys: its name and its per-guest cap, so
 * that a reload changing the cap starts new elements with the new cap
 * (an element keeps the limit it was made with). */
uint32_t nft_quota_tag(const struct gw_network *n);
/* The network's tag in ctq_drops' keys: its name only (a new cap keeps
 * what was dropped). */
uint32_t nft_quota_drop_tag(const struct gw_network *n);

/* ctq_drops read back (nft/quota_read.c): what each guest had dropped. */
struct nft_quota_drop {
	uint32_t tag;
	uint8_t mac[6];
	uint64_t packets;
};
/* Every element, sorted (for nft_quota_drop_find()); *out the caller's to
 * free. How many, or -errno. */
long nft_quota_drops_read(struct nft_quota_drop **out);
/* The packets guest MAC of the network with this tag had dropped (0 if
 * none). */
uint64_t nft_quota_drop_find(const struct nft_quota_drop *v, size_t n, uint32_t tag,
			     const uint8_t mac[6]);
/* One element of a GETSETELEM reply (pure, for the reader and tests):
 * 1 and *d filled if it holds a key of ctq_drops' length, else 0. */
struct nlattr;
int nft_quota_drop_parse(const struct nlattr *elem, struct nft_quota_drop *d);
/* For expr.c and text.c. */
struct nftnl_rule;
int nft_quota_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m);
void nft_quota_format(char *buf, size_t len, const struct nft_match *m);
/* 1 if s is the quota set (printed), 0 if not. */
int nft_quota_set_print(FILE *f, const struct nft_set_plan *s);

#endif
