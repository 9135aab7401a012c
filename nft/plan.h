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

#define NFT_TABLE_NAME	"gatewayd"
#define NFT_MAX_MATCHES (GW_GUEST_PATTERNS_MAX + 8)
#define NFT_NAME_MAX	64

enum nft_match_kind {
	NM_IIFNAME, /* u.ifname; a trailing '*' matches a prefix */
	NM_OIFNAME,
	NM_IBRNAME,	/* bridge family: the bridge a frame came in on */
	NM_OBRNAME,	/* bridge family: the bridge a frame goes out of */
	NM_OIFKIND,	/* u.ifname holds the kind: "tun", "veth" */
	NM_IIFSET,	/* u.set: iifname in a named set of the same table */
	NM_ETHER_SADDR, /* u.mac */
	NM_NFPROTO,	/* u.proto: NFPROTO_IPV4 / NFPROTO_IPV6 */
	NM_SADDR4,	/* u.p4 */
	NM_DADDR4,
	NM_SADDR6, /* u.p6 */
	NM_DADDR6,
	NM_L4PROTO, /* u.proto: IPPROTO_* */
	NM_DPORT,   /* u.l4: l4proto and port */
	NM_SPORT,
	NM_ICMP6TYPE, /* u.proto: ICMPv6 type */
	NM_CTSTATE,   /* u.ctmask: NF_CT_STATE_* bits, "any of" */
};

struct nft_ifname_key {
	const char *text; /* as nft prints it */
	uint32_t meta;	  /* NFT_META_* */
};
/* Indexed by NM_IIFNAME .. NM_OIFKIND. */
extern const struct nft_ifname_key nft_ifname_keys[NM_OIFKIND + 1];

struct nft_match {
	enum nft_match_kind kind;
	bool neq;
	union {
		char ifname[IFNAMSIZ];
		char set[NFT_NAME_MAX];
		uint8_t mac[6];
		uint8_t proto;
		struct {
			struct in_addr addr;
			unsigned plen;
		} p4;
		struct {
			struct in6_addr addr;
			unsigned plen;
		} p6;
		struct {
			uint8_t proto;
			uint16_t port;
		} l4;
		uint32_t ctmask;
	} u;
};

enum nft_verdict { NV_ACCEPT, NV_DROP, NV_RETURN, NV_MASQUERADE, NV_JUMP };

/* Two tables: inet gatewayd (NAT and filtering) and bridge gatewayd (the
 * DHCP/RA backstop, which must see frames per bridge port). The base
 * chains come first in every plan, in this order; regular chains (jump
 * targets) follow. */
enum nft_chain_id {
	NC_POSTROUTING,
	NC_INPUT,
	NC_FORWARD,
	NC_BR_OUTPUT,
	NC_BR_FORWARD,
	NC_BASE_COUNT
};

#define NFT_FAMILIES 2
extern const uint8_t nft_families[NFT_FAMILIES];
/* nft's name of a family: ip, ip6, inet, bridge. */
const char *nft_family_name(uint8_t family);

struct nft_chain_desc {
	uint8_t family; /* NFPROTO_INET / NFPROTO_BRIDGE */
	char name[NFT_NAME_MAX];
	const char *type; /* "nat" / "filter"; NULL for a regular chain */
	unsigned hooknum; /* NF_INET_* / NF_BR_* */
	int prio;
};

struct nft_rule_plan {
	size_t chain; /* index into nft_plan.chains */
	size_t n_matches;
	struct nft_match m[NFT_MAX_MATCHES];
	char counter[NFT_NAME_MAX]; /* named counter object, "" = none */
	enum nft_verdict verdict;
	char target[NFT_NAME_MAX]; /* NV_JUMP: the chain */
};

struct nft_counter {
	uint8_t family;
	char name[NFT_NAME_MAX];
};

/* A set of interface names (the only kind gatewayd uses so far). */
struct nft_set_plan {
	uint8_t family;
	char name[NFT_NAME_MAX];
};

struct nft_plan {
	size_t n_chains, n_rules, cap_rules, n_counters, n_sets;
	struct nft_chain_desc *chains;
	struct nft_rule_plan *rules;
	struct nft_counter *counters;
	struct nft_set_plan *sets;
};

/* A network's named counter: what ("nat", "fwd_out", "fwd_in", "drop",
 * "guard", "outside") + "_" + network. */
void nft_counter_name(char out[NFT_NAME_MAX], const char *what, const char *net);
/* The set of a network's bridge ports, kept current by the daemon. */
void nft_ports_set_name(const struct gw_network *net, char *buf, size_t len);

/* uplinks[i] is the resolved uplink interface of conf->networks[i]. */
int nft_plan_build(const struct gw_conf *conf, const char *const *uplinks, struct nft_plan *plan);
void nft_plan_release(struct nft_plan *plan);

/* nft syntax, as `nft list table ...` would show both tables. */
void nft_plan_print(FILE *f, const struct nft_plan *plan);
void nft_rule_format(const struct nft_rule_plan *r, char *buf, size_t len);

#endif
