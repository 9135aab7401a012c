/* IPv6 on a network: whether it is advertised, and what dnsmasq is told
 * (stateful DHCPv6 only). Pure. */
#ifndef GW_RA_H
#define GW_RA_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

/* gatewayd sends router advertisements on this network's bridge */
bool ra_wanted(const struct gw_network *net);
/* and its dnsmasq serves stateful DHCPv6 (ipv6_dhcp_range) */
bool ra_dhcp6_wanted(const struct gw_network *net);
/* The DHCPv6 lines of a network's dnsmasq config. */
void ra_dnsmasq_lines(FILE *f, const struct gw_network *net);

#endif
