/* The nftables ruleset gatewayd wants, as data: computed from the config
 * without any system call, then either printed in nft syntax (text.c) or
 * turned into one nf_tables batch (batch.c). */
#ifndef GW_NFT_PLAN_H
#define GW_NFT_PLAN_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"

#define NFT_TABLE_NAME "gatewayd"
#define NFT_MAX_MATCHES 6
#define NFT_NAME_MAX 64

enum nft_match_kind {
	NM_IIFNAME,
	NM_OIFNAME,
	NM_NFPROTO,   /* u.proto: NFPROTO_IPV4 / NFPROTO_IPV6 */
	NM_SADDR4,    /* u.p4 */
	NM_DADDR4,
	NM_SADDR6,    /* u.p6 */
	NM_DADDR6,
	NM_L4PROTO,   /* u.proto: IPPROTO_* */
	NM_DPORT,     /* u.port, with l4proto in u.proto */
	NM_CTSTATE,   /* u.ctmask: NF_CT_STATE_* bits, "any of" */
};

struct nft_match {
	enum nft_match_kind kind;
	bool neq;
	union {
		char ifname[IFNAMSIZ];
		uint8_t proto;
		struct { struct in_addr addr; unsigned plen; } p4;
		struct { struct in6_addr addr; unsigned plen; } p6;
		struct { uint8_t proto; uint16_t port; } l4;
		uint32_t ctmask;
	} u;
};

enum nft_verdict { NV_ACCEPT, NV_DROP, NV_RETURN, NV_MASQUERADE };

enum nft_chain_id { NC_POSTROUTING, NC_INPUT, NC_FORWARD, NC_COUNT };

struct nft_rule_plan {
	enum nft_chain_id chain;
	size_t n_matches;
	struct nft_match m[NFT_MAX_MATCHES];
	char counter[NFT_NAME_MAX]; /* named counter object, "" = none */
	enum nft_verdict verdict;
};

struct nft_chain_desc {
	const char *name;
	const char *type;  /* "nat" / "filter" */
	unsigned hooknum;  /* NF_INET_* */
	int prio;
};

extern const struct nft_chain_desc nft_chains[NC_COUNT];

struct nft_plan {
	size_t n_rules, cap_rules;
	struct nft_rule_plan *rules;
	size_t n_counters;
	char (*counters)[NFT_NAME_MAX];
};

/* uplinks[i] is the resolved uplink interface of conf->networks[i]. */
int nft_plan_build(const struct gw_conf *conf, const char *const *uplinks,
		   struct nft_plan *plan);
void nft_plan_release(struct nft_plan *plan);

/* nft syntax, as `nft list table inet gatewayd` would show it. */
void nft_plan_print(FILE *f, const struct nft_plan *plan);
void nft_rule_format(const struct nft_rule_plan *r, char *buf, size_t len);

#endif
