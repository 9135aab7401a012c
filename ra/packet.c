/* Just enough of RFC 4861 to ask "is there a router on this link?". */
#include "packet.h"

#include <errno.h>
#include <string.h>

size_t ra_build_rs(uint8_t *buf, size_t len, const uint8_t mac[6])
{
	if (len < RA_RS_LEN)
		return 0;
	memset(buf, 0, RA_RS_LEN);
	buf[0] = 133; /* router solicitation; the kernel fills the checksum */
	buf[8] = 1;   /* source link-layer address option */
	buf[9] = 1;   /* length: 8 bytes */
	memcpy(buf + 10, mac, 6);
	return RA_RS_LEN;
}

int ra_parse_ra(const uint8_t *pkt, size_t len, struct in6_addr *src)
{
	if (len < 40 + 16 || (pkt[0] >> 4) != 6 || pkt[6] != IPPROTO_ICMPV6 || pkt[7] != 255 ||
	    pkt[40] != 134 || pkt[41] != 0)
		return -EINVAL;
	memcpy(src, pkt + 8, 16);
	return 0;
}
