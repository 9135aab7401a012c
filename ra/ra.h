/* IPv6 router advertisements: what dnsmasq is told to send. Pure. */
#ifndef GW_RA_H
#define GW_RA_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

bool ra_wanted(const struct gw_network *net);
/* The RA and DHCPv6 lines of a network's dnsmasq config. */
void ra_dnsmasq_lines(FILE *f, const struct gw_network *net);

#endif
