/* A network's mode and addresses beyond its own subnet: routed or isolated
 * instead of NAT, SNAT to fixed addresses, NAT66, traffic allowed from
 * other networks (conf/mode.c). */
#ifndef GW_CONF_MODE_H
#define GW_CONF_MODE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_MODE_OPTS                                                                             \
	SVAL("inbound", NULL), SVAL("snat_address", NULL), SVAL("snat6_address", NULL),            \
		SVAL("ipv6_nat", NULL), SVAL_LIST("allow_from", NULL),

struct gw_net_mode {
	/* mode = routed: new connections from the uplink to guests dropped
	 * (inbound = drop) instead of forwarded (inbound = accept). */
	bool inbound_drop;
	/* mode = nat: SNAT to this uplink address instead of masquerade;
	 * ports 0-0 = any. snat_line: where it was written, for the host
	 * check (gatewayd/host/preflight.c) that needs the uplink's
	 * addresses. */
	bool has_snat4;
	struct in_addr snat4;
	uint16_t snat_port_min, snat_port_max;
	int snat_line;
	/* mode = nat, IPv6: masquerade (or SNAT to snat6) the prefix; false
	 * routes it as it is. */
	bool ipv6_nat;
	bool has_snat6;
	struct in6_addr snat6;
	int snat6_line;
	/* Networks whose guests may open connections to this one's. */
	size_t n_allow;
	char (*allow_from)[NAME_NET_MAX + 1];
};

#endif
