/* The start-time probe: before dnsmasq first serves a network, ask its
 * bridge whether anybody else already serves DHCP or sends RAs there. */
#ifndef GW_PROBE_H
#define GW_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Sends a DHCPDISCOVER and a router solicitation on the bridge and listens
 * for ms milliseconds. Returns 1 and describes the first answer in what
 * ("DHCP server 10.0.0.1 (MAC aa:bb:..)" / "router fe80::1 (MAC ..)"),
 * 0 if nobody answered, -errno if the probe itself failed. */
int probe_bridge(int ifindex, const uint8_t mac[6], unsigned ms, char *what, size_t len);

#endif
