/* What the host looks like, as plain data: read over rtnetlink by
 * rtnl_read_facts(), kept current from events by host/snapshot.c,
 * judged by the pure checks in hostcheck.c. */
#ifndef GW_FACTS_H
#define GW_FACTS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32];	/* "" for a physical NIC */
	int master;	/* ifindex of the bridge it is a port of, or 0 */
	unsigned flags; /* IFF_* */
	/* a veth's peer, when it is in this namespace too (IFLA_LINK without
	 * IFLA_LINK_NETNSID); 0 if elsewhere or not a veth */
	int peer;
	uint8_t mac[6]; /* IFLA_ADDRESS, zero if none or not 6 bytes */
};

struct host_addr {
	int family; /* AF_INET / AF_INET6 */
	uint8_t addr[16];
	unsigned plen;
	int ifindex;
	/* a point-to-point address's peer (IFA_ADDRESS beside IFA_LOCAL;
	 * else the address itself): 10.0.0.1 peer 10.0.0.2/32 and 10.0.0.1
	 * peer 10.0.0.3/32 are two addresses */
	uint8_t peer[16];
};

/* One route, or one nexthop of a multipath route (one entry each: the
 * kernel adds and removes an IPv6 route's nexthops one by one, and may
 * hold several IPv4 routes to one place through one device by several
 * gateways). */
struct host_route {
	int family;
	uint8_t dst[16];
	unsigned plen;
	int ifindex;	   /* 0 if none (blackhole) */
	unsigned protocol; /* RTPROT_*: RTPROT_RA for routes learned from RAs */
	uint32_t metric;
	uint8_t gw[16];	   /* RTA_GATEWAY or RTA_VIA, zero if none */
	uint8_t tos, type; /* rtm_tos, rtm_type (RTN_UNICAST, RTN_BLACKHOLE, ...) */
	uint32_t nhid;	   /* RTA_NH_ID: through a nexthop object, or 0 */
	bool mp;	   /* one nexthop of several (RTA_MULTIPATH) */
};

struct host_facts {
	size_t n_links, n_addrs, n_routes;
	struct host_link *links;
	struct host_addr *addrs;
	struct host_route *routes; /* main table only */
	/* links sorted by name (rtnl_read_facts, host_facts_apply): looked
	 * up by halving, not walked -- with 1,000 networks the watch asks
	 * thousands of times a pass. Facts made by hand (tests) leave it
	 * false. */
	bool links_by_name;
};

void host_facts_free(struct host_facts *f);
const struct host_link *host_link_by_index(const struct host_facts *f, int ifindex);
const struct host_link *host_link_by_name(const struct host_facts *f, const char *name);

#endif
