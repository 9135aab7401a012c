/* Address and prefix helpers shared by the planners (pure). */
#ifndef GW_ADDR_H
#define GW_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "10.0.0.1/24" -> address and prefix length; host bits kept. */
int addr_parse_prefix4(const char *s, struct in_addr *a, unsigned *plen);
int addr_parse_prefix6(const char *s, struct in6_addr *a, unsigned *plen);
uint32_t addr_mask4(unsigned plen); /* host order */
void addr_mask6(unsigned plen, struct in6_addr *mask);
struct in_addr addr_net4(struct in_addr a, unsigned plen);
struct in6_addr addr_net6(const struct in6_addr *a, unsigned plen);
bool addr_in4(struct in_addr a, struct in_addr net, unsigned plen);
/* "10.0.0.0/24" into buf (network address) */
void addr_format_net4(struct in_addr a, unsigned plen, char *buf, size_t len);
void addr_format_net6(const struct in6_addr *a, unsigned plen, char *buf, size_t len);

/* Why A/PLEN cannot hold a network's subnet, or NULL if it can: the
 * unicast checks shared by the config parser and the state files read
 * back (state_dir/NET.subnets). A may be the bridge's host address or the
 * network address. The reason reads after "ipv4 \"...\": ".
 * IPv4: prefix 8..30; not 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 or 240.0.0.0/4.
 * IPv6: prefix 8..127; not ::, ::1, ::ffff:0:0/96, fe80::/10 or ff00::/8. */
const char *addr_usable4(struct in_addr a, unsigned plen);
const char *addr_usable6(const struct in6_addr *a, unsigned plen);

/* The stable, locally administered MAC of a network's bridge. The backstop
 * rules recognise our own DHCP/RA frames by it. */
void addr_bridge_mac(const char *network, uint8_t mac[6]);

#endif
