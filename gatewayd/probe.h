/* The start-time probe: before dnsmasq first serves a network, ask its
 * bridge whether anybody else already serves DHCP or sends RAs there. */
#ifndef GW_PROBE_H
#define GW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sends a DHCPDISCOVER and a router solicitation on the bridge (mac: the
 * bridge's) and listens for ms milliseconds. Returns 1 and describes the
 * first answer in what ("DHCP server 10.0.0.1 (MAC aa:bb:..)" / "IPv6
 * router fe80::1 (MAC ..)"), 0 if nobody answered, -errno if the probe
 * itself failed. own: the doctor's self-test: ifindex is a test port
 * plugged into the bridge, the DISCOVER comes from a random client MAC, and
 * only an answer from our own server (from mac, the bridge's) counts. */
int probe_bridge(int ifindex, const uint8_t mac[6], unsigned ms, bool own, char *what, size_t len);

#endif
