/* A network's port forwards: `forward NAME { proto; port; to; listen }`
 * (conf/forward.c). */
#ifndef GW_CONF_FORWARD_H
#define GW_CONF_FORWARD_H

#include <confuse.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

/* Each listen port is an element of a hash map (nft/forward.c): at most
 * this many ports per forward. */
#define GW_FORWARD_RANGE_MAX 1024

/* The keys of one `forward NAME { ... }` section (conf/forward.c). */
extern cfg_opt_t conf_forward_opts[];

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_FORWARD_OPTS                                                                          \
	CFG_SEC("forward", conf_forward_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),

/* Packets for listen (any address of the host when listen_any), proto,
 * ports port_min..port_max go to `to`, port to_min (..to_max: a range of
 * the same size, port for port). Addresses in network byte order; the
 * family is the target's, the listen address has the same. */
struct gw_forward {
	char name[NAME_NET_MAX + 1];
	int line;	 /* of the section */
	int listen_line; /* of listen (0: none) */
	int family;	 /* AF_INET, AF_INET6 */
	uint8_t proto;	 /* IPPROTO_TCP, IPPROTO_UDP */
	bool listen_any;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} listen, to;
	uint16_t port_min, port_max;
	uint16_t to_min, to_max;
};

struct gw_forwards {
	size_t n;
	struct gw_forward *v;
};

#endif
