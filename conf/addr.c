/* Address and prefix helpers: no system calls, used by conf, nft and dhcp. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int split_prefix(const char *s, char *addr, size_t len, unsigned *plen, unsigned max)
{
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long v;

	if (!slash || (size_t)(slash - s) >= len)
		return -EINVAL;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	/* strtoul() alone would take " 24", "+24" or "-0" */
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(slash + 1, &end, 10);
	if (errno || *end || v > max)
		return -ERANGE;
	*plen = v;
	return 0;
}

int addr_parse_prefix4(const char *s, struct in_addr *a, unsigned *plen)
{
	char buf[INET_ADDRSTRLEN];
	int r = split_prefix(s, buf, sizeof(buf), plen, 32);

	if (r < 0)
		return r;
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -EINVAL;
}

int addr_parse_prefix6(const char *s, struct in6_addr *a, unsigned *plen)
{
	char buf[INET6_ADDRSTRLEN];
	int r = split_prefix(s, buf, sizeof(buf), plen, 128);

	if (r < 0)
		return r;
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

uint32_t addr_mask4(unsigned plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

void addr_mask6(unsigned plen, struct in6_addr *mask)
{
	memset(mask, 0, sizeof(*mask));
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;
		mask->s6_addr[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

struct in_addr addr_net4(struct in_addr a, unsigned plen)
{
	struct in_addr n = { htonl(ntohl(a.s_addr) & addr_mask4(plen)) };
	return n;
}

struct in6_addr addr_net6(const struct in6_addr *a, unsigned plen)
{
	struct in6_addr m, n;

	addr_mask6(plen, &m);
	for (unsigned i = 0; i < 16; i++)
		n.s6_addr[i] = a->s6_addr[i] & m.s6_addr[i];
	return n;
}

bool addr_in4(struct in_addr a, struct in_addr net, unsigned plen)
{
	return addr_net4(a, plen).s_addr == addr_net4(net, plen).s_addr;
}

void addr_format_net4(struct in_addr a, unsigned plen, char *buf, size_t len)
{
	char s[INET_ADDRSTRLEN];
	struct in_addr n = addr_net4(a, plen);

	inet_ntop(AF_INET, &n, s, sizeof(s));
	snprintf(buf, len, "%s/%u", s, plen);
}

void addr_format_net6(const struct in6_addr *a, unsigned plen, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];
	struct in6_addr n = addr_net6(a, plen);

	inet_ntop(AF_INET6, &n, s, sizeof(s));
	snprintf(buf, len, "%s/%u", s, plen);
}

const char *addr_usable4(struct in_addr a, unsigned plen)
{
	uint32_t h = ntohl(a.s_addr);

	if (plen < 8 || plen > 30)
		return "prefix length must be between 8 and 30";
	if ((h >> 24) == 0)
		return "not a unicast address (0.0.0.0/8 is \"this network\")";
	if ((h >> 24) == 127)
		return "not a unicast address (127.0.0.0/8 is loopback)";
	if ((h >> 28) == 14)
		return "not a unicast address (224.0.0.0/4 is multicast)";
	if ((h >> 28) == 15)
		return "not a unicast address (240.0.0.0/4 is reserved)";
	return NULL;
}

const char *addr_usable6(const struct in6_addr *a, unsigned plen)
{
	if (plen < 8 || plen > 127)
		return "prefix length must be between 8 and 127";
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "not a unicast address (:: is unspecified)";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "not a unicast address (::1 is loopback)";
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "not a unicast address (::ffff:0:0/96 is IPv4-mapped)";
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return "not a global or unique-local address (fe80::/10 is link-local)";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "not a unicast address (ff00::/8 is multicast)";
	return NULL;
}

void addr_bridge_mac(const char *network, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over "gatewayd/NAME" */
	const char *p;

	for (p = "gatewayd/"; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	for (p = network; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
}
