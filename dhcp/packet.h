/* DHCPv4 packets for the start-time probe: build a DISCOVER, recognise an
 * OFFER. Pure: bytes in, bytes out. */
#ifndef GW_DHCP_PACKET_H
#define GW_DHCP_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_PROBE_LEN 328 /* IPv4 + UDP + a 300-byte BOOTP message */

/* An IPv4/UDP DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67 with the
 * broadcast flag, for a packet socket. Returns its length. */
size_t dhcp_build_discover(uint8_t *buf, size_t len, const uint8_t mac[6], uint32_t xid);

/* Is this IPv4 packet a DHCP server's reply to xid? Fills in the server's
 * identifier (option 54, else the IP source). 0 yes, -EINVAL no. */
int dhcp_parse_reply(const uint8_t *pkt, size_t len, uint32_t xid, struct in_addr *server);

#endif
