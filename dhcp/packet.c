/* Just enough of RFC 2131 to ask "is anybody else serving DHCP here?". */
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define BOOTP_LEN     300
#define BOOTP_OPTIONS 240 /* after the magic cookie */

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t dhcp_build_discover(uint8_t *buf, size_t len, const uint8_t mac[6], uint32_t xid)
{
	uint8_t *ip = buf, *udp = buf + 20, *b = buf + 28, *o;
	uint16_t sum;

	if (len < DHCP_PROBE_LEN)
		return 0;
	memset(buf, 0, DHCP_PROBE_LEN);
	ip[0] = 0x45; /* IPv4, 20-byte header */
	ip[2] = DHCP_PROBE_LEN >> 8;
	ip[3] = DHCP_PROBE_LEN & 0xff;
	ip[8] = 64; /* TTL */
	ip[9] = IPPROTO_UDP;
	memset(ip + 16, 0xff, 4); /* to 255.255.255.255, from 0.0.0.0 */
	sum = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	udp[1] = 68; /* sport */
	udp[3] = 67; /* dport */
	udp[4] = (DHCP_PROBE_LEN - 20) >> 8;
	udp[5] = (DHCP_PROBE_LEN - 20) & 0xff; /* checksum 0: none (IPv4) */
	b[0] = 1;			       /* BOOTREQUEST */
	b[1] = 1;			       /* Ethernet */
	b[2] = 6;
	b[4] = (uint8_t)(xid >> 24);
	b[5] = (uint8_t)(xid >> 16);
	b[6] = (uint8_t)(xid >> 8);
	b[7] = (uint8_t)xid;
	b[10] = 0x80;		/* broadcast flag: answer to all */
	memcpy(b + 28, mac, 6); /* chaddr */
	o = b + 236;
	*o++ = 99, *o++ = 130, *o++ = 83, *o++ = 99;	   /* magic cookie */
	*o++ = 53, *o++ = 1, *o++ = 1;			   /* DHCPDISCOVER */
	*o++ = 55, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 6; /* mask, router, DNS */
	*o++ = 255;
	return DHCP_PROBE_LEN;
}

int dhcp_parse_reply(const uint8_t *pkt, size_t len, uint32_t xid, struct in_addr *server)
{
	size_t ihl, off;
	const uint8_t *udp, *b;

	if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP)
		return -EINVAL;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 + BOOTP_OPTIONS)
		return -EINVAL;
	udp = pkt + ihl;
	b = udp + 8;
	if (udp[0] != 0 || udp[1] != 67 || udp[2] != 0 || udp[3] != 68 || b[0] != 2)
		return -EINVAL;
	if (((uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]) != xid)
		return -EINVAL;
	memcpy(&server->s_addr, pkt + 12, 4);
	if (memcmp(b + 236, "\x63\x82\x53\x63", 4))
		return 0;
	off = ihl + 8 + BOOTP_OPTIONS;
	while (off + 1 < len && pkt[off] != 255) {
		if (pkt[off] == 0) {
			off++;
			continue;
		}
		if (off + 2 + pkt[off + 1] > len)
			break;
		if (pkt[off] == 54 && pkt[off + 1] == 4)
			memcpy(&server->s_addr, pkt + off + 2, 4);
		off += 2 + (size_t)pkt[off + 1];
	}
	return 0;
}
