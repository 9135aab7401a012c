/* Announcing networks over BGP through BIRD, and the pools "auto" subnets
 * come from (conf/bgp.c). The global `bgp { ... }` section, pool4 and
 * pool6, and each network's `announce`. What is done with them:
 * gatewayd/core/bgp.c (the fragment BIRD reads) and gatewayd/host/bird.c
 * (BIRD's control socket). */
#ifndef GW_CONF_BGP_H
#define GW_CONF_BGP_H

#include <confuse.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

#define GW_BGP_NEIGHBORS_MAX 16
#define GW_BGP_PASSWORD_MAX  80
#define GW_BGP_PATH_MAX	     256 /* = GW_PATH_MAX */
#define GW_BGP_SOCKET	     "/run/bird/bird.ctl"
#define GW_BGP_CONFIG_FILE   "/etc/bird/gatewayd.conf"

/* The keys of the bgp section (conf/bgp.c). */
extern cfg_opt_t conf_bgp_opts[];

/* The root section's keys of this feature (a list of CFG_* entries, each
 * followed by a comma), spliced into conf.c's schema. The bgp section is
 * CFGF_MULTI only so that its absence can be told (conf/bgp.c refuses two). */
#define CONF_BGP_OPTS                                                                              \
	SVAL("pool4", NULL), SVAL("pool6", NULL), CFG_SEC("bgp", conf_bgp_opts, CFGF_MULTI),
/* The network section's key. */
#define CONF_BGP_NET_OPTS SVAL("announce", NULL),

struct gw_bgp_neighbor {
	char name[NAME_NET_MAX + 1];
	int family;	      /* of address: AF_INET carries IPv4 routes, AF_INET6 IPv6 */
	struct in6_addr addr; /* an IPv4 address in its first 4 bytes */
	uint32_t as;
	char password[GW_BGP_PASSWORD_MAX + 1]; /* "" = none */
	unsigned hold_time;			/* seconds; 0 = BIRD's default */
	unsigned connect_retry;			/* seconds; 0 = BIRD's default */
};

struct gw_bgp {
	bool enabled; /* a bgp section was written */
	uint32_t local_as;
	bool has_router_id;
	struct in_addr router_id;
	/* bird_config = own: config_file is BIRD's whole config; include:
	 * bird.conf includes it. */
	bool own;
	char socket[GW_BGP_PATH_MAX];
	char config_file[GW_BGP_PATH_MAX];
	size_t n_neighbors;
	struct gw_bgp_neighbor neighbors[GW_BGP_NEIGHBORS_MAX];
};

/* Where ipv4 = auto and ipv6 = auto draw from (the default: a /24 in
 * 10.0.0.0/8, a random ULA /64). Disjoint pools on each host of a fleet
 * keep their subnets apart without shared state. */
struct gw_pools {
	bool has4, has6;
	struct in_addr net4;
	unsigned plen4;
	struct in6_addr net6;
	unsigned plen6;
};

#endif
