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
/* Guest binding's DHCP records (NK_DHCP_MAC, NK_DHCP_SEEN) last this
 * long after a MAC's last DHCP message: a bound guest keeps its binding
 * past it (the bindings in force are kept while their port stays, and
 * bound_macs keeps the MAC from other ports), so a record needs to live
 * only from a DHCP message to the sync that binds its lease (200 ms at
 * most). Short, because a record is first come, first served: a guest
 * that registers a newcomer's MAC first (learned from its router
 * solicitation, say) with one forged message keeps the newcomer's DHCP
 * out for this long, not a day (tests/integ/t_rt_preregister.sh); and
 * filling the set (65535) takes that many new clients in this time,
 * which the DHCP meter does not let one port send. */
#define NFT_DHCP_SEEN_TIMEOUT_S 20

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
	NM_FIBLOCAL,  /* fib daddr type local: for the host itself */
	NM_CTSTATUS,  /* u.ctmask: IPS_* bits, "any of" */
	NM_LOOKUP,    /* u.lk: the key built as lk.key says, in the named set */
	NM_BIND,      /* u.lk: a guest binding test (nft/binding.h): lk.key a BT_* */
	/* u.lk: a test of nft/untrusted.h (ports not known yet): a UT_* */
	NM_UNTRUSTED,
	NM_QUOTA, /* u.q: connection quota, nft/quota.h */
};

/* Port forwards' keys (nft/forward.c): one of them; IPv6; a DNAT map's. */
#define NFT_KEY_FWD(k) ((k) >= NK_FWD4 && (k) <= NK_HAIRPIN6)
#define NFT_KEY_FWD6(k)                                                                            \
	((k) == NK_FWD6 || (k) == NK_FWD6_AT || (k) == NK_CT_FWD6 || (k) == NK_CT_FWD6_AT ||       \
	 (k) == NK_HAIRPIN6)
#define NFT_KEY_DNAT(k) ((k) >= NK_FWD4 && (k) <= NK_FWD6_AT)

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
		struct {
			char set[NFT_NAME_MAX];
			int key;      /* enum nft_key */
			uint32_t tag; /* the network's, nft_net_tag() (binding) */
		} lk;
		struct {
			int test; /* enum nft_quota_test; the set is NFT_QUOTA_SET */
			uint32_t tag, count;
		} q;
	} u;
};

/* NV_VMAP: the rule looks its key (vmap_key) up in the verdict map
 * named by target and takes the verdict found there ("iifname vmap
 * @in_nets"); no element, no verdict: on to the next rule. */
/* NV_SNAT: source NAT to the rule's snat address (and ports). */
/* NV_CONTINUE: none, on to the next rule (a rule that only updates a set:
 * nft/binding.c). */
enum nft_verdict {
	NV_ACCEPT,
	NV_DROP,
	NV_RETURN,
	NV_MASQUERADE,
	NV_JUMP,
	NV_VMAP,
	NV_SNAT,
	NV_CONTINUE
};

/* What a verdict map is keyed by, and what a rule looks up in it. */
enum nft_key {
	NK_IIFNAME,	/* type ifname */
	NK_OIFNAME,	/* type ifname */
	NK_ETHER_SADDR, /* type ether_addr */
	NK_IP_DADDR,	/* type ipv4_addr */
	NK_IP6_DADDR,	/* type ipv6_addr */
	/* A rule's key only (vmap_key), never a map's: the bridge a frame
	 * came in on (meta ibrname) is a name like any other, and its map is
	 * keyed NK_IIFNAME (type ifname). batch.c's key types stop above. */
	NK_IBRNAME,
	/* Rule keys only too: the source address, looked up in a map keyed
	 * ipv4_addr / ipv6_addr (the gateway addresses, for the host's own
	 * packets). */
	NK_IP_SADDR,
	NK_IP6_SADDR,
	/* Port forwards (nft/forward.c), keys of hash maps: "meta l4proto
	 * . th dport" (type inet_proto . inet_service; the family's rule
	 * checks the family), _AT with the address first ("ip daddr . meta
	 * l4proto . th dport"); the same from a connection's original
	 * direction ("meta l4proto . ct original proto-dst", "ct original ip
	 * daddr . ..."); "oifname . ip saddr" (type ifname . ipv4_addr,
	 * interval). NV_VMAP on NK_FWD4..NK_FWD6_AT is not a verdict but
	 * DNAT to what the map gives (address . port): "dnat ip to meta
	 * l4proto . th dport map @fwd4". */
	NK_FWD4,
	NK_FWD6,
	NK_FWD4_AT,
	NK_FWD6_AT,
	NK_CT_FWD4,
	NK_CT_FWD6,
	NK_CT_FWD4_AT,
	NK_CT_FWD6_AT,
	NK_HAIRPIN4,
	NK_HAIRPIN6,
	/* Guest binding (nft/binding.c): sets the daemon fills. */
	NK_BIND4,	 /* iif . ether saddr . ip saddr */
	NK_BIND_MAC,	 /* iif . ether saddr */
	NK_BIND_ETHER,	 /* network tag . ether saddr */
	NK_BIND6,	 /* iif . ether saddr . ip6 saddr */
	NK_CLAIM6,	 /* ip6 saddr: addresses a guest holds, or the gateway's */
	NK_GUEST_PORT,	 /* ifname: every guest port (the guard's, for our own ports) */
	NK_METER,	 /* iifname, a dynamic set with a limit per element */
	NK_METER_CLIENT, /* iifname . ether saddr: DHCP clients seen, with a timeout */
	/* ether saddr . ether saddr: (x, x) for each MAC that just sent DHCP
	 * or ND, so a lookup of ether saddr . claimed MAC hits iff they are
	 * equal (nft/binding_claim.c) */
	NK_MAC_SELF,
	/* Guest binding's DHCP records (issue 16 item 1): dynamic, timeout
	 * NFT_DHCP_SEEN_TIMEOUT_S. */
	NK_DHCP_MAC,  /* network tag . ether saddr: MACs whose DHCP came in on a guest port */
	NK_DHCP_SEEN, /* iif . ether saddr: the port each one's came in on */
	/* Guest binding's drops, recorded for doctor and status (issue 19
	 * item 5): dynamic, timeout NFT_BIND_MISS_TIMEOUT_S, size bounded. */
	NK_MISS4, /* iif . ether saddr . ip saddr (or ARP's sender) */
	NK_MISS6, /* iif . ether saddr . ip6 saddr */
	/* Ports not known yet (nft/untrusted.c): interval sets of our
	 * subnets, made with the table. */
	NK_OUR4,  /* ipv4_addr */
	NK_OUR6,  /* ipv6_addr */
	NK_QUOTA, /* mark . ether_addr: connection quota (nft/quota.c), dynamic */
	/* the same key: each guest's drops over a quota, with a counter and
	 * a timeout */
	NK_QUOTA_DROP,
	/* mark . ipv4_addr / ipv6_addr: connections in through a port
	 * forward, per guest address (nft/quota.c), dynamic */
	NK_QUOTA_IN4,
	NK_QUOTA_IN6,
	NK_COUNT
};

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
	NC_PREROUTING, /* inet nat: port forwards (nft/forward.c) */
	NC_OUTPUT,     /* inet nat: the host's own packets to a forward */
	/* bridge: guest binding, DHCP meter (nft/binding.c) */
	NC_BR_PREROUTING,
	/* bridge: frames for the host itself from ports not known yet
	 * (nft/untrusted.c) */
	NC_BR_INPUT,
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
	/* An inet base chain no rule needs (no port forwards: no prerouting
	 * or output chain): not created, so its hook costs nothing. Kept in
	 * the array so that the NC_* indices hold; batch, text and update
	 * skip it (nft_plan_build() decides, after the rules). */
	bool absent;
};

struct nft_rule_plan {
	size_t chain; /* index into nft_plan.chains */
	size_t n_matches;
	/* n_matches of them, owned by the plan: a rule takes the room its
	 * matches need (with 1,000 networks a plan holds ~40,000 rules) */
	struct nft_match *m;
	char counter[NFT_NAME_MAX]; /* named counter object, "" = none */
	enum nft_verdict verdict;
	char target[NFT_NAME_MAX]; /* NV_JUMP: the chain; NV_VMAP: the map */
	enum nft_key vmap_key;	   /* NV_VMAP */
	/* NV_SNAT: "snat ip to ADDR[:MIN[-MAX]]", "snat ip6 to ADDR" */
	struct nft_snat {
		uint8_t family; /* NFPROTO_IPV4 / NFPROTO_IPV6 */
		union {
			struct in_addr a4;
			struct in6_addr a6;
		} addr;
		uint16_t port_min, port_max; /* 0: any port */
	} snat;
};

struct nft_counter {
	uint8_t family;
	char name[NFT_NAME_MAX];
};

#define NFT_KEY_MAX  32 /* ifname . ifname */
#define NFT_DATA_MAX 20 /* ipv6_addr . inet_service */

/* An element of a verdict map: key -> jump chain; of a set: key (to
 * key_end in an interval set); of a NAT map: key -> data (the target's
 * address . port, as registers hold them). Concatenated keys are laid
 * out as the registers hold them: each part padded to 4 bytes. */
struct nft_elem {
	union nft_elem_key {
		char ifname[IFNAMSIZ];
		uint8_t mac[6];
		struct in_addr a4;
		struct in6_addr a6;
		uint8_t raw[NFT_KEY_MAX];
	} key, key_end;
	char chain[NFT_NAME_MAX];
	uint8_t data[NFT_DATA_MAX];
	char comment[2 * NFT_NAME_MAX]; /* "" = none */
};

/* A set of interface names, or a verdict map (vmap). The maps dispatch
 * from a base chain to one chain per network, so that a packet's rule
 * count does not grow with the number of networks; their elements are
 * created with the table, except those of the maps the daemon fills at
 * run time (dynamic: the bridge ports). */
struct nft_set_plan {
	uint8_t family;
	char name[NFT_NAME_MAX];
	bool vmap;
	bool dynamic;
	enum nft_key key; /* vmap; and of the sets below */
	/* Not a vmap (nft/forward.c): a set, or with data a NAT map to
	 * NFT_KEY_DNAT's targets; interval: elements are ranges (key to
	 * key_end); counter: each element counts what it matched. */
	bool data, interval, counter;
	/* A rule adds to it (nft/quota.c's ctq_in4/6): the kernel then gives
	 * it nft's default size, 65535, which nft lists. Not compared by
	 * update.c: it changes no set. */
	bool bound;
	size_t n_elems;
	struct nft_elem *elems;
};

/* Bench hook, never for production (compiled only into test builds, see
 * nft_test_omit()): GATEWAYD_TEST_OMIT="binding meters
 * ..." leaves those parts out of the ruleset, so that bench/ruleset.sh can
 * measure what each costs a packet (issue 18: the per-feature breakdown).
 * The guards they are part of are off while it is set; gatewayd says so
 * at start. Each part's planner checks plan->omit. */
enum nft_omit {
	NFT_OMIT_BINDING = 1u << 0,    /* "binding": bind_NET's address/MAC checks */
	NFT_OMIT_METERS = 1u << 1,     /* "meters": DHCP/RS rate meters and claim checks */
	NFT_OMIT_UNTRUSTED = 1u << 2,  /* "untrusted": unknown/untrusted-port chains */
	NFT_OMIT_BACKSTOP = 1u << 3,   /* "backstop": bridge out/ports DHCP+RA guard */
	NFT_OMIT_FWD_FILTER = 1u << 4, /* "filter": per-network forward/input filter */
	NFT_OMIT_DNAT = 1u << 5,       /* "dnat": port forwards' dispatch rules */
	NFT_OMIT_COUNTERS = 1u << 6,   /* "counters": per-network counters in rules */
};
/* Parses a space- or comma-separated list of the names above into *out;
 * -EINVAL naming nothing on an unknown word. */
int nft_omit_parse(const char *s, unsigned *out);
/* GATEWAYD_TEST_OMIT parsed (0 when unset or invalid); always 0 unless
 * built with -DGW_TEST_HOOKS (build/gatewayd-test, the unit tests): a
 * production gatewayd ignores the variable. */
unsigned nft_test_omit(void);

struct nft_plan {
	unsigned omit; /* enum nft_omit bits: nft_test_omit() at build */
	size_t n_chains, n_rules, cap_rules, n_counters, n_sets;
	struct nft_chain_desc *chains;
	struct nft_rule_plan *rules;
	struct nft_counter *counters;
	struct nft_set_plan *sets;
	/* Set by nft_plan_compact() (nft/update.h), which freed the rules:
	 * per chain a digest of its rules, and how many rules there were. */
	uint64_t (*digests)[2];
	size_t n_compact_rules;
};

struct nft_key_name {
	const char *expr; /* as a rule says it: "iifname", "ip daddr" */
	const char *type; /* the map's key type: "ifname", "ipv4_addr" */
};
/* Indexed by enum nft_key. */
extern const struct nft_key_name nft_key_names[NK_COUNT];

/* A network's named counters: one table for the planner, which creates
 * them, and for status and metrics, which read them back. */
enum nft_ctr {
	NCTR_NAT,
	NCTR_FWD_OUT,
	NCTR_FWD_IN,
	NCTR_DROP,
	NCTR_GUARD,
	NCTR_OUTSIDE,
	NCTR_BIND,	/* guest binding: spoofed frames (nft/binding.c) */
	NCTR_DHCP_RATE, /* DHCP requests over a port's rate */
	NCTR_CLAIM,	/* DHCP/ND whose claimed MAC is not the frame's source */
	NCTR_QUOTA,	/* new connections over a connection quota (nft/quota.c) */
	NCTR_COUNT
};
struct nft_ctr_kind {
	const char *what; /* the counter is what + "_" + network */
	uint8_t family;
	const char *status;	    /* gatewayctl status: STATUS_packets, STATUS_bytes */
	const char *metric_packets; /* Prometheus names and help */
	const char *metric_bytes;   /* NULL: packets only */
	const char *help;
};
extern const struct nft_ctr_kind nft_ctr_kinds[NCTR_COUNT];
/* what + "_" + network: "nat_default". */
void nft_counter_name(char out[NFT_NAME_MAX], const char *what, const char *net);
/* The bridge table's map of guest-bridge ports to their network's chain,
 * kept current by the daemon (nft_set_ports()). In both forms of the
 * plan; only the port-set form looks it up (see plan_backstop()). */
#define NFT_PORTS_MAP "port_nets"
/* The bridge-meta form's map of guest bridges to their network's chain
 * (meta ibrname vmap), static like the other maps. */
#define NFT_BRIDGES_MAP "br_nets"
/* The chain a network's bridge ports jump to from NFT_PORTS_MAP (and, in
 * the bridge-meta form, its bridge from NFT_BRIDGES_MAP). */
void nft_ports_chain_name(const struct gw_network *net, char *buf, size_t len);

/* uplinks[i] is the resolved uplink interface of conf->networks[i].
 * bridge_meta: the kernel has bridge meta expressions (see
 * nft_bridge_meta_supported()): the backstop's forward hook then knows a
 * frame's network by the bridge it came in on (meta ibrname), so every
 * port is covered, also one plugged in while the daemon was stopped. Without
 * them, by the port (iifname), through NFT_PORTS_MAP. Ports not listed yet
 * are untrusted in both forms, reached differently (nft/untrusted.c). The
 * plan is the same otherwise, rule for rule: the same chains and counters
 * in both, the same sets but br_nets. */
int nft_plan_build(const struct gw_conf *conf, const char *const *uplinks, bool bridge_meta,
		   struct nft_plan *plan);
void nft_plan_release(struct nft_plan *plan);
/* The planners' one way to add a chain or a set (zeroed but for family,
 * name and key): its index, or -ENOMEM. */
long nft_plan_chain_add(struct nft_plan *p, uint8_t family, const char *name);
long nft_plan_set_add(struct nft_plan *p, uint8_t family, const char *name, enum nft_key key);

/* nft syntax, as `nft list table ...` would show both tables. */
void nft_plan_print(FILE *f, const struct nft_plan *plan);
void nft_rule_format(const struct nft_rule_plan *r, char *buf, size_t len);

#endif
