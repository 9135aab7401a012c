/* A network's static hosts, names and what DHCP/RA tell guests besides
 * addresses: `host NAME { mac; ipv4; ipv6 }`, domain, dns_servers, mtu
 * (conf/host.c). */
#ifndef GW_CONF_HOST_H
#define GW_CONF_HOST_H

#include <stddef.h>

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_HOST_OPTS

struct gw_host;

struct gw_hosts {
	size_t n;
	struct gw_host *v;
};

#endif
