/* IPv6 router solicitation / advertisement packets for the start-time
 * probe. Pure: bytes in, bytes out. */
#ifndef GW_RA_PACKET_H
#define GW_RA_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define RA_RS_LEN 16 /* router solicitation with a source link-layer option */

/* The ICMPv6 part of a router solicitation carrying mac as its source
 * link-layer address, for a raw ICMPv6 socket (the kernel adds the IPv6
 * header and the checksum). */
size_t ra_build_rs(uint8_t *buf, size_t len, const uint8_t mac[6]);

/* Is this IPv6 packet a router advertisement? Fills in its source. */
int ra_parse_ra(const uint8_t *pkt, size_t len, struct in6_addr *src);

#endif
