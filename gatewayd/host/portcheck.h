/* Is something else already holding the ports dnsmasq needs on a bridge
 * (UDP 67, UDP/TCP 53)? If so, name the process instead of passing on
 * dnsmasq's bare "Address already in use". */
#ifndef GW_PORTCHECK_H
#define GW_PORTCHECK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Pure: the socket inodes in a /proc/net/{udp,tcp,udp6,tcp6} text whose
 * local port is port (TCP: listening only). Returns how many (<= max). */
size_t portcheck_parse(const char *text, uint16_t port, int tcp, unsigned long *inodes, size_t max);

/* Try the binds dnsmasq will make on this bridge (as it makes them, with
 * SO_REUSEADDR). Returns 0 if all are free; otherwise -EADDRINUSE and a
 * sentence naming the port, the address and the holder in msg. */
int portcheck_bridge(const char *bridge, struct in_addr addr4, const struct in6_addr *addr6,
		     char *msg, size_t len);

#endif
