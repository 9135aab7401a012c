/* Router advertisements gatewayd sends itself (RFC 4861, 4191, 8106), and
 * the router solicitations it answers. Pure: a network's config in, an
 * ICMPv6 message out (the kernel adds the IPv6 header and the checksum);
 * bytes in, a verdict out. The socket that carries them is ra/router.c. */
#ifndef GW_RA_MSG_H
#define GW_RA_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define RA_MAX_PREFIXES 4
#define RA_MAX_RDNSS	3
#define RA_MAX_ROUTES	8
#define RA_MSG_MAX	1280 /* what fits the IPv6 minimum MTU */

/* default router / route preference (RFC 4191 2.1) */
enum ra_pref { RA_PREF_MEDIUM = 0, RA_PREF_HIGH = 1, RA_PREF_LOW = 3 };

struct ra_prefix {
	struct in6_addr prefix; /* network address: host bits are cleared */
	uint8_t plen;
	bool onlink, autonomous;
	uint32_t valid, preferred; /* seconds; 0xffffffff = infinity */
};

struct ra_route { /* Route Information (RFC 4191 2.3) */
	struct in6_addr prefix;
	uint8_t plen;
	enum ra_pref pref;
	uint32_t lifetime;
};

/* Everything one RA says. */
struct ra_params {
	uint8_t cur_hop_limit;
	bool managed, other; /* M and O flags */
	enum ra_pref pref;   /* default router preference */
	uint16_t router_lifetime;
	uint32_t reachable_ms, retrans_ms; /* 0: unspecified */
	bool has_sll;
	uint8_t sll[6]; /* source link-layer address: the bridge's MAC */
	uint32_t mtu;	/* 0: no MTU option */
	size_t n_prefixes;
	struct ra_prefix prefixes[RA_MAX_PREFIXES];
	size_t n_rdnss;
	struct in6_addr rdnss[RA_MAX_RDNSS];
	uint32_t rdnss_lifetime;
	char dnssl[GW_DOMAIN_MAX + 1]; /* one search domain, "" = none */
	uint32_t dnssl_lifetime;
	size_t n_routes;
	struct ra_route routes[RA_MAX_ROUTES];
};

/* What gatewayd announces for a network (see ra/msg.c for the values and
 * why). mac: the bridge's MAC (addr_bridge_mac()). */
void ra_params_from_net(const struct gw_network *net, const uint8_t mac[6], struct ra_params *p);

/* The last RA of a network that stops serving: not a router any more
 * (router lifetime 0), its prefixes deprecated (preferred lifetime 0), its
 * DNS server, search domain and routes withdrawn (lifetime 0). */
void ra_params_final(struct ra_params *p);

/* Write the ICMPv6 router advertisement p describes into buf: its length,
 * or -EMSGSIZE if it does not fit len, -EINVAL for a bad value (a prefix
 * length over 128, a search domain that is no domain name). */
int ra_build(const struct ra_params *p, uint8_t *buf, size_t len);

/* A received router solicitation (the ICMPv6 part, its IPv6 hop limit and
 * source): 0 if valid (RFC 4861 6.1.1), with its source link-layer address
 * in sll if it carried one (*has_sll), or -EINVAL. */
int ra_parse_rs(const uint8_t *msg, size_t len, int hop_limit, const struct in6_addr *src,
		uint8_t sll[6], bool *has_sll);

#endif
